"""The calendar as an iCalendar file (RFC 5545): one VEVENT per post occurrence.

Times are written in the configuration's zone (``DTSTART;TZID=America/Havana:…``) with a
VTIMEZONE built here from the zone's own transitions, so that Thunderbird, Google Calendar
and any client that trusts the file rather than its own zone database show the right local
time on both sides of a DST change. Details and choices: docs/calendar.md.

icalendar is imported only here, and this module only when a file is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bmnsocial import __version__
from bmnsocial.i18n import _
from bmnsocial.platforms import registry
from bmnsocial.publish.ledger import Status, status_name
from bmnsocial.reports.calendar import Entry
from bmnsocial.terminal import visible
from bmnsocial.timeutil import LocalTimeKind, classify

#: A post is an instant; its event lasts this long so that calendars draw it as a visible
#: block (zero-length events are hidden or drawn as a hairline by some clients).
EVENT_LENGTH = timedelta(minutes=15)
PRODID = f"-//Biblioteca Médica Nacional//bmnsocial {__version__}//ES"
CALENDAR_NAME = "BMN: publicaciones en redes sociales"


def event_status(entry: Entry) -> str:
    """CONFIRMED when every platform published; CANCELLED when all were cancelled or skipped
    (only with --all); TENTATIVE while anything is queued, being sent, failed or unconfirmed."""
    statuses = entry.statuses
    if statuses == {Status.PUBLISHED}:
        return "CONFIRMED"
    if statuses <= {Status.CANCELLED, Status.SKIPPED}:
        return "CANCELLED"
    return "TENTATIVE"


def description(entry: Entry) -> str:
    lines = []
    if entry.category is not None:
        c = entry.category
        # The seed's Spanish label in every language: the calendar is shared with the team.
        lines.append(_("Category {rank} ({slug}): {label}").format(
            rank=c.rank, slug=c.slug, label=c.label_es))
    else:
        lines.append(_("Category: unknown (the post file is gone)"))
    for p in entry.platforms:
        detail = ""
        if p.status is Status.PUBLISHED and p.url:
            detail = f" {p.url}"
        elif p.error and p.status in (Status.FAILED, Status.UNCONFIRMED, Status.SKIPPED):
            detail = f": {p.error}"
        lines.append(f"{registry.label(p.platform)}: {status_name(p.status)}"
                     f"{detail}")
    if entry.text:
        lines += ["", entry.text]
    # What a ledger row or a platform's error may carry never reaches a calendar as a control.
    return visible("\n".join(lines), keep="\n")


def ical_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """The moment in ``tz`` for a TZID value, or in UTC when its local time is not one instant.

    RFC 5545 reads an ambiguous local time as the first of the two, but clients differ
    (ical.js, in Thunderbird, reads the second), so a local time that happens twice, or never,
    is written as the instant itself."""
    local = moment.astimezone(tz)
    if classify(local.replace(tzinfo=None), tz) is not LocalTimeKind.NORMAL:
        return moment.astimezone(UTC)
    return local


def transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants (UTC, to the second) in [start, end) where ``tz`` changes its UTC offset,
    its DST flag or its abbreviation. Probes every 6 hours, then bisects."""
    def state(t: datetime) -> tuple[Any, ...]:
        local = t.astimezone(tz)
        return (local.utcoffset(), local.dst(), local.tzname())

    found = []
    step = timedelta(hours=6)
    t = start.astimezone(UTC)
    end = end.astimezone(UTC)
    current = state(t)
    while t < end:
        nxt = min(t + step, end)
        after = state(nxt)
        if after != current:
            lo, hi = t, nxt  # state(lo) == current, state(hi) != current
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                if state(mid) == current:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        t, current = nxt, after
    return found


def vtimezone(tz: ZoneInfo, first: date, last: date) -> Any:
    """A VTIMEZONE for ``tz`` valid from ``first`` to ``last`` (dates in that zone): its
    observance at ``first``, then one STANDARD or DAYLIGHT sub-component per transition.

    Each transition's DTSTART is the wall-clock time *before* the change, read with
    TZOFFSETFROM, as RFC 5545 (3.6.5 and its examples) requires: Havana's spring-forward on
    2027-03-14 is DTSTART:20270314T000000 with TZOFFSETFROM:-0500. (icalendar 7's own
    ``Timezone.from_tzid`` writes the time after the change, 01:00, one hour late.)
    """
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    component = Timezone()
    component.add("tzid", tz.key)
    component.add("x-lic-location", tz.key)

    def observance(daylight: bool, onset: datetime, before: timedelta,
                   after: datetime) -> None:
        sub = TimezoneDaylight() if daylight else TimezoneStandard()
        sub.add("dtstart", onset)
        sub.add("tzoffsetfrom", before)
        sub.add("tzoffsetto", after.utcoffset())
        name = after.tzname()
        if name:
            sub.add("tzname", name)
        component.add_component(sub)

    initial = start.astimezone(tz)
    offset = initial.utcoffset() or timedelta(0)
    observance(bool(initial.dst()), initial.replace(tzinfo=None), offset, initial)
    for instant in transitions(tz, start, end):
        before = (instant - timedelta(seconds=1)).astimezone(tz).utcoffset() or timedelta(0)
        after = instant.astimezone(tz)
        onset = (instant.astimezone(UTC) + before).replace(tzinfo=None)
        observance(bool(after.dst()), onset, before, after)
    return component


def build_calendar(entries: Sequence[Entry], tz: ZoneInfo, now: datetime) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", CALENDAR_NAME)
    cal.add("x-wr-timezone", tz.key)
    if entries:
        days = [e.due.astimezone(tz).date() for e in entries]
        # Whole years around the events, so each VTIMEZONE shows the full DST cycle.
        cal.add_component(vtimezone(tz, date(min(days).year, 1, 1),
                                    date(max(days).year, 12, 31)))
    stamp = now.astimezone(UTC).replace(microsecond=0)
    for entry in entries:
        event = Event()
        event.add("uid", visible(entry.uid))
        event.add("dtstamp", stamp)
        if entry.updated_at is not None:
            event.add("last-modified", entry.updated_at.astimezone(UTC).replace(microsecond=0))
        start = entry.due.astimezone(UTC)  # durations are added to instants, not wall times
        event.add("dtstart", ical_time(start, tz))
        event.add("dtend", ical_time(start + EVENT_LENGTH, tz))
        event.add("sequence", entry.sequence)
        event.add("summary", visible(entry.post_id))
        event.add("description", description(entry))
        event.add("categories", [visible(entry.category_slug)])
        event.add("status", event_status(entry))
        event.add("transp", "TRANSPARENT")  # a post does not make anyone busy
        url = entry.first_url
        if url:
            event.add("url", visible(url))
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def write_ics(path: Path, entries: Sequence[Entry], tz: ZoneInfo, now: datetime) -> int:
    """Write the calendar file; returns how many events it holds."""
    from bmnsocial.files import write_atomic

    write_atomic(path, build_calendar(entries, tz, now))
    return len(entries)
