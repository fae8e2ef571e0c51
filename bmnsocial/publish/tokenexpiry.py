"""When each platform's token expires, as the platform last said (``accounts check`` and
``accounts connect`` ask; ``status`` reads it here, without the network).

Kept in the ledger's ``meta`` table, one JSON object per platform: ``expires_at`` (UTC ISO,
or None when the token never expires), ``data_access_expires_at`` (Facebook's date after
which the app must be authorised again to read data; None when not told), ``tasks`` (what
the person who connected the Page may do on it, as /me/accounts said) and ``checked_at``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bmnsocial.i18n import _, ngettext
from bmnsocial.publish.ledger import Ledger
from bmnsocial.timeutil import describe

WARN_BEFORE = timedelta(days=14)
_KEY = "token_expiry:"


@dataclass(frozen=True, slots=True)
class TokenExpiry:
    platform: str
    checked_at: datetime
    expires_at: datetime | None  # None: the platform says it never expires
    data_access_expires_at: datetime | None = None
    tasks: tuple[str, ...] | None = None  # Facebook: the person's tasks on the Page, if known

    def to_json(self) -> dict[str, object]:
        return {"checked_at": self.checked_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
                "data_access_expires_at": self.data_access_expires_at.isoformat()
                if self.data_access_expires_at else None,
                "tasks": list(self.tasks) if self.tasks is not None else None}


def record(ledger: Ledger, expiry: TokenExpiry) -> None:
    ledger.set_meta(_KEY + expiry.platform, json.dumps(expiry.to_json()))


def read(ledger: Ledger, platform: str) -> TokenExpiry | None:
    raw = ledger.get_meta(_KEY + platform)
    try:
        data = json.loads(raw) if raw else None
        if not isinstance(data, dict):
            return None

        def moment(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        checked = moment("checked_at")
        if checked is None:
            return None
        tasks = data.get("tasks")
        return TokenExpiry(platform, checked, moment("expires_at"),
                           moment("data_access_expires_at"),
                           tuple(str(t) for t in tasks) if isinstance(tasks, list) else None)
    except ValueError:
        return None


def judge(expiry: TokenExpiry, now: datetime, tz: ZoneInfo) -> tuple[str, str, bool] | None:
    """(code, sentence, is a problem) when the token expires within ``WARN_BEFORE`` or has
    expired; None otherwise."""
    until = expiry.expires_at
    if until is None or until - now > WARN_BEFORE:
        return None
    if until <= now:
        return ("token-expired", _(
            "the {platform} token expired {when}: nothing can be published there until it is "
            "renewed (bmnsocial accounts connect {platform})").format(
                platform=expiry.platform, when=describe(until, tz)), True)
    days = math.ceil((until - now) / timedelta(days=1))
    return ("token-expiring", ngettext(
        "the {platform} token expires {when} (in {days} day): renew it with 'bmnsocial accounts "
        "connect {platform}'",
        "the {platform} token expires {when} (in {days} days): renew it with 'bmnsocial accounts "
        "connect {platform}'", days).format(platform=expiry.platform, when=describe(until, tz),
                                            days=days), False)
