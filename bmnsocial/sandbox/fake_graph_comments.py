"""Comments on the fake Page's posts, as Graph serves them (recorded answers in
tests/contract/graph-recorded/comments/: tests/test_fake_comments.py holds the fake to them).

* ``GET /{post-id}/comments``: the post's comments, oldest first (``order=chronological``,
  Graph's default); ``filter=toplevel`` (default) leaves replies out, ``filter=stream`` lists
  every comment and reply; ``GET /{comment-id}/comments`` lists a comment's replies. Paged by
  cursors (``after``/``before``, ``limit`` up to 100), with ``summary`` when asked;
* ``POST /{post-id}/comments`` and ``POST /{comment-id}/comments`` (``message``): a comment or
  reply by the Page, answered with ``id``, ``message``, ``permalink_url``, ``created_time``
  (the recorded creation answer). Graph threads are one level deep: a reply to a reply joins
  its thread.

Comments are store items of kind ``comment``: ``account_id`` is the author's id, ``data``
holds ``post_id``, ``parent`` and ``author_name``. Followers' comments come from
``add_comment`` (`bmnsocial sandbox audience`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Protocol
from urllib.parse import quote

from bmnsocial.sandbox import specdata
from bmnsocial.sandbox.server import ApiResponse, RecordedRequest
from bmnsocial.sandbox.store import Item, Store, iso_utc

# The Comment node's fields (Meta's Comment reference); the recorded answers use these.
COMMENT_FIELDS = frozenset({
    "id", "from", "message", "created_time", "permalink_url", "parent", "comment_count",
    "like_count", "can_comment", "can_like", "can_remove", "is_hidden", "object",
    "user_likes", "attachment", "message_tags"})
_LIST_PARAMS = frozenset({"filter", "order", "since", "live_filter", "limit", "after",
                          "before", "summary", "fields", "access_token", "appsecret_proof",
                          "pretty", "format", "locale", "suppress_http_code", "method"})


class GraphLike(Protocol):
    store: Store
    page_id: str
    page_name: str
    public_origins: tuple[str, ...]

    def clock(self) -> float: ...

    def new_id(self) -> str: ...


class CommentError(Exception):
    def __init__(self, code: int, message: str, subcode: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode


def _fb_time(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _uncursor(value: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def permalink(page_id: str, post_id: str, comment_id: str, parent: str | None) -> str:
    post = post_id.partition("_")[2] or post_id
    own = comment_id.partition("_")[2] or comment_id
    if parent is None:
        return f"https://www.facebook.com/{page_id}/posts/{post}/?comment_id={own}"
    top = parent.partition("_")[2] or parent
    return (f"https://www.facebook.com/{page_id}/posts/{post}/?comment_id={top}"
            f"&reply_comment_id={own}")


def add_comment(store: Store, page_id: str, comment_id: str, post_id: str, author_id: str,
                author_name: str, message: str, epoch: float,
                parent: str | None = None) -> Item:
    """A comment (or, with ``parent``, a reply) stored as Graph would then list it."""
    item = Item(platform="facebook", kind="comment", id=comment_id, account_id=author_id,
                created_at=iso_utc(epoch), text=message,
                url=permalink(page_id, post_id, comment_id, parent),
                data={"post_id": post_id, "parent": parent, "author_name": author_name})
    store.insert(item)
    return item


def comments_of(store: Store, post_id: str) -> list[Item]:
    """Every comment and reply on a post, oldest first."""
    found = [c for c in store.items("facebook", ["comment"]) if c.data.get("post_id") == post_id]
    found.sort(key=lambda c: (c.created_epoch, int(c.id.partition("_")[2] or 0)))
    return found


def _object(fake: GraphLike, item: Item, fields: list[str],
            replies: int) -> dict[str, Any]:
    name = item.data.get("author_name") or ""
    values: dict[str, Any] = {
        "id": item.id, "message": item.text or "", "created_time": _fb_time(item.created_epoch),
        "permalink_url": item.url, "from": {"name": name, "id": item.account_id},
        "comment_count": replies, "like_count": 0, "can_comment": not item.data.get("parent"),
        "is_hidden": False}
    if item.data.get("parent"):
        values["parent"] = {"id": item.data["parent"]}
    wanted = fields or ["created_time", "from", "message", "id"]
    return {k: values[k] for k in wanted if k in values}


def _fields(raw: str) -> list[str]:
    names = [n.strip() for n in raw.split(",") if n.strip()]
    for name in names:
        if name.split("{")[0].split(".")[0] not in COMMENT_FIELDS:
            raise CommentError(100, f"(#100) Tried accessing nonexisting field ({name}) on node"
                                    " type (Comment)")
    return [n.split("{")[0].split(".")[0] for n in names]


def handle_comments(fake: GraphLike, request: RecordedRequest, node: str,
                    params: list[tuple[str, str]]) -> ApiResponse | None:
    """The ``comments`` edge of a post or comment; None when ``node`` is neither."""
    post = fake.store.get("facebook", node)
    if post is None or post.kind not in ("post", "comment"):
        return None
    if post.kind == "post" and post.account_id != fake.page_id:
        return None
    if request.method == "POST":
        return _create(fake, post, params)
    return _list(fake, request, post, params)


def _create(fake: GraphLike, target: Item, params: list[tuple[str, str]]) -> ApiResponse:
    allowed = set(specdata.GRAPH_PARAMETERS["PagePost POST comments"]) | {
        "access_token", "appsecret_proof", "fields", "format", "method", "pretty"}
    values = dict(params)
    for key in values:
        if key not in allowed:
            raise CommentError(100, f"(#100) Param {key} is not a valid parameter")
    message = values.get("message", "")
    if not message.strip() and not values.get("attachment_url") and not values.get(
            "attachment_id"):
        raise CommentError(100, "(#100) Missing message or attachment")
    if target.kind == "post":
        post_id, parent = target.id, None
    else:
        post_id = str(target.data["post_id"])
        parent = str(target.data.get("parent") or target.id)
    number = fake.new_id()
    comment_id = f"{post_id.partition('_')[2] or post_id}_{number}"
    now = fake.clock()
    item = add_comment(fake.store, fake.page_id, comment_id, post_id, fake.page_id,
                       fake.page_name, message, now, parent)
    return ApiResponse.json(200, {"id": item.id, "message": message,
                                  "permalink_url": item.url,
                                  "created_time": _fb_time(now)},
                            content_type="application/json; charset=UTF-8")


def _list(fake: GraphLike, request: RecordedRequest, node: Item,
          params: list[tuple[str, str]]) -> ApiResponse:
    values = dict(params)
    for key in values:
        if key not in _LIST_PARAMS:
            raise CommentError(100, f"(#100) Param {key} is not a valid parameter")
    fields = _fields(values.get("fields", ""))
    limit_raw = values.get("limit", "25")
    if not limit_raw.isdigit():
        raise CommentError(100, "(#100) Param limit must be a non-negative integer")
    limit = max(1, min(int(limit_raw), 100))
    mode = values.get("filter", "toplevel")
    if mode not in ("toplevel", "stream"):
        raise CommentError(100, "(#100) Param filter must be one of {toplevel, stream}")
    if node.kind == "post":
        everything = comments_of(fake.store, node.id)
        shown = everything if mode == "stream" else [
            c for c in everything if not c.data.get("parent")]
    else:
        everything = comments_of(fake.store, str(node.data["post_id"]))
        shown = [c for c in everything if c.data.get("parent") == node.id]
    if values.get("since", "").isdigit():
        since = int(values["since"])
        shown = [c for c in shown if int(c.created_epoch) >= since]
    if values.get("order") == "reverse_chronological":
        shown = list(reversed(shown))
    ids = [c.id for c in shown]
    start = 0
    for key in ("after", "before"):
        if key in values:
            anchor = _uncursor(values[key])
            if anchor not in ids:
                raise CommentError(100, f"(#100) The parameter {key} is not a valid cursor")
            index = ids.index(anchor)
            if key == "after":
                start = index + 1
            else:
                start = max(0, index - limit)
                shown = shown[:index]
    page = shown[start:start + limit]
    replies: dict[str, int] = {}
    for c in everything:
        parent = c.data.get("parent")
        if parent:
            replies[parent] = replies.get(parent, 0) + 1
    body: dict[str, Any] = {"data": [_object(fake, c, fields, replies.get(c.id, 0))
                                     for c in page]}
    if page:
        query = [(k, v) for k, v in request.query if k not in {"after", "before"}]
        base = f"{fake.public_origins[0]}{request.path}?"
        paging: dict[str, Any] = {"cursors": {"before": _cursor(page[0].id),
                                              "after": _cursor(page[-1].id)}}
        if start + limit < len(shown):
            paging["next"] = base + "&".join(f"{k}={quote(v, safe='')}" for k, v in [
                *query, ("after", _cursor(page[-1].id))])
        if start > 0:
            paging["previous"] = base + "&".join(f"{k}={quote(v, safe='')}" for k, v in [
                *query, ("before", _cursor(page[0].id))])
        body["paging"] = paging
    else:
        body["paging"] = {"cursors": {}}
    if values.get("summary") in ("1", "true", "total_count"):
        body["summary"] = {"order": "chronological", "total_count": len(shown),
                           "can_comment": True}
    return ApiResponse.json(200, body, content_type="application/json; charset=UTF-8")
