"""Replies to the fake X account, as X serves them: ``GET /2/users/{id}/mentions`` (X's OpenAPI
description; the recorded answer in tests/contract/x-recorded/
test_client_get_users_mentions.yaml), paged and filtered as the user's timeline (FakeX's
``_timeline``), with the followers in ``includes.users`` for ``expansions=author_id``.

Followers' tweets are store items of kind ``reply`` (``add_reply``, used by `bmnsocial sandbox
audience`): ``account_id`` is the follower's id; ``data`` holds ``reply_to``,
``conversation_id``, ``in_reply_to_user_id`` and ``author_username``. A mention is a
follower's tweet that names the account (X starts every reply with the names it answers).
"""

from __future__ import annotations

import html
import re
from typing import Any

from bmnsocial.sandbox.store import Item, Store, iso_utc


def add_reply(store: Store, tweet_id: str, parent: Item, author_id: str, username: str,
              text: str, epoch: float) -> Item:
    """A follower's reply to ``parent`` (one of the account's tweets, or a reply)."""
    item = Item(platform="x", kind="reply", id=tweet_id, account_id=author_id,
                created_at=iso_utc(epoch), text=text,
                url=f"https://x.com/{username}/status/{tweet_id}",
                data={"reply_to": parent.id,
                      "conversation_id": parent.data.get("conversation_id", parent.id),
                      "in_reply_to_user_id": parent.account_id, "author_username": username,
                      "api_text": html.escape(text, quote=False)})
    store.insert(item)
    return item


class XMentions:
    """Mixed into FakeX."""

    store: Store
    user_id: str
    username: str

    def _user_object(self, fields: set[str]) -> dict[str, Any]:
        raise NotImplementedError  # FakeX's

    def _mentions_of_account(self) -> list[Item]:
        name = re.compile(rf"(?<!\w)@{re.escape(self.username)}(?!\w)", re.IGNORECASE)
        return [i for i in self.store.items("x", ["reply"]) if name.search(i.text or "")]

    def _authors(self, items: list[Item]) -> list[dict[str, Any]]:
        """``includes.users`` for ``expansions=author_id``: the account, and the followers."""
        users: dict[str, dict[str, Any]] = {}
        for item in items:
            if item.account_id == self.user_id:
                users.setdefault(item.account_id, self._user_object(set()))
            else:
                name = str(item.data.get("author_username") or item.account_id)
                users.setdefault(item.account_id, {"id": item.account_id, "name": name,
                                                   "username": name})
        return list(users.values())
