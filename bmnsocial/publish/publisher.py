"""Publishing queued ledger rows: claim, send through an adapter, record what happened.

Never twice: a row is sent only by the process that claimed it, and a row whose request may
have reached the platform (a crash, a timeout after sending, a 5xx) is looked up on the
platform before anything is sent again. Never silently lost: every outcome is a status with
a message, and what cannot be decided becomes 'unconfirmed' for a person to look at.
"""

from __future__ import annotations

import html
import json
import logging
import random
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bmnsocial.errors import BmnError, LedgerUnavailable
from bmnsocial.i18n import _, number
from bmnsocial.platforms.base import (
    Adapter,
    AuthError,
    CredentialsMissing,
    MediaUnavailable,
    Progress,
    PublishError,
    RateLimited,
    Rejected,
    RemotePost,
    Stopped,
    Transient,
    Unconfirmed,
    check_media,
)
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.publish.ledger import HANDOFF, NATIVE, X_BUDGET, Ledger, Row, Status
from bmnsocial.publish.locks import ProcessLock, claimer_alive
from bmnsocial.reasons import Reason
from bmnsocial.render.payload import from_payload
from bmnsocial.timeutil import now as clock_now

if TYPE_CHECKING:
    from bmnsocial.publish.handoff import Handoff

log = logging.getLogger("bmnsocial.publish.publisher")

AdapterFactory = Callable[[str], Adapter]


class Gate(Protocol):
    """Asked before a claimed row is sent: why not now (a reason, and until when), or None."""

    def judge(self, row: Row, now: datetime) -> tuple[datetime, str] | None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return clock_now()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_seconds: float = 30.0
    cap_seconds: float = 30 * 60.0
    deadline: timedelta = timedelta(hours=12)
    # A look sooner than this after a possible send would race the platform's own indexing.
    reconcile_delay_seconds: float = 30.0
    # How often a post held for missing credentials looks for them again.
    credentials_check_seconds: float = 60.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        raw = min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))
        return float(raw * (0.5 + rng.random() / 2))  # jitter: many rows must not retry in lockstep


_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def normalize(text: str) -> str:
    """Text as both sides can agree on it: X rewrites links to t.co, escapes & < >, appends a
    media link; none of that may hide the post we are looking for."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return " ".join(_URL.sub(" ", text).split())


class Publisher:
    def __init__(self, ledger: Ledger, adapters: AdapterFactory, state_dir: Path, *,
                 policy: RetryPolicy | None = None, clock: Clock | None = None,
                 rng: random.Random | None = None, budget: Gate | None = None,
                 handoff: Handoff | None = None) -> None:
        self.ledger = ledger
        # Platforms in manual mode: their rows become publishing sheets for a person.
        self.handoff = handoff
        self.manual: frozenset[str] = handoff.manual if handoff is not None else frozenset()
        self.budget = budget  # X's monthly budget (publish/costs.py)
        self.state_dir = state_dir
        self.policy = policy or RetryPolicy()
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self._factory = adapters
        self._adapters: dict[str, Adapter] = {}
        # Set when the process is asked to stop: no further row is claimed, and no further
        # part of a thread is sent (the daemon shares its own event).
        self.stopping = threading.Event()
        self.lock = ProcessLock(state_dir)
        # Looks for a row handed to a platform's own scheduler whose answer was lost
        # (publish/native.py, set by the runtime); without it such a row waits.
        self.native: Callable[[Row], Row] | None = None

    def close(self) -> None:
        self.lock.release()

    def adapter(self, platform: str) -> Adapter:
        if platform not in self._adapters:
            self._adapters[platform] = self._factory(platform)
        return self._adapters[platform]

    # -- the queue
    def run_ready(self) -> list[Row]:
        """Reconcile what may have gone out, then publish every ready row. Returns the rows
        this call changed, in their new state."""
        changed = self.reconcile_pending()
        changed.extend(self.publish_rows(self.ledger.ready(self.clock.now())))
        return changed

    def publish_rows(self, rows: list[Row], batch: int = 20, *,
                     allowed: Callable[[], bool] | None = None) -> list[Row]:
        """Send several ready rows, claimed a batch at a time: one disk flush per batch
        instead of one per row. Rows another process claimed first are left to it.
        ``allowed``: asked before each claim and each send (the clock may turn out wrong
        from a platform's answer); a row claimed but not allowed goes back, as never tried."""
        done: list[Row] = []
        for start in range(0, len(rows), batch):
            ids = [r.id for r in rows[start:start + batch]]
            if self.stopping.is_set() or (allowed is not None and not allowed()):
                break
            claimed = self.ledger.claim_batch(ids, self.lock.id, self.clock.now(),
                                              manual=self.manual)
            for index, row in enumerate(claimed):
                # A stop waits for the request in flight, no more; a clock found wrong sends
                # nothing more. Either way the rest was not sent: queued again as it was.
                stopping = self.stopping.is_set()
                if stopping or (allowed is not None and not allowed()):
                    for unsent in claimed[index:]:
                        self.ledger.give_back(unsent, self.clock.now(),
                                              "stopping" if stopping else "clock-untrusted")
                    return done
                done.append(self._send(row))
        return done

    def reconcile_pending(self) -> list[Row]:
        done: list[Row] = []
        for row in self.ledger.rows(statuses=(Status.SENDING,)):
            result = self._reconcile_if_orphaned(row)
            if result is not None:
                done.append(result)
        return done

    def _reconcile_if_orphaned(self, row: Row) -> Row | None:
        """A 'sending' row nobody is working on: its process died, or it was put aside after
        a possible send and its time to look has come."""
        now = self.clock.now()
        if row.claimed_by is not None and claimer_alive(self.state_dir, row.claimed_by):
            return None
        if row.claimed_by is None and row.next_attempt_at and row.next_attempt_at > now:
            return None
        claimed = self.ledger.claim_for_reconcile(row.id, self.lock.id, row.claimed_by, now)
        if claimed is None:
            return None
        if claimed.platform in self.manual:
            if claimed.error_kind == HANDOFF:  # claimed for a person: no API ever heard of it
                return self._hand_off(claimed)
            # Claimed for the API before the platform was switched to manual mode: it may
            # have gone out, and nobody may ask the API now.
            return self.ledger.mark_unconfirmed(
                claimed.id, Reason("manual-after-api", platform=claimed.platform), "manual",
                now)
        return self.reconcile(claimed)

    def advance(self, row_id: int, row: Row | None = None) -> Row:
        """Do whatever is due for one row now: send it, or find out what happened to it.
        ``row``: the row as the caller just read it (every step from here is conditional on
        the row as it is in the ledger then, so a row read a moment ago is as good)."""
        row = row if row is not None else self.ledger.get(row_id)
        if row.status is Status.QUEUED:
            return self.publish_row(row) or self.ledger.get(row_id)
        if row.status is Status.SENDING:
            return self._reconcile_if_orphaned(row) or self.ledger.get(row_id)
        return row

    def publish_row(self, row: Row) -> Row | None:
        """Send one queued row if this process can claim it and it is due; None if another
        one has it, or its time (as the row is now) has not come."""
        claimed = self.ledger.claim(row.id, self.lock.id, self.clock.now(), due=True,
                                    manual=self.manual)
        if claimed is None:
            return None
        return self._send(claimed)

    def _send(self, row: Row) -> Row:
        """Send a row this process has claimed, and record the outcome."""
        # DEBUG: the outcome line (published / retrying / failed) is the event for the log.
        log.debug(_("sending %s to %s (occurrence %s, attempt %d)"), row.post_id, row.platform,
                  row.occurrence, row.attempts)
        if row.platform in self.manual:
            return self._hand_off(row)
        held = self.budget.judge(row, self.clock.now()) if self.budget is not None else None
        if held is not None:
            until, why = held
            log.error(_("%s on %s held: %s"), row.post_id, row.platform, why)
            return self.ledger.hold(row, until, why, self.clock.now(), X_BUDGET)
        rendered = from_payload_json(row.payload)
        progress = Progress(list(row.part_ids), lambda ids: self.ledger.save_progress(
            row.id, ids, self.clock.now()), self.stopping.is_set, self.stopping.wait)
        try:
            check_media(rendered, len(row.part_ids))
            adapter = self.adapter(row.platform)
            published = adapter.publish(rendered, progress)
        except PublishError as exc:
            return self._failed(row, exc)
        except LedgerUnavailable:  # saving a thread's progress: nothing more can be recorded
            raise
        except Exception as exc:  # a bug must not lose the row: a person looks at it
            log.exception(_("unexpected error publishing %s to %s"), row.post_id, row.platform)
            return self.ledger.mark_unconfirmed(
                row.id, Reason("internal-error", error=type(exc).__name__), "internal",
                self.clock.now())
        log.info(_("published %s on %s: %s"), row.post_id, row.platform, published.url)
        return self.ledger.mark_published(row.id, published.id, published.url,
                                          list(published.part_ids) or [published.id],
                                          self.clock.now(), current=row)

    def _hand_off(self, row: Row) -> Row:
        """A row claimed for a person: its sheet written (again, the same one, after a crash),
        then the row waits for `bmnsocial done`; the index page and notify_command follow."""
        assert self.handoff is not None
        now = self.clock.now()
        try:
            sheet = self.handoff.write_sheet(row, from_payload_json(row.payload), now)
        except MediaUnavailable as exc:
            log.error(_("%s on %s failed: %s"), row.post_id, row.platform, exc.message)
            return self.ledger.mark_failed(row.id, exc.message, type(exc).__name__, now)
        except (BmnError, OSError) as exc:  # the state directory cannot be written: later
            log.error(_("%s on %s: %s"), row.post_id, row.platform, exc)
            return self.ledger.requeue(
                row.id, now + timedelta(seconds=self.policy.delay(row.attempts, self.rng)),
                Reason("handoff-unwritable", error=str(exc)), HANDOFF, now)
        done = self.ledger.await_manual(row.id, str(sheet), now)
        log.warning(_("%s on %s waits for a person: %s"), row.post_id, row.platform, sheet)
        try:
            self.handoff.write_index(
                self.ledger.rows(statuses=(Status.AWAITING_MANUAL,)), now)
        except (BmnError, OSError) as exc:  # the sheet is written; the next one rewrites it
            log.error(_("could not write the index of publishing sheets: %s"), exc)
        self.handoff.notify(sheet)
        return done

    def _failed(self, row: Row, exc: PublishError) -> Row:
        now = self.clock.now()
        kind = type(exc).__name__
        current = self.ledger.get(row.id)
        if isinstance(exc, Rejected) and exc.duplicate:
            # Often our own earlier attempt that did go out: look before calling it a failure.
            return self.reconcile(current, duplicate_refused=exc.message)
        if isinstance(exc, Stopped):
            log.info(_("%s on %s: %s"), row.post_id, row.platform, exc.message)
            return self.ledger.requeue(row.id, now, exc.message, kind, now)
        if isinstance(exc, CredentialsMissing):
            # Not this post's fault, and nothing was sent: it waits for the credentials.
            log.error(_("%s on %s held: %s"), row.post_id, row.platform, exc.message)
            return self.ledger.hold_without_credentials(
                row, now + timedelta(seconds=self.policy.credentials_check_seconds),
                exc.message, now)
        if isinstance(exc, AuthError | Rejected | MediaUnavailable):
            log.error(_("%s on %s failed: %s"), row.post_id, row.platform, exc.message)
            return self.ledger.mark_failed(row.id, comment_failed(current, exc.message), kind,
                                           now)
        if isinstance(exc, Unconfirmed):
            return self.ledger.mark_unconfirmed(row.id, exc.message, kind, now)
        started = row.first_attempt_at or now
        if now - started > self.policy.deadline:
            hours = self.policy.deadline.total_seconds() / 3600
            message = Reason("gave-up", attempts=row.attempts, hours=hours, error=exc.message)
            if exc.sent:
                return self.ledger.mark_unconfirmed(row.id, message, kind, now)
            return self.ledger.mark_failed(row.id, message, kind, now)
        wait = self.policy.delay(row.attempts, self.rng)
        retry_at = now + timedelta(seconds=wait)
        if isinstance(exc, RateLimited) and exc.retry_at is not None:
            retry_at = max(retry_at, exc.retry_at)
        # (in seconds from now: a time here would be in UTC, whatever the reader's zone)
        log.warning(_("%s on %s: %s; retrying in %s s"), row.post_id, row.platform, exc.message,
                    number((retry_at - now).total_seconds()))
        if exc.sent:
            retry_at = max(retry_at, now + timedelta(seconds=self.policy.reconcile_delay_seconds))
            return self.ledger.hold_for_reconcile(row.id, retry_at, exc.message, kind, now)
        return self.ledger.requeue(row.id, retry_at, exc.message, kind, now)

    # -- finding out what happened
    def _own_comments(self, row: Row, rendered: Rendered, remote: list[RemotePost],
                      since: datetime) -> list[RemotePost]:
        """Where the post is found and its first comment is still to find: our comments on
        it that the platform does not list among our posts (a Page's comments)."""
        if rendered.comment is None:
            return []
        ids, ambiguous = find_parts(rendered, remote, row.part_ids)
        if ambiguous or len(ids) != len(rendered.body):
            return []
        return self.adapter(row.platform).own_replies(ids[-1], since)

    def reconcile(self, row: Row, duplicate_refused: str | None = None) -> Row:
        """Look at the account's recent posts to learn whether (which parts of) this row went
        out; continue, finish or hand it to a person accordingly."""
        now = self.clock.now()
        if row.error_kind == NATIVE and row.due > now:  # among the scheduled posts, not these
            return self.native(row) if self.native is not None else row
        rendered = from_payload_json(row.payload)
        since = (row.first_attempt_at or row.sent_at or row.created_at) - timedelta(minutes=5)
        def enough(posts: list[RemotePost]) -> bool:
            ids, ambiguous = find_parts(rendered, posts, row.part_ids)
            return bool(ambiguous) or len(ids) == len(rendered.parts)

        try:
            remote = self.adapter(row.platform).look_for(
                since, enough, row.part_ids[-1] if row.part_ids else None)
            remote.extend(self._own_comments(row, rendered, remote, since))
        except (Transient, RateLimited) as exc:
            started = row.first_attempt_at or now
            if now - started > self.policy.deadline:
                return self.ledger.mark_unconfirmed(
                    row.id, Reason("check-deadline", platform=row.platform, error=exc.message),
                    "reconcile", now)
            # Looking again grows with the time already spent (doubling, like the sends).
            waited = (now - started).total_seconds()
            wait = min(self.policy.cap_seconds, max(self.policy.base_seconds, waited))
            retry_at = now + timedelta(seconds=wait * (0.5 + self.rng.random() / 2))
            return self.ledger.hold_for_reconcile(
                row.id, retry_at, Reason("check-later", error=exc.message), type(exc).__name__,
                now)
        except PublishError as exc:
            return self.ledger.mark_unconfirmed(
                row.id, Reason("check-failed", error=exc.message), type(exc).__name__, now)
        by_id = {p.id: p for p in remote}
        ids, ambiguous = find_parts(rendered, remote, row.part_ids)
        if ambiguous:
            return self.ledger.mark_unconfirmed(row.id, ambiguous_reason(ambiguous, row),
                                                "reconcile", now)
        if ids and len(ids) == len(rendered.parts):
            first: RemotePost | None = by_id.get(ids[0])
            log.info(_("%s on %s was already published: found it on the platform"), row.post_id,
                     row.platform)
            return self.ledger.mark_published(row.id, ids[0], first.url if first else "", ids,
                                              now, how="reconciled")
        if duplicate_refused is not None:
            return self.ledger.mark_failed(
                row.id, Reason("duplicate-refused", error=duplicate_refused), "Rejected", now)
        self.ledger.save_progress(row.id, ids, now)
        # Confirmed absent (or partly present, the rest absent): sending the rest is safe.
        return self.ledger.requeue(row.id, now, Reason("not-found-resending"), "reconciled",
                                   now)


def find_parts(rendered: Rendered, remote: list[RemotePost],
               found: list[str]) -> tuple[list[str], int]:
    """Which of the platform's posts are this row's parts, beyond those ``found`` already: by
    their text as both sides agree on it, each part a reply to the one before. Returns the
    ids, and how many posts matched a part when more than one did (0 otherwise: a person
    must then tell which one is ours)."""
    ids = list(found)
    for part in rendered.parts[len(ids):]:
        want = normalize(part.text)
        previous = ids[-1] if ids else None
        matches = [p for p in remote if p.id not in ids and normalize(p.text) == want
                   and (previous is None or p.reply_to in (previous, None))]
        if len(matches) > 1:
            return ids, len(matches)
        if not matches:
            break
        ids.append(matches[0].id)
    return ids, 0


def comment_failed(row: Row, error: str) -> str:
    """Why a row failed, saying so when only its first comment did: the post is out."""
    rendered = from_payload_json(row.payload)
    if rendered.comment is None or len(row.part_ids) < len(rendered.body):
        return error
    return Reason("comment-failed", error=error, post=row.post_id)


def ambiguous_reason(count: int, row: Row) -> Reason:
    return Reason("several-match", count=count, platform=row.platform)


def from_payload_json(payload: str) -> Rendered:
    return from_payload(json.loads(payload))
