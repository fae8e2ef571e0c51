"""Keeping the ledger in step with the posts folder.

New and edited posts get their future occurrences queued or refreshed; occurrences that left a
post's schedule, and posts whose files were deleted, are cancelled; anything published (or
being sent) is never touched. A file that fails validation keeps its queued occurrences
exactly as they were: a typo in a reviewed post must not silently unschedule it.
"""

from __future__ import annotations

import difflib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic, Severity
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _, current
from bmnsocial.posts.model import Post
from bmnsocial.publish.ledger import (
    ONCE,
    UNWRITTEN,
    WITHDRAWN,
    Ledger,
    Row,
    RowState,
    Status,
    Wanted,
    upsert_change,
)
from bmnsocial.reasons import Reason
from bmnsocial.render.validation import (
    CheckedPost,
    Progress,
    ValidationResult,
    cyclic_gc_paused,
    is_post_file,
    near_miss,
    validate_paths,
)
from bmnsocial.schedule.queueing import Planned, occurrence_time, plan, plan_return, wanted
from bmnsocial.timeutil import short_time

# Rows a sync still follows: queued here, or handed to Facebook's own scheduler (deleted
# there when withdrawn, changed there when refreshed: publish/native.py).
PENDING = (Status.QUEUED, Status.HANDED_OFF)


@dataclass(slots=True)
class SyncReport:
    files: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    invalid_files: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)  # still changing: read at the next sync

    @property
    def ok(self) -> bool:
        return not self.invalid_files

    def summary(self) -> str:
        return _("{files} files: {new} occurrences queued, {updated} updated, {cancelled} "
                 "cancelled, {unchanged} unchanged; {invalid} invalid files left as they were."
                 ).format(files=self.files, new=self.new, updated=self.updated,
                          cancelled=self.cancelled, unchanged=self.unchanged,
                          invalid=len(self.invalid_files))


def sync(paths: list[Path], config: Config, ledger: Ledger, now: datetime, *,
         full: bool, progress: Progress | None = None) -> SyncReport:
    """``full``: the paths are the whole posts folder, so a post missing from it was deleted.

    A posts folder that is missing or cannot be read is an error that changes nothing: it
    says nothing about which posts were deleted. Nor is anything cancelled as deleted when a
    folder inside could not be read, or when the folder holds no post at all while posts are
    queued (a failed checkout, a wrong mount): a person cancels on purpose with `cancel`.

    The steps: read the folder (validation), read the ledger's rows of its posts at once,
    bring each post's rows in step with its file, then (``full``) withdraw the rows of posts
    no longer in the folder. Nothing here holds a lock while it works: every write is one of
    the ledger's conditional updates, which leave a row claimed for sending meanwhile
    exactly as it is."""
    began = time.monotonic()
    if full:
        for folder in paths:
            _check_folder(folder, ledger, now)
    with cyclic_gc_paused():  # (as in validation: the posts read stay alive to the end)
        scan = _read_folder(paths, config, now, progress, ledger.x_published(),
                            ledger.owners())
        scan.unsettled = _unsettled(scan.result.files, now, began)
        run = _Sync(config, ledger, now, scan, ledger.states(scan.ids, queued=full))
        for checked in scan.result.posts:
            run.sync_post(checked)
        run.flush()
        run.report_unreadable()
        if full:
            run.withdraw_deleted(paths)
            remember_refused(ledger, run.report, now)
    run.report.invalid_files.sort()
    return run.report


@dataclass(slots=True)
class _Scan:
    """The posts folder as a sync read it."""

    result: ValidationResult
    errors: dict[str, list[Diagnostic]]  # by file
    parsed: set[str]  # the files that gave a post, valid or not
    unparsed_ids: set[str]  # the ids the files that did not would have had
    ids: set[str]  # every post id the folder has
    unsettled: set[str] = field(default_factory=set)  # files changed too recently to trust

    @property
    def unreadable(self) -> list[str]:
        return [f for f in self.errors if f not in self.parsed]


def _read_folder(paths: list[Path], config: Config, now: datetime,
                 progress: Progress | None, published: dict[str, datetime],
                 owners: dict[str, str]) -> _Scan:
    result = validate_paths(paths, config, now, progress, published=published, owners=owners)
    errors: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in result.errors:
        errors[d.file].append(d)
    parsed = {c.post.file for c in result.posts}
    unparsed_ids = _meant_ids([f for f in errors if f not in parsed])
    return _Scan(result, errors, parsed, unparsed_ids,
                 {c.post.id for c in result.posts} | unparsed_ids)


class _Sync:
    """One sync's steps, and what they share: the report, the posts found present, and the
    ledger's rows as read once at the start (``held``). Decisions are made on those rows; the
    writes decide again on the rows as they are then (a row claimed for sending meanwhile is
    left to its sender), and only what a write did is counted."""

    # Rows queued or refreshed per durable commit: one disk flush for many new posts, and a
    # publication that waits to claim its row never waits long.
    WRITES_PER_COMMIT = 100

    def __init__(self, config: Config, ledger: Ledger, now: datetime, scan: _Scan,
                 held: list[RowState]) -> None:
        self.config, self.ledger, self.now, self.scan = config, ledger, now, scan
        self.report = SyncReport(files=len(scan.result.files))
        self.present: set[str] = set()
        self.rows: dict[str, list[RowState]] = defaultdict(list)
        for row in held:
            self.rows[row.post_id].append(row)
        self.queued = [row for row in held if row.status in PENDING]
        self.renames = RenameCheck.on(ledger, lambda row: row.post_id not in scan.ids,
                                      now.astimezone(config.timezone))  # (the zone it speaks in)
        self._folders: dict[str, str] = {}
        self._writes: list[tuple[Post, Wanted]] = []  # waiting for ``flush``
        self._late: set[str] = set()  # posts reported back too late
        for file in sorted(scan.unsettled):
            self.report.unsettled.append(file)
            self.report.notes.append(_(
                "{file}: changed less than {seconds} s ago, perhaps still being written: left "
                "as it was; the next sync reads it once it has stopped changing.").format(
                    file=file, seconds=SETTLE_SECONDS))

    def sync_post(self, checked: CheckedPost) -> None:
        """Bring one post's rows in step with its file."""
        post = checked.post
        own = self.scan.errors.get(post.file, [])
        rows = self.rows[post.id]
        if post.file in self.scan.unsettled:
            self.present.add(post.id)
            return
        # A post whose every row a sync withdrew (its file was deleted, or it had another
        # id) is as good as new: it may be a rename of a published one, or be back too late.
        known = any(not r.withdrawn for r in rows)
        if self._refused(checked, own, rows, known) or self._invalid(post, own):
            return
        self.present.add(post.id)
        if post.draft:
            self._withdraw([r.id for r in rows if r.status in PENDING],
                           Reason("withdrawn-draft"))
            return
        if own:  # only SCHED-PAST: its time has passed
            if known and post.recycle is not None:  # its first time is history, not its returns
                returning = self._plan_return(checked)
                self._queue(checked, returning, rows)
                self._withdraw_unplanned(post, returning, rows)
                return
            if known:  # its occurrence is history: nothing left to queue
                self._end_series(post, rows)
                return
            # Its time passed before anything queued it (the server was down when it arrived):
            # queued late, so the misfire policy publishes, moves or skips it, with a record.
            self.report.notes.append(_("{file}: its time passed before it was queued; the "
                                       "misfire policy decides what happens to it.").format(
                                           file=post.file))
        planned = self._plan(checked, known)
        if planned is None:
            return
        if post.recycle is not None:
            planned = planned + self._plan_return(checked)
        self._queue(checked, planned, rows)
        self._withdraw_unplanned(post, planned, rows)

    def _refused(self, checked: CheckedPost, own: list[Diagnostic], rows: list[RowState],
                 known: bool) -> bool:
        """A new post that is a published one renamed, or one back after its time."""
        post = checked.post
        if known or not _only_past(own):
            return False
        refusal = self.renames.twin_of(checked)
        if refusal is None and rows and own:
            drafted = all(r.reason_code == "withdrawn-draft" for r in rows)
            refusal = _back_late(post, drafted)
        if refusal is None:
            return False
        self.report.invalid_files.append(post.file)
        self.report.problems.append(refusal)
        self.present.add(post.id)
        return True

    def _invalid(self, post: Post, own: list[Diagnostic]) -> bool:
        """A file with errors keeps its rows exactly as they are (``withdraw_deleted`` knows
        it by its file and id)."""
        if _only_past(own):
            return False
        self.report.invalid_files.append(post.file)
        self.report.problems.extend(own)
        return True

    def _plan(self, checked: CheckedPost, known: bool) -> list[Planned] | None:
        """The occurrences the file asks for; None when it cannot be planned (a note)."""
        post = checked.post
        if post.schedule.kind == "slot":
            self.flush()  # the next free slot is looked up in the ledger: write what took one
        try:
            planned = (plan(checked, self.config, self.ledger, self.now)
                       if post.schedule.kind != "none" else [])
        except UsageError as exc:
            self.report.notes.append(str(exc))
            return None
        if post.schedule.recurring and not known:
            taken = self.renames.taken(post.id)
            planned = [p for p in planned if (p.rendered.platform, p.occurrence) not in taken]
        return planned

    def _plan_return(self, checked: CheckedPost) -> list[Planned]:
        self.flush()  # its slot is looked up in the ledger: write what took one
        return plan_return(checked, self.config, self.ledger, self.now)

    def _queue(self, checked: CheckedPost, planned: list[Planned],
               rows: list[RowState]) -> None:
        """Queue what is new, refresh what changed: only occurrences whose row (as read at
        the start) would change are written, a hundred or so to a commit (``flush``)."""
        held = {(r.platform, r.occurrence): r for r in rows}
        for want in wanted(checked, planned, self._source(checked.post.file)):
            row = held.get((want.platform, want.occurrence))
            if (row is not None and row.pinned and row.status is Status.QUEUED
                    and not row.holds_pin(want.schedule)):
                self.report.notes.append(_(
                    "{file}: {platform} follows its file again: the time given with --at "
                    "({old}) gives way to the file's schedule, which changed since.").format(
                        file=checked.post.file, platform=want.platform,
                        old=f"{row.due.astimezone(self.config.timezone):%Y-%m-%d %H:%M}"))
            if row is not None and row.source_file == want.source_file:
                change, _due = upsert_change(row, want, self.now)
                if change in UNWRITTEN:
                    self._count(checked.post, change)
                    continue
            self._writes.append((checked.post, want))
        if len(self._writes) >= self.WRITES_PER_COMMIT:
            self.flush()

    def flush(self) -> None:
        """Write the occurrences waiting to be queued or refreshed, in one durable commit:
        the write decides again on each row as it is then (a row claimed for sending since
        it was read is left alone), and what it did is counted."""
        writes, self._writes = self._writes, []
        done = self.ledger.upsert_many([want for _post, want in writes], self.now)
        for (post, _want), (_id, change) in zip(writes, done, strict=True):
            self._count(post, change)

    def _count(self, post: Post, change: str) -> None:
        if change in ("new", "updated", "unchanged"):
            setattr(self.report, change, getattr(self.report, change) + 1)
        elif change == "late" and post.id not in self._late:
            self._late.add(post.id)
            self.report.invalid_files.append(post.file)
            self.report.problems.append(_back_late(post))

    def _withdraw_unplanned(self, post: Post, planned: list[Planned],
                            rows: list[RowState]) -> None:
        """Queued occurrences the file no longer asks for (another time, a platform
        removed) are withdrawn."""
        wanted_keys = {(p.rendered.platform, p.occurrence) for p in planned}
        horizon = self.now + timedelta(days=self.config.horizon_days)
        gone = []
        signature = post.schedule.signature
        for row in rows:
            if (row.status not in PENDING or (row.platform, row.occurrence) in wanted_keys
                    or row.due <= self.now or row.holds_pin(signature)):
                continue  # (a time given with --at holds while the file's schedule does)
            original = occurrence_time(row.occurrence)
            if original is not None and not self.now < original <= horizon:
                # Not the schedule's to judge: its own time has passed (the misfire policy
                # moved it later) or lies beyond the horizon (a clock set back, a shorter
                # horizon_days), where the plan does not look.
                continue
            gone.append(row.id)
        self._withdraw(gone, Reason("withdrawn-unplanned"))

    def _end_series(self, post: Post, rows: list[RowState]) -> None:
        """A recurring post whose 'until' has passed: its occurrences still queued are
        dropped."""
        until = post.schedule.until
        if not post.schedule.recurring or until is None:
            return
        gone = []
        for row in rows:
            original = occurrence_time(row.occurrence)
            # By its own date: one the misfire policy moved past 'until' still belongs.
            if row.status in PENDING and original is not None and original > until:
                gone.append(row.id)
        self._withdraw(gone, Reason("withdrawn-series-ended"))

    def report_unreadable(self) -> None:
        """Files that did not even give a post (YAML errors, misnamed files…)."""
        unreadable = [f for f in self.scan.unreadable if f not in self.scan.unsettled]
        self.report.invalid_files.extend(unreadable)
        self.report.problems.extend(d for f in unreadable for d in self.scan.errors[f])

    def withdraw_deleted(self, paths: list[Path]) -> None:
        """With the whole folder in view: the queued rows of posts it no longer has."""
        result, report = self.scan.result, self.report
        if any(d.code == "FOLDER-UNREADABLE" for d in result.diagnostics):
            # (its diagnostic is already among the problems, as a file that could not be read)
            report.notes.append(_("a folder inside the posts folder could not be read: no "
                                  "queued post was cancelled as deleted in this pass."))
            return
        if not result.files and self.queued:
            folder = paths[0] if len(paths) == 1 else self.config.posts_dir
            report.invalid_files.append(str(folder))
            report.problems.append(Diagnostic(
                str(folder), 1, 1, Severity.ERROR, "POSTS-FOLDER-EMPTY",
                _("the posts folder holds no post files, yet {count} publications are queued: "
                  "nothing was cancelled.").format(count=len(self.queued)),
                _("If the files are gone by mistake, restore them; to cancel on purpose: "
                  "bmnsocial cancel POST_ID.")))
            return
        # An invalid file may be a moved one: its rows are found by its file, by its id, or by
        # the id its name gives when it cannot even be read.
        protected = {self._source(f) for f in (*self.scan.errors, *self.scan.unsettled)}
        invalid = set(report.invalid_files)
        protected_ids = self.scan.unparsed_ids | {c.post.id for c in result.posts
                                                  if c.post.file in invalid}
        folders = [folder.resolve() for folder in paths]
        gone = [row.id for row in self.queued
                if not (row.post_id in self.present or row.source_file in protected
                        or row.post_id in protected_ids
                        or (row.pinned and _kept_outside(Path(row.source_file), folders)))]
        self._withdraw(gone, Reason("withdrawn-deleted"))

    def _withdraw(self, row_ids: list[int], reason: str, batch: int = 100) -> None:
        # In commits of a hundred: a publication waiting to claim its row never waits long.
        for start in range(0, len(row_ids), batch):
            done = self.ledger.withdraw_many(row_ids[start:start + batch], reason, self.now)
            self.report.cancelled += len(done)

    def _source(self, file: str) -> str:
        """The file's resolved path (what rows keep as source_file), resolving each folder
        once: only the file itself may still be a link."""
        folder, name = os.path.split(file)
        resolved = self._folders.get(folder)
        if resolved is None:
            resolved = self._folders[folder] = os.path.realpath(folder or ".")
        path = os.path.join(resolved, name)
        return os.path.realpath(path) if os.path.islink(path) else path


#: A post file changed less than this long ago may be half written (an editor that writes in
#: two steps, a copy in progress): it is read again once it has stopped changing.
SETTLE_SECONDS = 5
# A modification time ahead of the clock by more than the file system's rounding says nothing
# about a write in progress (a clock set back, a copy that kept another machine's times).
_AHEAD = 1.0


def _unsettled(files: list[str], now: datetime, began: float) -> set[str]:
    """The files changed within SETTLE_SECONDS before they were read, by the sync's clock:
    ``now`` plus the time the sync has taken so far (``began``, monotonic). Their stat is
    taken after reading them, so a write during the read counts too."""
    moment = now.timestamp() + (time.monotonic() - began)
    found = set()
    for file in files:
        try:
            changed = os.stat(file).st_mtime
        except OSError:
            continue  # gone meanwhile: it was reported as unreadable, or the next sync sees it
        if -_AHEAD <= moment - changed < SETTLE_SECONDS:
            found.add(file)
    return found


def _only_past(own: list[Diagnostic]) -> bool:
    """No errors but SCHED-PAST (its time passed: history, or queued late), or none."""
    return all(d.code == "SCHED-PAST" for d in own)


class RenameCheck:
    """A post new to the ledger that matches one published before under an id the folder no
    longer has is that post renamed (its id defaults to the file name) or given another
    `id:`: queueing it would publish it twice. Matched on the same platform by the same
    one-off time with a text still much alike, or by nearly the same text (a typo fixed on
    the way). Recurring posts are not checked: only their future occurrences are ever
    queued."""

    # Text alone decides only for recent publications (a rename is made soon after): within a
    # week a small edit still matches; up to a month only a near copy (a template reused with
    # a word changed scores about 0.96); older posts may well be published again on purpose.
    CLOSE, CLOSE_WITHIN = 0.90, timedelta(days=7)
    SAME, SAME_WITHIN = 0.98, timedelta(days=30)
    # The same time alone is no evidence (two posts for 09:00 are common): a rename keeps most
    # of the words as well, whatever was edited on the way.
    SAME_TIME = 0.6

    def __init__(self, published: Callable[[], list[Row]], gone: Callable[[Row], bool],
                 now: datetime) -> None:
        """``published``: the latest published (or being sent) rows; ``gone``: whether a
        row's post id is no longer in the posts folder."""
        self._published, self._gone, self._now = published, gone, now
        self._zone: Any = now.tzinfo  # the times it names are said in the caller's zone
        self._orphans: list[tuple[Row, str]] | None = None

    @classmethod
    def on(cls, ledger: Ledger, gone: Callable[[Row], bool], now: datetime) -> RenameCheck:
        return cls(latest_published(ledger), gone, now)

    def orphans(self) -> list[tuple[Row, str]]:
        if self._orphans is None:
            self._orphans = [(r, _first_text(r.payload)) for r in self._published()
                             if self._gone(r)]
        return self._orphans

    def taken(self, post_id: str) -> set[tuple[str, str]]:
        """(platform, occurrence) of a series already published under another id: a renamed
        recurring post must not send those dates again (`post --now` sends one early)."""
        return {(r.platform, r.occurrence) for r, _text in self.orphans()
                if r.post_id != post_id and r.occurrence != ONCE}

    def _alike(self, row: Row, text: str, other: difflib.SequenceMatcher[str], *,
               timed: bool) -> bool:
        """``other``: a matcher holding the new post's text as its second sequence (what
        difflib analyses once, for every orphan it is compared with). ``timed``: the new post
        has its own time, and the same time already matched what a rename keeps; then only
        a near copy counts (a template reused for another day differs by a word or two)."""
        age = self._now - (row.published_at or row.updated_at)
        if age > self.SAME_WITHIN:
            return False
        close = not timed and age <= self.CLOSE_WITHIN
        threshold = self.CLOSE if close else self.SAME
        other.set_seq1(text)
        return similar(other, threshold)

    def twin_of(self, checked: CheckedPost) -> Diagnostic | None:
        post = checked.post
        if post.schedule.recurring:
            return None  # only future dates are queued; `taken` keeps published ones out
        texts = {r.platform: r.parts[0].text if r.parts else "" for r in checked.rendered}
        matchers: dict[str, difflib.SequenceMatcher[str]] = {}
        for row, text in self.orphans():
            if row.platform not in texts or row.post_id == post.id:
                continue
            timed = post.schedule.at is not None
            same_time = timed and row.due == post.schedule.at
            matcher = matchers.get(row.platform)
            if matcher is None:
                matcher = matchers[row.platform] = difflib.SequenceMatcher(
                    None, "", texts[row.platform])
            if same_time:
                matcher.set_seq1(text)
                alike = similar(matcher, self.SAME_TIME)
            else:
                alike = self._alike(row, text, matcher, timed=timed)
            if alike:
                return post.doc.diag(
                    (), "POST-RENAMED",
                    _("this looks like post '{old}', published on {platform} at {when} from "
                      "{file}, under an id the posts folder no longer has: it is not queued, so "
                      "that it does not go out twice.").format(
                          old=row.post_id, platform=row.platform,
                          when=short_time(row.published_at or row.updated_at, self._zone),
                          file=row.source_file),
                    _("If it is the same post, add 'id: {old}' to it. If it is a new one, give "
                      "it a different text or time.").format(old=row.post_id))
        return None


def similar(matcher: difflib.SequenceMatcher[str], threshold: float) -> bool:
    """``matcher.ratio() >= threshold``, with the same answer sooner: real_quick_ratio() >=
    quick_ratio() >= ratio(), and these cheap upper bounds settle most pairs (texts of very
    different lengths or letters) without the full comparison."""
    return (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold)


def renamed_posts(ledger: Ledger, posts: list[CheckedPost], now: datetime) -> list[Diagnostic]:
    """The rename check for posts named on the command line (`post FILE`)."""
    known = {c.post.id for c in posts
             if any(not _withdrawn(r) for r in ledger.rows(post_id=c.post.id))}
    return refused_as_renamed(latest_published(ledger), posts, known, now, whole_folder=False)


def latest_published(ledger: Ledger) -> Callable[[], list[Row]]:
    # A sheet handed to a person, or a post handed to Facebook's scheduler, may be online
    # already: a renamed post is not queued again.
    return lambda: ledger.rows(statuses=(Status.PUBLISHED, Status.SENDING,
                                         Status.AWAITING_MANUAL, Status.HANDED_OFF),
                               order="updated", limit=500)


def refused_as_renamed(published: Callable[[], list[Row]], posts: list[CheckedPost],
                       known: set[str], now: datetime, *, whole_folder: bool
                       ) -> list[Diagnostic]:
    """POST-RENAMED for each post not ``known`` to the ledger that matches a published one.
    With the ``whole_folder`` in view, a row is another post's when its id is not in it;
    with only some files, when its file is gone or is one of them (an id changed inside)."""
    ids = {c.post.id for c in posts}
    files = {str(Path(c.post.file).resolve()) for c in posts}

    def gone(row: Row) -> bool:
        if row.post_id in ids:
            return False
        return whole_folder or row.source_file in files or not Path(row.source_file).exists()

    check = RenameCheck(published, gone, now)
    return [d for c in posts if c.post.id not in known
            and (d := check.twin_of(c)) is not None]


def _withdrawn(row: Row) -> bool:
    return row.status is Status.CANCELLED and row.error_kind == WITHDRAWN


def _back_late(post: Post, drafted: bool = False) -> Diagnostic:
    return post.doc.diag(
        (), "POST-BACK-LATE",
        _("this post was a draft when its time came, and is no longer one after it: it is not "
          "queued again by itself.") if drafted else
        _("this post's file was gone when its time came, and is back after it: it is not "
          "queued again by itself."),
        _("If it is still wanted, publish it with 'bmnsocial post {file} --now', or give it a "
          "new time.").format(file=post.file))


def _meant_ids(files: list[str]) -> set[str]:
    """The ids files that failed to load would have had: an invalid (or misnamed) file may be
    a renamed or moved one, and its queued rows are found by the id its name gives."""
    ids = set()
    for file in files:
        name = Path(file).name
        meant = near_miss(name) or name
        ids.add(meant.rpartition(".")[0] if is_post_file(meant) else meant)
    return ids


def _first_text(payload: str) -> str:
    parts = json.loads(payload).get("parts") or [{}]
    return str(parts[0].get("text", ""))


def _kept_outside(source: Path, folders: list[Path]) -> bool:
    """A file outside the posts folder that still exists (published with `post --now` and
    left to retry): the folder's contents say nothing about it."""
    return source.exists() and not any(source.is_relative_to(f) for f in folders)


REFUSED_KEY = "sync_refused"


class PostsFolderUnavailable(UsageError):
    """The posts folder to sync is missing or cannot be read: nothing was changed."""


def _check_folder(folder: Path, ledger: Ledger, now: datetime) -> None:
    try:
        if not folder.is_dir():
            raise NotADirectoryError(0, _("it does not exist or is not a folder"))
        os.listdir(folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        problem = Diagnostic(str(folder), 1, 1, Severity.ERROR, "FOLDER-UNREADABLE",
                             _("cannot read the posts folder: {reason}; nothing was queued "
                               "or cancelled.").format(reason=reason),
                             _("Check posts_dir in config.yaml and the folder's permissions."))
        remember_refused(ledger, SyncReport(problems=[problem]), now)
        raise PostsFolderUnavailable(_("the posts folder {folder} cannot be read ({reason}): "
                                       "nothing was queued or cancelled. Check posts_dir in "
                                       "config.yaml and the folder's permissions.").format(
                                           folder=folder, reason=reason)) from None


def remember_refused(ledger: Ledger, report: SyncReport, now: datetime) -> None:
    """What the last sync of the whole folder could not queue, kept where `status` reads it: a
    post refused by the daemon on the server must not wait there unnoticed."""
    ledger.set_meta(REFUSED_KEY, json.dumps({
        "at": now.astimezone(UTC).isoformat(), "language": current(),
        "problems": [d.to_json() for d in report.problems]}, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class Refused:
    at: datetime
    problems: list[Diagnostic]
    language: str | None = None  # of the process that synced (None: recorded before it was)


def last_refused(ledger: Ledger) -> Refused | None:
    """The files the last full sync refused (None before any full sync)."""
    raw = ledger.get_meta(REFUSED_KEY)
    if raw is None:
        return None
    data = json.loads(raw)
    return Refused(datetime.fromisoformat(data["at"]),
                   [Diagnostic.from_json(d) for d in data["problems"]], data.get("language"))


def in_reader_language(refused: Refused | None, config: Config, ledger: Ledger,
                       now: datetime) -> Refused | None:
    """``refused`` as the reader reads it: it was recorded in the language of the process that
    synced (a daemon in English), so the files are read again here and each problem they
    still have is said in the reader's language; one they no longer have (or that only the
    whole folder shows) keeps the words it was recorded with."""
    if refused is None or not refused.problems or refused.language == current():
        return refused
    files = sorted({d.file for d in refused.problems if Path(d.file).is_file()})
    if not files:
        return refused
    again = validate_paths([Path(f) for f in files], config, now,
                           published=ledger.x_published(), owners=ledger.owners())
    said = {(d.file, d.line, d.column, d.code): d for d in again.diagnostics}
    return Refused(refused.at, [said.get((d.file, d.line, d.column, d.code), d)
                                for d in refused.problems], refused.language)
