"""A platform's own scheduler as a safety net (its ``native`` capability: Facebook's, with
``accounts.facebook.handoff: native``).

An occurrence due between Facebook's shortest and longest lead times is created on the Page
ahead of time as a scheduled post, so a power cut or an outage here at its time cannot stop
it. It is claimed first like any send ('sending', error_kind NATIVE, on disk before the
request goes); a lost answer is looked for among the Page's scheduled posts before anything
is created again. Then the row is 'handed_off' with Facebook's id, and each pass keeps
Facebook's copy in step with the ledger: a changed text or time is sent to it, a changed
link or photos (which a scheduled post cannot change) or a time outside the window deletes
it and the row is queued again (handed off again, or sent at its time); a cancelled row's
copy is deleted. After the due time the post is confirmed published, or reported.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bmnsocial.i18n import _
from bmnsocial.platforms.base import (
    Checkpoint,
    NativeScheduler,
    NativeScheduling,
    Progress,
    PublishError,
    RateLimited,
    Rejected,
    Transient,
    check_media,
)
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.publish.ledger import NATIVE, NATIVE_REFUSED, Ledger, Row, Status, stamp
from bmnsocial.publish.publisher import Publisher, normalize
from bmnsocial.reasons import Reason
from bmnsocial.render.payload import from_payload

log = logging.getLogger("bmnsocial.publish.native")

# Kept clear of both ends: the request takes time, and Facebook's clock is not ours.
MARGIN = timedelta(minutes=5)
# Facebook publishes at the time given; it is looked at a little after, and a post still
# unpublished this long after its time is reported.
CONFIRM_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=1)
RETRY_AFTER = timedelta(minutes=5)


def in_window(due: datetime, now: datetime, scheduling: NativeScheduling) -> bool:
    """May an occurrence due then be handed to the platform's scheduler now?"""
    return scheduling.min_lead + MARGIN <= due - now <= scheduling.max_lead - MARGIN


def shape(rendered: Rendered) -> str:
    """What a scheduled post cannot change in place: its link and its photos."""
    media = [[m.info.relative, m.info.size, m.info.mtime_ns, m.alt]
             for part in rendered.parts for m in part.media]
    return json.dumps([rendered.link, media], sort_keys=True)


@dataclass(frozen=True, slots=True)
class Held:
    """What Facebook's scheduler holds for a row (the ledger's ``native`` column)."""

    content_hash: str
    due: str
    shape: str
    text: str

    @classmethod
    def of(cls, row: Row) -> Held:
        rendered = _rendered(row)
        return cls(row.content_hash, stamp(row.due), shape(rendered), _text(rendered))

    @classmethod
    def read(cls, value: str) -> Held:
        data: dict[str, Any] = json.loads(value)
        return cls(data["hash"], data["due"], data["shape"], data["text"])

    def dumps(self) -> str:
        return json.dumps({"hash": self.content_hash, "due": self.due, "shape": self.shape,
                           "text": self.text}, ensure_ascii=False, sort_keys=True)


def _rendered(row: Row) -> Rendered:
    return from_payload(json.loads(row.payload))


def _text(rendered: Rendered) -> str:
    return rendered.parts[0].text if rendered.parts else ""


class NativeHandoff:
    """One pass over the Facebook rows Facebook's scheduler holds or should hold. ``enabled``:
    new occurrences are handed off (rows already handed off are followed either way)."""

    def __init__(self, publisher: Publisher, ledger: Ledger, platform: str,
                 scheduling: NativeScheduling, *, enabled: bool) -> None:
        self.publisher = publisher
        self.ledger = ledger
        self.platform = platform
        self.scheduling = scheduling
        self.enabled = enabled

    @property
    def now(self) -> datetime:
        return self.publisher.clock.now()

    def in_window(self, due: datetime, now: datetime) -> bool:
        return in_window(due, now, self.scheduling)

    def scheduler(self) -> NativeScheduler:
        return self.scheduling.scheduler(self.publisher.adapter(self.platform))

    def run(self) -> list[Row]:
        changed: list[Row] = []
        for row in self.ledger.native_rows(self.platform):
            if self.publisher.stopping.is_set():
                return changed
            done = self.follow(row)
            if done is not None:
                changed.append(done)
        if not self.enabled:
            return changed
        for row in self.ledger.rows(statuses=(Status.QUEUED,), platform=self.platform):
            if self.publisher.stopping.is_set():
                break
            now = self.now
            if (row.native is None and row.error_kind != NATIVE_REFUSED
                    and (row.next_attempt_at is None or row.next_attempt_at <= now)
                    and self.in_window(row.due, now)
                    # Facebook's scheduler holds no comment: sent at its time from here
                    and _rendered(row).comment is None):
                done = self.hand_off(row)
                if done is not None:
                    changed.append(done)
        return changed

    # -- creating
    def hand_off(self, row: Row) -> Row | None:
        now = self.now
        claimed = self.ledger.claim_native(row.id, self.publisher.lock.id, now)
        if claimed is None:
            return None
        rendered = _rendered(claimed)
        try:
            check_media(rendered)
            post_id = self.scheduler().create(
                rendered, claimed.due, _checkpoint(self.publisher))
        except PublishError as exc:
            return self._not_created(claimed, exc)
        log.info(_("%s on %s handed to Facebook's scheduler for %s: %s"), row.post_id,
                 row.platform, claimed.due.isoformat(), post_id)
        return self.ledger.hand_off(claimed.id, post_id, Held.of(claimed).dumps(), self.now)

    def _not_created(self, row: Row, exc: PublishError) -> Row:
        now = self.now
        if exc.sent and isinstance(exc, Transient):  # it may be there: look before creating
            retry = now + timedelta(seconds=self.publisher.policy.reconcile_delay_seconds)
            log.warning(_("%s on %s: %s; will look among the scheduled posts"), row.post_id,
                        row.platform, exc.message)
            return self.ledger.native_unsure(row.id, retry, exc.message, now)
        if isinstance(exc, Transient | RateLimited):
            retry_at = getattr(exc, "retry_at", None) or now + RETRY_AFTER
            return self.ledger.native_back(row, now, Reason("fb-native-retry", error=exc.message),
                                           retry_at=retry_at)
        log.error(_("%s on %s: %s"), row.post_id, row.platform,
                  Reason("fb-native-refused", error=exc.message))
        return self.ledger.native_back(row, now, Reason("fb-native-refused", error=exc.message),
                                       NATIVE_REFUSED)

    def reconcile(self, row: Row) -> Row:
        """A hand-off whose answer was lost (or whose process died): is it among the Page's
        scheduled posts? Only before its time: after it, Facebook has published it if it
        had it, and the publisher's own reconciliation looks among the published posts."""
        now = self.now
        rendered = _rendered(row)
        try:
            scheduled = self.scheduler().scheduled()
        except (Transient, RateLimited) as exc:
            retry = now + timedelta(seconds=self.publisher.policy.reconcile_delay_seconds)
            return self.ledger.native_unsure(row.id, retry, Reason("check-later",
                                                                   error=exc.message), now)
        except PublishError as exc:
            return self.ledger.mark_unconfirmed(
                row.id, Reason("check-failed", error=exc.message), "reconcile", now)
        want = normalize(_text(rendered))
        at = int(row.due.timestamp())
        matches = [p for p in scheduled if normalize(p.text) == want
                   and p.publish_at is not None and int(p.publish_at.timestamp()) == at]
        if len(matches) > 1:
            return self.ledger.mark_unconfirmed(
                row.id, Reason("several-match", count=len(matches), platform=row.platform),
                "reconcile", now)
        if matches:
            log.info(_("%s on %s was already handed to Facebook's scheduler: found it there"),
                     row.post_id, row.platform)
            return self.ledger.hand_off(row.id, matches[0].id, Held.of(row).dumps(), now)
        return self.ledger.native_back(row, now, Reason("fb-native-not-found"))

    # -- following what Facebook holds
    def follow(self, row: Row) -> Row | None:
        now = self.now
        if row.status is Status.SENDING:
            if row.due > now:  # the publisher's reconciliation reaches it at its due time
                return self.publisher.advance(row.id, row)
            return None
        if row.native is None or row.platform_post_id is None:
            return None
        held = Held.read(row.native)
        post_id = row.platform_post_id
        # Facebook's time, not the row's: a sync may have moved the row since.
        held_due = datetime.fromisoformat(held.due)
        if row.status is Status.QUEUED:  # a withdrawn row asked for again before deletion
            return self.ledger.hand_off(row.id, post_id, row.native, now,
                                        only_if=Status.QUEUED)
        if row.status is Status.HANDED_OFF:
            if held_due <= now:
                return self.confirm(row, held, post_id, held_due)
            if held_due - now < MARGIN:  # too close: Facebook may be publishing it
                return None
            if held.content_hash != row.content_hash or held.due != stamp(row.due):
                return self.bring_in_step(row, held, post_id)
            return None
        if row.status in (Status.CANCELLED, Status.SKIPPED):
            return self.delete(row, post_id, held_due)
        self.ledger.native_changed(row, None, now, "native-cleared")
        return None

    def bring_in_step(self, row: Row, held: Held, post_id: str) -> Row | None:
        now = self.now
        rendered = _rendered(row)
        scheduler = self.scheduler()
        moved = held.due != stamp(row.due)
        try:
            if shape(rendered) != held.shape or (moved and not self.in_window(row.due, now)):
                # What a scheduled post cannot change: deleted first, so that there are
                # never two; the row is then queued, handed off again or sent at its time.
                self._delete_remote(scheduler, row, post_id)
                return self.ledger.native_requeue(row, now)
            text = _text(rendered)
            scheduler.update(post_id, message=text if text != held.text else None,
                             when=row.due if moved else None)
        except PublishError as exc:
            log.error(_("%s on %s: %s"), row.post_id, row.platform,
                      Reason("fb-native-behind", error=exc.message))
            self.ledger.native_note(row, Reason("fb-native-behind", error=exc.message), now)
            return None
        log.info(_("%s on %s: the scheduled post on Facebook follows its file again"),
                 row.post_id, row.platform)
        self.ledger.native_changed(row, Held.of(row).dumps(), now, "native-updated")
        return self.ledger.get(row.id)

    def _delete_remote(self, scheduler: NativeScheduler, row: Row, post_id: str) -> None:
        try:
            scheduler.delete(post_id)
        except Rejected:
            # Already gone (an earlier delete whose answer was lost)? Only if it is no
            # longer among the scheduled posts.
            if any(p.id == post_id for p in scheduler.scheduled()):
                raise

    def delete(self, row: Row, post_id: str, held_due: datetime) -> Row | None:
        now = self.now
        scheduler = self.scheduler()
        try:
            if held_due <= now:  # too late to delete: say what happened
                published, url = scheduler.state(post_id)
                if published:
                    log.error(_("%s on %s: %s"), row.post_id, row.platform,
                              Reason("fb-native-cancel-too-late", url=url))
                    self.ledger.mark_published(row.id, post_id, url, [post_id], now,
                                               how="published-by-facebook")
                    self.ledger.mark_unconfirmed(
                        row.id, Reason("fb-native-cancel-too-late", url=url), NATIVE, now)
                return self._cleared(row)
            self._delete_remote(scheduler, row, post_id)
        except PublishError as exc:
            self.ledger.native_note(row, Reason("fb-native-behind", error=exc.message), now)
            return None
        log.info(_("%s on %s: the scheduled post on Facebook was deleted"), row.post_id,
                 row.platform)
        self.ledger.native_changed(row, None, now, "native-deleted")
        return self.ledger.get(row.id)

    def confirm(self, row: Row, held: Held, post_id: str,
                held_due: datetime) -> Row | None:
        now = self.now
        if now < held_due + CONFIRM_AFTER:
            return None
        try:
            published, url = self.scheduler().state(post_id)
        except (Transient, RateLimited):
            return None  # looked at again at the next pass
        except PublishError as exc:
            self.ledger.mark_failed(row.id, Reason("fb-native-gone", id=post_id,
                                                   error=exc.message), NATIVE, now)
            return self._cleared(row)
        if published and held.content_hash != row.content_hash:
            self.ledger.mark_published(row.id, post_id, url, [post_id], now,
                                       how="published-by-facebook")
            self.ledger.mark_unconfirmed(row.id, Reason(
                "fb-native-old-version", url=url, error=row.reason() or "-"), NATIVE, now)
            return self._cleared(row)
        if published:
            log.info(_("published %s on %s: %s"), row.post_id, row.platform, url)
            self.ledger.mark_published(row.id, post_id, url, [post_id], now,
                                       how="published-by-facebook")
            return self._cleared(row)
        if now < held_due + GIVE_UP_AFTER:
            return None
        reason = Reason("fb-native-not-published", id=post_id, state="is_published=false")
        log.error(_("%s on %s failed: %s"), row.post_id, row.platform, reason)
        self.ledger.mark_failed(row.id, reason, NATIVE, now)
        return self._cleared(row)

    def _cleared(self, row: Row) -> Row:
        current = self.ledger.get(row.id)
        self.ledger.native_changed(current, None, self.now, "native-cleared")
        return self.ledger.get(row.id)


def _checkpoint(publisher: Publisher) -> Checkpoint:
    return Progress(stopping=publisher.stopping.is_set).checkpoint(0, 1)
