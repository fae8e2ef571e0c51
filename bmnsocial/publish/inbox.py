"""`bmnsocial inbox`: read what people said under our posts, keep it in the ledger, answer it
exactly once (docs/inbox.md).

An answer goes out like a publication: the item is claimed (on disk first), the answer is
sent, the outcome recorded. An answer that may have reached the platform (a timeout, a lost
answer, a 5xx) is never sent again before the platform was read and did not show it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bmnsocial.errors import BmnError, ExitCode, UsageError
from bmnsocial.i18n import _
from bmnsocial.platforms import registry
from bmnsocial.platforms.base import Adapter, Pricing, PublishError, Rejected
from bmnsocial.platforms.conversations import Conversations, Harvest
from bmnsocial.publish import inbox_store as store
from bmnsocial.publish.inbox_store import Item, PostRef
from bmnsocial.publish.ledger import Status
from bmnsocial.publish.locks import ProcessLock, claimer_alive
from bmnsocial.publish.publisher import normalize
from bmnsocial.publish.runtime import Runtime
from bmnsocial.terminal import first_control

NEWEST_SEEN = "inbox.{platform}.newest_id"  # ledger meta: where X's next read starts
# An answer is looked for from a little before its claim: the platform's clock and ours differ.
_LOOK_BACK = timedelta(minutes=5)


def has_conversations(platform: str) -> bool:
    """Whether bmnsocial reads and answers what people say on ``platform`` (its
    ``conversations`` capability: a Telegram channel's bot sees no comments)."""
    return registry.capability(platform, "conversations") is not None


def conversations(adapter: Adapter) -> Conversations:
    reader = registry.get(adapter.name).conversations
    if reader is None:
        raise KeyError(adapter.name)
    return reader(adapter)


class InboxError(BmnError):
    """An answer failed, or may have gone out and could not be confirmed yet."""

    exit_code = ExitCode.PUBLISH_FAILED


@dataclass(frozen=True, slots=True)
class Notice:
    platform: str
    code: str  # read, skipped-budget, failed
    message: str
    added: int = 0


class Inbox:
    def __init__(self, runtime: Runtime, now: Callable[[], datetime]) -> None:
        self.runtime = runtime
        self.config = runtime.config
        self.ledger = runtime.ledger
        self.now = now
        self._lock: ProcessLock | None = None

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def _conversations(self, platform: str) -> Conversations:
        return conversations(self.runtime.adapter(platform))

    # -- reading
    def platforms(self) -> list[str]:
        return [p for p in self.config.inbox.platforms
                if p in self.config.platforms_configured and has_conversations(p)]

    def _our_posts(self, platform: str, now: datetime) -> tuple[dict[str, str],
                                                                 dict[str, PostRef]]:
        since = now - timedelta(days=self.config.inbox.lookback_days)
        ours: dict[str, str] = {}
        posts: dict[str, PostRef] = {}
        for row in self.ledger.rows(statuses=(Status.PUBLISHED,), platform=platform):
            if not row.platform_post_id or (row.published_at and row.published_at < since):
                continue
            posts[row.platform_post_id] = PostRef(row.post_id, row.platform_post_id,
                                                  row.url or "")
            for part in [row.platform_post_id, *row.part_ids]:
                ours[part] = row.platform_post_id
        for reply_id, post in store.known_reply_ids(self.ledger, platform).items():
            if post in posts:
                ours.setdefault(reply_id, post)
        return ours, posts

    def refresh(self) -> list[Notice]:
        """Read every platform the inbox covers; what cannot be read is said, not fatal."""
        notices: list[Notice] = []
        for platform in self.platforms():
            now = self.now()
            ours, posts = self._our_posts(platform, now)
            if not posts:
                continue
            key = NEWEST_SEEN.format(platform=platform)
            try:
                harvest: Harvest = self._conversations(platform).remarks(
                    ours, now - timedelta(days=self.config.inbox.lookback_days),
                    self.ledger.get_meta(key), functools.partial(self._afford, platform))
            except PublishError as exc:
                notices.append(Notice(platform, "failed", _(
                    "could not read {platform}: {error}").format(platform=platform,
                                                                error=exc.message)))
                continue
            added = store.add_remarks(self.ledger, platform,
                                      [r for r in harvest.remarks if r.on in posts], posts, now)
            if harvest.newest_id:
                self.ledger.set_meta(key, harvest.newest_id)
            if harvest.skipped:
                notices.append(Notice(platform, "skipped-budget", _(
                    "{platform}: replies were not read, or not all of them: one more read "
                    "could take the month's X spending past "
                    "accounts.twitter.monthly_budget_usd").format(
                        platform=platform), added))
            else:
                notices.append(Notice(platform, "read", "", added))
        return notices

    def _afford(self, platform: str, posts: int) -> bool:
        """A platform that bills each post a read returns (X): a read that could take the
        month past the budget (counting what queued publications will cost) is not made."""
        pricing: Pricing | None = registry.capability(platform, "pricing")
        account = self.config.account(platform)
        budget = pricing.budget(account) if pricing is not None else None
        if pricing is None or budget is None:
            return True
        from bmnsocial.publish.costs import month_of, monthly_costs

        month = month_of(self.now(), self.config.timezone)
        costs = [c for c in monthly_costs(self.ledger, self.config, month)
                 if c.platform == platform]
        already = sum(c.spent_usd + c.planned_usd for c in costs)
        return already + posts * pricing.post_read(pricing.prices(account)) <= budget + 1e-9

    def waiting(self) -> list[Item]:
        return store.items(self.ledger)

    # -- answering
    def item(self, item_id: int) -> Item:
        item = store.get(self.ledger, item_id)
        if item is None:
            raise UsageError(_("there is no inbox item {id}: 'bmnsocial inbox' lists them.")
                             .format(id=item_id))
        return item

    def check_text(self, item: Item, text: str) -> None:
        from bmnsocial.platforms.registry import get_spec

        if not text.strip():
            raise UsageError(_("the answer is empty: write what to say."))
        at = first_control(text)
        if at >= 0:
            raise UsageError(_(
                "the answer holds a control character ({char}) at position {position}: "
                "remove it.").format(char=repr(text[at]), position=at + 1))
        spec = get_spec(item.platform)
        length = spec.measure(text)
        if length > spec.text_limit:
            raise UsageError(_(
                "the answer is {length} characters as {platform} counts them; it takes up to "
                "{limit}. Shorten it.").format(length=length, platform=spec.label,
                                               limit=spec.text_limit))

    def done(self, item_id: int) -> Item:
        item = self.item(item_id)
        if item.state == store.NEW and store.mark_done(self.ledger, item.id, self.now()):
            return self.item(item_id)
        if item.state in (store.DONE, store.REPLIED):
            return item
        raise UsageError(_("item {id} is being answered: wait for its answer, or run "
                           "'bmnsocial inbox reply {id} TEXT' again to confirm it.").format(
                               id=item_id))

    def _claimer(self) -> str:
        if self._lock is None:
            self._lock = ProcessLock(self.runtime.state_dir)
        return self._lock.id

    def _found(self, item: Item, conv: Conversations) -> bool:
        """Is the claimed answer on the platform? True: recorded. PublishError: cannot tell."""
        assert item.claimed_at is not None and item.reply_text is not None
        wanted = normalize(item.reply_text)
        # Another item's answer in the same Facebook thread may say the same ("¡Gracias!").
        taken = set(store.known_reply_ids(self.ledger, item.platform))
        for answer in conv.answers(item.reply_to_id, item.claimed_at - _LOOK_BACK):
            if normalize(answer.text) == wanted and answer.id not in taken:
                store.record_reply(self.ledger, item.id, answer.id, answer.url,
                                   answer.created_at or self.now(), self.now())
                return True
        return False

    def reply(self, item_id: int, text: str) -> tuple[Item, bool]:
        """Answer ``item_id``; the item afterwards, and whether this call sent anything."""
        item = self.item(item_id)
        if item.state in (store.REPLIED, store.DONE):
            return item, False
        self.check_text(item, text)
        conv = self._conversations(item.platform)
        if item.state == store.REPLYING:
            if item.claimed_by and claimer_alive(self.runtime.state_dir, item.claimed_by):
                raise InboxError(_("item {id} is being answered by another bmnsocial process "
                                   "right now.").format(id=item_id))
            try:
                if self._found(item, conv):
                    return self.item(item_id), False
            except PublishError as exc:
                raise InboxError(_(
                    "an earlier answer to item {id} may have gone out, and {platform} cannot be "
                    "checked now ({error}). Nothing was sent; run the same command later."
                ).format(id=item_id, platform=item.platform, error=exc.message)) from None
        if not store.claim(self.ledger, item, text, self._claimer(), self.now()):
            raise InboxError(_("item {id} changed meanwhile (another process?): run "
                               "'bmnsocial inbox' and try again.").format(id=item_id))
        try:
            reply_id, url = conv.reply(item.reply_to_id, text)
        except PublishError as exc:
            return self._not_confirmed(self.item(item_id), conv, exc), True
        store.record_reply(self.ledger, item.id, reply_id, url, self.now(), self.now())
        return self.item(item_id), True

    def _not_confirmed(self, item: Item, conv: Conversations, exc: PublishError) -> Item:
        if not exc.sent or (isinstance(exc, Rejected) and not exc.duplicate):
            # Never sent, or refused: the platform's own "no" is the evidence.
            store.release(self.ledger, item.id, exc.message, self.now())
            raise InboxError(_("the answer to item {id} was not sent: {error}").format(
                id=item.id, error=exc.message))
        store.note_uncertain(self.ledger, item.id, exc.message, self.now())
        try:
            if self._found(item, conv):
                return self.item(item.id)
        except PublishError:
            pass
        raise InboxError(_(
            "the answer to item {id} may have reached {platform} ({error}), and it could not "
            "be confirmed yet. It is not sent again until {platform} shows it is not there: run "
            "the same command later.").format(id=item.id, platform=item.platform,
                                              error=exc.message))


def overdue(items: list[Item], now: datetime, hours: int) -> list[Item]:
    """Items still waiting for an answer after ``hours``."""
    limit = now - timedelta(hours=hours)
    return [i for i in items if i.state in (store.NEW, store.REPLYING) and i.created_at < limit]
