"""After an outage of several hours, late occurrences follow the configured misfire policy."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from bmnsocial.config import DaemonSettings
from bmnsocial.publish.ledger import ONCE, Row, Status
from bmnsocial.schedule.daemon import dispatch
from tests.test_publisher import World, world


def outage(w: World, policy: str, hours: float = 5, posts: int = 6,
           **settings: int) -> list[Row]:
    """Queue ``posts`` occurrences due half an hour apart, then come back ``hours`` later."""
    w.config = dataclasses.replace(w.config, daemon=DaemonSettings(misfire=policy, **settings))
    start = w.clock.now()
    for i in range(posts):
        row = w.queue(f"Aviso {i}", platform="twitter", post_id=f"p{i}", occurrence=ONCE)
        w.ledger.move(row.id, start + timedelta(minutes=30 * i), "test", start)
    w.clock.current = start + timedelta(hours=hours)
    runtime = w.runtime()
    for _ in range(3):  # three passes of run-due, an hour apart
        for row in w.ledger.ready(w.clock.now()):
            dispatch(row, runtime, w.ledger)
        w.clock.sleep(3600)
    return w.ledger.rows()


def test_publish_late_within_grace_capped_per_hour(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        rows = outage(w, "publish", hours=2, posts=6, grace_minutes=240,
                      max_catchup_per_hour=2)
        # Due 0:00..2:30; back at 2:00, so p5 (2:30) is on time later. Two late per hour.
        published = [r for r in rows if r.status is Status.PUBLISHED]
        assert len(published) == 6
        late_hours = sorted({(r.published_at - w.clock.current).total_seconds() // 3600
                             for r in published if r.post_id != "p5"})
        assert len(late_hours) >= 2, "the catch-up was spread over several hours"
        deferred = [e for r in rows for e in w.ledger.events(r.id) if e["kind"] == "deferred"]
        assert deferred and "catch-up limit" in deferred[0]["detail"]
        assert len(w.published("twitter")) == 6


def test_beyond_grace_is_skipped_with_its_reason(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        rows = outage(w, "publish", hours=5, posts=4, grace_minutes=180)
        by_id = {r.post_id: r for r in rows}
        # due 0:00, 0:30, 1:00, 1:30; back at 5:00: 5h, 4.5h, 4h, 3.5h late -> all skipped
        assert {r.status for r in by_id.values()} == {Status.SKIPPED}
        assert "beyond the 180-min grace window" in (by_id["p0"].last_error or "")
        assert w.published("twitter") == []


def test_skip_policy(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        rows = outage(w, "skip", hours=1, posts=2)
        assert {r.status for r in rows} == {Status.SKIPPED}
        assert all("policy is 'skip'" in (r.last_error or "") for r in rows)


def test_next_slot_policy_moves_to_free_slots(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.config = dataclasses.replace(w.config, slots={d: (time(9, 0), time(15, 0))
                                                        for d in range(7)})
        # A morning, whatever the time the suite runs: the three passes (3, 4 and 5 h after)
        # all come before the 15:00 slot, which a later pass would find late in its turn.
        w.clock.current = datetime(2026, 12, 1, 9, 10, tzinfo=w.config.timezone)
        rows = outage(w, "next_slot", hours=3, posts=2)
        moved = [e for r in rows for e in w.ledger.events(r.id) if e["kind"] == "moved"
                 and "next free slot" in e["detail"]]
        # (each once, or again when a later pass comes after its new slot: the test's clock is
        # the real one, so which happens depends on the hour the suite runs)
        assert {e["publication_id"] for e in moved} == {r.id for r in rows}
        dues = sorted(r.due for r in rows)
        assert dues[0] != dues[1], "two late posts never share a slot"
        for r in rows:
            local = r.due.astimezone(w.config.timezone)
            assert (local.hour, local.minute) in ((9, 0), (15, 0))


@pytest.mark.parametrize("policy", ["publish", "skip", "next_slot"])
def test_on_time_is_never_a_misfire(tmp_path: Path, policy: str) -> None:
    with world(tmp_path) as w:
        rows = outage(w, policy, hours=0.05, posts=1)
        assert rows[0].status is Status.PUBLISHED


def test_a_post_can_override_the_policy(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        start = w.clock.now()
        row = w.queue("Sólo a su hora", platform="twitter", post_id="puntual")
        w.ledger.upsert(post_id="puntual", platform="twitter", occurrence=ONCE, due=start,
                        payload=row.payload, content_hash=row.content_hash,
                        source_file=row.source_file, now=start, misfire="skip")
        w.clock.current = start + timedelta(hours=1)
        runtime = w.runtime()
        (ready,) = w.ledger.ready(w.clock.now())
        done = dispatch(ready, runtime, w.ledger)
        assert done.status is Status.SKIPPED and "'skip'" in (done.last_error or "")


def test_post_file_misfire_reaches_the_ledger(config, write_post) -> None:  # type: ignore[no-untyped-def]
    from bmnsocial.publish.ledger import Ledger
    from bmnsocial.schedule.sync import sync
    from tests.helpers import NOW

    write_post("a.yaml", "category: 9\ntext: hola\n"
                         "schedule: {at: 2026-12-01 09:00, misfire: next_slot}\n")
    ledger = Ledger(config.state_dir / "ledger.sqlite3")
    sync([config.posts_dir], config, ledger, NOW, full=True)
    assert {r.misfire for r in ledger.rows()} == {"next_slot"}
    write_post("a.yaml", "category: 9\ntext: hola\nschedule: {at: 2026-12-01 09:00, misfire: x}\n")
    report = sync([config.posts_dir], config, ledger, NOW, full=True)
    assert [d.code for d in report.problems] == ["SCHEMA-VALUE"]


def test_missed_occurrences_of_a_recurring_post_coalesce(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        start = w.clock.now()
        for week in range(3):
            row = w.queue("Boletín semanal", platform="facebook", post_id="boletin",
                          occurrence=f"w{week}")
            w.ledger.move(row.id, start + timedelta(days=7 * week), "test", start)
        w.clock.current = start + timedelta(days=14, hours=1)
        runtime = w.runtime()
        for row in w.ledger.ready(w.clock.now()):
            dispatch(row, runtime, w.ledger)
        states = {r.occurrence: r.status for r in w.ledger.rows()}
        assert states == {"w0": Status.SKIPPED, "w1": Status.SKIPPED, "w2": Status.PUBLISHED}
        assert len(w.published("facebook")) == 1
