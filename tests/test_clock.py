"""Time you can trust (issue 10, case 1): steps of the wall clock, platforms whose Date
disagrees, a clock earlier than the ledger's, heartbeats from the future. The wall clock is
stepped without touching the monotonic one; nothing sleeps."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.config import Config, load_config
from bmnsocial.publish.clocktrust import BEHIND, META_KEY, SKEW, STEP, ClockTrust
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.publish.runtime import Runtime
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.schedule.daemon import Daemon, run_due
from bmnsocial.schedule.health import check_health
from tests.helpers import ANSWER_TIMEOUT, WritePost
from tests.sitehelp import Site, served, wait_for

DAY = 24 * 3600.0


class SteppingClock:
    """The daemon's clock (the wall clock: no BMNSOCIAL_NOW) and the monotonic one. ``step``
    moves the wall clock alone; ``sleep`` moves both, as time passing does. ``true_time`` is
    what the platforms' clocks say."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC).replace(microsecond=0)
        self.mono = 1000.0
        self._true_start = (self.current, self.mono)

    def now(self) -> datetime:
        return self.current

    def wall(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self.mono += seconds

    def step(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    def true_time(self) -> float:
        start, mono = self._true_start
        return start.timestamp() + self.mono - mono


@pytest.fixture
def clocked(config: Config) -> Iterator[tuple[Runtime, SteppingClock]]:
    clock = SteppingClock()
    runtime = sandbox_runtime(config)
    runtime.publisher(clock=clock)
    runtime.clock_trust(clock)
    sandbox = runtime.connections.start()  # type: ignore[attr-defined]
    sandbox.x.clock = sandbox.graph.clock = clock.true_time
    try:
        yield runtime, clock
    finally:
        runtime.close()


def post_at(write_post: WritePost, name: str, due: datetime) -> None:
    local = due.astimezone(load_config(Path("config.yaml")).timezone)
    path = write_post(f"{name}.yaml", f"category: 9\ntext: Aviso {name}\nplatforms: [twitter]\n"
                                      f"schedule: {{at: '{local:%Y-%m-%d %H:%M}'}}\n")
    settled = time.time() - 3600  # saved a while ago: a sync reads it at once (SETTLE_SECONDS)
    os.utime(path, (settled, settled))


def run_due_jobs(daemon: Daemon, clock: SteppingClock) -> None:
    """What the publishing thread does when it wakes: run every job whose time has come."""
    for row_id, when in sorted(daemon._scheduled.items()):
        if when <= clock.now():
            daemon.run_row(row_id)


def published(runtime: Runtime) -> list[dict[str, Any]]:
    return runtime.connections.start().published()  # type: ignore[attr-defined, no-any-return]


def test_a_day_ahead_for_a_while_sends_nothing_early_and_skips_nothing(
        clocked: tuple[Runtime, SteppingClock], write_post: WritePost) -> None:
    runtime, clock = clocked
    start = clock.now().replace(second=0) + timedelta(minutes=1)
    for name, hours in (("en22h", 22), ("en6h", 6), ("en1h", 1)):
        post_at(write_post, name, start + timedelta(hours=hours))
    daemon = Daemon(runtime)
    try:
        daemon.refresh()
        rows = runtime.ledger.rows()
        assert len(rows) == 3 and {r.status for r in rows} == {Status.QUEUED}
        clock.sleep(5)
        clock.step(DAY)  # the wall clock one day ahead, for 45 s
        for _ in range(15):
            clock.sleep(3)
            daemon.refresh()
            run_due_jobs(daemon, clock)
        assert published(runtime) == []  # not a day early
        assert {r.status for r in runtime.ledger.rows()} == {Status.QUEUED}  # nor skipped
        health = check_health(runtime, now=clock.now(), stale_after=120)
        assert SKEW in health.codes or STEP in health.codes
        assert not health.healthy
        clock.step(-DAY)  # NTP puts it right
        clock.sleep(3)
        daemon.refresh()
        run_due_jobs(daemon, clock)
        assert published(runtime) == []
        assert runtime.clock_trust().check().trusted
        health = check_health(runtime, now=clock.now(), stale_after=120)
        assert not {SKEW, STEP, BEHIND} & set(health.codes)
        # Each goes out at its own time, not before.
        for name, hours in (("en1h", 1), ("en6h", 6)):
            due = start + timedelta(hours=hours)
            clock.sleep((due - clock.now()).total_seconds() - 1)
            daemon.refresh()
            run_due_jobs(daemon, clock)
            assert runtime.ledger.rows(post_id=name)[0].status is Status.QUEUED
            clock.sleep(1)
            daemon.refresh()
            run_due_jobs(daemon, clock)
            (row,) = runtime.ledger.rows(post_id=name)
            assert row.status is Status.PUBLISHED and row.published_at == due
        assert runtime.ledger.rows(post_id="en22h")[0].status is Status.QUEUED
    finally:
        daemon.watch_ledger.close()


def test_nothing_more_is_sent_once_an_answer_shows_the_clock_is_wrong(
        clocked: tuple[Runtime, SteppingClock], write_post: WritePost) -> None:
    runtime, clock = clocked
    for name in ("uno", "dos", "tres"):
        post_at(write_post, name, clock.now().replace(second=0) - timedelta(minutes=1))
    runtime.clock_trust().saw_date("twitter", clock.now())  # all was well a moment ago
    runtime.connections.start().x.date_skew = -2 * 3600.0  # type: ignore[attr-defined]
    report = run_due(runtime)
    assert report.clock is not None and report.clock.code == SKEW
    assert len(published(runtime)) == 1  # the answer to the first says the clock is 2 h ahead
    rows = runtime.ledger.rows()
    assert sorted(r.status for r in rows) == [Status.PUBLISHED, Status.QUEUED, Status.QUEUED]
    assert all(r.attempts == 0 and r.claimed_by is None
               for r in rows if r.status is Status.QUEUED)  # given back, as never tried


class Waits(threading.Event):
    """The publishing thread's wake-up event: records how long it was asked to wait, and
    stops the daemon after a few waits instead of waiting."""

    def __init__(self, daemon: Daemon, rounds: int) -> None:
        super().__init__()
        self.daemon, self.rounds = daemon, rounds
        self.asked: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.asked.append(float("inf") if timeout is None else timeout)
        if len(self.asked) >= self.rounds:
            self.daemon.stopping.set()
        return True


def test_the_publishing_thread_waits_at_most_a_poll_whatever_the_wall_clock_does(
        clocked: tuple[Runtime, SteppingClock], write_post: WritePost) -> None:
    runtime, clock = clocked
    post_at(write_post, "lejos", clock.now() + timedelta(hours=23))
    daemon = Daemon(runtime)
    try:
        daemon.refresh()
        assert len(daemon._scheduled) == 1
        waits = Waits(daemon, 2)
        daemon._wake = waits
        daemon.publish_loop()  # next job 23 h away: it still looks again within a poll
        clock.step(-300)  # set back 5 minutes (APScheduler froze for 302 s)
        daemon.stopping.clear()
        waits.rounds = 4
        daemon.publish_loop()
        assert waits.asked and max(waits.asked) <= runtime.config.daemon.poll_seconds
    finally:
        daemon.watch_ledger.close()


def test_a_clock_earlier_than_the_ledger_recorded_is_not_trusted(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    clock = SteppingClock()
    try:
        trust = ClockTrust(ledger, timedelta(minutes=5), clock)
        trust.saw_date("twitter", clock.now())
        assert trust.check().trusted
        trust.save(ledger)
        # After a power cut the machine starts again (another boot) with its clock a day back.
        state = json.loads(ledger.get_meta(META_KEY) or "{}")
        ledger.set_meta(META_KEY, json.dumps({**state, "boot": "another boot"}))
        clock.step(-DAY)
        again = ClockTrust(ledger, timedelta(minutes=5), clock)
        verdict = again.check()
        assert not verdict.trusted and verdict.code == BEHIND
        again.saw_date("facebook", clock.now() + timedelta(days=1))  # the platform: a day later
        verdict = again.check()
        assert verdict.code == SKEW and "behind facebook's" in verdict.message
        clock.step(DAY)  # NTP sets it right
        assert again.check().trusted
        # The platform agrees with a clock earlier than the ledger's: the ledger was wrong.
        wrong = (clock.now() + timedelta(hours=2)).isoformat()
        ledger.set_meta(META_KEY, json.dumps({"boot": "another boot", "latest": wrong}))
        third = ClockTrust(ledger, timedelta(minutes=5), clock)
        assert third.check().code == BEHIND
        third.saw_date("facebook", clock.now())
        assert third.check().trusted
    finally:
        ledger.close()


def test_a_step_is_trusted_again_once_a_platform_confirms_the_new_time(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    clock = SteppingClock()
    try:
        trust = ClockTrust(ledger, timedelta(minutes=5), clock)
        trust.saw_date("twitter", clock.now())
        assert trust.check().trusted
        clock.sleep(60)
        clock.step(120)  # two minutes: less than the allowed skew, but a step all the same
        verdict = trust.check()
        assert verdict.code == STEP and "2 min 0 s ahead" in verdict.message
        clock.sleep(10)
        assert trust.check().code == STEP  # an answer from before the step confirms nothing
        trust.saw_date("twitter", clock.now())
        assert trust.check().trusted
    finally:
        ledger.close()


def test_a_fresh_start_waits_for_a_platform_before_the_first_claim(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    try:
        clock = SteppingClock()
        trust = ClockTrust(ledger, timedelta(minutes=5), clock)
        assert not trust.check().trusted
        trust.saw_date("twitter", clock.now() - timedelta(seconds=2))
        assert trust.check().trusted
    finally:
        ledger.close()


def test_max_clock_skew_minutes_is_read_and_checked(workspace: Path) -> None:
    assert load_config(workspace / "config.yaml").daemon.max_clock_skew_minutes == 5
    path = workspace / "config.yaml"
    base = path.read_text(encoding="utf-8")
    path.write_text(base + "daemon:\n  max_clock_skew_minutes: 2\n", encoding="utf-8")
    assert load_config(path).daemon.max_clock_skew_minutes == 2
    path.write_text(base + "daemon:\n  max_clock_skew_minutes: 0\n", encoding="utf-8")
    from bmnsocial.errors import ConfigError

    with pytest.raises(ConfigError):
        load_config(path)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with served(tmp_path) as s:
        yield s


def skew_dates(site: Site, seconds: float) -> None:
    for platform in ("twitter", "facebook", "telegram"):
        requests.post(f"{site.fake_url(platform)}/__sandbox__/date",
                      json={"skew_seconds": seconds},
                      timeout=ANSWER_TIMEOUT).raise_for_status()


def test_run_due_publishes_nothing_while_the_platforms_disagree_with_the_clock(
        site: Site) -> None:
    skew_dates(site, -3 * 3600)  # the platforms say it is 3 h earlier: our clock runs ahead
    site.write_post("aviso.yaml", "Aviso de la BMN",
                    at=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1))
    done = site.run("run-due")
    assert done.returncode == ExitCode.PENDING, done.stdout + done.stderr
    assert "ahead of" in done.stderr and "Traceback" not in done.stderr
    assert site.published("twitter") == [] and site.published("facebook") == []
    assert site.rows() == []  # not even synced: slots come from the clock
    status = site.run("status", "--json")
    assert status.returncode == ExitCode.UNHEALTHY
    report = json.loads(status.stdout)
    assert "clock-skew" in report["problem_codes"]
    assert report["clock"]["problem"] == "clock-skew"
    assert round(report["clock"]["seconds"] / 3600) == 3
    skew_dates(site, 0)  # the server's clock is right again (as the platforms see it)
    done = site.run("run-due")
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    assert len(site.published("twitter")) == 1 and len(site.published("facebook")) == 1
    status = json.loads(site.run("status", "--json").stdout)
    assert status["clock"]["trusted"] is True


def test_status_reports_a_heartbeat_from_the_future(site: Site) -> None:
    assert site.run("run-due").returncode == ExitCode.OK
    beat = site.home / "heartbeat.json"
    data = json.loads(beat.read_text(encoding="utf-8"))
    data["at"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    beat.write_text(json.dumps(data), encoding="utf-8")
    status = site.run("status", "--json")
    assert status.returncode == ExitCode.UNHEALTHY, status.stdout
    assert "future-heartbeat" in json.loads(status.stdout)["problem_codes"]


def test_the_daemon_pauses_while_the_platforms_disagree_and_resumes_by_itself(
        site: Site) -> None:
    skew_dates(site, 2 * 3600)  # the platforms say it is 2 h later: our clock runs behind
    site.write_post("aviso.yaml", "Aviso de la BMN", platforms="[twitter]",
                    at=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1))
    daemon = site.spawn("daemon")

    def clock_problem() -> Any:
        status = site.run("status", "--json")
        return json.loads(status.stdout)["clock"]["problem"] if status.stdout else None

    wait_for(lambda: clock_problem() == "clock-skew", "status to name the skew")
    assert site.published("twitter") == []
    skew_dates(site, 0)
    wait_for(lambda: site.published("twitter"), "the tweet, once the clock is right")
    assert daemon.stop() == 0, daemon.stderr
    assert daemon.stderr.count("2 h 0 min behind") == 1, daemon.stderr  # said once
    assert "the clock is trustworthy again" in daemon.stderr
    assert [r["status"] for r in site.rows()] == ["published"]


def test_a_skew_of_hours_is_said_to_the_nearest_minute() -> None:
    from bmnsocial.publish.clocktrust import span

    # A Date header has whole seconds and an answer takes a moment: 2 h measured as 7,199 s.
    assert span(7199.4) == span(7200) == span(-7201) == "2 h 0 min"
    assert span(3629) == "1 h 0 min" and span(3631) == "1 h 1 min"
    assert span(250) == "4 min 10 s" and span(3) == "3 s"
