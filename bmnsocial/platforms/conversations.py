"""What people say under our posts, and our answers (docs/inbox.md): Facebook comments on the
Page's posts, X replies to the account's tweets.

Facebook: ``GET /{post-id}/comments`` with ``filter=stream`` (every comment and every reply in
one chronological list, each reply naming its ``parent``), following ``paging.next``; an
answer is ``POST /{comment-id}/comments``. Graph threads are one level deep, so an answer to
a reply goes to the thread's first comment. A comment counts as answered when a comment of
the Page follows it in its thread.

X: the mentions timeline ``GET /2/users/{id}/mentions`` from the newest mention already seen
(``since_id``): one read for every post, and X charges per post returned, where a search by
``conversation_id`` would cost one read per post of ours (and reaches back only 7 days). A
reply is ``POST /2/tweets`` with ``reply.in_reply_to_tweet_id``. X does not say whether the
account answered by hand: such items are marked with ``inbox done``.
"""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bmnsocial.platforms.base import RemotePost, Unconfirmed
from bmnsocial.reasons import Reason

_COMMENT_FIELDS = "id,from,message,created_time,permalink_url,parent"
_MAX_READS = 20  # pages of 100 comments per post; of up to 100 mentions per read
MENTIONS_PAGE = 100


@dataclass(frozen=True, slots=True)
class Remark:
    """A comment or reply by someone else on one of our posts."""

    id: str
    on: str  # the platform's id of our post (a Facebook post, or one of our tweets)
    reply_to: str  # what our answer replies to
    author: str
    text: str
    created_at: datetime
    url: str
    answered_at: datetime | None = None  # when the account answered, as the platform shows


@dataclass(frozen=True, slots=True)
class Harvest:
    remarks: list[Remark]
    newest_id: str | None = None  # X: where the next read starts
    skipped: str | None = None  # why the reading stopped early (a budget), if it did


class Conversations(ABC):
    """One platform's comments and answers, through its publishing adapter's session."""

    @abstractmethod
    def remarks(self, ours: Mapping[str, str], since: datetime, after_id: str | None,
                afford: Callable[[int], bool]) -> Harvest:
        """What people said on ``ours`` (our post ids -> their own ids: a thread's tweets map
        to its first); ``afford(n)``: may a read that returns up to n posts be paid for."""

    @abstractmethod
    def reply(self, reply_to: str, text: str) -> tuple[str, str]:
        """Answer as the account; the answer's id and address."""

    @abstractmethod
    def answers(self, reply_to: str, since: datetime) -> list[RemotePost]:
        """The account's answers to ``reply_to`` created since ``since`` (reconciliation)."""


def _graph_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


class GraphConversations(Conversations):
    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter
        self.page_id = str(adapter.account.page_id)

    def _pages(self, node: str, since: datetime | None) -> list[dict[str, Any]]:
        args: dict[str, str] = {"fields": _COMMENT_FIELDS, "filter": "stream", "limit": "100"}
        if since is not None:
            args["since"] = str(int(since.timestamp()))
        found: list[dict[str, Any]] = []
        for _read in range(_MAX_READS):
            page = self.adapter._call(Reason("fb-reading-comments"),
                                      self.adapter.graph.get_connections, node, "comments",
                                      **args)
            found.extend(c for c in page.get("data") or [] if isinstance(c, dict))
            next_link = (page.get("paging") or {}).get("next")
            if not page.get("data") or not isinstance(next_link, str):
                return found
            args = {k: v for k, v in parse_qsl(urlsplit(next_link).query, keep_blank_values=True)
                    if k not in {"access_token", "appsecret_proof"}}
        raise Unconfirmed(Reason("fb-reading-comments"))

    def _from_page(self, comment: Mapping[str, Any]) -> bool:
        author = comment.get("from")
        return isinstance(author, dict) and str(author.get("id")) == self.page_id

    def remarks(self, ours: Mapping[str, str], since: datetime, after_id: str | None,
                afford: Callable[[int], bool]) -> Harvest:
        remarks: list[Remark] = []
        for post_id in sorted(set(ours.values())):
            comments = self._pages(post_id, None)
            ours_by_thread: dict[str, list[datetime]] = {}
            for c in comments:
                created = _graph_time(c.get("created_time"))
                if self._from_page(c) and created is not None:
                    thread = str((c.get("parent") or {}).get("id") or c.get("id"))
                    ours_by_thread.setdefault(thread, []).append(created)
            for c in comments:
                created = _graph_time(c.get("created_time"))
                if self._from_page(c) or created is None or created < since:
                    continue
                thread = str((c.get("parent") or {}).get("id") or c.get("id"))
                later = [t for t in ours_by_thread.get(thread, []) if t >= created]
                author: dict[str, Any] = c["from"] if isinstance(c.get("from"), dict) else {}
                remarks.append(Remark(
                    str(c["id"]), post_id, thread, str(author.get("name") or ""),
                    str(c.get("message") or ""), created, str(c.get("permalink_url") or ""),
                    min(later) if later else None))
        return Harvest(remarks)

    def reply(self, reply_to: str, text: str) -> tuple[str, str]:
        result = self.adapter._call(Reason("fb-replying"), self.adapter.graph.put_object,
                                    reply_to, "comments", message=text)
        reply_id = str(result.get("id") or "")
        if not reply_id:
            raise Unconfirmed(Reason("fb-replying"))
        return reply_id, str(result.get("permalink_url") or "")

    def answers(self, reply_to: str, since: datetime) -> list[RemotePost]:
        return [RemotePost(str(c["id"]), str(c.get("message") or ""),
                           _graph_time(c.get("created_time")),
                           str(c.get("permalink_url") or ""), reply_to)
                for c in self._pages(reply_to, None) if self._from_page(c)
                and (_graph_time(c.get("created_time")) or since) >= since.replace(
                    microsecond=0)]


class XConversations(Conversations):
    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter

    def remarks(self, ours: Mapping[str, str], since: datetime, after_id: str | None,
                afford: Callable[[int], bool]) -> Harvest:
        adapter = self.adapter
        user_id = adapter._user_id or adapter._identify().id
        window: dict[str, Any] = {"since_id": after_id} if after_id else {"start_time": since}
        remarks: list[Remark] = []
        newest = after_id
        token: str | None = None
        for _read in range(_MAX_READS):
            if not afford(MENTIONS_PAGE):
                return Harvest(remarks, newest, "budget")
            response = adapter._call(
                Reason("x-reading-replies"), adapter.client.get_users_mentions, user_id,
                max_results=MENTIONS_PAGE, pagination_token=token, user_auth=True,
                tweet_fields=["created_at", "conversation_id", "referenced_tweets",
                              "author_id"],
                expansions=["author_id"], user_fields=["username"], **window)
            users = {str(u.id): u.username for u in (response.includes or {}).get("users", [])}
            for tweet in response.data or []:
                if newest is None or int(tweet.id) > int(newest):
                    newest = str(tweet.id)
                if str(tweet.author_id) == str(user_id):
                    continue
                replied = next((str(r.id) for r in tweet.referenced_tweets or []
                                if r.type == "replied_to"), None)
                root = ours.get(replied or "") or ours.get(str(tweet.conversation_id))
                if root is None or tweet.created_at is None:
                    continue
                author = users.get(str(tweet.author_id), str(tweet.author_id))
                remarks.append(Remark(
                    str(tweet.id), root, str(tweet.id), f"@{author}",
                    html.unescape(tweet.text), tweet.created_at,
                    f"https://x.com/{author}/status/{tweet.id}"))
            token = (response.meta or {}).get("next_token")
            if not token:
                break
        return Harvest(remarks, newest)

    def reply(self, reply_to: str, text: str) -> tuple[str, str]:
        adapter = self.adapter
        response = adapter._call(Reason("x-replying"), adapter.client.create_tweet, text=text,
                                 in_reply_to_tweet_id=reply_to, user_auth=True)
        data = response.data
        if not isinstance(data, dict) or not data.get("id"):
            raise Unconfirmed(Reason("x-replying"))
        return str(data["id"]), adapter.tweet_url(str(data["id"]))

    def answers(self, reply_to: str, since: datetime) -> list[RemotePost]:
        found = self.adapter.look_for(
            since, lambda posts: any(p.reply_to == reply_to for p in posts))
        return [p for p in found if p.reply_to == reply_to]
