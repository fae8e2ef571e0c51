"""Turning validated posts into ledger rows: one per platform and occurrence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bmnsocial.config import Config
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _
from bmnsocial.platforms import registry
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.publish.ledger import ONCE, WITHDRAWN, Ledger, Row, Status, Wanted
from bmnsocial.render.payload import content_hash, dumps
from bmnsocial.render.validation import CheckedPost, validate_paths
from bmnsocial.schedule.planning import next_free_slot, occurrences


@dataclass(frozen=True, slots=True)
class Planned:
    rendered: Rendered
    occurrence: str
    due: datetime


def occurrence_key(due: datetime) -> str:
    """Recurring occurrences are named by their instant, in UTC."""
    return due.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def occurrence_time(key: str) -> datetime | None:
    """The instant a recurring occurrence's key names (None for a one-off post's, or an
    evergreen post's return)."""
    if key == ONCE or key.startswith(RECYCLED):
        return None
    return datetime.strptime(key, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


#: An evergreen post's returns are occurrences "recycle-1", "recycle-2"…: a slot, once given,
#: stays (as a one-off's does), whatever is free when the next sync looks.
RECYCLED = "recycle-"


def recycle_round(key: str) -> int | None:
    """0 for the first time (``ONCE``), N for the Nth return, None for a cron occurrence."""
    if key == ONCE:
        return 0
    if key.startswith(RECYCLED) and key[len(RECYCLED):].isdigit():
        return int(key[len(RECYCLED):])
    return None


def refuse_at_for_series(checked: CheckedPost, at: datetime | None) -> None:
    if at is not None and checked.post.schedule.recurring:
        raise UsageError(_("{file}: --at does not apply to a recurring post; edit its "
                           "schedule instead.").format(file=checked.post.file))


def plan(checked: CheckedPost, config: Config, ledger: Ledger, now: datetime, *,
         at: datetime | None = None, immediately: bool = False,
         platforms: tuple[str, ...] = ()) -> list[Planned]:
    """The rows a post should have: its one occurrence (fixed time, slot or the command line's
    time) or, for a recurring post, each occurrence within the horizon."""
    post = checked.post
    chosen = [r for r in checked.rendered if not platforms or r.platform in platforms]
    if post.schedule.recurring:
        refuse_at_for_series(checked, at)
        horizon = now + timedelta(days=config.horizon_days)
        dues = [o.due for o in occurrences(post, config, now, until=horizon)]
        if immediately:
            if not dues:
                raise UsageError(_("{file}: the recurring post has no occurrence left.").format(
                    file=post.file))
            # --now publishes the next occurrence early, so the daemon will not send it again.
            return [Planned(r, occurrence_key(dues[0]), now) for r in chosen]
        keyed = [(occurrence_key(d), d) for d in dues]
        return [Planned(r, key, d) for key, d in keyed for r in chosen]
    if immediately:
        due = now
    elif at is not None:
        due = at
    elif post.schedule.at is not None:
        due = post.schedule.at
    elif post.schedule.slot:
        kept = [ledger.find(post.id, r.platform, ONCE) for r in chosen]
        existing = [row.due for row in kept if row is not None]
        if existing:
            due = existing[0]  # a slot, once given, stays: re-syncing must not move the post
        else:
            slot = next_free_slot(config, now, _TakenSlots(ledger))
            if slot is None:
                raise UsageError(_("{file}: no free posting slot in the next {days} days."
                                   ).format(file=post.file, days=config.horizon_days))
            due = slot
    else:
        raise UsageError(_("{file} has no schedule: publish it with --now, or give a time with "
                           "--at '2027-01-14 09:00'.").format(file=post.file))
    return [Planned(r, ONCE, due) for r in chosen]


#: A return's rows still to go out: its slot is kept, its content refreshed.
_WAITING = (Status.QUEUED, Status.SENDING, Status.AWAITING_MANUAL, Status.HANDED_OFF)


def plan_return(checked: CheckedPost, config: Config, ledger: Ledger,
                now: datetime) -> list[Planned]:
    """An evergreen post's next return (``recycle``), one at a time: once the latest time it
    went out (or was to) is over, the next free slot ``every_days`` later, and never within
    a platform's duplicate window of its last publication there; none after ``until``."""
    post = checked.post
    if post.recycle is None:
        return []
    rounds: dict[int, list[Row]] = {}
    for row in ledger.rows(post_id=post.id):
        number = recycle_round(row.occurrence)
        # A return a sync withdrew (the post was a draft meanwhile) did not happen.
        if number is not None and row.error_kind != WITHDRAWN:
            rounds.setdefault(number, []).append(row)
    if not rounds:
        return []  # the first time is not queued yet
    last = max(rounds)
    latest = rounds[last]
    if any(r.status in _WAITING for r in latest):
        if last == 0:
            return []  # the first time is the schedule's own
        due = min(r.due for r in latest)
        return [Planned(r, f"{RECYCLED}{last}", due) for r in checked.rendered]
    # From when it was due, not when it went out: a slot keeps its time of day.
    earliest = max(r.due for r in latest) + timedelta(days=post.recycle.every_days)
    for rendered in checked.rendered:
        window = registry.get(rendered.platform).duplicate_window
        out = [r.published_at for rows in rounds.values() for r in rows
               if r.platform == rendered.platform and r.published_at is not None]
        if window is not None and out:
            earliest = max(earliest, max(out) + window)
    start = max(earliest - timedelta(microseconds=1), now)
    slot = next_free_slot(config, start, _TakenSlots(ledger))
    if slot is None or (post.recycle.until is not None and slot > post.recycle.until):
        return []
    return [Planned(r, f"{RECYCLED}{last + 1}", slot) for r in checked.rendered]


def enqueue(ledger: Ledger, checked: CheckedPost, planned: list[Planned],
            now: datetime, *, pin: bool = False, follow: bool = False) -> list[Row]:
    """``pin``: the time comes from the command line; ``follow``: a person queued the post by
    its file, so a time given earlier on the command line gives way."""
    return [row for row, _change in upsert(ledger, checked, planned, now, pin=pin,
                                           follow=follow)]


def upsert(ledger: Ledger, checked: CheckedPost, planned: list[Planned],
           now: datetime, *, pin: bool = False, follow: bool = False) -> list[tuple[Row, str]]:
    out = []
    for want in wanted(checked, planned, str(Path(checked.post.file).resolve())):
        out.append(ledger.upsert(post_id=want.post_id, platform=want.platform,
                                 occurrence=want.occurrence, due=want.due, payload=want.payload,
                                 content_hash=want.content_hash, source_file=want.source_file,
                                 now=now, misfire=want.misfire, pin=pin, follow=follow,
                                 schedule=want.schedule))
    return out


def wanted(checked: CheckedPost, planned: list[Planned], source: str) -> list[Wanted]:
    """The planned occurrences as the ledger stores them (each rendering frozen once, however
    many occurrences share it). ``source``: the post file's resolved path."""
    frozen: dict[int, tuple[str, str]] = {}
    out = []
    for p in planned:
        if id(p.rendered) not in frozen:
            payload = dumps(p.rendered)
            frozen[id(p.rendered)] = payload, content_hash(payload)
        payload, digest = frozen[id(p.rendered)]
        out.append(Wanted(checked.post.id, p.rendered.platform, p.occurrence, p.due, payload,
                          digest, source, checked.post.schedule.misfire,
                          checked.post.schedule.signature))
    return out


class _TakenSlots:
    """The times already taken, for next_free_slot: asked of the ledger slot by slot (an
    index lookup each) rather than reading every row for each post that wants a slot."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def __contains__(self, due: object) -> bool:
        return isinstance(due, datetime) and self._ledger.slot_taken(due)





def current_payloads(rows: list[Row], config: Config, now: datetime
                     ) -> tuple[dict[int, tuple[str, str]], list[str], set[int]]:
    """What each row would send if it were queued from its post file now, as row id ->
    (payload, content hash); a note for each file that cannot give it (gone, invalid); and
    the rows whose platform the file no longer lists (not to be sent again). Used when a
    person queues a finished row again: the file may have been fixed since."""
    payloads: dict[int, tuple[str, str]] = {}
    notes: list[str] = []
    dropped: set[int] = set()
    by_file: dict[str, list[Row]] = {}
    for row in rows:
        by_file.setdefault(row.source_file, []).append(row)
    for source, its_rows in by_file.items():
        path = Path(source)
        if not path.is_file():
            notes.append(_("{file} no longer exists: {post} goes out as it was queued."
                           ).format(file=source, post=its_rows[0].post_id))
            continue
        result = validate_paths([path], config, now)
        result.forgive_history({r.post_id for r in its_rows})
        checked = [c for c in result.posts if c.post.id == its_rows[0].post_id]
        if not result.ok or not checked:
            notes.append(_("{file} has errors (bmnsocial validate {file}): {post} goes out as "
                           "it was queued.").format(file=source, post=its_rows[0].post_id))
            continue
        rendered = {r.platform: r for r in checked[0].rendered}
        for row in its_rows:
            if row.platform in rendered:
                payload = dumps(rendered[row.platform])
                payloads[row.id] = (payload, content_hash(payload))
            else:
                dropped.add(row.id)
                notes.append(_("{file} no longer lists {platform}: {post} is not queued again "
                               "there.").format(file=source, platform=row.platform,
                                                post=row.post_id))
    return payloads, notes, dropped
