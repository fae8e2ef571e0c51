"""The ledger's ``inbox_items`` table: each comment or reply a person may answer, with its
state. ``new`` → ``replying`` (claimed, flushed to disk before the answer is sent) →
``replied``; or ``done`` (handled without an answer). A ``replying`` item whose claimer is
gone is looked up on the platform before anything is sent again."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bmnsocial.platforms.conversations import Remark
from bmnsocial.publish.ledger import Ledger, parse_stamp, stamp

NEW, REPLYING, REPLIED, DONE = "new", "replying", "replied", "done"
STATES = (NEW, REPLYING, REPLIED, DONE)


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    platform: str
    remote_id: str
    reply_to_id: str
    post_id: str
    platform_post_id: str
    post_url: str
    author: str
    text: str
    url: str
    created_at: datetime
    fetched_at: datetime
    state: str
    reply_text: str | None
    reply_id: str | None
    reply_url: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    answered_at: datetime | None
    last_error: str | None

    @classmethod
    def from_sql(cls, r: sqlite3.Row) -> Item:
        return cls(r["id"], r["platform"], r["remote_id"], r["reply_to_id"], r["post_id"],
                   r["platform_post_id"], r["post_url"], r["author"], r["text"], r["url"],
                   datetime.fromisoformat(r["created_at"]),
                   datetime.fromisoformat(r["fetched_at"]), r["state"], r["reply_text"],
                   r["reply_id"], r["reply_url"], r["claimed_by"], parse_stamp(r["claimed_at"]),
                   parse_stamp(r["answered_at"]), r["last_error"])


@dataclass(frozen=True, slots=True)
class PostRef:
    post_id: str
    platform_post_id: str  # the post's (a thread's first tweet's) own id
    url: str


def add_remarks(ledger: Ledger, platform: str, remarks: list[Remark],
                posts: dict[str, PostRef], now: datetime) -> int:
    """Keep what was read; an item already kept keeps its id and state, except that one a
    person answered on the platform itself becomes ``replied`` at that time. How many are
    new."""
    added = 0
    t = stamp(now)
    with ledger.transaction() as db:
        for remark in remarks:
            post = posts[remark.on]
            cur = db.execute(
                "INSERT OR IGNORE INTO inbox_items (platform, remote_id, reply_to_id, post_id, "
                "platform_post_id, post_url, author, text, url, created_at, fetched_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (platform, remark.id, remark.reply_to, post.post_id, post.platform_post_id,
                 post.url, remark.author, remark.text, remark.url, stamp(remark.created_at), t,
                 t))
            added += cur.rowcount
            if remark.answered_at is not None:
                db.execute("UPDATE inbox_items SET state = ?, answered_at = ?, updated_at = ? "
                           "WHERE platform = ? AND remote_id = ? AND state = ?",
                           (REPLIED, stamp(remark.answered_at), t, platform, remark.id, NEW))
    return added


def get(ledger: Ledger, item_id: int) -> Item | None:
    r = ledger.db.execute("SELECT * FROM inbox_items WHERE id = ?", (item_id,)).fetchone()
    return None if r is None else Item.from_sql(r)


def items(ledger: Ledger, states: tuple[str, ...] = (NEW, REPLYING)) -> list[Item]:
    """Oldest first."""
    marks = ",".join("?" * len(states))
    return [Item.from_sql(r) for r in ledger.db.execute(
        f"SELECT * FROM inbox_items WHERE state IN ({marks}) ORDER BY created_at, id", states)]


def known_reply_ids(ledger: Ledger, platform: str) -> dict[str, str]:
    """Our answers' ids -> the platform id of the post they were about (a conversation that
    goes on under our answer belongs to the same post)."""
    return {r[0]: r[1] for r in ledger.db.execute(
        "SELECT reply_id, platform_post_id FROM inbox_items WHERE platform = ? AND "
        "reply_id IS NOT NULL", (platform,))}


def claim(ledger: Ledger, item: Item, text: str, claimer: str, now: datetime) -> bool:
    """Take ``item`` for answering with ``text``: on disk before anything is sent."""
    t = stamp(now)
    with ledger._durable():
        cur = ledger.db.execute(
            "UPDATE inbox_items SET state = ?, reply_text = ?, claimed_by = ?, claimed_at = ?, "
            "last_error = NULL, updated_at = ? WHERE id = ? AND state = ? AND "
            "claimed_by IS ?", (REPLYING, text, claimer, t, t, item.id, item.state,
                                item.claimed_by))
    return bool(cur.rowcount == 1)


def record_reply(ledger: Ledger, item_id: int, reply_id: str, url: str, at: datetime,
                 now: datetime) -> None:
    ledger.db.execute(
        "UPDATE inbox_items SET state = ?, reply_id = ?, reply_url = ?, answered_at = ?, "
        "claimed_by = NULL, updated_at = ? WHERE id = ? AND state = ?",
        (REPLIED, reply_id, url, stamp(at), stamp(now), item_id, REPLYING))


def release(ledger: Ledger, item_id: int, error: str, now: datetime) -> None:
    """Nothing was sent (provably): the item waits again."""
    ledger.db.execute(
        "UPDATE inbox_items SET state = ?, claimed_by = NULL, last_error = ?, updated_at = ? "
        "WHERE id = ? AND state = ?", (NEW, error, stamp(now), item_id, REPLYING))


def note_uncertain(ledger: Ledger, item_id: int, error: str, now: datetime) -> None:
    """The answer may have gone out: the item stays ``replying`` until the platform says."""
    ledger.db.execute("UPDATE inbox_items SET claimed_by = NULL, last_error = ?, "
                      "updated_at = ? WHERE id = ? AND state = ?",
                      (error, stamp(now), item_id, REPLYING))


def mark_done(ledger: Ledger, item_id: int, now: datetime) -> bool:
    with ledger._durable():
        cur = ledger.db.execute(
            "UPDATE inbox_items SET state = ?, answered_at = ?, updated_at = ? "
            "WHERE id = ? AND state = ?", (DONE, stamp(now), stamp(now), item_id, NEW))
    return bool(cur.rowcount == 1)


def answered_between(ledger: Ledger, since: datetime | None,
                     until: datetime | None) -> list[dict[str, Any]]:
    where, args = [], []
    if since is not None:
        where.append("created_at >= ?")
        args.append(stamp(since))
    if until is not None:
        where.append("created_at < ?")
        args.append(stamp(until))
    sql = ("SELECT created_at, answered_at, state, platform, post_id FROM inbox_items"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY created_at, id")
    return [dict(r) for r in ledger.db.execute(sql, args)]
