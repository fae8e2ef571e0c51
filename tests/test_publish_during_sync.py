"""A post that falls due while the daemon syncs the posts folder: published on time, once.

The daemon's sync (poll thread) and its publications (publishing thread) share no lock; the
ledger's conditional updates keep them apart. Each test stops one side at a chosen point with
events and runs the other side there, with the clock under the test's control: a publication
in the middle of a sync, a sync in the middle of a publication, and a sync that moved a post
before its old job fired. Whatever the order, the post goes out once, as the ledger held it
when it was claimed, and is never lost. (Waits on events are bounded only so that a deadlock
fails the test instead of hanging it; nothing waits for time to pass.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bmnsocial.config import Config
from bmnsocial.platforms.base import Adapter, Progress, Published
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.publish.ledger import Row, Status
from bmnsocial.publish.runtime import Runtime
from bmnsocial.render.validation import validate_paths
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.schedule import sync as sync_module
from bmnsocial.schedule.daemon import Daemon
from bmnsocial.schedule.queueing import enqueue, plan
from tests.helpers import NOW, WritePost
from tests.test_publisher import FakeClock

HANG = 60.0  # seconds: only a deadlock gets near this
DUE = NOW + timedelta(hours=1)  # 2026-11-26 11:00 in Havana
AVISO = ("category: 9\ntext: Aviso de la sala 3\n"
         "schedule: {at: 2026-11-26 11:00}\n")
EDITED = AVISO.replace("sala 3", "sala 4")
LATER = EDITED.replace("11:00", "13:00")  # edited and moved two hours later
OTHER = "category: 9\ntext: otra\nschedule: {at: 2027-01-20 09:00}\n"


class Pause:
    """Holds a thread at a chosen point until the test lets it go on."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go_on = threading.Event()

    def __call__(self) -> None:
        self.reached.set()
        assert self.go_on.wait(HANG), "never let go on"

    def wait_reached(self) -> None:
        assert self.reached.wait(HANG), "the paused side never got there"


class HeldAdapter(Adapter):
    """The real adapter, stopped after the row was claimed and before its request goes."""

    def __init__(self, real: Adapter, pause: Pause) -> None:
        self.real, self.pause = real, pause
        self.name = real.name  # type: ignore[misc]

    def whoami(self) -> Any:
        return self.real.whoami()

    def publish(self, rendered: Rendered, progress: Progress) -> Published:
        self.pause()
        return self.real.publish(rendered, progress)

    def recent_posts(self, since: datetime) -> Any:
        return self.real.recent_posts(since)


@dataclass
class World:
    config: Config
    runtime: Runtime
    daemon: Daemon
    clock: FakeClock
    posts: Path

    @property
    def ledger(self) -> Any:
        return self.runtime.ledger

    def rows(self, post_id: str = "aviso") -> list[Row]:
        return self.ledger.rows(post_id=post_id)

    def published(self) -> list[dict[str, object]]:
        return self.runtime.connections.start().published()  # type: ignore[attr-defined, no-any-return]

    def in_thread(self, fn: Callable[[], None]) -> threading.Thread:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # pragma: no cover - reported by join_ok
                errors.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.errors = errors  # type: ignore[attr-defined]
        thread.start()
        return thread

    def publish_due(self) -> None:
        """What the publishing thread does when the rows' jobs fire."""
        for row in self.rows():
            self.daemon.run_row(row.id)


def join_ok(thread: threading.Thread) -> None:
    thread.join(HANG)
    assert not thread.is_alive(), "deadlock: one side waited for the other"
    assert not thread.errors, thread.errors  # type: ignore[attr-defined]


@pytest.fixture
def world(config: Config, write_post: WritePost, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[World]:
    write_post("aviso.yaml", AVISO)
    write_post("otra.yaml", OTHER)
    clock = FakeClock()
    clock.current = NOW
    runtime = sandbox_runtime(config)
    runtime.publisher(clock=clock)
    daemon = Daemon(runtime)
    w = World(config, runtime, daemon, clock, config.posts_dir)
    try:
        daemon.refresh()  # the aviso queued on both platforms, its jobs placed
        assert {r.status for r in w.rows()} == {Status.QUEUED} and len(w.rows()) == 2
        assert set(daemon._scheduled) == {r.id for r in w.rows()}
        yield w
    finally:
        daemon.watch_ledger.close()
        runtime.close()


def change(w: World, how: str) -> None:
    """What happens to the post file just before its time (a commit pulled on the server)."""
    path = w.posts / "aviso.yaml"
    if how == "edited":
        path.write_text(EDITED, encoding="utf-8")
    elif how == "deleted":
        path.unlink()
    else:  # moved into a folder (the same id: the same file name)
        (w.posts / "eventos").mkdir()
        path.rename(w.posts / "eventos" / "aviso.yaml")


def texts(w: World) -> list[str]:
    return sorted(str(p["text"]).split("\n")[0] for p in w.published())


@pytest.mark.parametrize("how", ["edited", "deleted", "moved"])
def test_a_post_due_during_a_sync_goes_out_once_without_waiting_for_it(
        world: World, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    before = {r.id: r for r in w.rows()}
    change(w, how)
    # The sync starts a second before the post's time, reads the ledger (the aviso queued,
    # as it was) and stops before it writes anything; the post falls due right then.
    w.clock.current = DUE - timedelta(seconds=1)
    pause = Pause()
    sync_post = sync_module._Sync.sync_post

    def paused_sync_post(self: Any, checked: Any) -> None:
        if not pause.reached.is_set():
            pause()
        sync_post(self, checked)

    monkeypatch.setattr(sync_module._Sync, "sync_post", paused_sync_post)
    syncing = w.in_thread(w.daemon.refresh)
    pause.wait_reached()
    w.clock.current = DUE
    publishing = w.in_thread(w.publish_due)  # the jobs fire while the sync is under way
    join_ok(publishing)
    assert {r.status for r in w.rows()} == {Status.PUBLISHED}
    pause.go_on.set()
    join_ok(syncing)
    # The sync, which meant to refresh or withdraw them, found them published and left them.
    for row in w.rows():
        assert row.status is Status.PUBLISHED and row.payload == before[row.id].payload
        assert [e["kind"] for e in w.ledger.events(row.id)] == ["queued", "published"]
    assert texts(w) == ["Aviso de la sala 3"] * 2  # once per platform, as it was queued
    if how == "moved":  # a finished row still learns where its file lives now
        assert {r.source_file for r in w.rows()} == {
            str((w.posts / "eventos" / "aviso.yaml").resolve())}
    # Later passes change nothing, and nothing goes out again.
    w.clock.current = DUE + timedelta(minutes=5)
    w.daemon._signature = None
    w.daemon.refresh()
    w.publish_due()
    assert {r.status for r in w.rows()} == {Status.PUBLISHED}
    assert texts(w) == ["Aviso de la sala 3"] * 2


@pytest.mark.parametrize("how", ["edited", "deleted", "moved"])
def test_a_sync_during_a_publication_leaves_the_claimed_row_alone(
        world: World, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    # A person publishes the aviso now (`post --now`: its rows pinned to now), two hours
    # before the time in its file; one request is in flight when the file changes and the
    # daemon syncs the folder.
    (checked,) = validate_paths([w.posts / "aviso.yaml"], w.config, NOW).posts
    enqueue(w.ledger, checked, plan(checked, w.config, w.ledger, NOW, immediately=True), NOW,
            pin=True)
    pause = Pause()
    publisher = w.runtime.publisher()
    real_adapter = publisher.adapter
    monkeypatch.setattr(publisher, "adapter",
                        lambda platform: HeldAdapter(real_adapter(platform), pause))
    first, second = sorted(r.id for r in w.rows())
    publishing = w.in_thread(lambda: w.daemon.run_row(first))
    pause.wait_reached()  # claimed: 'sending', its request about to go
    claimed = w.ledger.get(first)
    events = w.ledger.events(first)
    assert claimed.status is Status.SENDING
    change(w, how)
    w.daemon.refresh()  # a whole sync while the request is in flight: it does not wait
    assert w.ledger.get(first) == claimed and w.ledger.events(first) == events
    # The other platform's row was not claimed: the sync had its say on it.
    other = w.ledger.get(second)
    assert other.status is (Status.CANCELLED if how == "deleted" else Status.QUEUED)
    assert ("sala 4" in other.payload) is (how == "edited")
    pause.go_on.set()
    join_ok(publishing)
    assert w.ledger.get(first).status is Status.PUBLISHED
    w.daemon.run_row(second)
    w.daemon._signature = None
    w.daemon.refresh()
    w.publish_due()
    expected = {"edited": ["Aviso de la sala 3", "Aviso de la sala 4"],
                "deleted": ["Aviso de la sala 3"],
                "moved": ["Aviso de la sala 3"] * 2}[how]
    assert texts(w) == expected  # each platform at most once; nothing asked for is lost
    assert {r.status for r in w.rows()} == (
        {Status.PUBLISHED, Status.CANCELLED} if how == "deleted" else {Status.PUBLISHED})


def test_a_job_that_fires_after_a_sync_moved_its_post_later_sends_nothing_early(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    (w.posts / "aviso.yaml").write_text(LATER, encoding="utf-8")
    w.clock.current = DUE - timedelta(seconds=1)
    # The sync has written the new time; the jobs are not moved yet when the old ones fire.
    pause = Pause()
    schedule_rows = Daemon._schedule_rows

    def paused_schedule_rows(self: Daemon) -> None:
        pause()
        schedule_rows(self)

    monkeypatch.setattr(Daemon, "_schedule_rows", paused_schedule_rows)
    syncing = w.in_thread(w.daemon.refresh)
    pause.wait_reached()
    w.clock.current = DUE
    assert all(r.due == DUE + timedelta(hours=2) for r in w.rows())
    w.publish_due()  # the old jobs: nothing is sent two hours early
    assert {r.status for r in w.rows()} == {Status.QUEUED} and w.published() == []
    pause.go_on.set()
    join_ok(syncing)
    assert set(w.daemon._scheduled.values()) == {DUE + timedelta(hours=2)}
    w.clock.current = DUE + timedelta(hours=2)
    w.publish_due()
    assert {r.status for r in w.rows()} == {Status.PUBLISHED}
    assert texts(w) == ["Aviso de la sala 4"] * 2  # at its new time, as the file says


def test_a_job_takes_the_ready_rows_of_its_platform_and_no_other(world: World) -> None:
    w = world
    (w.posts / "segundo.yaml").write_text(AVISO.replace("sala 3", "sala 5"), encoding="utf-8")
    w.daemon._signature = None
    w.daemon.refresh()
    w.clock.current = DUE
    by = {(r.post_id, r.platform): r.id for p in ("aviso", "segundo") for r in w.rows(p)}
    # The first Facebook job fires: the other Facebook row, ready too, goes in the same claim
    # (one disk flush); the X rows wait for their own jobs, open to a sync meanwhile.
    w.daemon.run_row(by["aviso", "facebook"])
    status = {key: w.ledger.get(row_id).status for key, row_id in by.items()}
    assert status == {("aviso", "facebook"): Status.PUBLISHED,
                      ("segundo", "facebook"): Status.PUBLISHED,
                      ("aviso", "twitter"): Status.QUEUED, ("segundo", "twitter"): Status.QUEUED}
    w.daemon.run_row(by["segundo", "facebook"])  # its own job, later: nothing more to do
    w.daemon.run_row(by["segundo", "twitter"])
    assert {w.ledger.get(row_id).status for row_id in by.values()} == {Status.PUBLISHED}
    assert texts(w) == ["Aviso de la sala 3"] * 2 + ["Aviso de la sala 5"] * 2
