"""The figures of published posts: read from the platforms, kept in the ledger's
``metric_reads`` table with the time they were read, never overwritten
(docs/report-engagement.md).

`bmnsocial metrics pull` reads every published post at once; the daemon reads each post at
the ages ``metrics.after_hours`` names (:func:`due_reads`), one read per age, in a thread of
its own. The platforms that declare ``metrics`` are read. X charges per post returned (its
``pricing``), so such a read is priced first and skipped when it would take the month past
``accounts.twitter.monthly_budget_usd``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bmnsocial.config import Config
from bmnsocial.i18n import _, money
from bmnsocial.platforms import registry
from bmnsocial.platforms.base import Adapter, CredentialsMissing, Figures, Pricing, PublishError
from bmnsocial.publish.costs import month_bounds, month_of, spent_usd
from bmnsocial.publish.ledger import Ledger, Row, Status, parse_stamp, stamp

log = logging.getLogger("bmnsocial.publish.metrics")

def pulled_platforms() -> tuple[str, ...]:
    """The platforms whose figures are read (the ``metrics`` capability)."""
    return registry.having("metrics")


def not_pulled() -> dict[str, str]:
    """Platform -> why its figures are never read, in the reader's language."""
    return {name: _(why) for name in registry.names()
            if (why := registry.get(name).no_metrics) is not None}


# Why a publication's figures were not read (JSON "reason"), with what is said.
X_BUDGET = "x-budget"
NOT_FOUND = "not-found"
NO_CREDENTIALS = "no-credentials"
PLATFORM_ERROR = "platform-error"
NOTHING_TOLD = "nothing-told"


@dataclass(frozen=True, slots=True)
class Due:
    """A publication whose figures are to be read, and the age (hours) the read answers;
    ``slot`` None: asked by a person."""

    row: Row
    slot: int | None = None


@dataclass(slots=True)
class PullReport:
    read_at: datetime
    pulled: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    x_cost_usd: float = 0.0

    def skip(self, row: Row, reason: str, message: str) -> None:
        self.skipped.append({"post_id": row.post_id, "platform": row.platform,
                             "occurrence": row.occurrence, "reason": reason,
                             "message": message})

    def to_json(self) -> dict[str, Any]:
        return {"read_at": self.read_at.astimezone(UTC).isoformat(), "pulled": self.pulled,
                "skipped": self.skipped, "x_cost_usd": round(self.x_cost_usd, 6),
                "not_pulled": not_pulled()}


def published_rows(ledger: Ledger) -> list[Row]:
    """Published rows that carry the platform's id, on the platforms whose figures are read."""
    return [r for r in ledger.rows(statuses=(Status.PUBLISHED,))
            if r.platform_post_id and r.platform in pulled_platforms()]


def due_reads(ledger: Ledger, after_hours: Sequence[int], now: datetime) -> list[Due]:
    """The publications whose next age has come and not been read. An age is read once, by
    the first read after it; an age missed by more than itself (the daemon was off) is left
    for the next one, so a daemon started beside a year of posts does not read them all."""
    if not after_hours:
        return []
    read = {int(pid): int(slot) for pid, slot in ledger.db.execute(
        "SELECT publication_id, MAX(slot_hours) FROM metric_reads "
        "WHERE slot_hours IS NOT NULL GROUP BY publication_id")}
    oldest = now - timedelta(hours=2 * max(after_hours))
    due: list[Due] = []
    for pid, published_at in ledger.db.execute(
            "SELECT id, published_at FROM publications WHERE status = 'published' AND "
            "platform_post_id IS NOT NULL AND published_at >= ?", (stamp(oldest),)):
        moment = parse_stamp(published_at)
        if moment is None:
            continue
        age = now - moment
        reached = [h for h in after_hours
                   if timedelta(hours=h) <= age < timedelta(hours=2 * h)]
        if reached and max(reached) > read.get(int(pid), 0):
            due.append(Due(ledger.get(int(pid)), max(reached)))
    return [d for d in due if d.row.platform in pulled_platforms()]


def store(ledger: Ledger, row: Row, figures: Figures, read_at: datetime,
          slot: int | None) -> bool:
    """One read, kept as it is; False when that age was already read (by another process)."""
    cursor = ledger.db.execute(
        "INSERT OR IGNORE INTO metric_reads (publication_id, platform, platform_post_id, "
        "read_at, slot_hours, figures, unavailable) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row.id, row.platform, figures.post_id, stamp(read_at), slot,
         json.dumps(figures.counts, sort_keys=True),
         json.dumps(figures.unavailable, sort_keys=True)))
    return bool(cursor.rowcount == 1)


@dataclass(frozen=True, slots=True)
class Reading:
    publication_id: int
    platform: str
    read_at: datetime
    slot: int | None
    counts: dict[str, int]
    unavailable: dict[str, str]


def latest_readings(ledger: Ledger) -> dict[int, Reading]:
    """Each publication's latest read (the figures keep growing: the latest tells most)."""
    found: dict[int, Reading] = {}
    try:
        rows = ledger.db.execute(
            "SELECT publication_id, platform, read_at, slot_hours, figures, unavailable "
            "FROM metric_reads ORDER BY read_at, id").fetchall()
    except sqlite3.OperationalError:  # a read-only view of a ledger older than the table
        return found
    for pid, platform, read_at, slot, figures, unavailable in rows:
        moment = parse_stamp(read_at)
        if moment is not None:
            found[int(pid)] = Reading(int(pid), platform, moment, slot, json.loads(figures),
                                      json.loads(unavailable))
    return found


def all_readings(ledger: Ledger, publication_id: int) -> list[Reading]:
    return [Reading(publication_id, platform, parse_stamp(at) or datetime.min.replace(
                tzinfo=UTC), slot, json.loads(figures), json.loads(unavailable))
            for platform, at, slot, figures, unavailable in ledger.db.execute(
                "SELECT platform, read_at, slot_hours, figures, unavailable FROM "
                "metric_reads WHERE publication_id = ? ORDER BY read_at, id",
                (publication_id,))]


def read_allowed(ledger: Ledger, config: Config, platform: str, posts: int,
                 now: datetime) -> str | None:
    """None when reading ``posts`` posts keeps the month within the platform's budget (X's);
    else why not."""
    pricing: Pricing | None = registry.capability(platform, "pricing")
    account = config.account(platform)
    budget = pricing.budget(account) if pricing is not None else None
    if pricing is None or budget is None:
        return None
    cost = posts * pricing.post_read(pricing.prices(account))
    start, end = month_bounds(month_of(now, config.timezone), config.timezone)
    spent = spent_usd(ledger, platform, start, end)
    if spent + cost <= budget + 1e-9:
        return None
    return _("reading {count} tweets would cost {cost} on X, and {spent} of the {budget} "
             "monthly budget is spent (accounts.twitter.monthly_budget_usd): not read.").format(
                 count=posts, cost=money(cost), spent=money(spent), budget=money(budget))


def _batches(items: list[Due], size: int) -> Iterable[list[Due]]:
    for start in range(0, len(items), max(size, 1)):
        yield items[start:start + size]


def pull(ledger: Ledger, config: Config, adapter_for: Callable[[str], Adapter],
         due: Sequence[Due], clock: Callable[[], datetime]) -> PullReport:
    """Read the figures of ``due``, a platform at a time, a batch per request; each batch is
    kept as soon as it is read, so a failure later loses nothing already read, and an age
    read twice is kept once."""
    report = PullReport(clock())
    for platform in pulled_platforms():
        wanted = [d for d in due if d.row.platform == platform]
        if not wanted:
            continue
        try:
            adapter = adapter_for(platform)
        except PublishError as exc:  # no credentials, or no account section any more
            reason = NO_CREDENTIALS if isinstance(exc, CredentialsMissing) else PLATFORM_ERROR
            for d in wanted:
                report.skip(d.row, reason, str(exc))
            continue
        _pull_platform(ledger, config, adapter, wanted, clock, report)
    return report


def _pull_platform(ledger: Ledger, config: Config, adapter: Adapter, wanted: list[Due],
                   clock: Callable[[], datetime], report: PullReport) -> None:
    batches = list(_batches(wanted, adapter.figures_batch))
    for index, batch in enumerate(batches):
        refused = read_allowed(ledger, config, adapter.name, len(batch), clock())
        if refused is not None:
            for d in (d for rest in batches[index:] for d in rest):
                report.skip(d.row, X_BUDGET, refused)
            return
        try:
            found = adapter.read_figures([str(d.row.platform_post_id) for d in batch])
        except PublishError as exc:
            for d in (d for rest in batches[index:] for d in rest):
                report.skip(d.row, PLATFORM_ERROR, str(exc))
            return
        if found is None:
            for d in batch:
                report.skip(d.row, NOTHING_TOLD, _("the platform tells nothing of its posts."))
            continue
        read_at = clock()
        by_id = {f.post_id: f for f in found}
        with ledger.transaction():
            for d in batch:
                figures = by_id.get(str(d.row.platform_post_id))
                if figures is None:
                    report.skip(d.row, NOT_FOUND, _(
                        "{platform} no longer has post {id} (deleted?).").format(
                            platform=adapter.name, id=d.row.platform_post_id))
                    continue
                kept = store(ledger, d.row, figures, read_at, d.slot)
                report.pulled.append({
                    "post_id": d.row.post_id, "platform": d.row.platform,
                    "occurrence": d.row.occurrence, "platform_post_id": figures.post_id,
                    "slot_hours": d.slot, "figures": figures.counts,
                    "unavailable": figures.unavailable, "kept": kept})
        pricing: Pricing | None = registry.capability(adapter.name, "pricing")
        if pricing is not None and config.account(adapter.name) is not None:
            report.x_cost_usd += len(found) * pricing.post_read(
                pricing.prices(config.account(adapter.name)))
