"""Local wall-clock times in a zone with DST, resolved without silent shifts."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bmnsocial.i18n import N_, _

WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
                 N_("Saturday"), N_("Sunday"))


class LocalTimeKind(StrEnum):
    NORMAL = "normal"
    NONEXISTENT = "nonexistent"  # skipped by a spring-forward transition
    AMBIGUOUS = "ambiguous"  # happens twice at a fall-back transition


def classify(naive: datetime, tz: ZoneInfo) -> LocalTimeKind:
    # tz.utcoffset reads only the wall time and its fold: asking it directly is cheaper than
    # attaching the zone first, and this runs for every scheduled post.
    if tz.utcoffset(naive.replace(fold=0)) == tz.utcoffset(naive.replace(fold=1)):
        return LocalTimeKind.NORMAL
    first = naive.replace(tzinfo=tz, fold=0)
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


_started = time.monotonic()


def now(tz: ZoneInfo | None = None) -> datetime:
    """The current time. BMNSOCIAL_NOW (ISO 8601 with offset) sets the clock for rehearsals and
    tests: the process starts at that time and the clock runs on from there."""
    fixed = os.environ.get("BMNSOCIAL_NOW")
    try:
        current = (datetime.fromisoformat(fixed) + timedelta(seconds=time.monotonic() - _started)
                   if fixed else datetime.now(UTC))
    except ValueError:
        from bmnsocial.errors import UsageError

        raise UsageError(_("BMNSOCIAL_NOW={value} is not an ISO 8601 date and time "
                           "(e.g. 2027-01-14T09:00-05:00); unset it to use the real clock."
                           ).format(value=repr(fixed))) from None
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)
    return current.astimezone(tz) if tz else current


def describe(moment: datetime, tz: ZoneInfo, *, aligned: bool = False) -> str:
    """'Thursday 2027-01-14 09:00 (-05:00)' in the given zone; ``aligned`` pads the weekday
    to the longest one in the current language, for columns."""
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    day = _(WEEKDAY_NAMES[local.weekday()])
    if aligned:
        day = day.ljust(max(len(_(name)) for name in WEEKDAY_NAMES))
    return f"{day} {local:%Y-%m-%d %H:%M} ({offset[:3]}:{offset[3:]})"


def short_time(moment: datetime, tz: ZoneInfo) -> str:
    """'2026-12-03 09:01' in the given zone: when something happened, beside a fuller date."""
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def parse_user_time(text: str, tz: ZoneInfo) -> datetime:
    """A time typed on the command line: local in ``tz`` or with an offset, never ambiguous."""
    from bmnsocial.errors import UsageError

    stripped = text.strip()
    try:
        moment = datetime.fromisoformat(stripped)
        if ":" not in stripped and "t" not in stripped.lower():
            raise ValueError("a date without a time")  # would mean midnight
    except ValueError:
        raise UsageError(_("'{value}' is not a date and time; write it like 2027-01-14 09:30 "
                           "or 2027-01-14T09:30-05:00.").format(value=text)) from None
    if moment.tzinfo is not None:
        return moment
    kind = classify(moment, tz)
    if kind is not LocalTimeKind.NORMAL:
        first, second = transition_offsets(moment, tz)
        example = f"{moment:%Y-%m-%dT%H:%M}{first}"
        if kind is LocalTimeKind.NONEXISTENT:
            raise UsageError(_("{value} does not exist in {zone} (DST change); add an offset "
                               "such as {example}.").format(value=text, zone=tz.key,
                                                            example=example))
        raise UsageError(_("{value} happens twice in {zone} (DST change); add an offset such "
                           "as {example} or {second}.").format(
                               value=text, zone=tz.key, example=example, second=second))
    return moment.replace(tzinfo=tz)
