"""The daemon and run-due as real processes against `sandbox serve` in another process."""

from __future__ import annotations

import json
import random
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import Config
from bmnsocial.publish.ledger import Status
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.schedule.daemon import Daemon
from tests.helpers import ANSWER_TIMEOUT, NOW, WritePost
from tests.sitehelp import EXTRA_CONFIG, Site, served, wait_for
from tests.test_publisher import FakeClock

HAVANA_OFFSET = timedelta(hours=-5)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with served(tmp_path) as s:
        yield s


@contextmanager
def daemon_at(config: Config, now: datetime = NOW) -> Iterator[tuple[Daemon, FakeClock]]:
    """A daemon in this process on the sandbox, its clock the test's (no thread runs: the test
    calls refresh and run_row as the poll and publishing threads would)."""
    clock = FakeClock()
    clock.current = now
    runtime = sandbox_runtime(config)
    runtime.publisher(clock=clock)
    daemon = Daemon(runtime)
    try:
        yield daemon, clock
    finally:
        daemon.watch_ledger.close()
        runtime.close()


def soon(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)


def created(item: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))


def test_queued_while_running_goes_out_not_before_its_time(site: Site) -> None:
    # The process side: a post that another process queues while the daemon runs goes out,
    # and never early. That it goes out at its time, not later, needs a clock the test
    # controls: test_an_occurrence_queued_while_running_is_sent_at_its_time below.
    daemon = site.spawn("daemon")
    wait_for(lambda: (site.home / "heartbeat.json").exists(), "the daemon's heartbeat")
    due = soon(2)
    path = site.write_post("aviso.yaml", "Aviso puntual de la BMN", at=due)
    # Its clock set before the due time, however long the command takes to start.
    queued = site.run("post", str(path), "--yes",
                      env={"BMNSOCIAL_NOW": (due - timedelta(minutes=10)).isoformat()})
    assert queued.returncode == 0, queued.stderr
    tweets = wait_for(lambda: site.published("twitter"), "the tweet")
    posts = wait_for(lambda: site.published("facebook"), "the Facebook post")
    for item in (tweets[0], posts[0]):
        early = (due - created(item)).total_seconds()
        assert early <= 0.01, f"published {early:.2f} s before its time"
    assert daemon.stop() == 0, daemon.stderr
    assert "published aviso on twitter" in daemon.stderr
    assert "daemon stopped" in daemon.stderr
    assert {r["status"] for r in site.rows()} == {"published"}


def test_an_occurrence_queued_while_running_is_sent_at_its_time(
        config: Config, write_post: WritePost) -> None:
    with daemon_at(config) as (daemon, clock):
        runtime = daemon.runtime
        daemon.refresh()
        assert daemon._scheduled == {}
        due = NOW + timedelta(hours=2)
        write_post("aviso.yaml", "category: 9\ntext: Aviso puntual\nplatforms: [twitter]\n"
                                 f"schedule: {{at: '{due:%Y-%m-%d %H:%M}'}}\n")
        queued = CliRunner().invoke(cli, ["--sandbox", "post", "posts/aviso.yaml", "--yes"])
        assert queued.exit_code == 0, queued.output
        (row,) = runtime.ledger.rows(post_id="aviso")
        assert row.due == due
        clock.sleep(60)  # the next poll
        daemon.refresh()
        assert daemon._scheduled == {row.id: due}  # judged on the daemon's clock, not the wall
        assert runtime.ledger.get(row.id).status is Status.QUEUED  # nothing sent early
        clock.current = due  # the job's time comes: the publishing thread runs it
        daemon.run_row(row.id)
        sent = runtime.ledger.get(row.id)
        assert sent.status is Status.PUBLISHED and sent.published_at == due
        assert "late-publish" not in [e["kind"] for e in runtime.ledger.events(row.id)]
        assert len(runtime.connections.start().published()) == 1  # type: ignore[attr-defined]


def test_files_dropped_into_posts_are_picked_up(site: Site) -> None:
    daemon = site.spawn("daemon")
    wait_for(lambda: (site.home / "heartbeat.json").exists(), "the daemon's heartbeat")
    # Due soon or already past when the daemon reads it (a slow machine): it goes out either
    # way, late ones through the misfire policy (late_after_minutes: 600).
    site.write_post("nuevo.yaml", "Llegó con git pull", at=soon(3), platforms="[twitter]")
    wait_for(lambda: site.published("twitter"), "the tweet")
    # A broken edit of another queued post: reported, its queue left exactly as it was.
    site.write_post("otro.yaml", "Más tarde", at=soon(3600), platforms="[twitter]")
    wait_for(lambda: len(site.rows()) == 2, "the second post queued")
    before = [r for r in site.rows() if r["post_id"] == "otro"]
    (site.root / "posts" / "otro.yaml").write_text("category: 9\ntext: [roto\n")
    wait_for(lambda: "YAML-SYNTAX" in daemon.stderr, "the error in the log")
    assert "left as they were" in daemon.stderr
    assert [r for r in site.rows() if r["post_id"] == "otro"] == before
    assert daemon.stop() == 0, daemon.stderr


def test_single_instance_and_status(site: Site) -> None:
    daemon = site.spawn("daemon")
    wait_for(lambda: (site.home / "heartbeat.json").exists(), "the daemon's heartbeat")
    second = site.run("daemon")
    assert second.returncode == ExitCode.ALREADY_RUNNING
    assert "another bmnsocial daemon is running" in second.stderr
    status = site.run("status", "--json")
    data = json.loads(status.stdout)
    assert status.returncode == 0 and data["healthy"] and data["daemon"]["running"]
    assert daemon.stop(signal.SIGINT) == 0
    status = site.run("status", "--json")
    assert status.returncode == ExitCode.UNHEALTHY
    assert "the daemon is not running" in json.loads(status.stdout)["problems"]
    assert "daemon-down" in json.loads(status.stdout)["problem_codes"]


@pytest.fixture
def storm_site(tmp_path: Path) -> Iterator[Site]:
    # Short client timeouts here: a slow answer becomes one more fault, which this test
    # absorbs like the injected ones.
    with served(tmp_path, EXTRA_CONFIG.replace(f"timeout_seconds: {int(ANSWER_TIMEOUT)}",
                                               "timeout_seconds: 2")) as s:
        yield s


def test_sigkill_storm_during_a_burst_of_100_posts(storm_site: Site) -> None:
    """The daemon is killed at random moments while publishing 100 posts on both platforms
    through injected faults, and restarted each time: at the end every post exists exactly
    once on each fake, and the ledger agrees."""
    site = storm_site
    rng = random.Random(20270114)
    for i in range(100):
        site.write_post(f"p{i:03d}.yaml", f"Aviso número {i} de la Biblioteca Médica Nacional",
                        at=soon(2))
    for platform in ("twitter", "facebook"):
        for kind, times, delay in (("http503", 4, 0), ("reset", 3, 0), ("slow_response", 3, 3),
                                   ("lost_response", 3, 0), ("timeout", 2, 3), ("html", 2, 0)):
            site.fault(platform, kind=kind, times=times, delay=delay,
                       path="/2/tweets" if platform == "twitter" else "/v*/*/feed")
    def settled() -> bool:
        rows = site.rows()
        return len(rows) == 200 and all(r["status"] in ("published", "failed", "unconfirmed")
                                        for r in rows)

    def attempts() -> int:
        return sum(int(r["attempts"]) for r in site.rows())

    kills = 0
    for _ in range(8):
        # Killed while it publishes, however slowly: after a random number of new attempts
        # (each claim in the ledger counts one), not after a time that a slow start eats up.
        target = attempts() + rng.randint(1, 3)
        daemon = site.spawn("daemon")
        wait_for(lambda d=daemon, t=target: (d.returncode is not None or attempts() >= t
                                             or settled()), "the daemon publishing")
        if daemon.returncode is None and not settled():
            kills += 1
        daemon.stop(signal.SIGKILL)
    assert kills >= 6
    site.clear_faults()
    daemon = site.spawn("daemon")
    wait_for(settled, "every publication to settle", step=0.5)
    assert daemon.stop() == 0, daemon.stderr
    rows = site.rows()
    assert Counter(r["status"] for r in rows) == {"published": 200}
    for platform, fake in (("twitter", "x"), ("facebook", "facebook")):
        items = site.published(platform)
        texts = Counter(str(i["text"]) for i in items)
        assert len(items) == 100 and set(texts.values()) == {1}, texts.most_common(3)
        ids = {str(i["id"]) for i in items}
        assert {r["platform_post_id"] for r in rows if r["platform"] == platform} == ids, fake


def test_two_run_due_and_a_daemon_never_double_post(site: Site) -> None:
    due = soon(24 * 3600)
    for i in range(30):
        site.write_post(f"q{i:02d}.yaml", f"Publicación concurrente {i}", at=due)
    queued = site.run("sync", env={"BMNSOCIAL_NOW": (due - timedelta(hours=1)).isoformat()})
    assert queued.returncode == 0 and len(site.rows()) == 60, queued.stderr
    site.fault("twitter", kind="slow_response", times=5, delay=1, path="/2/tweets")
    # The posts come due: every worker's clock starts at their time, nobody sleeps.
    site.env["BMNSOCIAL_NOW"] = due.isoformat()
    workers = [site.spawn("daemon"), site.spawn("run-due"), site.spawn("run-due")]

    def settled() -> bool:
        rows = site.rows()
        return len(rows) == 60 and all(r["status"] == "published" for r in rows)

    for _ in range(10):
        if settled():
            break
        extra = site.run("run-due")
        assert extra.returncode in (0, ExitCode.PUBLISH_FAILED), extra.stderr
    wait_for(settled, "every publication", step=0.5)
    assert workers[0].stop() == 0, workers[0].stderr
    for w in workers[1:]:
        assert w.wait() in (0, ExitCode.PUBLISH_FAILED)
    for platform in ("twitter", "facebook"):
        texts = Counter(str(i["text"]) for i in site.published(platform))
        assert len(texts) == 30 and set(texts.values()) == {1}


def test_a_long_running_daemon_keeps_queueing_a_recurring_post_as_time_moves_on(
        config: Config, write_post: WritePost) -> None:
    # No file changes for weeks: the weekly post's later Mondays must still be queued as the
    # 60-day horizon reaches them, or they would silently never go out.
    write_post("semanal.yaml", "category: 9\ntext: semanal\nplatforms: [facebook]\n"
                               "schedule: {cron: '0 9 * * mon'}\n")
    with daemon_at(config) as (daemon, clock):
        runtime = daemon.runtime
        daemon.refresh()
        first = {r.occurrence for r in runtime.ledger.rows(post_id="semanal")}
        assert len(first) == 9
        clock.sleep(30 * 60)  # half an hour: nothing new to read
        daemon.refresh()
        assert {r.occurrence for r in runtime.ledger.rows(post_id="semanal")} == first
        clock.sleep(28 * 24 * 3600)  # four weeks later, the files untouched
        daemon.refresh()
        later = {r.occurrence for r in runtime.ledger.rows(post_id="semanal")}
        assert later > first and len(later) == 13
        horizon = clock.now() + timedelta(days=config.horizon_days)
        assert max(r.due for r in runtime.ledger.rows(post_id="semanal")) <= horizon


def test_retry_failed_after_renewing_the_token(site: Site) -> None:
    # Named for what it guards: an expired token fails every post at once; once it is
    # renewed, one command queues them all again, and only them.
    site.write_post("a.yaml", "Una publicación en las dos redes")
    site.write_post("b.yaml", "Otra publicación, solo en X", platforms="[twitter]")
    auth = f"{site.fake_url('twitter')}/__sandbox__/auth"
    requests.post(auth, json={"state": "expired"}, timeout=ANSWER_TIMEOUT).raise_for_status()
    done = site.run("post", "posts/a.yaml", "posts/b.yaml", "--now", "--yes")
    assert done.returncode == ExitCode.PUBLISH_FAILED, done.stdout + done.stderr
    failed = {(r["post_id"], r["platform"]) for r in site.rows() if r["status"] == "failed"}
    assert failed == {("a", "twitter"), ("b", "twitter")}

    requests.post(auth, json={"state": "valid"}, timeout=ANSWER_TIMEOUT).raise_for_status()
    site.write_post("b.yaml", "Otra publicación, corregida", platforms="[twitter]")
    site.run("sync")  # what the daemon does when the file changes: failed rows stay as they are
    again = site.run("retry", "--failed", "--yes")
    assert again.returncode == ExitCode.OK, again.stderr
    assert again.stdout.count("queued again") == 2
    assert site.run("run-due").returncode == ExitCode.OK
    assert {r["status"] for r in site.rows()} == {"published"}
    assert len(site.published("twitter")) == 2 and len(site.published("facebook")) == 1
    texts = {str(t["text"]).split("\n")[0] for t in site.published("twitter")}
    assert texts == {"Una publicación en las dos redes", "Otra publicación, corregida"}
    assert site.run("retry", "--failed", "--yes").returncode == ExitCode.INVALID
    assert site.run("retry").returncode == ExitCode.USAGE
