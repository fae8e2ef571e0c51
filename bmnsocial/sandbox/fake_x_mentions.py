"""Replies to the fake X account, as X serves them: ``GET /2/users/{id}/mentions`` (X's OpenAPI
description; the recorded answer in tests/contract/x-recorded/
test_client_get_users_mentions.yaml), newest first, with ``since_id``, ``until_id``,
``start_time``, ``end_time``, ``max_results`` (5–100), ``pagination_token``, ``tweet.fields``,
``expansions=author_id`` with ``user.fields``.

Followers' tweets are store items of kind ``reply`` (``add_reply``, used by `bmnsocial sandbox
audience`): ``account_id`` is the follower's id; ``data`` holds ``reply_to``,
``conversation_id``, ``in_reply_to_user_id`` and ``author_username``. A mention is a
follower's tweet that names the account (X starts every reply with the names it answers).
"""

from __future__ import annotations

import html
import re
from typing import Any

from bmnsocial.sandbox.server import ApiResponse, RecordedRequest
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

    @staticmethod
    def _fields(request: RecordedRequest) -> set[str]:
        raise NotImplementedError  # FakeX's

    def _tweet_object(self, item: Item, fields: set[str]) -> dict[str, Any]:
        raise NotImplementedError  # FakeX's

    def _mentions_of_account(self) -> list[Item]:
        name = re.compile(rf"(?<!\w)@{re.escape(self.username)}(?!\w)", re.IGNORECASE)
        return [i for i in self.store.items("x", ["reply"]) if name.search(i.text or "")]

    def _user_mentions(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        from bmnsocial.sandbox.fake_x import (
            _b32,
            _not_found_error,
            _param_error,
            _parse_rfc3339,
            _unb32,
        )

        user_id = params["id"]
        if not re.fullmatch(r"[0-9]{1,19}", user_id):
            return _param_error("id", [user_id],
                                f"The `id` query parameter value [{user_id}] does not match "
                                "^[0-9]{1,19}$")
        if user_id != self.user_id:
            return ApiResponse.json(200, {"errors": [_not_found_error("user", "id", user_id)]})
        query = {k: v[0] for k, v in request.query_dict().items()}
        start = _parse_rfc3339(query["start_time"]) if "start_time" in query else None
        end = _parse_rfc3339(query["end_time"]) if "end_time" in query else None
        since_id = int(query["since_id"]) if "since_id" in query else None
        until_id = int(query["until_id"]) if "until_id" in query else None
        before: int | None = None
        if "pagination_token" in query:
            decoded = _unb32(query["pagination_token"])
            if decoded is None:
                return _param_error("pagination_token", [query["pagination_token"]],
                                    "The `pagination_token` query parameter value"
                                    f" [{query['pagination_token']}] is not valid")
            before = int(decoded)
        max_results = int(query.get("max_results", "10"))
        selected = []
        for item in self._mentions_of_account():
            tid = int(item.id)
            if ((since_id is not None and tid <= since_id)
                    or (until_id is not None and tid >= until_id)
                    or (before is not None and tid >= before)
                    or (start is not None and item.created_epoch < start)
                    or (end is not None and item.created_epoch > end)):
                continue
            selected.append(item)
        page = selected[:max_results]
        if not page:
            return ApiResponse.json(200, {"meta": {"result_count": 0}})
        fields = self._fields(request)
        body: dict[str, Any] = {
            "data": [self._tweet_object(t, fields) for t in page]}
        expansions = set(",".join(request.query_dict().get("expansions", [])).split(","))
        if "author_id" in expansions:
            users: dict[str, dict[str, Any]] = {}
            for t in page:
                username = str(t.data.get("author_username") or t.account_id)
                users.setdefault(t.account_id, {"id": t.account_id, "name": username,
                                                "username": username})
            body["includes"] = {"users": list(users.values())}
        meta: dict[str, Any] = {"result_count": len(page), "newest_id": page[0].id,
                                "oldest_id": page[-1].id}
        if len(selected) > max_results:
            meta["next_token"] = _b32(page[-1].id)
        body["meta"] = meta
        return ApiResponse.json(200, body)
