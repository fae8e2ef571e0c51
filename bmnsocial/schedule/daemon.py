"""The scheduling daemon and the cron-driven one-shot run.

The ledger is the queue and the only shared state: each daemon keeps its jobs in memory and
rebuilds them from the ledger every few seconds (which also picks up work queued by the CLI or
by a `git pull`). A job only says "look at row N at time T"; claiming the row in the ledger
decides who sends it, so a daemon, a `run-due` from cron and a `post --now` can run side by
side without ever sending twice.

The daemon never sleeps on the wall clock: every wait is on an event (monotonic), at most a poll
long, and when a job is due is judged on the daemon's clock each time it wakes. APScheduler 3's
schedulers cannot do this: they compare jobs with ``datetime.now()`` and sleep until the next
one's wall-clock time, so a clock set back by a day froze its BlockingScheduler for a day.
Whether the clock may be believed at all is publish/clocktrust.py's to say, before every claim.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bmnsocial import __version__
from bmnsocial.errors import BmnError, ExitCode, LedgerUnavailable
from bmnsocial.i18n import _
from bmnsocial.platforms.base import CredentialsMissing
from bmnsocial.posts.media import EXTENSION_TYPES
from bmnsocial.publish import backup
from bmnsocial.publish.clocktrust import ClockTrust, Verdict
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
# Ready rows claimed together, in one disk flush: a claim must be on disk before its request
# goes, and that flush costs more than the rest of the ledger's work for a row.
CLAIM_BATCH = 20
# While the clock is not trusted, the platforms are asked for their time at most this often.
PROBE_EVERY_SECONDS = 30.0
# What the daemon knows of the clock goes to the ledger this often (sooner when a platform
# answered): a write every poll would be a disk write every 3 s for nothing.
SAVE_CLOCK_EVERY_SECONDS = 60.0
# After a pass that left figures unread (X budget, a platform's refusal or silence), the next
# waits this long: the same reads would fail the same way at every poll.
FIGURES_RETRY = timedelta(minutes=15)


class AlreadyRunning(BmnError):
    """Another daemon holds this state directory."""

    exit_code = ExitCode.ALREADY_RUNNING


def write_heartbeat(state_dir: Path, mode: str, now: datetime, ledger: Ledger | None,
                    started: datetime, last_sync: dict[str, Any] | None = None,
                    problem: LedgerUnavailable | None = None) -> None:
    """``last_sync``: when the daemon's latest sync of the posts folder began (system clock)
    and how many seconds it took. ``problem``: why the daemon publishes nothing (then the
    ledger is not read: ``ledger`` may be None)."""
    queued = ledger.rows(statuses=(Status.QUEUED,), limit=1) if ledger and not problem else []
    # "at" is the system clock's: it measures liveness, whatever clock the run follows.
    data = {"pid": os.getpid(), "mode": mode, "at": datetime.now(UTC).isoformat(),
            "clock": now.astimezone(UTC).isoformat(),
            "started_at": started.astimezone(UTC).isoformat(), "version": __version__,
            "next_due": queued[0].due.isoformat() if queued else None,
            "last_sync": last_sync,
            "problem": {"code": problem.code, "message": str(problem)} if problem else None}
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


def posts_signature(*folders: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the post and media files: a cheap 'did anything
    change'. Media count too: a queued post takes a replaced image at once, instead of
    failing at send time because its file changed after it was queued."""
    found: set[tuple[str, int, int]] = set()
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if (is_post_file(name) or near_miss(name)
                        or os.path.splitext(name)[1].lower() in EXTENSION_TYPES):
                    try:
                        st = os.stat(os.path.join(root, name))
                    except OSError:
                        continue
                    found.add((os.path.join(root, name), st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


def decide_misfire(row: Row, runtime: Runtime, ledger: Ledger,
                   going: Collection[int] = ()) -> Row | None:
    """Apply the misfire policy to a queued row: its new state if it is not to be sent now
    (skipped, moved, deferred, or left to wait for an earlier one), else None. ``going``: rows
    this pass already sends."""
    now = runtime.publisher().clock.now()
    decision = misfire.decide(row, runtime.config, ledger, now, going)
    done = misfire.apply(decision, row, ledger, now)
    if done is not None and decision.reason:
        log.warning(_("%s on %s: %s (%s)"), row.post_id, row.platform,
                    _(misfire.ACTIONS.get(decision.action, decision.action)), decision.reason)
    return done


def trusted_clock(runtime: Runtime) -> Verdict:
    """The clock's verdict; when it is not trusted, the platforms are asked for their time
    (at most every PROBE_EVERY_SECONDS) and the verdict given again."""
    trust = runtime.clock_trust()
    verdict = trust.check()
    if verdict.trusted or not trust.may_probe(PROBE_EVERY_SECONDS):
        return verdict
    asked = False
    for platform in runtime.config.platforms_configured:
        if platform in runtime.config.manual_platforms:  # never called, not even for a Date
            continue
        try:  # any answer carries the platform's Date; a refusal is fine for that too
            runtime.adapter(platform).whoami()
            asked = True
        except CredentialsMissing:
            continue
        except Exception as exc:
            asked = True
            log.debug("clock probe on %s: %s", platform, type(exc).__name__)
    if not asked:
        # No credentials anywhere: nothing can be sent, and the rows must be held and said
        # so in `status` (no-credentials), not left waiting for a witness that cannot come.
        trust.waive_confirmation()
    return trust.check()


def dispatch(row: Row, runtime: Runtime, ledger: Ledger) -> Row:
    """Misfire policy first, then send (or reconcile) through the publisher; nothing at all
    while the clock is not trusted (no claim, and no misfire decision on a wrong clock)."""
    if not trusted_clock(runtime).trusted:
        return row
    if row.status is Status.QUEUED:
        done = decide_misfire(row, runtime, ledger)
        if done is not None:
            return done
    return runtime.publisher().advance(row.id, row)


def send_ready(rows: list[Row], runtime: Runtime, ledger: Ledger) -> list[Row]:
    """The misfire policy for each queued row, then the rest sent, claimed a batch at a time
    (one disk flush per batch): run-due's pass and a daemon job share it. Returns the rows
    changed."""
    changed: list[Row] = []
    to_send: list[Row] = []
    going: set[int] = set()
    for row in rows:  # in due order
        decided = decide_misfire(row, runtime, ledger, going)
        if decided is None:
            to_send.append(row)
            going.add(row.id)
        elif decided is not row:  # a row left to wait is looked at again later
            changed.append(decided)
    trust = runtime.clock_trust()
    changed.extend(runtime.publisher().publish_rows(
        to_send, batch=CLAIM_BATCH, allowed=lambda: trust.check().trusted))
    return changed


def follow_native(runtime: Runtime, ledger: Ledger) -> list[Row]:
    """The platforms' own schedulers (Facebook's): hand off what enters their window, keep
    what they hold in step, confirm what they published (publish/native.py); nothing while
    the clock is not trusted."""
    # The verdict as it stands, without asking the platforms again: a skew an answer just
    # showed must stop this pass, not be probed away by another platform's Date.
    platforms = runtime.native_platforms()
    if not platforms or not runtime.clock_trust().check().trusted:
        return []
    return [row for platform in platforms
            for row in runtime.native_handoff(ledger, platform).run()]


@dataclass
class RunReport:
    sync: SyncReport | None
    rows: list[Row]
    sync_error: str | None = None  # the posts folder could not be read (queued rows still ran)
    clock: Verdict | None = None  # set when nothing ran because the clock is not trusted

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.status in (Status.FAILED, Status.UNCONFIRMED)]


def run_due(runtime: Runtime, *, do_sync: bool = True) -> RunReport:
    """One pass, for cron: sync the posts folder, reconcile, publish what is due, exit."""
    publisher = runtime.publisher()
    ledger = runtime.ledger
    now = publisher.clock.now()
    trust = runtime.clock_trust()
    verdict = trusted_clock(runtime)
    if not verdict.trusted:  # no sync either: slots and occurrences are placed by the clock
        trust.save(ledger)
        write_heartbeat(runtime.state_dir, "run-due", now, ledger, now)
        return RunReport(None, [], clock=verdict)
    report = None
    sync_error = None
    if do_sync:
        try:
            report = sync([runtime.config.posts_dir], runtime.config, ledger, now, full=True)
        except PostsFolderUnavailable as exc:  # what is already queued still goes out
            sync_error = str(exc)
    changed = publisher.reconcile_pending()
    changed.extend(send_ready(ledger.ready(publisher.clock.now()), runtime, ledger))
    changed.extend(follow_native(runtime, ledger))
    if publisher.handoff is not None:  # cron's run ends: its notify_command runs, recorded
        publisher.handoff.wait()
    trust.save(ledger)
    ledger.keep_count()
    write_heartbeat(runtime.state_dir, "run-due", publisher.clock.now(), ledger, now)
    take_daily_backup(runtime, ledger)
    final = trust.check()
    return RunReport(report, changed, sync_error, clock=None if final.trusted else final)


def take_daily_backup(runtime: Runtime, ledger: Ledger) -> None:
    """The day's backup of the ledger, if it has none yet; a failure is said, never fatal
    (the daemon tries again the next day, cron at its next run)."""
    try:
        made = backup.take_if_due(ledger, runtime.state_dir, runtime.config.ledger.backup_days)
    except OSError as exc:
        log.error(_("could not back up the ledger: %s"), exc)
        return
    if made is not None:
        log.info(_("ledger backed up to %s"), made)


class Daemon:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.config = runtime.config
        self.publisher = runtime.publisher()
        self.clock = self.publisher.clock
        self.trust: ClockTrust = runtime.clock_trust()
        self.started = self.clock.now()
        # The poll thread has its own connection: one SQLite connection is not shared
        # between threads that may both be inside a transaction.
        self.watch_ledger = Ledger(runtime.ledger.path)
        self.lock = SingleInstance(runtime.state_dir / LOCK)
        # The jobs (row id -> when, on the daemon's clock), shared by the poll thread and the
        # publishing thread; _guard is held only while it is read or changed, never across a
        # sync or a publication.
        self._scheduled: dict[int, datetime] = {}
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._synced_at: datetime | None = None
        self._last_sync: dict[str, Any] | None = None
        self._unsettled = False  # the last sync left files still being written: read again
        self._guard = threading.Lock()
        self._wake = threading.Event()  # a job was placed: the publishing thread looks again
        # Set by each poll: the publishing thread (on its own ledger connection) follows
        # Facebook's own scheduler (follow_native) before its next job.
        self._native_wanted = threading.Event()
        # Shared with the publisher: a stop sends no further part of a thread, so it waits
        # for one request at most (publish.timeout_seconds), never for a whole thread.
        self.stopping = self.publisher.stopping
        # Set when the ledger cannot be trusted or cannot record (damaged, disk full): nothing
        # more is published, and `status` is told through the heartbeat.
        self.halted: LedgerUnavailable | None = None
        self._beat_failed = False
        self._backed_up_on: date | None = None
        self._figures_wait_until: datetime | None = None

    def start(self) -> None:
        if not self.lock.acquire():
            raise AlreadyRunning(_("another bmnsocial daemon is running on {folder} (see "
                                   "'bmnsocial status'); not starting a second one.").format(
                                       folder=self.runtime.state_dir))
        publishing = threading.Thread(target=self.publish_loop, name="bmnsocial-publishing",
                                      daemon=True)
        figures = threading.Thread(target=self.metrics_loop, name="bmnsocial-metrics",
                                   daemon=True)
        try:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
            log.info(_("daemon started (pid %d, state %s%s)"), os.getpid(),
                     self.runtime.state_dir, ", SANDBOX" if self.runtime.sandbox_mode else "")
            self.refresh()
            publishing.start()
            figures.start()
            while not self.stopping.wait(self.config.daemon.poll_seconds):
                self.refresh()
        finally:
            self.stopping.set()
            self._wake.set()
            if publishing.is_alive():
                publishing.join()  # the request in flight has a timeout
            if figures.is_alive():
                figures.join()
            self.watch_ledger.close()
            self.lock.release()
            log.info(_("daemon stopped"))

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info(_("signal %d: finishing the request in flight, then stopping"), signum)
        self.stopping.set()
        self._wake.set()

    def publish_loop(self) -> None:
        """The publishing thread: run each job when the daemon's clock reaches its time,
        looking at least every poll, and waiting on nothing but events."""
        poll = self.config.daemon.poll_seconds
        while not self.stopping.is_set():
            self._wake.clear()
            now = self.clock.now()
            with self._guard:
                due = sorted((when, row_id) for row_id, when in self._scheduled.items()
                             if when <= now)
                later = [when for when in self._scheduled.values() if when > now]
            for _when, row_id in due:
                if self.stopping.is_set():
                    return
                self.run_row(row_id)
            if self._native_wanted.is_set():
                self._native_wanted.clear()
                self.run_native()
            if not due:
                wait = min([poll, *((when - now).total_seconds() for when in later)])
                self._wake.wait(max(wait, 0.0))

    def refresh(self) -> None:
        """Follow the posts folder and the ledger; keep one job per occurrence due soon.

        Runs in the poll thread (and once before the publishing thread starts). It holds no
        lock that publishing needs: a post that falls due while the folder is synced goes out
        on time, and the ledger's conditional updates keep the sync off a row being sent.
        While the clock is not trusted the folder is not synced either: a slot or an
        occurrence placed by a wrong clock would be wrong."""
        if self.stopping.is_set():
            return
        if self.halted is not None:
            self._beat()
            return
        try:
            self.watch_ledger.check_files()
            if trusted_clock(self.runtime).trusted:
                self._sync_if_changed()
            self.trust.save(self.watch_ledger, unless_within=SAVE_CLOCK_EVERY_SECONDS)
            self._schedule_rows()
            if self.runtime.native_platforms():
                self._native_wanted.set()
                self._wake.set()
            self.watch_ledger.keep_count()
            self._beat()
            if self._backed_up_on != datetime.now(UTC).date():  # tried once a day at most
                self._backed_up_on = datetime.now(UTC).date()
                take_daily_backup(self.runtime, self.watch_ledger)
        except LedgerUnavailable as exc:
            self._halt(exc)
        except BmnError as exc:  # e.g. the posts folder is gone: said, nothing changed
            log.error(_("%s (trying again at the next poll)"), exc)
            self._signature = None
        except Exception:  # one bad pass must not stop the daemon
            log.exception(_("refresh failed; trying again at the next poll"))

    def metrics_loop(self) -> None:
        """The figures' thread (publish/metrics.py): every poll, a query for the posts whose
        next age in metrics.after_hours has come, and a read of those. Apart from publishing:
        its own ledger connection, no job lock, so a slow platform never delays a post."""
        ledger: Ledger | None = None
        try:
            while not self.stopping.wait(self.config.daemon.poll_seconds):
                if ledger is None:
                    ledger = Ledger(self.runtime.ledger.path)
                self.metrics_pass(ledger)
        except LedgerUnavailable as exc:
            log.error(_("figures are not read: %s"), exc)
        finally:
            if ledger is not None:
                ledger.close()

    def metrics_pass(self, ledger: Ledger) -> None:
        """Read the figures that are due, if any (nothing while the ledger is halted or the
        clock is not believed: a post's age is told by the clock)."""
        from bmnsocial.publish.metrics import X_BUDGET, due_reads, pull

        after_hours = self.config.metrics.after_hours
        if self.halted is not None or not after_hours:
            return
        now = self.clock.now()
        if self._figures_wait_until is not None and now < self._figures_wait_until:
            return
        if not self.trust.check(say=False).trusted:
            return
        try:
            due = due_reads(ledger, after_hours, now)
            if not due:
                return
            report = pull(ledger, self.config, self.runtime.adapter, due, self.clock.now)
        except LedgerUnavailable:
            raise
        except Exception:  # never fatal: the next poll tries again
            log.exception(_("reading figures failed; trying again at the next poll"))
            return
        log.info(_("figures read for %d publications"), len(report.pulled))
        self._figures_wait_until = now + FIGURES_RETRY if report.skipped else None
        for entry in report.skipped:
            level = logging.WARNING if entry["reason"] == X_BUDGET else logging.INFO
            log.log(level, _("figures of %s on %s not read: %s"), entry["post_id"],
                    entry["platform"], entry["message"])

    def _beat(self) -> None:
        try:
            write_heartbeat(self.runtime.state_dir, "daemon", self.clock.now(),
                            self.watch_ledger, self.started, self._last_sync, self.halted)
        except OSError as exc:  # a full disk: said once, not at every poll
            if not self._beat_failed:
                log.error(_("cannot write the heartbeat: %s"), exc)
            self._beat_failed = True
        else:
            self._beat_failed = False

    def _halt(self, exc: LedgerUnavailable) -> None:
        """Publish nothing more; say so once, in the log and to `status`."""
        with self._guard:
            first = self.halted is None
            self.halted = self.halted or exc
        if first:
            log.critical(_("%s The daemon publishes nothing more until then; it keeps running "
                           "so that 'bmnsocial status' can say why."), exc)
            if exc.code == "ledger-replaced":
                self._rescue()
            self._beat()

    def _rescue(self) -> None:
        """This process still sees the deleted log: its view becomes today's backup, the one
        `ledger recover` starts from."""
        try:
            saved = backup.take(self.watch_ledger, self.runtime.state_dir,
                                self.config.ledger.backup_days)
        except (OSError, LedgerUnavailable) as exc:
            log.error(_("could not back up the ledger: %s"), exc)
        else:
            log.critical(_("what the daemon knew is saved in %s: 'bmnsocial ledger recover' "
                           "starts from it"), saved)

    def _sync_if_changed(self) -> None:
        signature = posts_signature(self.config.posts_dir, self.config.media_root)
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
                del self._scheduled[row_id]
            placed = {row_id: when for row_id, when in wanted.items()
                      if self._scheduled.get(row_id) != when}
            self._scheduled.update(placed)
        if placed:
            self._wake.set()

    def run_native(self) -> None:
        if self.stopping.is_set() or self.halted is not None:
            return
        try:
            follow_native(self.runtime, self.runtime.ledger)
        except LedgerUnavailable as exc:
            self._halt(exc)
        except Exception:  # recorded, never fatal: the next poll tries again
            log.exception(_("following Facebook's scheduler failed; trying again at the next "
                            "poll"))

    def run_row(self, row_id: int) -> None:
        if self.stopping.is_set() or self.halted is not None:
            return
        try:
            with self._guard:
                self._scheduled.pop(row_id, None)
            ledger = self.runtime.ledger
            row = ledger.get(row_id)
            if row.status is Status.QUEUED:
                if not trusted_clock(self.runtime).trusted:
                    return  # no claim, and no misfire decision on a wrong clock
                # The rows of the same platform that are ready too go with it, claimed in the
                # same flush; each other platform's rows wait for their own job, so a sync
                # still has its say on them meanwhile.
                now = self.runtime.publisher().clock.now()
                others = ledger.ready(now, platform=row.platform, limit=CLAIM_BATCH)
                batch = [row, *[r for r in others if r.id != row.id][:CLAIM_BATCH - 1]]
                send_ready(sorted(batch, key=lambda r: (r.due, r.id)), self.runtime, ledger)
            elif row.status is Status.SENDING:
                dispatch(row, self.runtime, ledger)
        except LedgerUnavailable as exc:
            self._halt(exc)
        except Exception:  # recorded, never fatal: the next poll looks at the row again
            log.exception(_("occurrence %d failed unexpectedly"), row_id)
