"""The ledger: one SQLite row per (post, platform, occurrence) with its publication status.

It is the source of truth shared by every process (CLI, daemon, cron runs). A row moves
queued → sending → published | failed | unconfirmed (or cancelled / skipped). Claiming a row
is one conditional UPDATE, so two processes can never both send the same occurrence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from bmnsocial.errors import LedgerUnavailable
from bmnsocial.i18n import N_, _
from bmnsocial.platforms import registry
from bmnsocial.reasons import Reason
from bmnsocial.reasons import describe as describe_reason

SCHEMA_VERSION = 1
_RETURNING = sqlite3.sqlite_version_info >= (3, 35)  # UPDATE ... RETURNING
ONCE = "once"
DEFERRED = "deferred"  # error_kind of a queued row the catch-up cap holds back
NO_CREDENTIALS = "no-credentials"  # error_kind of a queued row held until credentials appear
WITHDRAWN = "withdrawn"  # error_kind of a row a sync cancelled (revived if asked for again)
CANCELLED_BY_PERSON = "cancelled"  # error_kind of a row a person cancelled: final for syncs
X_BUDGET = "x-budget"  # error_kind of a queued row held by accounts.twitter.monthly_budget_usd
# error_kind of a row claimed to be handed to a person (accounts.<platform>.mode: manual), set
# by the claim itself: a 'sending' row left with it by a crash never reached any API.
HANDOFF = "handoff"
NATIVE = "native"  # error_kind of a row being handed to Facebook's own scheduler
NATIVE_REFUSED = "native-refused"  # Facebook refused to schedule it: sent at its time instead

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS publications (
    id INTEGER PRIMARY KEY,
    post_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    due TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    payload TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source_file TEXT NOT NULL DEFAULT '',
    part_ids TEXT NOT NULL DEFAULT '[]',
    platform_post_id TEXT,
    url TEXT,
    last_error TEXT,
    error_kind TEXT,
    claimed_by TEXT,
    claimed_at TEXT,
    sent_at TEXT,
    first_attempt_at TEXT,
    published_at TEXT,
    misfire TEXT,
    pinned INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    pinned_schedule TEXT,
    reason_code TEXT,
    reason_params TEXT,
    updated_at TEXT NOT NULL,
    native TEXT,
    UNIQUE (post_id, platform, occurrence)
);
CREATE INDEX IF NOT EXISTS publications_status_due ON publications (status, due);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    publication_id INTEGER,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_publication ON events (publication_id, id);
CREATE TABLE IF NOT EXISTS platform_requests (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    units INTEGER NOT NULL DEFAULT 1,
    cost_usd REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS platform_requests_at ON platform_requests (at);
"""
# `bmnsocial inbox` (publish/inbox_store.py): one row per comment or reply a person may
# answer; its id is the ITEM_ID people type, so rows are never renumbered or deleted.
_INBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox_items (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    reply_to_id TEXT NOT NULL,
    post_id TEXT NOT NULL,
    platform_post_id TEXT NOT NULL,
    post_url TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',
    reply_text TEXT,
    reply_id TEXT,
    reply_url TEXT,
    claimed_by TEXT,
    claimed_at TEXT,
    answered_at TEXT,
    last_error TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (platform, remote_id)
);
CREATE INDEX IF NOT EXISTS inbox_items_state ON inbox_items (state, created_at);
"""

# What the platforms said of a published post, one row per read, never updated
# (publish/metrics.py, docs/report-engagement.md). slot_hours: the metrics.after_hours age the
# read answers (NULL: a person's `metrics pull`); one read per age, however often it is tried.
_METRICS_SCHEMA = """
CREATE TABLE IF NOT EXISTS metric_reads (
    id INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL,
    platform TEXT NOT NULL,
    platform_post_id TEXT NOT NULL,
    read_at TEXT NOT NULL,
    slot_hours INTEGER,
    figures TEXT NOT NULL,
    unavailable TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS metric_reads_publication ON metric_reads (publication_id, read_at);
CREATE UNIQUE INDEX IF NOT EXISTS metric_reads_slot ON metric_reads (publication_id, slot_hours)
    WHERE slot_hours IS NOT NULL;
"""


class Status(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    PUBLISHED = "published"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    AWAITING_MANUAL = "awaiting_manual"  # a publishing sheet waits for a person (`done`)
    HANDED_OFF = "handed_off"  # scheduled on Facebook itself (accounts.facebook.handoff)


#: The statuses as text output names them (JSON and the database keep the values).
STATUS_NAMES: dict[Status, str] = {
    Status.QUEUED: N_("queued"), Status.SENDING: N_("sending"),
    Status.PUBLISHED: N_("published"), Status.FAILED: N_("failed"),
    Status.UNCONFIRMED: N_("unconfirmed"), Status.CANCELLED: N_("cancelled"),
    Status.SKIPPED: N_("skipped"), Status.AWAITING_MANUAL: N_("awaiting a person"),
    Status.HANDED_OFF: N_("handed off"),
}


def status_name(status: Status) -> str:
    """The status in the messages' language ('queued' / 'en cola')."""
    return _(STATUS_NAMES[status])


def status_width(statuses: Iterable[Status], minimum: int) -> int:
    """A column wide enough for these statuses' names, and at least ``minimum``."""
    return max([minimum, *(len(status_name(s)) for s in statuses)])




def stamp(moment: datetime) -> str:
    """UTC text that sorts like the instants it names (%Y-%m-%dT%H:%M:%S.%f+00:00; isoformat
    writes exactly that, in less than half strftime's time)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_stamp(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    post_id: str
    platform: str
    occurrence: str
    due: datetime
    status: Status
    attempts: int
    next_attempt_at: datetime | None
    payload: str
    content_hash: str
    source_file: str
    part_ids: list[str]
    platform_post_id: str | None
    url: str | None
    last_error: str | None
    error_kind: str | None
    claimed_by: str | None
    sent_at: datetime | None
    first_attempt_at: datetime | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    misfire: str | None = None
    pinned: bool = False  # its time was given on the command line: syncs keep it
    # The file's schedule when the time was given (Schedule.signature): the time holds until
    # the file says something else.
    pinned_schedule: str | None = None
    # last_error as a code and its parameters (bmnsocial.reasons): said in the reader's
    # language; rows written before them have only last_error.
    reason_code: str | None = None
    reason_params: str | None = None
    # What Facebook's own scheduler holds for this row (publish/native.py): the content hash
    # and due time it was given, as JSON; None when it holds nothing.
    native: str | None = None

    @classmethod
    def from_sql(cls, r: sqlite3.Row) -> Row:
        return cls(
            id=r["id"], post_id=r["post_id"], platform=r["platform"],
            occurrence=r["occurrence"], due=datetime.fromisoformat(r["due"]),
            status=Status(r["status"]), attempts=r["attempts"],
            next_attempt_at=parse_stamp(r["next_attempt_at"]), payload=r["payload"],
            content_hash=r["content_hash"], source_file=r["source_file"],
            part_ids=json.loads(r["part_ids"]), platform_post_id=r["platform_post_id"],
            url=r["url"], last_error=r["last_error"], error_kind=r["error_kind"],
            claimed_by=r["claimed_by"], sent_at=parse_stamp(r["sent_at"]),
            first_attempt_at=parse_stamp(r["first_attempt_at"]),
            published_at=parse_stamp(r["published_at"]),
            created_at=datetime.fromisoformat(r["created_at"]),
            updated_at=datetime.fromisoformat(r["updated_at"]), misfire=r["misfire"],
            pinned=bool(r["pinned"]), pinned_schedule=r["pinned_schedule"],
            reason_code=_optional(r, "reason_code"), reason_params=_optional(r, "reason_params"),
            native=_optional(r, "native"))

    def first_comment(self) -> tuple[str, str | None] | None:
        """The post's first comment: its text, and its id once it is published; None when
        the post has none."""
        parts = json.loads(self.payload).get("parts") or []
        if not parts or not parts[-1].get("comment"):
            return None
        return parts[-1]["text"], (self.part_ids[len(parts) - 1]
                                   if len(self.part_ids) >= len(parts) else None)

    def reason(self, tz: Any = None) -> str | None:
        """Why it failed, was skipped, held or cancelled, in the reader's language (its
        times in ``tz``); the stored sentence when it has no code this version knows."""
        return describe_reason(self.reason_code, self.reason_params, tz) or self.last_error

    def to_json(self, tz: Any = None) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.astimezone(tz).isoformat() if d else None

        return {
            "id": self.id, "post_id": self.post_id, "platform": self.platform,
            "occurrence": self.occurrence, "due": iso(self.due), "status": self.status.value,
            "attempts": self.attempts, "next_attempt_at": iso(self.next_attempt_at),
            "url": self.url, "platform_post_id": self.platform_post_id,
            "published_at": iso(self.published_at), "error": self.reason(tz),
            "reason_code": self.reason_code, "error_kind": self.error_kind,
            "source_file": self.source_file,
            "changed_at": iso(self.updated_at), "pinned": self.pinned,
            "first_comment": ({"text": comment[0], "id": comment[1]}
                              if (comment := self.first_comment()) is not None else None),
        }


def _optional(r: sqlite3.Row, column: str) -> Any:
    """A column a ledger read without migrating it (read-only) may not have yet."""
    try:
        return r[column]
    except IndexError:
        return None


def _reason_columns(reason: str | None) -> dict[str, Any]:
    """``last_error`` and, for a coded reason, its code and parameters."""
    if isinstance(reason, Reason):
        return {"last_error": reason, "reason_code": reason.code,
                "reason_params": reason.stored()}
    return {"last_error": reason, "reason_code": None, "reason_params": None}


#: The columns of a RowState, in its fields' order.
STATE_COLUMNS = ("id, post_id, platform, occurrence, due, status, error_kind, content_hash, "
                 "misfire, pinned, source_file, pinned_schedule, reason_code")


@dataclass(frozen=True, slots=True)
class RowState:
    """What a sync needs to know of a row, without its payload and history: read in bulk
    (``Ledger.states``), it costs a fraction of a ``Row``."""

    id: int
    post_id: str
    platform: str
    occurrence: str
    due: datetime
    status: Status
    error_kind: str | None
    content_hash: str
    misfire: str | None
    pinned: bool
    source_file: str
    pinned_schedule: str | None
    reason_code: str | None = None

    @classmethod
    def from_sql(cls, r: sqlite3.Row | tuple[Any, ...]) -> RowState:
        return cls(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), Status(r[5]), r[6],
                   r[7], r[8], bool(r[9]), r[10], r[11], r[12])

    def holds_pin(self, schedule: str) -> bool:
        """Its time was given on the command line and the file's schedule is still the one
        it was given against (a row pinned before bmnsocial recorded that keeps its time)."""
        return self.pinned and self.pinned_schedule in (None, schedule)

    @property
    def withdrawn(self) -> bool:
        """Cancelled by a sync (not by a person): a later sync that asks again revives it."""
        return self.status is Status.CANCELLED and self.error_kind == WITHDRAWN


@dataclass(frozen=True, slots=True)
class Wanted:
    """An occurrence as a post file asks for it: what ``upsert`` queues or refreshes."""

    post_id: str
    platform: str
    occurrence: str
    due: datetime
    payload: str
    content_hash: str
    source_file: str
    misfire: str | None = None
    schedule: str = ""  # the file's Schedule.signature


def upsert_change(row: RowState, want: Wanted, now: datetime, *, pin: bool = False,
                  follow: bool = False) -> tuple[str, datetime]:
    """What ``upsert`` does with an existing row (see there), and the due time it keeps. A
    pure decision on the row as read, so that a sync can tell from rows it read in bulk which
    ones need no write at all; the write itself decides again on the row as it is then."""
    held = not pin and not follow and row.holds_pin(want.schedule)
    due = row.due if held else want.due
    if row.withdrawn:
        return ("late" if due <= now and not pin else "new"), due
    if row.status not in (Status.QUEUED, Status.HANDED_OFF) or (
            row.status is Status.HANDED_OFF and row.due <= now):  # Facebook has published it
        return "kept", due
    if (row.content_hash != want.content_hash or row.due != due
            or row.misfire != want.misfire or (row.pinned and not held and not pin)):
        return "updated", due
    return "unchanged", due


#: upsert's answers that write nothing but the row's source file (when it moved).
UNWRITTEN = frozenset({"kept", "unchanged", "late"})


T = TypeVar("T")


def _handoff_mark(manual: Collection[str]) -> tuple[str, tuple[str, ...]]:
    """The SET clause (and its values) that marks the claimed rows of ``manual`` platforms."""
    if not manual:
        return "", ()
    names = tuple(sorted(manual))
    return (f" error_kind = CASE WHEN platform IN ({','.join('?' * len(names))}) "
            f"THEN '{HANDOFF}' ELSE error_kind END,", names)


def _read_only(path: Path, read: Callable[[sqlite3.Connection], T], empty: T) -> T:
    """``read`` on the ledger at ``path`` opened read-only: nothing is created or changed
    (validate and preview run on editors' machines and on the server alike); ``empty`` when
    there is no ledger or it cannot be read."""
    if not path.exists():
        if marker_of(path).exists():
            raise _missing(path)
        return empty
    try:
        _check_file(path)
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        db.row_factory = sqlite3.Row
        try:
            return read(db)
        finally:
            db.close()
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            raise damaged(path, str(exc)) from None
        return empty


def post_ids_in(path: Path) -> set[str]:
    """The posts a ledger knows (validate)."""
    return _read_only(path, lambda db: {r[0] for r in db.execute(
        "SELECT DISTINCT post_id FROM publications")}, set())


# The file each post id was last queued from, by the row most recently created for it.
# The latest row of each post that names its file: one pass grouped by post (a subquery per
# row would read every row of its post again, the square of a long series' rows).
_OWNERS = ("SELECT post_id, source_file FROM publications WHERE id IN (SELECT MAX(id) FROM "
           "publications WHERE source_file != '' GROUP BY post_id)")


def owners_in(path: Path) -> dict[str, str]:
    """Post id -> the file it is held from (validate's duplicate ids)."""
    return _read_only(path, lambda db: {r[0]: r[1] for r in db.execute(_OWNERS)}, {})


def _published_where_repeats_refused(db: sqlite3.Connection) -> dict[str, datetime]:
    """Post id -> when it last went out on a platform that refuses the same text again (its
    ``duplicate_window``: X)."""
    platforms = registry.having("duplicate_window")
    marks = ", ".join("?" * len(platforms))
    return {r[0]: datetime.fromisoformat(r[1]) for r in db.execute(
        f"SELECT post_id, MAX(published_at) FROM publications WHERE platform IN ({marks}) "
        "AND status = 'published' AND published_at IS NOT NULL GROUP BY post_id", platforms)}


def x_published_in(path: Path) -> dict[str, datetime]:
    """Post id -> when it last went out on X (validate's duplicate tweets)."""
    return _read_only(path, _published_where_repeats_refused, {})


def pinned_in(path: Path) -> dict[str, list[tuple[str, datetime]]]:
    """Post id -> (platform, due) of its queued rows whose time was given with --at
    (preview)."""
    def read(db: sqlite3.Connection) -> dict[str, list[tuple[str, datetime]]]:
        found: dict[str, list[tuple[str, datetime]]] = {}
        for post_id, platform, due in db.execute(
                "SELECT post_id, platform, due FROM publications WHERE pinned = 1 AND "
                "status = 'queued' ORDER BY due, platform"):
            found.setdefault(post_id, []).append((platform, datetime.fromisoformat(due)))
        return found

    return _read_only(path, read, {})


def slots_in(path: Path) -> tuple[set[datetime], dict[str, datetime]] | None:
    """The times taken by queued, sending or published rows, and each post's earliest queued
    time (preview of ``slot: next``); None when there is no ledger to ask."""
    def read(db: sqlite3.Connection) -> tuple[set[datetime], dict[str, datetime]]:
        taken: set[datetime] = set()
        queued: dict[str, datetime] = {}
        for post_id, due, status in db.execute(
                "SELECT post_id, due, status FROM publications WHERE status IN "
                "('queued', 'sending', 'published', 'awaiting_manual', 'handed_off') "
                "ORDER BY due"):
            moment = datetime.fromisoformat(due)
            taken.add(moment)
            if status == "queued":
                queued.setdefault(post_id, moment)
        return taken, queued

    if not path.exists() and not marker_of(path).exists():
        return None
    empty: tuple[set[datetime], dict[str, datetime]] = (set(), {})
    return _read_only(path, read, empty)


def published_rows_in(path: Path, limit: int = 500) -> list[Row]:
    """The latest published (or being sent, or handed to a person) rows (validate's rename
    check)."""
    return _read_only(path, lambda db: [Row.from_sql(r) for r in db.execute(
        "SELECT * FROM publications WHERE status IN ('published', 'sending', 'awaiting_manual', "
        "'handed_off') ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,))], [])


def _enter_wal(db: sqlite3.Connection, patience: float = 30.0) -> None:
    # Switching a new database to WAL takes an exclusive lock and SQLite answers "database is
    # locked" at once, without its busy handler, when other processes open it at the same
    # moment (the daemon and two cron runs on a fresh machine): wait for them instead.
    deadline = time.monotonic() + patience
    pause = 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


#: Beside the ledger: says a ledger was made here, and how many events it had recorded for
#: sure, so a ledger gone missing, emptied or rolled back is never taken for a new one.
MARKER = "ledger.expected"


def marker_of(path: Path) -> Path:
    return path.with_name(MARKER)


def _read_marker(marker: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # there, but unreadable: a ledger existed all the same
    return data if isinstance(data, dict) else {}


def _write_marker(marker: Path, events: int, created_at: str | None = None) -> None:
    data = {"ledger": marker.with_name("ledger.sqlite3").name, "events": events,
            "created_at": created_at or datetime.now(UTC).isoformat(timespec="seconds"),
            "note": "bmnsocial: a ledger exists here; see docs/deploy.md before deleting"}
    tmp = marker.with_name(f".{marker.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    try:
        os.write(fd, (json.dumps(data) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, marker)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create(path: Path) -> None:
    """A new ledger appears whole: made beside it and linked into place, so the ledger file
    is never empty or half set up (an empty one is always a damaged one). A ledger another
    process made meanwhile is kept."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    os.close(os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_RDWR, 0o600))
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")  # kept in the file's header
            _create_schema(db)
        finally:
            db.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def _create_schema(db: sqlite3.Connection) -> None:
    for statement in (_SCHEMA + _INBOX_SCHEMA).split(";"):
        if statement.strip():
            db.execute(statement)
    _create_metrics_schema(db)
    db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def _create_metrics_schema(db: sqlite3.Connection) -> None:
    """The figures' table: made with a new ledger, and added to an older one when opened."""
    for statement in _METRICS_SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _check_file(path: Path) -> None:
    """SQLite would take an empty file for a new database. (Anything else it judges itself:
    the file is not opened here, as closing it would drop this process's locks on it.)"""
    if path.stat().st_size == 0:
        raise damaged(path, _("the file is empty (0 bytes)"))


def recover_hint(path: Path) -> str:
    return _("Stop the daemon (and cron), then run 'bmnsocial ledger recover': it keeps this "
             "file aside, starts from the newest backup in {backups} if there is one and asks "
             "the platforms what was published, so nothing goes out twice. See "
             "docs/deploy.md.").format(backups=path.parent / "backups")


def damaged(path: Path, reason: str) -> LedgerUnavailable:
    return LedgerUnavailable(" ".join([
        _("the ledger {path} is damaged: {reason}. Nothing is published from a damaged ledger "
          "(it could send again what was already published).").format(path=path,
                                                                       reason=reason),
        recover_hint(path)]), "ledger-damaged")


def _missing(path: Path) -> LedgerUnavailable:
    return LedgerUnavailable(" ".join([
        _("the ledger {path} is missing, but this state directory had one ({marker} says "
          "so). A new empty ledger would send again what was already published.").format(
              path=path, marker=marker_of(path)),
        recover_hint(path),
        _("To start with an empty ledger on purpose, delete {marker}.").format(
            marker=marker_of(path))]), "ledger-missing")


def _rolled_back(path: Path, have: int, had: int) -> LedgerUnavailable:
    return damaged(path, _("it holds {have} recorded events where it had {had} (its "
                           "write-ahead log, {wal}, was deleted or lost in a power cut, or an "
                           "older copy was put in its place)").format(
                               have=have, had=had, wal=path.name + "-wal"))


def _cannot_open(path: Path, exc: Exception) -> str:
    return _("the ledger {path} cannot be used: {reason}. Check that the state directory is "
             "writable and not full (BMNSOCIAL_HOME or state_dir in config.yaml); see "
             "docs/publishing.md.").format(path=path, reason=exc)


def unusable(path: Path, exc: sqlite3.Error, *, opening: bool = False) -> LedgerUnavailable | None:
    """What SQLite's error says about the ledger itself, as the error a person reads; None
    for an error that is not about the ledger's file (a bug, a busy database in use)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return damaged(path, str(exc))
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return LedgerUnavailable(_(
            "the ledger {path} cannot record what happens ({reason}): the disk holding {folder} "
            "is full or failing. Nothing more is published until it can. Free space on that "
            "disk (df -h {folder}), then restart the daemon (or let the next run-due run): "
            "whatever was being sent is looked up on the platforms first, never sent "
            "twice.").format(path=path, reason=exc, folder=path.parent), "ledger-full")
    if opening or name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        return LedgerUnavailable(_cannot_open(path, exc))
    return None


class _Cursor(sqlite3.Cursor):
    """Rows are read as they are stepped through: a damaged page can show up at any row."""

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            raise _translated(self.connection, exc) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise _translated(self.connection, exc) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise _translated(self.connection, exc) from None


class _Connection(sqlite3.Connection):
    """The ledger's connection: an error that says the ledger itself cannot be used (damaged,
    disk full) becomes LedgerUnavailable wherever it happens, for every command alike."""

    ledger_path: Path

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _Cursor)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise _translated(self, exc) from None


def _translated(db: Any, exc: sqlite3.Error) -> Exception:
    path = getattr(db, "ledger_path", None)
    found = unusable(path, exc) if path is not None else None
    return found if found is not None else exc


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.marker = marker_of(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            expected = _read_marker(self.marker)
            if not path.exists():
                if expected is not None:
                    raise _missing(path)
                _create(path)
            else:
                _check_file(path)
            # Never open and close the database file itself after SQLite has: closing any
            # descriptor of it drops every POSIX lock this process holds on it, which SQLite
            # relies on (another process could then delete the WAL under our connection).
            os.chmod(path, 0o600)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                      check_same_thread=False, factory=_Connection)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerUnavailable(_cannot_open(path, exc)) from None
        self.db.ledger_path = path
        self._files: tuple[int, int] | None = None
        try:
            self._set_up()
            self._noted = self._check_count(expected)
            self.check()
        except sqlite3.Error as exc:
            self.db.close()
            raise unusable(path, exc, opening=True) or exc from None
        except LedgerUnavailable:
            self.db.close()
            raise
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):  # the last connection removed it
                os.chmod(path.with_name(path.name + suffix), 0o600)

    def _set_up(self) -> None:
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA busy_timeout = 30000")
        _enter_wal(self.db)
        # NORMAL in WAL mode survives a crashed process but may lose the last commits in a
        # power cut; the writes that must survive that go through _durable() (see there).
        self.db.execute("PRAGMA synchronous = NORMAL")
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'publications'").fetchone() is None:
            # Every ledger is made with its tables (_create): without them it was emptied.
            raise damaged(self.path, _("it holds no bmnsocial tables (an empty database)"))
        with self.transaction():
            _create_schema(self.db)
            self._add_missing_columns()

    def _events_recorded(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0])

    def _check_count(self, expected: dict[str, Any] | None) -> int:
        """A ledger never records fewer events than it once had for sure."""
        have = self._events_recorded()
        had = expected.get("events") if expected else None
        if isinstance(had, int) and had > have:
            raise _rolled_back(self.path, have, had)
        if expected is None:
            with contextlib.suppress(OSError):
                self._note(have)
                return have
        return had if isinstance(had, int) else 0

    def _note(self, events: int) -> None:
        # Everything up to here reaches the disk first (a FULL commit flushes the whole
        # write-ahead log), so a power cut never leaves the ledger behind what was noted.
        with self._durable():
            self.set_meta("events_noted", str(events))
        _write_marker(self.marker, events, (_read_marker(self.marker) or {}).get("created_at"))
        self._noted = events

    def keep_count(self) -> None:
        """Note beside the ledger how many events it has recorded for sure (the daemon after
        each poll, every command when it closes the ledger)."""
        have = self._events_recorded()
        if have > self._noted:
            self._note(have)

    def check_files(self) -> None:
        """The ledger and its write-ahead log are still the files this connection writes to
        (the daemon, every poll): deleted or replaced under it, what only the old log holds
        is lost at the next power cut or restart."""
        wal = self.path.with_name(self.path.name + "-wal")
        files: tuple[int, int] | None = None
        try:
            files = (self.path.stat().st_ino, wal.stat().st_ino)
        except FileNotFoundError as exc:
            gone = Path(str(exc.filename))
        else:
            gone = self.path
        if files is not None and self._files in (None, files):
            self._files = files
            return
        raise LedgerUnavailable(" ".join([_(
            "the ledger's file {path} was deleted or replaced while bmnsocial had it open: what "
            "was recorded since its last checkpoint is lost at the next restart or power "
            "cut.").format(path=gone),
            recover_hint(self.path)]), "ledger-replaced")

    def check(self) -> None:
        """SQLite's own check of every page (a few ms for a year of posts), at every open:
        a damaged ledger is said before a command reads the damaged part, or misses it."""
        found = [r[0] for r in self.db.execute("PRAGMA quick_check(3)")]
        if found != ["ok"]:
            raise damaged(self.path, "; ".join(str(f) for f in found))

    def _add_missing_columns(self) -> None:
        """A ledger made by an earlier bmnsocial gains the columns added since, with their
        defaults; nothing is ever dropped or rewritten."""
        have = {r["name"] for r in self.db.execute("PRAGMA table_info(publications)")}
        body = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS publications"):]
        body = body[body.index("(") + 1:body.index("UNIQUE")]
        for line in body.splitlines():
            definition = line.strip().rstrip(",")
            name = definition.split(" ", 1)[0]
            if definition and name not in have:
                self.db.execute(f"ALTER TABLE publications ADD COLUMN {definition}")

    def close(self) -> None:
        # A full disk or a damaged ledger was already said by what ran into it.
        with contextlib.suppress(OSError, LedgerUnavailable, sqlite3.Error):
            self.keep_count()
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- reading
    def get(self, row_id: int) -> Row:
        r = self.db.execute("SELECT * FROM publications WHERE id = ?", (row_id,)).fetchone()
        if r is None:
            raise KeyError(row_id)
        return Row.from_sql(r)

    def find(self, post_id: str, platform: str, occurrence: str) -> Row | None:
        r = self.db.execute("SELECT * FROM publications WHERE post_id = ? AND platform = ? "
                            "AND occurrence = ?", (post_id, platform, occurrence)).fetchone()
        return Row.from_sql(r) if r else None

    def rows(self, *, statuses: tuple[Status, ...] | None = None, post_id: str | None = None,
             platform: str | None = None, order: str = "due",
             limit: int | None = None, changed_since: datetime | None = None) -> list[Row]:
        sql = "SELECT * FROM publications WHERE 1 = 1"
        args: list[Any] = []
        if changed_since is not None:
            sql += " AND updated_at >= ?"
            args.append(stamp(changed_since))
        if statuses:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            args.extend(s.value for s in statuses)
        if post_id is not None:
            sql += " AND post_id = ?"
            args.append(post_id)
        if platform is not None:
            sql += " AND platform = ?"
            args.append(platform)
        sql += {"due": " ORDER BY due, id", "updated": " ORDER BY updated_at DESC, id DESC"}[order]
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [Row.from_sql(r) for r in self.db.execute(sql, args)]

    def waiting(self, now: datetime) -> list[Row]:
        """Queued rows that will not go out at their own time: waiting for a retry after a
        failure, or held back (the catch-up cap); soonest first."""
        return [Row.from_sql(r) for r in self.db.execute(
            "SELECT * FROM publications WHERE status = 'queued' AND next_attempt_at > ? "
            "ORDER BY next_attempt_at, id", (stamp(now),))]

    def owners(self) -> dict[str, str]:
        """Post id -> the file it is held from."""
        return {r[0]: r[1] for r in self.db.execute(_OWNERS)}

    def x_published(self) -> dict[str, datetime]:
        """Post id -> when it last went out on X."""
        return _published_where_repeats_refused(self.db)

    def published_ids(self, platform: str) -> list[tuple[tuple[str, ...], str]]:
        """Every part id and the URL of each of ``platform``'s rows that reached it."""
        found: list[tuple[tuple[str, ...], str]] = []
        for part_ids, first, url in self.db.execute(
                "SELECT part_ids, platform_post_id, url FROM publications WHERE platform = ? "
                "AND url IS NOT NULL", (platform,)):
            ids = [str(i) for i in json.loads(part_ids or "[]")]
            found.append((tuple([*ids, first] if first else ids), url))
        return found

    def post_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT post_id FROM publications")}

    def revisions(self) -> dict[int, int]:
        """How many times each row changed after it was first queued (events are only ever
        added, so the count never goes down): an iCalendar event's SEQUENCE."""
        return {int(r[0]): int(r[1]) - 1 for r in self.db.execute(
            "SELECT publication_id, COUNT(*) FROM events WHERE publication_id IS NOT NULL "
            "GROUP BY publication_id")}

    def states(self, post_ids: Iterable[str], *, queued: bool = False) -> list[RowState]:
        """Every row of these posts (and with ``queued``, every queued row), as one consistent
        snapshot: what a sync reads once instead of querying the ledger post by post."""
        ids = sorted(set(post_ids))
        found: dict[int, RowState] = {}
        self.db.execute("BEGIN")  # one read snapshot for every statement below
        try:
            for start in range(0, len(ids), 500):  # the unique index on post_id serves these
                chunk = ids[start:start + 500]
                for r in self.db.execute(f"SELECT {STATE_COLUMNS} FROM publications WHERE "
                                         f"post_id IN ({','.join('?' * len(chunk))})", chunk):
                    found[r[0]] = RowState.from_sql(r)
            if queued:
                for r in self.db.execute(f"SELECT {STATE_COLUMNS} FROM publications "
                                         "WHERE status IN ('queued', 'handed_off')"):
                    if r[0] not in found:
                        found[r[0]] = RowState.from_sql(r)
        finally:
            self.db.execute("COMMIT")
        return list(found.values())

    def slot_taken(self, due: datetime) -> bool:
        """Is a publication queued, being sent or published at exactly this time?"""
        return self.db.execute(
            "SELECT 1 FROM publications WHERE due = ? AND status IN ('queued', 'sending', "
            "'published', 'awaiting_manual', 'handed_off') LIMIT 1", (stamp(due),)
        ).fetchone() is not None

    def due_before(self, horizon: datetime) -> list[Row]:
        """Queued rows due by ``horizon`` and every 'sending' row: what a daemon may have to
        act on soon (the index on status and due keeps this cheap with a long queue)."""
        return [Row.from_sql(r) for r in self.db.execute(
            "SELECT * FROM publications WHERE (status = 'queued' AND due <= ?) "
            "OR status = 'sending' ORDER BY due, id", (stamp(horizon),))]

    def later_due(self, row: Row, now: datetime) -> datetime | None:
        """The latest occurrence of the same post on the same platform also due by now, if
        there is one after this row's."""
        found = self.db.execute(
            "SELECT MAX(due) FROM publications WHERE post_id = ? AND platform = ? AND status = "
            "'queued' AND due > ? AND due <= ?",
            (row.post_id, row.platform, stamp(row.due), stamp(now))).fetchone()
        return parse_stamp(found[0]) if found else None

    def ready(self, now: datetime, *, platform: str | None = None,
              limit: int | None = None) -> list[Row]:
        """Queued rows that are due and not waiting for a retry time, in due order."""
        t = stamp(now)
        only = " AND platform = ?" if platform is not None else ""
        return [Row.from_sql(r) for r in self.db.execute(
            "SELECT * FROM publications WHERE status = 'queued' AND due <= ? "
            f"AND (next_attempt_at IS NULL OR next_attempt_at <= ?){only} ORDER BY due, id"
            + (" LIMIT ?" if limit is not None else ""),
            (t, t, *((platform,) if platform is not None else ()),
             *((limit,) if limit is not None else ())))]

    def events(self, publication_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM events"
        args: tuple[Any, ...] = ()
        if publication_id is not None:
            sql, args = sql + " WHERE publication_id = ?", (publication_id,)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def late_publication_times(self, platform: str, since: datetime) -> list[datetime]:
        """When each late publication on this platform after ``since`` was decided, oldest
        first: those that went out or may have. An attempt the row came back from (put back in
        the queue, held, failed) is not one: a network outage must not use up the catch-up cap."""
        return [datetime.fromisoformat(r[0]) for r in self.db.execute(
            "SELECT at FROM events e WHERE kind = 'late-publish' AND detail = ? AND at > ? "
            "AND NOT EXISTS (SELECT 1 FROM events f WHERE f.publication_id = e.publication_id "
            "AND f.id > e.id AND f.kind IN ('retry', 'held', 'failed')) ORDER BY at",
            (platform, stamp(since)))]

    def still_to_go_before(self, row: Row, since: datetime) -> list[Row]:
        """Rows not yet gone (queued or being sent) on the same platform, due from ``since``
        and before ``row`` (by due, then id), earliest first."""
        return [Row.from_sql(r) for r in self.db.execute(
            "SELECT * FROM publications WHERE platform = ? AND status IN ('queued', 'sending') "
            "AND due >= ? AND (due < ? OR (due = ? AND id < ?)) ORDER BY due, id",
            (row.platform, stamp(since), stamp(row.due), stamp(row.due), row.id))]

    # -- writing
    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        found = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(found[0]) if found else None

    def record(self, publication_id: int | None, kind: str, detail: str, now: datetime) -> None:
        self.db.execute("INSERT INTO events (publication_id, at, kind, detail) VALUES (?,?,?,?)",
                        (publication_id, stamp(now), kind, detail))

    def enqueue(self, *, post_id: str, platform: str, occurrence: str, due: datetime,
                payload: str, content_hash: str, source_file: str, now: datetime,
                misfire: str | None = None) -> Row:
        return self.upsert(post_id=post_id, platform=platform, occurrence=occurrence, due=due,
                           payload=payload, content_hash=content_hash, source_file=source_file,
                           now=now, misfire=misfire)[0]

    def upsert(self, *, post_id: str, platform: str, occurrence: str, due: datetime,
               payload: str, content_hash: str, source_file: str, now: datetime,
               misfire: str | None = None, pin: bool = False, follow: bool = False,
               schedule: str = "") -> tuple[Row, str]:
        """Queue an occurrence, or refresh what a still-queued one will send. Rows already
        being sent or finished are left exactly as they are. Also says what it did: "new",
        "updated", "unchanged", "kept" (not queued any more, left alone) or "late" (a sync had
        withdrawn it and its time has passed since: not revived behind a person's back).

        ``pin``: the time comes from the command line (--at, --now). A pinned row keeps that
        time when the post file is synced again, until the file's schedule (``schedule``, its
        signature) changes: then the file wins. ``follow``: a person queued the post by its
        file (``post FILE``): a time given earlier on the command line gives way."""
        want = Wanted(post_id, platform, occurrence, due, payload, content_hash, source_file,
                      misfire, schedule)
        with self._durable(), self.transaction() as db:
            row_id, change = self._upsert(db, want, now, pin, follow)
        return self.get(row_id), change

    def upsert_many(self, wanted: list[Wanted], now: datetime, *,
                    pin: bool = False) -> list[tuple[int, str]]:
        """``upsert`` for several occurrences (a post's) in one durable commit: one disk flush
        for the lot. Returns (row id, what it did) for each."""
        if not wanted:
            return []
        with self._durable(), self.transaction() as db:
            return [self._upsert(db, want, now, pin) for want in wanted]

    def _upsert(self, db: sqlite3.Connection, want: Wanted, now: datetime,
                pin: bool, follow: bool = False) -> tuple[int, str]:
        """Inside a write transaction: the row is read and changed with no other writer
        between, so a row claimed meanwhile is never refreshed behind its sender's back."""
        t = stamp(now)
        existing = db.execute(f"SELECT {STATE_COLUMNS} FROM publications "
                              "WHERE post_id = ? AND platform = ? AND occurrence = ?",
                              (want.post_id, want.platform, want.occurrence)).fetchone()
        if existing is None:
            cur = db.execute(
                "INSERT INTO publications (post_id, platform, occurrence, due, status, "
                "payload, content_hash, source_file, created_at, updated_at, misfire, "
                "pinned, pinned_schedule) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (want.post_id, want.platform, want.occurrence, stamp(want.due),
                 Status.QUEUED.value, want.payload, want.content_hash, want.source_file, t, t,
                 want.misfire, int(pin), want.schedule if pin else None))
            row_id = int(cur.lastrowid or 0)
            self.record(row_id, "queued", f"due {want.due.isoformat()}", now)
            return row_id, "new"
        row = RowState.from_sql(existing)
        change, due = upsert_change(row, want, now, pin=pin, follow=follow)
        still = pin or (not follow and row.holds_pin(want.schedule))
        pinned = int(still)
        pinned_schedule = (want.schedule if pin else row.pinned_schedule) if still else None
        if change == "new":  # a sync had withdrawn it; asked for again (a file restored...)
            db.execute("UPDATE publications SET status = 'queued', due = ?, payload = ?, "
                       "content_hash = ?, source_file = ?, misfire = ?, pinned = ?, "
                       "pinned_schedule = ?, last_error = NULL, error_kind = NULL, "
                       "reason_code = NULL, reason_params = NULL, next_attempt_at = NULL, "
                       "claimed_by = NULL, updated_at = ? WHERE id = ?",
                       (stamp(due), want.payload, want.content_hash, want.source_file,
                        want.misfire, pinned, pinned_schedule, t, row.id))
            self.record(row.id, "queued", f"asked for again; due {due.isoformat()}", now)
        elif change == "updated":
            db.execute("UPDATE publications SET due = ?, payload = ?, content_hash = ?, "
                       "source_file = ?, misfire = ?, pinned = ?, pinned_schedule = ?, "
                       "updated_at = ? WHERE id = ?",
                       (stamp(due), want.payload, want.content_hash, want.source_file,
                        want.misfire, pinned, pinned_schedule, t, row.id))
            released = row.pinned and not still
            self.record(row.id, "updated", f"due {due.isoformat()}"
                        + ("; follows its file again" if released else ""), now)
        else:  # kept, unchanged, late (a person's --now or --at revives a late one: they asked)
            # Where the post lives now (a file moved or renamed back): what retry re-reads,
            # and what tells a deleted post from one kept elsewhere. Not while it is being
            # sent: nothing a sync does touches a claimed row.
            db.execute("UPDATE publications SET source_file = ? WHERE id = ? "
                       "AND source_file != ? AND status != 'sending'",
                       (want.source_file, row.id, want.source_file))
        return row.id, change

    def claim(self, row_id: int, claimer: str, now: datetime, *,
              due: bool = False, manual: Collection[str] = ()) -> Row | None:
        """Take a queued row for sending; None if another process has it or it is not ready.
        ``due``: only if its time has come, as the row is now — a sync may have moved it
        later since the caller read it, and then it is not sent at the old time.
        ``manual``: platforms handed to a person; their rows are claimed marked HANDOFF."""
        t = stamp(now)
        mark, marked = _handoff_mark(manual)
        sql = ("UPDATE publications SET status = 'sending', attempts = attempts + 1, "
               f"claimed_by = ?, claimed_at = ?, sent_at = ?,{mark} "
               "first_attempt_at = COALESCE(first_attempt_at, ?), updated_at = ? "
               "WHERE id = ? AND status = 'queued' "
               "AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
               + (" AND due <= ?" if due else ""))
        args = (claimer, t, t, *marked, t, t, row_id, t, *((t,) if due else ()))
        with self._durable():
            if _RETURNING:  # the claimed row comes back from the UPDATE itself
                # (fetchall: the statement, and with it the flushed commit, ends here)
                got = self.db.execute(sql + " RETURNING *", args).fetchall()
                return Row.from_sql(got[0]) if got else None
            cur = self.db.execute(sql, args)
        return self.get(row_id) if cur.rowcount == 1 else None

    def claim_batch(self, row_ids: list[int], claimer: str, now: datetime, *,
                    manual: Collection[str] = ()) -> list[Row]:
        """Claim several ready rows in one durable commit (one disk flush for the lot, where
        claiming them one by one would pay one each); returns those this process got. A row
        a sync moved later since it was read is not ready, and stays queued. ``manual``: as
        for ``claim``."""
        if not row_ids:
            return []
        t = stamp(now)
        marks = ",".join("?" * len(row_ids))
        mark, marked = _handoff_mark(manual)
        with self._durable(), self.transaction() as db:
            db.execute(
                "UPDATE publications SET status = 'sending', attempts = attempts + 1, "
                f"claimed_by = ?, claimed_at = ?, sent_at = ?,{mark} "
                "first_attempt_at = COALESCE(first_attempt_at, ?), updated_at = ? "
                f"WHERE id IN ({marks}) AND status = 'queued' AND due <= ? "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
                (claimer, t, t, *marked, t, t, *row_ids, t, t))
            got = [Row.from_sql(r) for r in db.execute(
                f"SELECT * FROM publications WHERE id IN ({marks}) AND status = 'sending' "
                "AND claimed_by = ? AND claimed_at = ? ORDER BY due, id",
                (*row_ids, claimer, t))]
        return got

    def claim_for_reconcile(self, row_id: int, claimer: str, previous: str | None,
                            now: datetime) -> Row | None:
        """Take a row left in 'sending' (its claimer is gone) to find out what happened."""
        t = stamp(now)
        cur = self.db.execute(
            "UPDATE publications SET claimed_by = ?, claimed_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'sending' AND claimed_by IS ?",
            (claimer, t, t, row_id, previous))
        return self.get(row_id) if cur.rowcount == 1 else None

    @contextmanager
    def _durable(self) -> Iterator[None]:
        """Commits that must be on disk before we go on, power cut or not: a claim (else a
        post sent just before the cut could be sent again), a queued row, a person's cancel
        or retry. Outcomes need not be: a lost one leaves the row 'sending', and it is then
        reconciled against the platform, which still has the truth."""
        self.db.execute("PRAGMA synchronous = FULL")
        try:
            yield
        finally:
            self.db.execute("PRAGMA synchronous = NORMAL")

    def save_progress(self, row_id: int, part_ids: list[str], now: datetime) -> None:
        self.db.execute("UPDATE publications SET part_ids = ?, updated_at = ? WHERE id = ?",
                        (json.dumps(part_ids), stamp(now), row_id))

    def _write(self, row_id: int, status: Status, now: datetime, event: str, detail: str,
               *, durable: bool = False, only_if: Status | None = None,
               due_is: datetime | None = None, **fields: Any) -> bool:
        """``only_if``: change the row only while it still has this status (a decision made
        on a row read earlier must not overwrite what another process did since); ``due_is``:
        and while its time is still this one (a sync may have moved it since)."""
        with (self._durable() if durable else contextlib.nullcontext()), \
                self.transaction() as db:
            return self._update(db, row_id, status, now, event, detail, only_if, fields,
                                due_is)

    def _update(self, db: sqlite3.Connection, row_id: int, status: Status, now: datetime,
                event: str, detail: str, only_if: Status | None,
                fields: dict[str, Any], due_is: datetime | None = None) -> bool:
        sets = ", ".join(f"{k} = ?" for k in fields)
        guard = " AND status = ?" if only_if is not None else ""
        guard += " AND due = ?" if due_is is not None else ""
        cur = db.execute(f"UPDATE publications SET status = ?, updated_at = ?"
                         f"{', ' + sets if sets else ''} WHERE id = ?{guard}",
                         (status.value, stamp(now), *fields.values(), row_id,
                          *((only_if.value,) if only_if is not None else ()),
                          *((stamp(due_is),) if due_is is not None else ())))
        if cur.rowcount == 0:
            return False
        self.record(row_id, event, detail, now)
        return True

    def _finish(self, row_id: int, status: Status, now: datetime, event: str, detail: str,
                *, durable: bool = False, only_if: Status | None = None,
                due_is: datetime | None = None, **fields: Any) -> Row:
        self._write(row_id, status, now, event, detail, durable=durable, only_if=only_if,
                    due_is=due_is, **fields)
        return self.get(row_id)

    def mark_published(self, row_id: int, platform_post_id: str, url: str, part_ids: list[str],
                       now: datetime, how: str = "published",
                       current: Row | None = None) -> Row:
        """``current``: the row as this process holds it, so it need not be read back."""
        self._write(row_id, Status.PUBLISHED, now, how, url, platform_post_id=platform_post_id,
                    url=url, part_ids=json.dumps(part_ids), published_at=stamp(now),
                    error_kind=None, claimed_by=None, next_attempt_at=None,
                    **_reason_columns(None))
        if current is None:
            return self.get(row_id)
        return dataclasses.replace(
            current, status=Status.PUBLISHED, platform_post_id=platform_post_id, url=url,
            part_ids=list(part_ids), published_at=now, last_error=None, error_kind=None,
            claimed_by=None, next_attempt_at=None, updated_at=now, reason_code=None,
            reason_params=None)

    def await_manual(self, row_id: int, sheet: str, now: datetime) -> Row:
        """The publishing sheet of a row claimed for a person is written: it waits for them."""
        return self._finish(row_id, Status.AWAITING_MANUAL, now, "handed-off", sheet,
                            only_if=Status.SENDING, error_kind=HANDOFF, claimed_by=None,
                            next_attempt_at=None, **_reason_columns(None))

    def mark_done_by_person(self, row_id: int, url: str, platform_post_id: str,
                            now: datetime) -> bool:
        """A person published an awaiting row by hand (`done`): published, with their URL.
        False when the row is no longer awaiting (done or cancelled meanwhile)."""
        return self._write(row_id, Status.PUBLISHED, now, "done-by-person", url, durable=True,
                           only_if=Status.AWAITING_MANUAL, url=url,
                           platform_post_id=platform_post_id, published_at=stamp(now),
                           part_ids=json.dumps([platform_post_id]), claimed_by=None,
                           **_reason_columns(None))

    def requeue(self, row_id: int, retry_at: datetime, error: str, kind: str,
                now: datetime) -> Row:
        return self._finish(row_id, Status.QUEUED, now, "retry",
                            f"{kind}: {error}; next attempt {retry_at.isoformat()}",
                            next_attempt_at=stamp(retry_at), error_kind=kind,
                            claimed_by=None, **_reason_columns(error))

    def hold_without_credentials(self, row: Row, retry_at: datetime, error: str,
                                 now: datetime) -> Row:
        """Claimed, but this machine has no credentials for the platform: back to the queue
        as if never tried (the attempt is given back, so the misfire policy still judges a
        late one), held until ``retry_at`` and said in `status`. Nothing was sent."""
        return self.hold(row, retry_at, error, now, NO_CREDENTIALS)

    def hold(self, row: Row, retry_at: datetime, error: str, now: datetime, kind: str) -> Row:
        """Claimed but held back, nothing sent (no credentials, X's monthly budget): queued
        again as never tried, until ``retry_at``, with ``kind`` for `status`."""
        return self._finish(row.id, Status.QUEUED, now, "held", error,
                            only_if=Status.SENDING, next_attempt_at=stamp(retry_at),
                            error_kind=kind, claimed_by=None, **_reason_columns(error),
                            attempts=max(row.attempts - 1, 0),
                            first_attempt_at=None if row.attempts <= 1 else stamp(
                                row.first_attempt_at or now))

    def give_back(self, row: Row, now: datetime, why: str = "clock-untrusted") -> Row:
        """Claimed but not sent (the clock turned out untrustworthy, the process is stopping):
        queued again as it was, its attempt given back. Nothing was sent."""
        return self._finish(row.id, Status.QUEUED, now, "released", why,
                            only_if=Status.SENDING, claimed_by=None,
                            attempts=max(row.attempts - 1, 0),
                            first_attempt_at=None if row.attempts <= 1 else stamp(
                                row.first_attempt_at or now))

    def hold_for_reconcile(self, row_id: int, retry_at: datetime, error: str, kind: str,
                           now: datetime) -> Row:
        """The request may have gone out: stay 'sending', released, to be looked up first."""
        return self._finish(row_id, Status.SENDING, now, "uncertain",
                            f"{kind}: {error}; will check the platform before any resend",
                            next_attempt_at=stamp(retry_at), error_kind=kind,
                            claimed_by=None, **_reason_columns(error))

    def mark_failed(self, row_id: int, error: str, kind: str, now: datetime) -> Row:
        return self._finish(row_id, Status.FAILED, now, "failed", f"{kind}: {error}",
                            error_kind=kind, claimed_by=None, **_reason_columns(error))

    def mark_unconfirmed(self, row_id: int, error: str, kind: str, now: datetime) -> Row:
        return self._finish(row_id, Status.UNCONFIRMED, now, "unconfirmed", f"{kind}: {error}",
                            error_kind=kind, claimed_by=None, **_reason_columns(error))

    def mark_cancelled(self, row_id: int, reason: str, now: datetime, *,
                       only_if: Status | None = None) -> Row:
        return self._finish(row_id, Status.CANCELLED, now, "cancelled", reason, durable=True,
                            error_kind=CANCELLED_BY_PERSON, only_if=only_if,
                            **_reason_columns(reason))

    def cancel_ahead(self, want: Wanted, reason: str, now: datetime) -> bool:
        """A person cancels an occurrence not queued yet (beyond the horizon): its row is
        made cancelled, so that the sync that reaches its date keeps it so. False when the
        occurrence already has a row."""
        fields = _reason_columns(reason)
        t = stamp(now)
        with self._durable(), self.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO publications (post_id, platform, occurrence, due, status, "
                "payload, content_hash, source_file, created_at, updated_at, misfire, "
                "error_kind, last_error, reason_code, reason_params) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (want.post_id, want.platform, want.occurrence, stamp(want.due),
                 Status.CANCELLED.value, want.payload, want.content_hash, want.source_file, t,
                 t, want.misfire, CANCELLED_BY_PERSON, fields["last_error"],
                 fields["reason_code"], fields["reason_params"]))
            if cur.rowcount != 1:
                return False
            self.record(int(cur.lastrowid or 0), "cancelled", f"ahead; {reason}", now)
        return True

    # The misfire policy's decisions: made on a row read a moment ago, applied only if it is
    # still queued (another process may have published it meanwhile) and, given ``due_is``,
    # still due at the time the decision was made on (a sync may have moved it since).
    def mark_skipped(self, row_id: int, reason: str, now: datetime, *,
                     due_is: datetime | None = None) -> Row:
        return self._finish(row_id, Status.SKIPPED, now, "skipped", reason,
                            error_kind="skipped", only_if=Status.QUEUED, due_is=due_is,
                            **_reason_columns(reason))

    def move(self, row_id: int, due: datetime, reason: str, now: datetime, *,
             due_is: datetime | None = None) -> Row:
        return self._finish(row_id, Status.QUEUED, now, "moved", reason, due=stamp(due),
                            next_attempt_at=None, only_if=Status.QUEUED, due_is=due_is)

    def defer(self, row_id: int, until: datetime, reason: str, now: datetime, *,
              due_is: datetime | None = None) -> Row:
        """Held back until ``until`` (the catch-up cap): still queued, the reason kept for
        `status`."""
        return self._finish(row_id, Status.QUEUED, now, "deferred", reason,
                            next_attempt_at=stamp(until), error_kind=DEFERRED,
                            only_if=Status.QUEUED, due_is=due_is, **_reason_columns(reason))

    def withdraw(self, row_id: int, reason: str, now: datetime) -> Row:
        """Cancelled by a sync, not by a person: the post file no longer asks for this
        occurrence. Unlike a person's cancel, a later sync that asks again revives it."""
        return self._finish(row_id, Status.CANCELLED, now, "cancelled", reason, durable=True,
                            error_kind=WITHDRAWN, only_if=Status.QUEUED,
                            **_reason_columns(reason))

    def withdraw_many(self, row_ids: list[int], reason: str, now: datetime) -> list[int]:
        """``withdraw`` for several rows in one durable commit; returns the ids it withdrew. A
        row claimed (or finished) since it was read is left exactly as it is."""
        if not row_ids:
            return []
        fields = {"error_kind": WITHDRAWN, **_reason_columns(reason)}
        with self._durable(), self.transaction() as db:
            return [row_id for row_id in row_ids
                    if self._update(db, row_id, Status.CANCELLED, now, "cancelled", reason,
                                    Status.QUEUED, fields)
                    # scheduled on Facebook: cancelled here, deleted there (publish/native.py)
                    or self._update(db, row_id, Status.CANCELLED, now, "cancelled", reason,
                                    Status.HANDED_OFF, fields)]

    def retry(self, row_id: int, now: datetime,
              payload: tuple[str, str] | None = None, *, only_if: Status | None = None) -> Row:
        """A person asks to try a failed, unconfirmed, cancelled or skipped row again: it
        goes out at its time, or now if that has passed (a person asked: not a misfire).
        ``payload``: (payload, content hash) from the post file as it is now."""
        due = max(self.get(row_id).due, now)
        content: dict[str, Any] = ({"payload": payload[0], "content_hash": payload[1]}
                                   if payload else {})
        return self._finish(row_id, Status.QUEUED, now, "retry-requested",
                            Reason("requeued-by-person"), durable=True, only_if=only_if,
                            next_attempt_at=None,
                            claimed_by=None, first_attempt_at=None, due=stamp(due),
                            error_kind=None, **content)

    # -- Facebook's own scheduler (publish/native.py): claimed like a send, then held there
    def claim_native(self, row_id: int, claimer: str, now: datetime) -> Row | None:
        """Take a queued row, not yet due, to create it on Facebook as a scheduled post: a
        claim like any other ('sending', on disk before the request goes), marked NATIVE so
        that a lost answer is looked for among the Page's scheduled posts."""
        t = stamp(now)
        with self._durable():
            cur = self.db.execute(
                # (attempts and first_attempt_at are left alone: they measure sends at the
                # due time, which a hand-off days ahead must not use up)
                "UPDATE publications SET status = 'sending', claimed_by = ?, claimed_at = ?, "
                "sent_at = ?, error_kind = ?, updated_at = ? "
                "WHERE id = ? AND status = 'queued' AND native IS NULL AND due > ? "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
                (claimer, t, t, NATIVE, t, row_id, t, t))
        if cur.rowcount != 1:
            return None
        self.record(row_id, "native-claimed", "", now)
        return self.get(row_id)

    def hand_off(self, row_id: int, post_id: str, native: str, now: datetime, *,
                 only_if: Status = Status.SENDING) -> Row:
        """Facebook holds it as a scheduled post (``post_id``); ``native``: what it was given."""
        return self._finish(row_id, Status.HANDED_OFF, now, "handed-off", post_id,
                            only_if=only_if, durable=True, platform_post_id=post_id,
                            native=native, claimed_by=None, error_kind=None,
                            next_attempt_at=None, **_reason_columns(None))

    def native_back(self, row: Row, now: datetime, error: str | None = None,
                    kind: str | None = None, retry_at: datetime | None = None) -> Row:
        """Nothing was created on Facebook: queued again, to be handed off later (not before
        ``retry_at``, never after its due time) or sent at its time (``kind``
        NATIVE_REFUSED: sent at its time only)."""
        return self._finish(row.id, Status.QUEUED, now, "native-released", error or "",
                            only_if=Status.SENDING, claimed_by=None, error_kind=kind,
                            next_attempt_at=stamp(min(retry_at, row.due)) if retry_at else None,
                            **_reason_columns(error))

    def native_requeue(self, row: Row, now: datetime) -> Row:
        """Facebook's copy was deleted (it could not follow the file): queued again."""
        return self._finish(row.id, Status.QUEUED, now, "native-released", "",
                            only_if=Status.HANDED_OFF, native=None, platform_post_id=None,
                            next_attempt_at=None, error_kind=None, **_reason_columns(None))

    def native_unsure(self, row_id: int, retry_at: datetime, error: str, now: datetime) -> Row:
        """The create may have reached Facebook: stay 'sending', released, to be looked for
        among the Page's scheduled posts before anything is created again."""
        return self._finish(row_id, Status.SENDING, now, "uncertain", error, only_if=Status.SENDING,
                            claimed_by=None, next_attempt_at=stamp(retry_at),
                            error_kind=NATIVE, **_reason_columns(error))

    def native_changed(self, row: Row, native: str | None, now: datetime, event: str,
                       **fields: Any) -> bool:
        """Record what Facebook holds now (None: nothing), while the row keeps its status."""
        return self._write(row.id, row.status, now, event, "", only_if=row.status,
                           native=native, **fields)

    def native_note(self, row: Row, error: str, now: datetime) -> None:
        """Why Facebook's copy could not be brought in step (tried again at the next pass)."""
        self._write(row.id, row.status, now, "native-problem", str(error), only_if=row.status,
                    **_reason_columns(error))

    def native_rows(self, platform: str) -> list[Row]:
        """Every row of ``platform`` its own scheduler may hold, or be about to: handed off,
        being handed off, or cancelled, skipped or queued with a scheduled post still there."""
        return [Row.from_sql(r) for r in self.db.execute(
            "SELECT * FROM publications WHERE platform = ? AND (status = 'handed_off' "
            "OR native IS NOT NULL OR (status = 'sending' AND error_kind = ?)) ORDER BY due, id",
            (platform, NATIVE))]
