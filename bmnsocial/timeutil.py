"""Local wall-clock times in a zone with DST, resolved without silent shifts."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class LocalTimeKind(StrEnum):
    NORMAL = "normal"
    NONEXISTENT = "nonexistent"  # skipped by a spring-forward transition
    AMBIGUOUS = "ambiguous"  # happens twice at a fall-back transition


def classify(naive: datetime, tz: ZoneInfo) -> LocalTimeKind:
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return LocalTimeKind.NORMAL
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return LocalTimeKind.NONEXISTENT if round_trip != naive else LocalTimeKind.AMBIGUOUS


def resolve_recurring(naive: datetime, tz: ZoneInfo) -> datetime:
    """Documented resolution for recurring occurrences (docs/post-format.md, "DST").

    A wall time skipped by spring-forward happens as soon as the clock allows (00:30 → 01:30);
    a wall time that happens twice happens once, at its first instance (daylight time).
    """
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def transition_offsets(naive: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """The two UTC offsets around a transition, as text like '-04:00', first one first."""
    a = naive.replace(tzinfo=tz, fold=0).strftime("%z")
    b = naive.replace(tzinfo=tz, fold=1).strftime("%z")
    return f"{a[:3]}:{a[3:]}", f"{b[:3]}:{b[3:]}"


def now(tz: ZoneInfo | None = None) -> datetime:
    """The current time; BMNSOCIAL_NOW (ISO 8601 with offset) fixes it for rehearsals and tests."""
    fixed = os.environ.get("BMNSOCIAL_NOW")
    try:
        current = datetime.fromisoformat(fixed) if fixed else datetime.now(UTC)
    except ValueError:
        from bmnsocial.errors import UsageError

        raise UsageError(f"BMNSOCIAL_NOW={fixed!r} is not an ISO 8601 date and time "
                         "(e.g. 2027-01-14T09:00-05:00); unset it to use the real clock.") from None
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)
    return current.astimezone(tz) if tz else current


def describe(moment: datetime, tz: ZoneInfo) -> str:
    """'Thursday 2027-01-14 09:00 (-05:00)' in the given zone."""
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    return (f"{WEEKDAY_NAMES[local.weekday()]} {local:%Y-%m-%d %H:%M} "
            f"({offset[:3]}:{offset[3:]})")


def day_span(days: int) -> timedelta:
    return timedelta(days=days)
