"""What the platforms were asked, and what the platforms that charge per request (X, the
``pricing`` capability) charged and will charge (docs/report-cost.md).

Every answer heard on a session the runtime builds is one row of the ledger's
``platform_requests`` table: publications, reconciliation reads, `accounts check`, clock
probes alike. A request that got no answer (a timeout after sending) is not known to have
reached the platform and is not counted. The spending and the month's budget are read from
that table; what is queued is priced from the rows' frozen renderings.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bmnsocial.config import Config, load_config
from bmnsocial.errors import ConfigError
from bmnsocial.i18n import _
from bmnsocial.platforms import registry
from bmnsocial.platforms.base import Charge, Pricing
from bmnsocial.publish.ledger import Ledger, Row, Status, stamp
from bmnsocial.reasons import Reason, Usd
from bmnsocial.render.payload import from_payload

if TYPE_CHECKING:
    from requests import Response

log = logging.getLogger("bmnsocial.publish.costs")

class RequestMeter:
    """Records each answer a platform gave. The hook runs in whatever thread sent the
    request, so each thread writes through a connection of its own, kept for its next
    answers; a ledger that cannot take the row is logged, never allowed to break the request.

    Its commits are not flushed to disk on their own (synchronous NORMAL): a count is not a
    claim, and the next claim's flush carries it to disk with it (one write-ahead log). A
    power cut can forget the last answers' counts, never a publication's state."""

    def __init__(self, ledger_path: Path, config: Config,
                 now: Callable[[], datetime]) -> None:
        self.ledger_path = ledger_path
        self.prices = {name: (pricing, pricing.prices(config.account(name)))
                       for name, pricing in priced()}
        self.now = now
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def heard(self, platform: str, response: Response) -> None:
        pricing, prices = self.prices.get(platform, (None, None))
        charge = (pricing.answered(response, prices) if pricing is not None
                  else Charge("other", 1, 0.0))
        try:
            with self._connection() as db:
                db.execute("INSERT INTO platform_requests (at, platform, kind, http_status, "
                           "units, cost_usd) VALUES (?, ?, ?, ?, ?, ?)",
                           (stamp(self.now()), platform, charge.kind, response.status_code,
                            charge.units, charge.usd))
        except sqlite3.Error as exc:
            log.warning(_("could not record a request to %s in the ledger: %s"), platform, exc)

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # mode=rw: a ledger that is not there is never made here, empty
            uri = self.ledger_path.resolve().as_uri() + "?mode=rw"
            db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
            with self._lock:
                self._opened.append(db)
        return db

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()
        self._local = threading.local()


def priced() -> list[tuple[str, Pricing]]:
    """The platforms that charge per request, with how."""
    return [(name, pricing) for name in registry.names()
            if (pricing := registry.get(name).pricing) is not None]


def month_of(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m}"


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of ``month`` (YYYY-MM) in ``tz``, and of the month after."""
    year, number = (int(x) for x in month.split("-"))
    start = datetime(year, number, 1, tzinfo=tz)
    after = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), after.astimezone(UTC)


def spent_usd(ledger: Ledger, platform: str, start: datetime, end: datetime) -> float:
    found = ledger.db.execute(
        "SELECT COALESCE(SUM(cost_usd), 0) FROM platform_requests WHERE platform = ? AND "
        "at >= ? AND at < ?", (platform, stamp(start), stamp(end))).fetchone()
    return round(float(found[0]), 6)


def row_cost(row: Row, pricing: Pricing, prices: Any) -> float:
    """What the platform will charge for the parts of ``row`` not yet sent."""
    return pricing.publication_cost(from_payload(json.loads(row.payload)), prices,
                                    len(row.part_ids))


@dataclass(frozen=True, slots=True)
class MonthCost:
    month: str
    platform: str
    requests: int = 0
    spent_usd: float = 0.0
    planned_usd: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, "platform": self.platform, "requests": self.requests,
                "spent_usd": round(self.spent_usd, 6), "planned_usd": round(self.planned_usd, 6)}


def monthly_costs(ledger: Ledger, config: Config, month: str | None = None) -> list[MonthCost]:
    """Per month (in the config's zone) and platform: the requests answered and what the
    platform charged for them, and what the queued rows due that month will cost."""
    tz = config.timezone
    prices = {name: (pricing, pricing.prices(config.account(name)))
              for name, pricing in priced()}
    sums: dict[tuple[str, str], list[float]] = {}
    where, args = "", []
    if month is not None:
        start, end = month_bounds(month, tz)
        where, args = " WHERE at >= ? AND at < ?", [stamp(start), stamp(end)]
    for at, platform, cost in ledger.db.execute(
            f"SELECT at, platform, cost_usd FROM platform_requests{where}", args):
        entry = sums.setdefault((month_of(datetime.fromisoformat(at), tz), platform),
                                [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += cost
    for row in ledger.rows(statuses=(Status.QUEUED, Status.SENDING)):
        key = (month_of(row.due, tz), row.platform)
        if month is not None and key[0] != month:
            continue
        entry = sums.setdefault(key, [0, 0.0, 0.0])
        if row.platform in prices:
            entry[2] += row_cost(row, *prices[row.platform])
    return [MonthCost(m, p, int(v[0]), v[1], v[2]) for (m, p), v in sorted(sums.items())]


class Budget:
    """accounts.<platform>.monthly_budget_usd of each platform that charges per request (X):
    a publication that would take the calendar month (in the config's zone) past it is not
    started."""

    def __init__(self, ledger: Ledger, config: Config) -> None:
        self.ledger = ledger
        self.config = config
        self._accounts_from = config  # the config.yaml last read without an error
        self._file_seen = self._file_stamp()

    def _file_stamp(self) -> int | None:
        try:
            return Path(self.config.source).stat().st_mtime_ns
        except OSError:  # the embedded default, or a file gone: what was read stays
            return None

    def _account(self, platform: str) -> Any:
        """The platform's account as config.yaml says it now: a daemon started before the
        budget was raised goes by the new one without a restart."""
        seen = self._file_stamp()
        if seen is not None and seen != self._file_seen:
            self._file_seen = seen
            try:
                self._accounts_from = load_config(Path(self.config.source))
            except ConfigError as exc:  # a config being edited: the last good one holds
                log.warning(_("the X budget stays as it was: %s"),
                            exc.diagnostics[0].format() if exc.diagnostics else "")
        return self._accounts_from.account(platform)

    def judge(self, row: Row, now: datetime) -> tuple[datetime, str] | None:
        """Until when ``row`` is held (the next month's first instant), and why; None when
        it may go out."""
        pricing: Pricing | None = registry.capability(row.platform, "pricing")
        if pricing is None:
            return None
        account = self._account(row.platform)
        budget = pricing.budget(account)
        if budget is None:
            return None
        if row.part_ids:  # a thread half sent is finished: half a thread is worse
            return None
        tz = self.config.timezone
        month = month_of(now, tz)
        start, end = month_bounds(month, tz)
        cost = row_cost(row, pricing, pricing.prices(account))
        spent = spent_usd(self.ledger, row.platform, start, end)
        if spent + cost <= budget + 1e-9:
            return None
        return end, Reason("X-BUDGET", cost=Usd(cost), spent=Usd(spent), budget=Usd(budget),
                           month=month, post=row.post_id)


def budget_shortfall(ledger: Ledger, config: Config, held: list[Row], now: datetime) -> float:
    """By how much the month's budgets would have to grow for every held row to go out."""
    start, end = month_bounds(month_of(now, config.timezone), config.timezone)
    short = 0.0
    for name, pricing in priced():
        account = config.account(name)
        budget = pricing.budget(account)
        mine = [r for r in held if r.platform == name]
        if budget is None or not mine:
            continue
        need = spent_usd(ledger, name, start, end) + sum(
            row_cost(r, pricing, pricing.prices(account)) for r in mine)
        short += max(0.0, round(need - budget, 6))
    return short
