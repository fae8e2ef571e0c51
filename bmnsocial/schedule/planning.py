"""Occurrences of a post in the config time zone.

Calendar arithmetic is APScheduler's for cron (``every:`` phrases walk their own days, in
posts/recurrence.py): its CronTrigger walks local wall-clock time in UTC, where
every wall time exists exactly once, and we then place each wall time in the real zone with the
documented DST resolution (timeutil.resolve_recurring). Handing the real zone to CronTrigger
would skip a post whose time falls in the spring-forward gap and publish twice at fall-back.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bmnsocial.config import Config
from bmnsocial.i18n import _
from bmnsocial.posts.model import Post
from bmnsocial.timeutil import LocalTimeKind, classify, resolve_recurring


@dataclass(frozen=True, slots=True)
class Occurrence:
    post_id: str
    due: datetime
    note: str = ""


def occurrences(post: Post, config: Config, now: datetime, *, limit: int | None = None,
                until: datetime | None = None,
                taken: Container[datetime] = frozenset()) -> list[Occurrence]:
    """Future occurrences after ``now``, at most ``limit`` and none after ``until``."""
    s = post.schedule
    out: list[Occurrence] = []
    if s.at is not None:
        if s.at > now:
            out.append(Occurrence(post.id, s.at.astimezone(config.timezone)))
    elif s.recurring:
        for occ in _recurring(post, config, now):
            if until is not None and occ.due > until:
                break
            out.append(occ)
            if limit is not None and len(out) >= limit:
                break
    elif s.slot:
        slot = next_free_slot(config, now, taken)
        if slot is not None:
            out.append(Occurrence(post.id, slot, _("next free posting slot")))
    return out[:limit] if limit is not None else out


def _wall_times(post: Post, wall: datetime, anchor: datetime | None,
                tz: ZoneInfo) -> Iterator[datetime]:
    """The schedule's local wall-clock times from ``wall`` on, in order."""
    s = post.schedule
    if s.every is not None:
        yield from s.every.wall_times(
            wall, anchor.astimezone(tz).date() if anchor is not None else None)
        return
    from apscheduler.triggers.cron import CronTrigger

    assert s.cron is not None
    trigger = CronTrigger(timezone=UTC, **s.cron.trigger_fields())
    cursor = wall.replace(tzinfo=UTC)
    previous: datetime | None = None
    while (fire := trigger.get_next_fire_time(previous, cursor)) is not None:
        previous = fire
        cursor = fire + timedelta(seconds=1)
        yield fire.replace(tzinfo=None)


def _recurring(post: Post, config: Config, now: datetime) -> Iterator[Occurrence]:
    s, tz = post.schedule, config.timezone
    # A counted series must be walked from its start; an open one can begin at now.
    start = (s.start or now) if s.count is not None else max(s.start or now, now)
    wall = start.astimezone(tz).replace(tzinfo=None)
    last_due: datetime | None = None
    produced = 0
    for naive in _wall_times(post, wall, s.start, tz):
        due = resolve_recurring(naive, tz)
        if due == last_due:  # 00:00 moved by the DST gap onto a real 01:00
            continue
        last_due = due
        if s.start is not None and due < s.start:
            continue
        if s.until is not None and due > s.until:
            return
        produced += 1
        if s.count is not None and produced > s.count:
            return
        if due <= now:
            continue
        kind = classify(naive, tz)
        note = ""
        if kind is LocalTimeKind.NONEXISTENT:
            note = _("{time} does not exist that day (DST starts); published at {actual}"
                     ).format(time=f"{naive:%H:%M}", actual=f"{due:%H:%M}")
        elif kind is LocalTimeKind.AMBIGUOUS:
            note = _("{time} happens twice that day (DST ends); published once, the first"
                     ).format(time=f"{naive:%H:%M}")
        yield Occurrence(post.id, due, note)


def next_free_slot(config: Config, now: datetime, taken: Container[datetime] = frozenset(),
                   days: int | None = None) -> datetime | None:
    tz = config.timezone
    today = now.astimezone(tz).date()
    for offset in range(days if days is not None else config.horizon_days + 1):
        day = today + timedelta(days=offset)
        for t in config.slots.get(day.weekday(), ()):
            due = resolve_recurring(datetime.combine(day, t), tz)
            if due > now and due not in taken:
                return due
    return None
