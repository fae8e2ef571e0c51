"""One catch-up rule for everything late: whatever made a publication late (the daemon was
down, the network was, its attempts failed and it waits for a retry), the misfire policy and
the per-platform hourly cap apply, and late publications go out in the order they were due.

The daemon runs in this process on the test's clock, its jobs run as its publishing thread
runs them (in the order of their times); run-due is called as cron would call it. The
network goes away through the fakes themselves: stopped (connections refused), or answering
503 to everything.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bmnsocial.config import Config, DaemonSettings
from bmnsocial.publish.ledger import Row, Status
from bmnsocial.publish.runtime import Runtime
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.sandbox.platforms import Sandbox
from bmnsocial.schedule.daemon import Daemon, dispatch, run_due
from tests.helpers import NOW, WritePost
from tests.test_publisher import FakeClock

PLATFORMS = ("twitter", "facebook")
GRACE = timedelta(minutes=90)
LATE_AFTER = timedelta(minutes=5)
CAP = 3
TICK = timedelta(minutes=1)
DOWN_AT = NOW + timedelta(minutes=20)
BACK_AT = NOW + timedelta(hours=3)


@dataclass
class Site:
    config: Config
    runtime: Runtime
    clock: FakeClock
    fakes: Sandbox
    daemon: Daemon | None = None

    def start_daemon(self) -> None:
        self.stop_daemon()
        self.daemon = Daemon(self.runtime)
        self.daemon.refresh()

    def stop_daemon(self) -> None:
        if self.daemon is not None:
            self.daemon.watch_ledger.close()
        self.daemon = None

    def tick(self, driver: str) -> None:
        """One minute on: the daemon runs the jobs whose time came and polls; or cron calls
        run-due."""
        self.clock.sleep(TICK.total_seconds())
        if driver == "run-due":
            run_due(self.runtime, do_sync=False)
            return
        assert self.daemon is not None
        for row_id in self.due_jobs():
            self.daemon.run_row(row_id)
        self.daemon.refresh()

    def due_jobs(self) -> list[int]:
        """What the daemon's publishing thread runs now: its jobs whose time has come on the
        daemon's clock, in the order of their times."""
        assert self.daemon is not None
        now = self.clock.now()
        with self.daemon._guard:
            return [row_id for _when, row_id in sorted(
                (when, row_id) for row_id, when in self.daemon._scheduled.items()
                if when <= now)]

    def run_until(self, moment: datetime, driver: str) -> None:
        while self.clock.now() < moment:
            self.tick(driver)

    def settle(self, driver: str, limit: timedelta = timedelta(hours=6)) -> list[Row]:
        end = self.clock.now() + limit
        while self.clock.now() < end and self.runtime.ledger.rows(
                statuses=(Status.QUEUED, Status.SENDING)):
            self.tick(driver)
        return self.runtime.ledger.rows()

    def sent_order(self, platform: str) -> list[Row]:
        """The rows published on this platform, in the order the fake received them."""
        by_remote = {r.platform_post_id: r for r in self.runtime.ledger.rows(
            statuses=(Status.PUBLISHED,), platform=platform)}
        name = "x" if platform == "twitter" else "facebook"
        return [by_remote[str(item["id"])] for item in self.fakes.published()
                if item["platform"] == name]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def site(config: Config, write_post: WritePost) -> Iterator[Site]:
    """Twelve posts on both platforms, due every ten minutes from 10:30; every fourth one
    only makes sense on time (misfire: skip). The files are written in the reverse of their
    order in time, so the ledger's row ids do not follow the due times."""
    config = dataclasses.replace(config, daemon=DaemonSettings(
        late_after_minutes=int(LATE_AFTER.total_seconds() // 60),
        grace_minutes=int(GRACE.total_seconds() // 60), max_catchup_per_hour=CAP))
    settled = time.time() - 3600
    for i in reversed(range(12)):
        due = NOW + timedelta(minutes=30 + 10 * i)
        policy = ", misfire: skip" if i % 4 == 1 else ""
        path = write_post(f"aviso-{11 - i:02d}.yaml",
                          f"category: 9\ntext: Aviso número {i} de la biblioteca\n"
                          f"schedule: {{at: '{due:%Y-%m-%d %H:%M}'{policy}}}\n")
        os.utime(path, (settled, settled))
    clock = FakeClock()
    clock.current = NOW
    runtime = sandbox_runtime(config)
    # Fixed ports: fakes stopped for an outage come back where the sessions expect them.
    fakes = runtime.connections.start(  # type: ignore[attr-defined]
        x_port=free_port(), graph_port=free_port())
    publisher = runtime.publisher(clock=clock)
    for platform in PLATFORMS:
        publisher.adapter(platform)  # the sessions exist before the network goes
    s = Site(config, runtime, clock, fakes)
    try:
        yield s
    finally:
        s.stop_daemon()
        runtime.close()


def network_down(fakes: Sandbox, how: str) -> Callable[[], None]:
    """Take the network away; returns what brings it back."""
    servers = (fakes.x, fakes.graph)
    if how == "refused":
        for server in servers:
            server.stop()

        def back() -> None:
            for server in servers:
                server.start()
    else:
        for server in servers:
            server.faults.add(how, times=1_000_000)

        def back() -> None:
            for server in servers:
                server.faults.clear()
    return back


def assert_one_catch_up_rule(s: Site, rows: list[Row]) -> None:
    assert {r.status for r in rows} <= {Status.PUBLISHED, Status.SKIPPED}, [
        (r.post_id, r.platform, r.status, r.last_error) for r in rows]
    published = [r for r in rows if r.status is Status.PUBLISHED]
    assert published, "something went out late"
    for r in published:
        assert r.misfire != "skip", f"{r.post_id} on {r.platform} is 'misfire: skip'"
        assert r.published_at is not None and r.published_at - r.due <= GRACE, r
    for platform in PLATFORMS:
        times = sorted(r.published_at for r in published
                       if r.platform == platform and r.published_at is not None)
        for i, moment in enumerate(times):
            within_hour = [t for t in times[:i + 1] if moment - t < timedelta(hours=1)]
            assert len(within_hour) <= CAP, f"{platform}: {len(within_hour)} within an hour"
        order = [r.due for r in s.sent_order(platform)]
        assert order == sorted(order), f"{platform}: sent out of due order"
    skipped = [r for r in rows if r.status is Status.SKIPPED]
    assert skipped and all(r.last_error for r in skipped)


@pytest.mark.parametrize("how", ["refused", "http503"])
@pytest.mark.parametrize("driver", ["daemon", "run-due"])
def test_late_after_a_network_outage_follows_the_misfire_policy_the_cap_and_due_order(
        config: Config, write_post: WritePost, driver: str, how: str) -> None:
    with site(config, write_post) as s:
        if driver == "daemon":
            s.start_daemon()
        else:
            run_due(s.runtime)
        assert len(s.runtime.ledger.rows(statuses=(Status.QUEUED,))) == 24
        s.run_until(DOWN_AT, driver)
        back = network_down(s.fakes, how)
        s.run_until(BACK_AT, driver)  # every post came due meanwhile, and was tried
        assert s.fakes.published() == []
        tried = [r for r in s.runtime.ledger.rows() if r.attempts > 0]
        assert len(tried) == 24 and any(r.misfire == "skip" for r in tried)
        back()
        assert_one_catch_up_rule(s, s.settle(driver))


def test_late_after_a_daemon_outage_follows_the_same_rule(config: Config,
                                                          write_post: WritePost) -> None:
    with site(config, write_post) as s:
        s.start_daemon()
        s.run_until(DOWN_AT, "daemon")
        s.stop_daemon()
        s.clock.current = BACK_AT  # nothing ran meanwhile
        s.start_daemon()
        rows = s.settle("daemon")
        assert all(r.attempts <= 1 for r in rows)
        assert_one_catch_up_rule(s, rows)


def test_a_failed_attempt_does_not_use_up_the_catch_up_cap(tmp_path: Path) -> None:
    from tests.test_publisher import world

    with world(tmp_path) as w:
        w.config = dataclasses.replace(w.config, daemon=DaemonSettings(max_catchup_per_hour=1))
        runtime = w.runtime()
        start = w.clock.now()
        first = w.queue("Aviso tardío", platform="twitter", post_id="primero")
        w.clock.current = start + timedelta(hours=1)
        w.sandbox.x.faults.add("http429", path="/2/tweets")  # refused: nothing went out
        tried = dispatch(first, runtime, w.ledger)
        assert tried.status is Status.QUEUED and tried.attempts == 1
        second = w.queue("Otro aviso tardío", platform="twitter", post_id="segundo")
        w.ledger.move(second.id, start - timedelta(minutes=10), "test", start)
        done = dispatch(w.ledger.get(second.id), runtime, w.ledger)
        assert done.status is Status.PUBLISHED, done.last_error
        assert [p["text"] for p in w.published("twitter")] == ["Otro aviso tardío"]
