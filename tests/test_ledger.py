from __future__ import annotations

import multiprocessing
import stat
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bmnsocial.errors import LedgerUnavailable
from bmnsocial.publish.ledger import ONCE, Ledger, Status
from tests.helpers import NOW, default_signals
from tests.sitehelp import PATIENCE


def new(tmp_path: Path) -> Ledger:
    return Ledger(tmp_path / "state" / "ledger.sqlite3")


def add(ledger: Ledger, post_id: str = "p", platform: str = "twitter", occurrence: str = ONCE,
        payload: str = '{"v": 1}', due_in: timedelta = timedelta(0)):  # type: ignore[no-untyped-def]
    return ledger.enqueue(post_id=post_id, platform=platform, occurrence=occurrence,
                          due=NOW + due_in, payload=payload, content_hash=payload[-4:],
                          source_file="posts/p.yaml", now=NOW)


def test_created_private(tmp_path: Path) -> None:
    ledger = new(tmp_path)
    add(ledger)
    assert stat.S_IMODE(ledger.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ledger.path.parent.stat().st_mode) == 0o700
    for side in ledger.path.parent.glob("ledger.sqlite3-*"):
        assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_one_row_per_post_platform_occurrence(tmp_path: Path) -> None:
    ledger = new(tmp_path)
    a = add(ledger)
    b = add(ledger, payload='{"v": 2}')
    assert a.id == b.id and b.payload == '{"v": 2}'
    add(ledger, platform="facebook")
    add(ledger, occurrence="2027-01-04T14:00Z")
    assert len(ledger.rows()) == 3


def test_finished_rows_are_never_rewritten(tmp_path: Path) -> None:
    ledger = new(tmp_path)
    row = add(ledger)
    claimed = ledger.claim(row.id, "me", NOW)
    assert claimed is not None and claimed.status is Status.SENDING and claimed.attempts == 1
    ledger.mark_published(row.id, "123", "https://x.com/a/status/123", ["123"], NOW)
    again = add(ledger, payload='{"v": 9}')
    assert again.status is Status.PUBLISHED and again.payload == '{"v": 1}'
    assert ledger.claim(row.id, "other", NOW) is None


def test_claim_is_exclusive_across_threads(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ledger.sqlite3"
    row = add(Ledger(path))
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def contend(name: str) -> None:
        mine = Ledger(path)
        barrier.wait()
        if mine.claim(row.id, name, NOW) is not None:
            winners.append(name)
        mine.close()

    threads = [threading.Thread(target=contend, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_not_ready_before_due_or_retry_time(tmp_path: Path) -> None:
    ledger = new(tmp_path)
    row = add(ledger, due_in=timedelta(minutes=5))
    assert ledger.ready(NOW) == []
    assert [r.id for r in ledger.ready(NOW + timedelta(minutes=5))] == [row.id]
    ledger.claim(row.id, "me", NOW + timedelta(minutes=5))
    ledger.requeue(row.id, NOW + timedelta(minutes=10), "timeout", "Transient",
                   NOW + timedelta(minutes=5))
    assert ledger.ready(NOW + timedelta(minutes=9)) == []
    assert ledger.claim(row.id, "me", NOW + timedelta(minutes=9)) is None
    assert [r.id for r in ledger.ready(NOW + timedelta(minutes=10))] == [row.id]


def test_a_row_moved_later_is_not_claimed_at_its_old_time(tmp_path: Path) -> None:
    # A publisher read the row when it was due; a sync moved it two hours later since.
    ledger = new(tmp_path)
    row = add(ledger, due_in=timedelta(hours=2))
    assert ledger.claim(row.id, "me", NOW, due=True) is None
    assert ledger.claim_batch([row.id], "me", NOW) == []
    assert ledger.get(row.id).status is Status.QUEUED
    later = NOW + timedelta(hours=2)
    assert [r.id for r in ledger.claim_batch([row.id], "me", later)] == [row.id]


def test_stamps_are_utc_text_to_the_microsecond() -> None:
    from bmnsocial.publish.ledger import stamp

    assert stamp(NOW) == "2026-11-26T15:00:00.000000+00:00"
    assert stamp(NOW + timedelta(microseconds=7)) == "2026-11-26T15:00:00.000007+00:00"


def test_every_transition_is_an_event(tmp_path: Path) -> None:
    ledger = new(tmp_path)
    row = add(ledger)
    ledger.claim(row.id, "me", NOW)
    ledger.hold_for_reconcile(row.id, NOW, "read timeout", "Transient", NOW)
    assert ledger.get(row.id).status is Status.SENDING
    assert ledger.get(row.id).claimed_by is None
    ledger.mark_unconfirmed(row.id, "cannot tell", "reconcile", NOW)
    ledger.retry(row.id, NOW)
    kinds = [e["kind"] for e in ledger.events(row.id)]
    assert kinds == ["queued", "uncertain", "unconfirmed", "retry-requested"]


def test_progress_survives_reopening(tmp_path: Path) -> None:
    ledger = new(tmp_path)
    row = add(ledger)
    ledger.save_progress(row.id, ["1", "2"], NOW)
    ledger.close()
    assert new(tmp_path).get(row.id).part_ids == ["1", "2"]


def test_a_ledger_from_an_earlier_version_gains_new_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "state" / "ledger.sqlite3"
    path.parent.mkdir(parents=True)
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE publications (id INTEGER PRIMARY KEY, post_id TEXT NOT NULL, "
                "platform TEXT NOT NULL, occurrence TEXT NOT NULL, due TEXT NOT NULL, "
                "status TEXT NOT NULL, payload TEXT NOT NULL, content_hash TEXT NOT NULL, "
                "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
                "UNIQUE (post_id, platform, occurrence))")
    old.execute("INSERT INTO publications (post_id, platform, occurrence, due, status, payload,"
                " content_hash, created_at, updated_at) VALUES ('p', 'twitter', 'once', ?, "
                "'queued', '{}', 'h', ?, ?)", (NOW.isoformat(),) * 3)
    old.commit()
    old.close()
    ledger = Ledger(path)
    (row,) = ledger.rows()
    assert (row.post_id, row.attempts, row.pinned, row.misfire, row.part_ids) == (
        "p", 0, False, None, [])


OPENERS = 6
_barrier: Any = None


def _opener(barrier: Any) -> None:
    global _barrier
    default_signals()
    _barrier = barrier


def _open_together(path: str) -> str:
    # Every process waits here until all of them have arrived, however slowly each started:
    # then they open the new ledger at once (a barrier, not a start time they may miss).
    _barrier.wait(timeout=PATIENCE)
    try:
        Ledger(Path(path)).close()
    except Exception as exc:  # reported to the parent, which fails the test with it
        return repr(exc)
    return "ok"


def test_processes_opening_a_new_ledger_at_once_all_succeed(tmp_path: Path) -> None:
    # The daemon and two cron runs starting together on a fresh machine: SQLite's switch to
    # WAL answers "database is locked" to all but one of them unless we wait (it did in CI).
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(OPENERS)
    # Each task blocks at the barrier until all have arrived, so each of the pool's processes
    # takes exactly one of a trial's tasks.
    with context.Pool(OPENERS, initializer=_opener, initargs=(barrier,)) as pool:
        for trial in range(8):
            path = str(tmp_path / f"t{trial}" / "ledger.sqlite3")
            results = pool.map(_open_together, [path] * OPENERS, chunksize=1)
            assert results == ["ok"] * OPENERS, results


def test_a_file_that_is_not_a_ledger_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"not a database, " * 512)
    with pytest.raises(LedgerUnavailable, match=r"ledger\.sqlite3 is damaged: file is not a "
                                                r"database\..*'bmnsocial ledger recover'"):
        Ledger(path)
    assert path.read_bytes() == b"not a database, " * 512
