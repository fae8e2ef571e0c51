"""Daily copies of the ledger, made with SQLite's online backup (consistent while the daemon
and cron runs write to it), checked, written atomically and kept ``ledger.backup_days`` days.

They live in ``STATE_DIR/backups/ledger-YYYY-MM-DD.sqlite3`` (UTC dates, mode 0600).
`bmnsocial ledger recover` starts from the newest one.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bmnsocial.publish.ledger import Ledger, damaged, fsync_dir, unusable

FOLDER = "backups"
_NAME = re.compile(r"^ledger-(\d{4}-\d{2}-\d{2})\.sqlite3$")


def folder(state_dir: Path) -> Path:
    return state_dir / FOLDER


def existing(state_dir: Path) -> list[tuple[date, Path]]:
    """The backups there are, newest first."""
    found: list[tuple[date, Path]] = []
    try:
        names = os.listdir(folder(state_dir))
    except FileNotFoundError:
        return []
    for name in names:
        match = _NAME.match(name)
        if match:
            try:
                found.append((date.fromisoformat(match.group(1)), folder(state_dir) / name))
            except ValueError:
                continue
    return sorted(found, reverse=True)


def take(ledger: Ledger, state_dir: Path, keep_days: int, today: date | None = None) -> Path:
    """Back the ledger up now (replacing today's backup), then drop those older than
    ``keep_days`` days. A ledger that fails SQLite's check is not backed up: it is damaged,
    and a damaged copy would replace a good one."""
    today = today or datetime.now(UTC).date()
    target_dir = folder(state_dir)
    target_dir.mkdir(mode=0o700, exist_ok=True)
    target = target_dir / f"ledger-{today.isoformat()}.sqlite3"
    tmp = target_dir / f".{target.name}.{os.getpid()}.tmp"
    os.close(os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600))
    try:
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            try:
                ledger.db.backup(copy)
                found = [r[0] for r in copy.execute("PRAGMA quick_check(3)")]
                # One file, nothing beside it: readable by itself wherever it is copied.
                copy.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.Error as exc:
                raise unusable(ledger.path, exc) or exc from None
        finally:
            copy.close()
        if found != ["ok"]:
            raise damaged(ledger.path, "; ".join(str(f) for f in found))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(target_dir)
    prune(state_dir, keep_days, today)
    return target


def take_if_due(ledger: Ledger, state_dir: Path, keep_days: int) -> Path | None:
    """Today's backup, unless there is one already."""
    today = datetime.now(UTC).date()
    newest = existing(state_dir)
    if newest and newest[0][0] >= today:
        return None
    return take(ledger, state_dir, keep_days, today)


def prune(state_dir: Path, keep_days: int, today: date) -> None:
    """Drop backups older than ``keep_days`` days; the newest one always stays."""
    oldest = today - timedelta(days=keep_days - 1)
    for day, path in existing(state_dir)[1:]:
        if day < oldest:
            path.unlink(missing_ok=True)
