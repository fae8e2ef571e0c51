"""SQLite store of what the fake platforms published.

Every row is committed before the fake answers the HTTP request that created it,
so a client killed mid-request finds the post exactly once. Rows hold content and
ids only, never credentials.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_STORE_NAME", "Item", "Store", "iso_utc", "load_published"]

DEFAULT_STORE_NAME = "published.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    text TEXT,
    url TEXT,
    created_at TEXT NOT NULL,
    published INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (platform, id)
);
CREATE INDEX IF NOT EXISTS items_by_kind ON items (platform, kind, account_id);
"""


def iso_utc(epoch: float) -> str:
    """``2025-01-31T09:05:00.123Z``: the X API's timestamp format."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@dataclass
class Item:
    platform: str
    kind: str
    id: str
    account_id: str
    created_at: str
    text: str | None = None
    url: str | None = None
    published: bool = True
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def created_epoch(self) -> float:
        return parse_iso(self.created_at)


def _row_to_item(row: sqlite3.Row) -> Item:
    return Item(
        platform=row["platform"],
        kind=row["kind"],
        id=row["id"],
        account_id=row["account_id"],
        created_at=row["created_at"],
        text=row["text"],
        url=row["url"],
        published=bool(row["published"]),
        data=json.loads(row["data"]),
    )


def resolve_store_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p / DEFAULT_STORE_NAME if p.is_dir() else p


class Store:
    """Thread-safe access to the items table (``path=None``: in memory)."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else resolve_store_file(path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            ":memory:" if self.path is None else str(self.path),
            timeout=30.0,
            isolation_level=None,
            check_same_thread=False,
        )
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def insert(self, *items: Item) -> None:
        with self.transaction():
            for item in items:
                self._conn.execute(
                    "INSERT INTO items (platform, kind, id, account_id, text, url, created_at,"
                    " published, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item.platform,
                        item.kind,
                        item.id,
                        item.account_id,
                        item.text,
                        item.url,
                        item.created_at,
                        int(item.published),
                        json.dumps(item.data, ensure_ascii=False, sort_keys=True),
                    ),
                )

    def update(self, item: Item) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE items SET text = ?, url = ?, published = ?, data = ?"
                " WHERE platform = ? AND id = ?",
                (
                    item.text,
                    item.url,
                    int(item.published),
                    json.dumps(item.data, ensure_ascii=False, sort_keys=True),
                    item.platform,
                    item.id,
                ),
            )

    def delete(self, platform: str, item_id: str) -> bool:
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM items WHERE platform = ? AND id = ?", (platform, item_id)
            )
        return cur.rowcount == 1

    def get(self, platform: str, item_id: str) -> Item | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM items WHERE platform = ? AND id = ?", (platform, item_id)
            ).fetchone()
        return None if row is None else _row_to_item(row)

    def items(
        self, platform: str, kinds: Sequence[str], account_id: str | None = None
    ) -> list[Item]:
        """Items of the given kinds, newest first (ids are time-ordered)."""
        marks = ",".join("?" for _ in kinds)
        sql = f"SELECT * FROM items WHERE platform = ? AND kind IN ({marks})"
        args: list[Any] = [platform, *kinds]
        if account_id is not None:
            sql += " AND account_id = ?"
            args.append(account_id)
        sql += " ORDER BY length(id) DESC, id DESC"
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [_row_to_item(r) for r in rows]

    def max_numeric_id(self, platform: str) -> int:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id FROM items WHERE platform = ?", (platform,)
            ).fetchall()
        best = 0
        for row in rows:
            for part in str(row["id"]).split("_"):
                if part.isdigit():
                    best = max(best, int(part))
        return best

    def clear(self, platform: str | None = None) -> None:
        with self._lock:
            if platform is None:
                self._conn.execute("DELETE FROM items")
            else:
                self._conn.execute("DELETE FROM items WHERE platform = ?", (platform,))

    def published(
        self, platform: str | None = None, now: float | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            return _published_from(self._conn, platform, now)


def _media_entries(
    conn: sqlite3.Connection, platform: str, ids: Sequence[str]
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for media_id in ids:
        row = conn.execute(
            "SELECT * FROM items WHERE platform = ? AND id = ?", (platform, media_id)
        ).fetchone()
        if row is None:
            entries.append({"id": media_id})
            continue
        item = _row_to_item(row)
        entry: dict[str, Any] = {"id": item.id}
        for key in ("media_key", "media_type", "size", "width", "height", "source_url"):
            if key in item.data:
                entry[key] = item.data[key]
        alt = item.data.get("alt_text")
        if alt is None:
            alt = item.data.get("alt_text_custom")
        entry["alt_text"] = alt
        if item.text is not None:
            entry["caption"] = item.text
        entries.append(entry)
    return entries


def _published_from(
    conn: sqlite3.Connection, platform: str | None, now: float | None = None
) -> list[dict[str, Any]]:
    # A Telegram message is published when it went to the channel (it has a t.me URL);
    # the others are the checks the bot forwarded to its admin's private chat.
    sql = ("SELECT * FROM items WHERE (kind IN ('tweet', 'post')"
           " OR (kind = 'message' AND url IS NOT NULL))")
    args: list[Any] = []
    if platform is not None:
        sql += " AND platform = ?"
        args.append(platform)
    sql += " ORDER BY seq"
    if now is None:
        now = datetime.now(UTC).timestamp()
    result: list[dict[str, Any]] = []
    for row in conn.execute(sql, args).fetchall():
        item = _row_to_item(row)
        scheduled = item.data.get("scheduled_publish_time")
        if not item.published and not (
            scheduled is not None and scheduled <= now and not item.data.get("publish_fails")
        ):
            continue
        entry: dict[str, Any] = {
            "platform": item.platform,
            "kind": item.kind,
            "id": item.id,
            "account_id": item.account_id,
            "text": item.text,
            "url": item.url,
            "created_at": item.created_at,
        }
        if item.platform == "x":
            entry["reply_to"] = item.data.get("reply_to")
            entry["media"] = _media_entries(conn, "x", item.data.get("media_ids", []))
        elif item.kind == "message":
            message = item.data["message"]
            entry["reply_to"] = message.get("reply_to_message", {}).get("message_id")
            entry["media_group_id"] = message.get("media_group_id")
            entry["media"] = [{"id": message["photo"][-1]["file_id"], "media_type": "photo",
                               "width": message["photo"][-1]["width"],
                               "height": message["photo"][-1]["height"]}
                              ] if "photo" in message else []
        else:
            entry["message"] = item.text
            entry["link"] = item.data.get("link")
            entry["scheduled_publish_time"] = scheduled
            entry["media"] = _media_entries(conn, item.platform, item.data.get("photo_ids", []))
        result.append(entry)
    return result


def load_published(
    store_path: str | os.PathLike[str], platform: str | None = None
) -> list[dict[str, Any]]:
    """Everything the fakes published into ``store_path``, oldest first.

    ``store_path`` is the SQLite file given to the fakes or the sandbox store
    directory. Each entry has ``platform`` (``"x"`` or ``"facebook"``), ``kind``
    (``"tweet"`` or ``"post"``), ``id``, ``account_id``, ``text`` (also
    ``message`` for Facebook), ``url``, ``created_at`` (ISO 8601 UTC), ``media``
    (list of ``{"id", "media_type", "alt_text", ...}``) and ``reply_to`` (X) or
    ``link`` / ``scheduled_publish_time`` (Facebook). Unpublished or
    not-yet-due scheduled posts are left out.
    """
    path = resolve_store_file(store_path)
    if not path.exists():
        return []
    # Not read-only: a writer killed mid-transaction leaves a hot journal that only a
    # writable connection can roll back.
    conn = sqlite3.connect(str(path), timeout=30.0)
    conn.row_factory = sqlite3.Row
    try:
        return _published_from(conn, platform)
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()
