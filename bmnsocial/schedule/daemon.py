"""The scheduling daemon (APScheduler 3, BlockingScheduler) and the cron-driven one-shot run.

The ledger is the queue and the only shared state: APScheduler cannot share a job store
between processes, so each daemon keeps its jobs in memory and rebuilds them from the ledger
every few seconds (which also picks up work queued by the CLI or by a `git pull`). A job only
says "look at row N now"; claiming the row in the ledger decides who sends it, so a daemon, a
`run-due` from cron and a `post --now` can run side by side without ever sending twice.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bmnsocial import __version__
from bmnsocial.errors import BmnError, ExitCode
from bmnsocial.i18n import _
from bmnsocial.publish.ledger import Ledger, Row, Status
from bmnsocial.publish.locks import SingleInstance, claimer_alive
from bmnsocial.publish.runtime import Runtime
from bmnsocial.render.validation import is_post_file, near_miss
from bmnsocial.schedule import misfire
from bmnsocial.schedule.sync import PostsFolderUnavailable, SyncReport, sync
from bmnsocial.terminal import visible

log = logging.getLogger("bmnsocial.schedule.daemon")

HEARTBEAT = "heartbeat.json"
LOCK = "daemon.lock"
# Jobs are kept for the next day only; the poll adds later ones as they come near.
WINDOW = timedelta(hours=24)
# The folder is re-read at least this often even when no file changed: the planning horizon
# moves with time, and a recurring post's later occurrences must be queued as it reaches them.
RESYNC_EVERY = timedelta(hours=1)


class AlreadyRunning(BmnError):
    """Another daemon holds this state directory."""

    exit_code = ExitCode.ALREADY_RUNNING


def write_heartbeat(state_dir: Path, mode: str, now: datetime, ledger: Ledger,
                    started: datetime, last_sync: dict[str, Any] | None = None) -> None:
    """``last_sync``: when the daemon's latest sync of the posts folder began (system clock)
    and how many seconds it took."""
    queued = ledger.rows(statuses=(Status.QUEUED,), limit=1)
    # "at" is the system clock's: it measures liveness, whatever clock the run follows.
    data = {"pid": os.getpid(), "mode": mode, "at": datetime.now(UTC).isoformat(),
            "clock": now.astimezone(UTC).isoformat(),
            "started_at": started.astimezone(UTC).isoformat(), "version": __version__,
            "next_due": queued[0].due.isoformat() if queued else None,
            "last_sync": last_sync}
    target = state_dir / HEARTBEAT
    tmp = target.with_name(f".{HEARTBEAT}.{os.getpid()}.tmp")  # daemon and run-due may race
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(tmp, target)


def read_heartbeat(state_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((state_dir / HEARTBEAT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def daemon_running(state_dir: Path) -> bool:
    probe = SingleInstance(state_dir / LOCK)
    if probe.acquire():
        probe.release()
        return False
    return True


def posts_signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the post files: a cheap 'did anything change'."""
    found: list[tuple[str, int, int]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if is_post_file(name) or near_miss(name):
                try:
                    st = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                found.append((os.path.join(root, name), st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


def decide_misfire(row: Row, runtime: Runtime, ledger: Ledger) -> Row | None:
    """Apply the misfire policy to a queued row: its new state if it is not to be sent now
    (skipped, moved, deferred), else None."""
    now = runtime.publisher().clock.now()
    decision = misfire.decide(row, runtime.config, ledger, now)
    done = misfire.apply(decision, row, ledger, now)
    if done is not None:
        log.warning(_("%s on %s: %s (%s)"), row.post_id, row.platform,
                    _(misfire.ACTIONS.get(decision.action, decision.action)), decision.reason)
    return done


def dispatch(row: Row, runtime: Runtime, ledger: Ledger) -> Row:
    """Misfire policy first, then send (or reconcile) through the publisher."""
    if row.status is Status.QUEUED:
        done = decide_misfire(row, runtime, ledger)
        if done is not None:
            return done
    return runtime.publisher().advance(row.id, row)


@dataclass
class RunReport:
    sync: SyncReport | None
    rows: list[Row]
    sync_error: str | None = None  # the posts folder could not be read (queued rows still ran)

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.status in (Status.FAILED, Status.UNCONFIRMED)]


def run_due(runtime: Runtime, *, do_sync: bool = True) -> RunReport:
    """One pass, for cron: sync the posts folder, reconcile, publish what is due, exit."""
    publisher = runtime.publisher()
    ledger = runtime.ledger
    now = publisher.clock.now()
    report = None
    sync_error = None
    if do_sync:
        try:
            report = sync([runtime.config.posts_dir], runtime.config, ledger, now, full=True)
        except PostsFolderUnavailable as exc:  # what is already queued still goes out
            sync_error = str(exc)
    changed = publisher.reconcile_pending()
    to_send: list[Row] = []
    for row in ledger.ready(publisher.clock.now()):
        decided = decide_misfire(row, runtime, ledger)
        if decided is None:
            to_send.append(row)
        else:
            changed.append(decided)
    changed.extend(publisher.publish_rows(to_send))
    write_heartbeat(runtime.state_dir, "run-due", publisher.clock.now(), ledger, now)
    return RunReport(report, changed, sync_error)


_current: Daemon | None = None


def run_occurrence(row_id: int) -> None:
    """APScheduler job, referenced by text: look at one ledger row now."""
    daemon = _current
    if daemon is not None:
        daemon.run_row(row_id)


def poll() -> None:
    """APScheduler job, referenced by text: follow the ledger and the posts folder."""
    daemon = _current
    if daemon is not None:
        daemon.refresh()


class Daemon:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.config = runtime.config
        self.publisher = runtime.publisher()
        self.clock = self.publisher.clock
        self.started = self.clock.now()
        # The poll thread has its own connection: one SQLite connection is not shared
        # between threads that may both be inside a transaction.
        self.watch_ledger = Ledger(runtime.ledger.path)
        self.lock = SingleInstance(runtime.state_dir / LOCK)
        # The jobs this daemon has placed (row id -> when), shared by the poll thread and the
        # publishing thread; _guard is held only while it is read or changed, never across a
        # sync or a publication.
        self._scheduled: dict[int, datetime] = {}
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._synced_at: datetime | None = None
        self._last_sync: dict[str, Any] | None = None
        self._unsettled = False  # the last sync left files still being written: read again
        self._guard = threading.Lock()
        self.scheduler: Any = None
        # Shared with the publisher: a stop sends no further part of a thread, so it waits
        # for one request at most (publish.timeout_seconds), never for a whole thread.
        self.stopping = self.publisher.stopping
        self._shutdown: threading.Thread | None = None

    def _build_scheduler(self) -> Any:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        return BlockingScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(1), "publish": ThreadPoolExecutor(1)},
            # None: an occurrence found late is still run, and our misfire policy decides
            # (APScheduler's default 1 s grace would silently drop it). coalesce: one run of
            # the poll, however many were missed.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1})

    def start(self) -> None:
        global _current
        if not self.lock.acquire():
            raise AlreadyRunning(_("another bmnsocial daemon is running on {folder} (see "
                                   "'bmnsocial status'); not starting a second one.").format(
                                       folder=self.runtime.state_dir))
        _current = self
        try:
            self.scheduler = self._build_scheduler()
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
            log.info(_("daemon started (pid %d, state %s%s)"), os.getpid(),
                     self.runtime.state_dir, ", SANDBOX" if self.runtime.sandbox_mode else "")
            self.refresh()
            if self.stopping.is_set():  # stopped during the first refresh
                return
            self.scheduler.add_job("bmnsocial.schedule.daemon:poll", "interval", id="poll",
                                   seconds=self.config.daemon.poll_seconds,
                                   next_run_time=datetime.now(UTC), replace_existing=True)
            self.scheduler.start()
        finally:
            if self._shutdown is not None:
                self._shutdown.join()
            _current = None
            self.watch_ledger.close()
            self.lock.release()
            log.info(_("daemon stopped"))

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info(_("signal %d: finishing the request in flight, then stopping"), signum)
        self.stopping.set()
        if self.scheduler is not None and self.scheduler.running:
            # wait=True lets the job in flight finish (its requests have timeouts).
            self._shutdown = threading.Thread(target=self.scheduler.shutdown,
                                              kwargs={"wait": True}, daemon=True)
            self._shutdown.start()

    def refresh(self) -> None:
        """Follow the posts folder and the ledger; keep one job per occurrence due soon.

        Runs in the poll thread (and once before the scheduler starts). It holds no lock that
        publishing needs: a post that falls due while the folder is synced goes out on time,
        and the ledger's conditional updates keep the sync off a row being sent."""
        if self.stopping.is_set():
            if self.scheduler is not None and self.scheduler.running and self._shutdown is None:
                self._on_signal(signal.SIGTERM, None)  # a signal came before the scheduler ran
            return
        try:
            self._sync_if_changed()
            self._schedule_rows()
            write_heartbeat(self.runtime.state_dir, "daemon", self.clock.now(),
                            self.watch_ledger, self.started, self._last_sync)
        except BmnError as exc:  # e.g. the posts folder is gone: said, nothing changed
            log.error(_("%s (trying again at the next poll)"), exc)
            self._signature = None
        except Exception:  # one bad pass must not stop the daemon
            log.exception(_("refresh failed; trying again at the next poll"))

    def _sync_if_changed(self) -> None:
        signature = posts_signature(self.config.posts_dir)
        now = self.clock.now()
        horizon_moved = self._synced_at is not None and now - self._synced_at >= RESYNC_EVERY
        if signature == self._signature and not horizon_moved and not self._unsettled:
            return
        first = self._signature is None
        files_changed = signature != self._signature
        self._signature = signature
        self._synced_at = now
        began, began_at = time.monotonic(), datetime.now(UTC)
        try:
            report = sync([self.config.posts_dir], self.config, self.watch_ledger,
                          self.clock.now(), full=True)
        except PostsFolderUnavailable as exc:
            # Said once (until the folder changes); what is queued still goes out, the
            # heartbeat goes on, and `status` names the folder.
            log.error(_("%s (what is queued still goes out)"), exc)
            return
        self._unsettled = bool(report.unsettled)
        self._last_sync = {"started_at": began_at.isoformat(),
                           "seconds": round(time.monotonic() - began, 3)}
        if first:
            log.info(_("posts loaded: %s"), report.summary())
        elif files_changed:
            log.info(_("posts changed: %s"), report.summary())
        else:  # the hourly re-read: recurring posts gain the occurrences the horizon now covers
            log.log(logging.INFO if report.new or report.cancelled else logging.DEBUG,
                    _("posts re-read as time moves on: %s"), report.summary())
        for d in report.problems:
            log.error(_("%s (its queued occurrences are left as they were)"), d.format())
        for note in report.notes:
            log.warning("%s", visible(note))

    def _schedule_rows(self) -> None:
        now = self.clock.now()
        # APScheduler waits on the system clock; ours may be set (BMNSOCIAL_NOW rehearsals,
        # tests), so jobs are placed at the same distance from the system's "now" — taken at
        # the same moment, or every job would be late by the time the ledger read takes.
        offset = datetime.now(UTC) - now
        horizon = now + WINDOW
        wanted: dict[int, datetime] = {}
        for row in self.watch_ledger.due_before(horizon):
            when = max(row.due, row.next_attempt_at or row.due)
            if row.status is Status.SENDING and row.claimed_by is not None:
                if claimer_alive(self.runtime.state_dir, row.claimed_by):
                    continue  # another process is sending it right now
                when = row.updated_at  # its process died: look at it at once
            if when <= horizon:
                wanted[row.id] = when
        # A job that ran since the read above is placed again if its row still looks due: it
        # then finds the row sent (or not ready) and does nothing; claiming decides, not jobs.
        with self._guard:
            for row_id in set(self._scheduled) - set(wanted):
                self._remove(row_id)
            for row_id, when in wanted.items():
                if self._scheduled.get(row_id) != when:
                    self.scheduler.add_job("bmnsocial.schedule.daemon:run_occurrence", "date",
                                           id=f"occurrence-{row_id}", args=[row_id],
                                           run_date=max(when, now) + offset,
                                           executor="publish", replace_existing=True)
                    self._scheduled[row_id] = when

    def _remove(self, row_id: int) -> None:
        from apscheduler.jobstores.base import JobLookupError

        self._scheduled.pop(row_id, None)
        with contextlib.suppress(JobLookupError):  # it already ran
            self.scheduler.remove_job(f"occurrence-{row_id}")

    def run_row(self, row_id: int) -> None:
        if self.stopping.is_set():
            return
        try:
            with self._guard:
                self._scheduled.pop(row_id, None)
            row = self.runtime.ledger.get(row_id)
            if row.status in (Status.QUEUED, Status.SENDING):
                dispatch(row, self.runtime, self.runtime.ledger)
        except Exception:  # recorded, never fatal: the next poll looks at the row again
            log.exception(_("occurrence %d failed unexpectedly"), row_id)
