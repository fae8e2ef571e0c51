"""Rebuilding a lost or damaged ledger from the newest backup and the platforms' own record.

A new empty ledger would queue again what was already published. `bmnsocial ledger recover`
builds the new one aside: the newest backup (if any), a sync of the posts folder, then every
queued or sending row is looked up among the account's recent posts with the same matching
as reconciliation (``publisher.find_parts``). Found: recorded as published. Several
candidates: unconfirmed, for a person. Only when all of that worked is the damaged ledger set
aside (kept, renamed) and the new one put in its place.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bmnsocial.errors import BmnError, LedgerUnavailable, UsageError
from bmnsocial.i18n import _
from bmnsocial.platforms.base import PublishError, RemotePost
from bmnsocial.publish import backup
from bmnsocial.publish.ledger import MARKER, Ledger, Row, Status, fsync_dir, marker_of
from bmnsocial.publish.locks import SingleInstance
from bmnsocial.publish.publisher import ambiguous_reason, find_parts, from_payload_json
from bmnsocial.publish.runtime import Runtime
from bmnsocial.schedule.daemon import LOCK
from bmnsocial.schedule.sync import sync

LEDGER = "ledger.sqlite3"
# A post is never published before its time; a clock a little off is allowed for.
EARLY = timedelta(minutes=5)


class RecoveryFailed(BmnError):
    """The platforms could not be read: nothing was changed."""


@dataclass
class Recovered:
    kept_as: list[Path] = field(default_factory=list)  # the damaged ledger's files, set aside
    backup: Path | None = None
    found: list[Row] = field(default_factory=list)  # on the platform: recorded as published
    unsure: list[Row] = field(default_factory=list)  # several candidates: unconfirmed
    queued: int = 0


def damage(path: Path) -> LedgerUnavailable | None:
    """Why the ledger at ``path`` cannot be used; None when it opens and passes SQLite's
    check. A state directory with neither a ledger nor its marker has nothing to lose."""
    if not path.exists() and not marker_of(path).exists():
        return LedgerUnavailable(_("there is no ledger yet"), "ledger-missing")
    try:
        ledger = Ledger(path)
    except LedgerUnavailable as exc:
        return exc
    try:
        ledger.check()
    except LedgerUnavailable as exc:
        return exc
    finally:
        ledger.db.close()
    return None


def recover(runtime: Runtime, now: datetime, days: int) -> Recovered:
    state_dir = runtime.state_dir
    path = state_dir / LEDGER
    lock = SingleInstance(state_dir / LOCK)  # no daemon starts while this runs
    if not lock.acquire():
        raise UsageError(_("the daemon is running on {folder}: stop it first (systemctl stop "
                           "bmnsocial), and comment out run-due in cron while this "
                           "runs.").format(folder=state_dir))
    try:
        if damage(path) is None:
            raise UsageError(_("the ledger {path} is healthy: there is nothing to recover, and "
                               "it is left exactly as it is.").format(path=path))
        work = state_dir / "recovering"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(mode=0o700)
        done = Recovered()
        newest = backup.existing(state_dir)
        if newest:
            done.backup = newest[0][1]
            shutil.copyfile(done.backup, work / LEDGER)
            os.chmod(work / LEDGER, 0o600)
        fresh = Ledger(work / LEDGER)
        try:
            since = now - timedelta(days=days)
            if newest:  # everything since the backup was taken, at least
                since = min(since, datetime.combine(newest[0][0], time(0), tzinfo=UTC))
            _rebuild(runtime, fresh, now, since, done)
            fresh.keep_count()
        finally:
            fresh.close()
        _swap(path, work, done, now)
        return done
    finally:
        lock.release()


def _rebuild(runtime: Runtime, fresh: Ledger, now: datetime, since: datetime,
             done: Recovered) -> None:
    sync([runtime.config.posts_dir], runtime.config, fresh, now, full=True)
    candidates = fresh.rows(statuses=(Status.QUEUED, Status.SENDING))
    remote: dict[str, list[RemotePost]] = {}
    for platform in sorted({r.platform for r in candidates}):
        try:
            remote[platform] = runtime.adapter(platform).recent_posts(since)
        except PublishError as exc:
            raise RecoveryFailed(_(
                "cannot read the recent posts of {platform}: {error}. Nothing was changed; "
                "try again when {platform} can be reached.").format(
                    platform=platform, error=exc.message)) from None
    # A series' occurrence can only be one of the posts made from its time on; a post that
    # goes out once may have gone out at any time (a `slot: next` gets a new slot here).
    rows_of = Counter((r.post_id, r.platform) for r in fresh.rows())
    used: set[str] = set()
    for row in candidates:
        once = rows_of[(row.post_id, row.platform)] == 1
        pool = [p for p in remote[row.platform] if p.id not in used and (
            once or p.created_at is None or p.created_at >= row.due - EARLY)]
        rendered = from_payload_json(row.payload)
        ids, ambiguous = find_parts(rendered, pool, [])
        if ambiguous:
            done.unsure.append(fresh.mark_unconfirmed(
                row.id, ambiguous_reason(ambiguous, row), "recovered", now))
        elif ids and len(ids) == len(rendered.parts):
            first = next(p for p in pool if p.id == ids[0])
            done.found.append(fresh.mark_published(row.id, ids[0], first.url, ids, now,
                                                   how="recovered"))
            used.update(ids)
        elif ids:  # the first parts of a thread: the rest follows as replies
            fresh.save_progress(row.id, ids, now)
            used.update(ids)
    done.queued = len(fresh.rows(statuses=(Status.QUEUED,)))


def _swap(path: Path, work: Path, done: Recovered, now: datetime) -> None:
    """The damaged ledger's files are kept under another name, the new one takes its place."""
    suffix = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    for extra in ("", "-wal", "-shm"):
        old = path.with_name(path.name + extra)
        if old.exists():
            kept = path.with_name(f"{path.name}.damaged-{suffix}{extra}")
            os.replace(old, kept)
            done.kept_as.append(kept)
    os.replace(work / LEDGER, path)
    if (work / MARKER).exists():
        os.replace(work / MARKER, marker_of(path))
    else:  # the old one's count is not this ledger's: the next open notes the new count
        marker_of(path).unlink(missing_ok=True)
    fsync_dir(path.parent)
    shutil.rmtree(work, ignore_errors=True)
