"""Figures of published posts (issue 13, item 1): `metrics pull` against the fakes (real HTTP),
the daemon's ages (metrics.after_hours) on a controlled clock, reads never overwritten, the X
budget, faults that lose and duplicate nothing, and `sandbox audience`."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bmnsocial.cli.root import cli
from bmnsocial.config import load_config
from bmnsocial.errors import ConfigError
from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish.ledger import ONCE, Ledger, Row
from bmnsocial.publish.metrics import (
    NOT_FOUND,
    PLATFORM_ERROR,
    X_BUDGET,
    Due,
    all_readings,
    due_reads,
    pull,
)
from bmnsocial.render.payload import content_hash, dumps
from bmnsocial.sandbox.audience import own_posts, react, share, view
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.sandbox.store import Store
from tests.helpers import NOW, REPO

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
TWITTER_KEYS = "    access_token_secret_env: BMNSOCIAL_X_ACCESS_TOKEN_SECRET\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def state() -> Path:
    return Path(os.environ["BMNSOCIAL_HOME"]) / "sandbox"


def reads() -> list[tuple[Any, ...]]:
    db = sqlite3.connect(state() / "ledger.sqlite3")
    try:
        return list(db.execute("SELECT publication_id, platform, read_at, slot_hours, figures, "
                               "unavailable FROM metric_reads ORDER BY id"))
    finally:
        db.close()


def publish_samples(*names: str) -> None:
    for name in names:
        code, out = run("--sandbox", "post", str(REPO / "posts" / name), "--now", "--yes")
        assert code == 0, out


def follower_responses(platform: str, post_id: str) -> int:
    """Comments (Facebook) or replies (X) the sandbox's followers left on ``post_id``."""
    store = Store(state() / "platforms" / "published.sqlite3")
    try:
        if platform == "facebook":
            return sum(1 for c in store.items("facebook", ["comment"])
                       if c.data.get("post_id") == post_id)
        return sum(1 for r in store.items("x", ["reply"]) if r.data.get("reply_to") == post_id)
    finally:
        store.close()


def store_items() -> dict[tuple[str, str], dict[str, Any]]:
    store = Store(state() / "platforms" / "published.sqlite3")
    try:
        return {(i.platform, i.id): i.data.get("audience", {})
                for i in store.items("facebook", ["post"]) + store.items("x", ["tweet"])}
    finally:
        store.close()


def test_pull_reads_what_the_fakes_followers_did(workspace: Path) -> None:
    publish_samples("pregunta-lecturas.yaml", "hilo-busqueda-evidencia.yaml")
    code, out = run("sandbox", "audience", "--seed", "7", "--json")
    assert code == 0, out
    done = json.loads(out)
    assert done["posts"] >= 3 and done["reactions"] > 0 and done["views"] > 0
    code, out = run("--sandbox", "metrics", "pull", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["skipped"] == [] and "telegram" in report["not_pulled"]
    audience = store_items()
    by_platform = {(e["post_id"], e["platform"]): e for e in report["pulled"]}
    fb = by_platform[("pregunta-lecturas", "facebook")]
    seen = audience[("facebook", fb["platform_post_id"])]
    assert fb["figures"]["reactions"] == sum(seen.get("reactions", {}).values())
    assert fb["figures"]["reactions_like"] == seen.get("reactions", {}).get("LIKE", 0)
    assert fb["figures"]["shares"] == seen.get("shares", 0)
    assert fb["figures"]["impressions"] == seen["views"]
    assert fb["figures"]["reach"] == seen["reach"]
    assert fb["figures"]["comments"] == follower_responses("facebook", fb["platform_post_id"])
    assert fb["unavailable"] == {}
    thread = by_platform[("hilo-busqueda-evidencia", "twitter")]
    seen = audience[("x", thread["platform_post_id"])]
    assert thread["figures"] == {
        "like_count": seen["like"], "retweet_count": seen["repost"],
        "quote_count": seen["quote"], "bookmark_count": seen["bookmark"],
        "impression_count": seen["impression"],
        # the thread's second tweet answers the first, as X counts it, besides the followers
        "reply_count": 1 + follower_responses("x", thread["platform_post_id"])}
    kept = reads()
    assert len(kept) == len(report["pulled"])
    assert all(slot is None for _p, _pl, _at, slot, _f, _u in kept)
    db = sqlite3.connect(state() / "ledger.sqlite3")
    try:  # one lookup for both tweets, priced per tweet returned
        (units, cost), = db.execute("SELECT units, cost_usd FROM platform_requests WHERE "
                                    "platform = 'twitter' AND kind = 'posts_read'")
    finally:
        db.close()
    assert units == 2 and cost == pytest.approx(0.010)
    assert report["x_cost_usd"] == pytest.approx(0.010)


def test_a_second_pull_adds_reads_and_changes_none(workspace: Path) -> None:
    publish_samples("pregunta-lecturas.yaml")
    run("sandbox", "audience", "--seed", "1")
    run("--sandbox", "metrics", "pull")
    first = reads()
    run("sandbox", "audience", "--seed", "1")
    code, out = run("--sandbox", "metrics", "pull")
    assert code == 0, out
    after = reads()
    assert after[:len(first)] == first and len(after) == 2 * len(first)
    grew = [json.loads(r[4]) for r in after[len(first):]]
    # A second round doubles what followers do; their comments, drawn once per post, stay.
    assert all(g == {k: v if k in ("comments", "reply_count") else 2 * v
                     for k, v in json.loads(f[4]).items()}
               for g, f in zip(grew, first, strict=True))


def test_audience_is_deterministic_with_the_seed(workspace: Path) -> None:
    publish_samples("pregunta-lecturas.yaml")
    run("sandbox", "audience", "--seed", "5")
    once = store_items()
    store = Store(state() / "platforms" / "published.sqlite3")
    try:
        for item in store.items("facebook", ["post"]) + store.items("x", ["tweet"]):
            item.data.pop("audience", None)
            store.update(item)
    finally:
        store.close()
    run("sandbox", "audience", "--seed", "5")
    assert store_items() == once
    store = Store(state() / "platforms" / "published.sqlite3")
    try:
        for item in store.items("facebook", ["post"]) + store.items("x", ["tweet"]):
            item.data.pop("audience", None)
            store.update(item)
    finally:
        store.close()
    run("sandbox", "audience", "--seed", "6")
    assert store_items() != once


def test_audience_before_anything_was_published_says_what_to_do(workspace: Path) -> None:
    code, out = run("sandbox", "audience")
    assert code == 2 and "published nothing yet" in out


def test_without_read_insights_the_figures_come_without_impressions(
        workspace: Path) -> None:
    """A token that may not read insights: said per figure, not an error."""
    config = load_config(workspace / "config.yaml")
    runtime = sandbox_runtime(config)
    try:
        box = runtime.connections.start()  # type: ignore[attr-defined]
        box.graph.page_scopes.remove("read_insights")
        row = published(runtime, "facebook")
        report = pull(runtime.ledger, config, runtime.adapter, [Due(row)], clock(NOW))
    finally:
        runtime.close()
    (entry,) = report.pulled
    assert "impressions" not in entry["figures"] and "reactions" in entry["figures"]
    assert "read_insights" in entry["unavailable"]["impressions"]
    assert report.skipped == []


# -- the library, on a controlled clock --------------------------------------------------------

def clock(start: datetime) -> Any:
    return lambda: start


def published(runtime: Any, platform: str, post_id: str = "p", when: datetime = NOW,
              text: str = "Hola desde la BMN") -> Row:
    """A row published on the fake through the real adapter."""
    from bmnsocial.platforms.base import Progress

    ledger = runtime.ledger
    payload = dumps(Rendered(post_id, platform, (Part(text, ("text",), len(text), 280),)))
    row = ledger.enqueue(post_id=post_id, platform=platform, occurrence=ONCE, due=when,
                         payload=payload, content_hash=content_hash(payload),
                         source_file="x.yaml", now=when)
    done = runtime.adapter(platform).publish(Rendered(post_id, platform, (
        Part(text, ("text",), len(text), 280),)), Progress())
    out: Row = ledger.mark_published(row.id, done.id, done.url, list(done.part_ids), when)
    return out


def test_due_reads_follow_the_ages_once_each(workspace: Path) -> None:
    ledger = Ledger(workspace / "l.sqlite3")
    try:
        payload = dumps(Rendered("p", "twitter", (Part("a", ("text",), 1, 280),)))
        row = ledger.enqueue(post_id="p", platform="twitter", occurrence=ONCE, due=NOW,
                             payload=payload, content_hash=content_hash(payload),
                             source_file="x.yaml", now=NOW)
        row = ledger.mark_published(row.id, "123", "https://x.com/a/status/123", ["123"], NOW)
        ages = (1, 24, 168)

        def due_at(hours: float) -> list[int | None]:
            return [d.slot for d in due_reads(ledger, ages, NOW + timedelta(hours=hours))]

        def read(slot: int) -> None:
            from bmnsocial.platforms.base import Figures
            from bmnsocial.publish.metrics import store

            with ledger.transaction():
                assert store(ledger, row, Figures("123", {"like_count": slot}), NOW, slot)

        assert due_at(0.5) == []
        assert due_at(1) == [1]
        read(1)
        assert due_at(1.5) == [] and due_at(23) == []
        assert due_at(30) == [24]
        read(24)
        assert due_at(100) == []
        assert due_at(200) == [168]
        assert due_at(400) == []  # missed by more than itself: not read late
        assert due_reads(ledger, (), NOW + timedelta(hours=1)) == []
        read(168)
        with ledger.transaction():  # an age read twice is kept once
            from bmnsocial.platforms.base import Figures
            from bmnsocial.publish.metrics import store

            assert not store(ledger, row, Figures("123", {"like_count": 0}), NOW, 168)
        assert [r.slot for r in all_readings(ledger, row.id)] == [1, 24, 168]
    finally:
        ledger.close()


def test_a_fault_during_a_pull_loses_and_duplicates_nothing(workspace: Path) -> None:
    config = load_config(workspace / "config.yaml")
    runtime = sandbox_runtime(config)
    try:
        box = runtime.connections.start()  # type: ignore[attr-defined]
        rows = [published(runtime, "facebook", f"p{i}", text=f"Texto {i}") for i in range(3)]
        due = [Due(r, 1) for r in rows]
        # the second post's read fails (the first post's insights and the post are 2 reads)
        box.graph.faults.add("http500", path=f"*/{rows[1].platform_post_id}")
        first = pull(runtime.ledger, config, runtime.adapter, due, clock(NOW))
        assert [e["post_id"] for e in first.pulled] == ["p0"]
        assert {(s["post_id"], s["reason"]) for s in first.skipped} == {
            ("p1", PLATFORM_ERROR), ("p2", PLATFORM_ERROR)}
        kept = [len(all_readings(runtime.ledger, r.id)) for r in rows]
        assert kept == [1, 0, 0]
        again = pull(runtime.ledger, config, runtime.adapter, due, clock(NOW))
        assert [e["kept"] for e in again.pulled] == [False, True, True]
        assert [len(all_readings(runtime.ledger, r.id)) for r in rows] == [1, 1, 1]
        # a post gone from the platform is said, not an error
        box.graph.store.clear("facebook")
        gone = pull(runtime.ledger, config, runtime.adapter, [Due(rows[0])], clock(NOW))
        assert [s["reason"] for s in gone.skipped] == [NOT_FOUND]
    finally:
        runtime.close()


def set_twitter(workspace: Path, *lines: str) -> None:
    path = workspace / "config.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(TWITTER_KEYS, TWITTER_KEYS + "".join(
        f"    {line}\n" for line in lines)), encoding="utf-8")


def test_an_x_read_past_the_budget_is_skipped_and_said(workspace: Path) -> None:
    publish_samples("pregunta-lecturas.yaml")
    db = sqlite3.connect(state() / "ledger.sqlite3")
    try:
        (spent,), = db.execute("SELECT SUM(cost_usd) FROM platform_requests WHERE "
                               "platform = 'twitter'")
    finally:
        db.close()
    set_twitter(workspace, f"monthly_budget_usd: {spent + 0.004}")  # a read costs 0.005
    code, out = run("--sandbox", "metrics", "pull", "--json")
    assert code == 0, out
    report = json.loads(out)
    (skipped,) = report["skipped"]
    assert skipped["platform"] == "twitter" and skipped["reason"] == X_BUDGET
    assert "monthly_budget_usd" in skipped["message"]
    assert [e["platform"] for e in report["pulled"]] == ["facebook"]
    code, out = run("--sandbox", "metrics", "pull")
    assert "pregunta-lecturas on twitter: not read:" in out and "budget" in out
    set_twitter(workspace, "prices:", "  posts_read: 0.001")
    code, out = run("--sandbox", "metrics", "pull", "--json")
    assert [e["platform"] for e in json.loads(out)["pulled"]] == ["facebook", "twitter"]


def test_pull_says_so_in_spanish(workspace: Path) -> None:
    publish_samples("pregunta-lecturas.yaml")
    code, out = run("--lang", "es", "--sandbox", "metrics", "pull")
    assert code == 0 and "leídas" in out


def test_metrics_after_hours_is_read_and_checked(workspace: Path) -> None:
    assert load_config(None).metrics.after_hours == (1, 24, 168)
    path = workspace / "config.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "metrics:\n  after_hours: [168, 2, 2]\n", encoding="utf-8")
    assert load_config(path).metrics.after_hours == (2, 168)
    path.write_text(original + "metrics:\n  after_hours: []\n", encoding="utf-8")
    assert load_config(path).metrics.after_hours == ()
    path.write_text(original + "metrics:\n  after_hours: [0, x]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    codes = [d.code for d in caught.value.diagnostics]
    assert codes == ["SCHEMA-VALUE", "SCHEMA-TYPE"]
    path.write_text(original + "metrics:\n  after_hours: 24\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)


def test_audience_functions_touch_only_our_posts(tmp_path: Path) -> None:
    from bmnsocial.sandbox.store import Item

    store = Store(tmp_path / "s.sqlite3")
    try:
        store.insert(Item("facebook", "post", "1_2", "1", "2026-01-01T00:00:00.000Z"),
                     Item("x", "tweet", "9", "77", "2026-01-01T00:00:00.000Z"),
                     Item("x", "tweet", "10", "someone", "2026-01-01T00:00:00.000Z"))
        items = own_posts(store, "1", "77")
        assert {i.id for i in items} == {"1_2", "9"}
        for act in (react, share, view):
            act(store, items, 3)
        other = store.get("x", "10")
        assert other is not None and "audience" not in other.data
    finally:
        store.close()


class ForbiddenLock:
    """The daemon's job-table lock, for a test that must never see it taken."""

    def __enter__(self) -> None:
        raise AssertionError("the figures' pass took the job-table lock")

    def __exit__(self, *exc: object) -> None:
        pass

    def acquire(self, *args: object) -> bool:
        raise AssertionError("the figures' pass took the job-table lock")


@dataclass
class DaemonSite:
    daemon: Any
    runtime: Any
    clock: Any
    ledger: Ledger  # the figures' thread's own connection


@contextmanager
def daemon_on_sandbox(workspace: Path) -> Iterator[DaemonSite]:
    """A daemon in this process on the sandbox, its clock the test's; the test calls
    metrics_pass as the figures' thread would."""
    from bmnsocial.schedule.daemon import Daemon
    from tests.test_publisher import FakeClock

    fake_clock = FakeClock()
    fake_clock.current = NOW
    runtime = sandbox_runtime(load_config(workspace / "config.yaml"))
    runtime.publisher(clock=fake_clock)
    daemon = Daemon(runtime)
    ledger = Ledger(runtime.ledger.path)
    try:
        yield DaemonSite(daemon, runtime, fake_clock, ledger)
    finally:
        ledger.close()
        daemon.watch_ledger.close()
        runtime.close()


def test_the_daemon_reads_due_figures_apart_from_publishing(workspace: Path) -> None:
    from bmnsocial.schedule.daemon import trusted_clock

    with daemon_on_sandbox(workspace) as site:
        daemon, ledger, fake_clock = site.daemon, site.ledger, site.clock
        row = published(site.runtime, "twitter", "t", when=NOW)
        assert trusted_clock(site.runtime).trusted
        daemon._guard = ForbiddenLock()
        daemon.metrics_pass(ledger)
        assert all_readings(ledger, row.id) == []  # not an hour old yet
        fake_clock.current = NOW + timedelta(hours=1, minutes=1)
        daemon.metrics_pass(ledger)
        daemon.metrics_pass(ledger)
        assert [r.slot for r in all_readings(ledger, row.id)] == [1]
        fake_clock.current = NOW + timedelta(hours=25)
        daemon.metrics_pass(ledger)
        assert [r.slot for r in all_readings(ledger, row.id)] == [1, 24]


def test_a_platform_without_credentials_or_account_is_said_not_fatal(workspace: Path) -> None:
    from bmnsocial.platforms.base import AuthError, CredentialsMissing
    from bmnsocial.publish.metrics import NO_CREDENTIALS

    config = load_config(workspace / "config.yaml")
    ledger = Ledger(workspace / "l.sqlite3")
    try:
        rows = []
        for platform in ("facebook", "twitter"):
            payload = dumps(Rendered("p", platform, (Part("a", ("text",), 1, 280),)))
            row = ledger.enqueue(post_id="p", platform=platform, occurrence=ONCE, due=NOW,
                                 payload=payload, content_hash=content_hash(payload),
                                 source_file="x.yaml", now=NOW)
            rows.append(ledger.mark_published(row.id, "1_2", "https://x", ["1_2"], NOW))

        def adapter_for(platform: str) -> Any:
            if platform == "facebook":
                raise CredentialsMissing("set BMNSOCIAL_FACEBOOK_PAGE_TOKEN")
            raise AuthError("there is no accounts.twitter section", sent=False)

        report = pull(ledger, config, adapter_for, [Due(r) for r in rows], clock(NOW))
    finally:
        ledger.close()
    assert [(s["platform"], s["reason"]) for s in report.skipped] == [
        ("facebook", NO_CREDENTIALS), ("twitter", PLATFORM_ERROR)]
    assert "BMNSOCIAL_FACEBOOK_PAGE_TOKEN" in report.skipped[0]["message"]


def test_after_unread_figures_the_daemon_pauses(workspace: Path) -> None:
    from bmnsocial.schedule.daemon import FIGURES_RETRY, trusted_clock

    with daemon_on_sandbox(workspace) as site:
        daemon, ledger, fake_clock = site.daemon, site.ledger, site.clock
        box = site.runtime.connections.start()
        row = published(site.runtime, "facebook", "f", when=NOW)
        assert trusted_clock(site.runtime).trusted
        box.graph.faults.add("http500", path=f"*/{row.platform_post_id}", times=100)
        fake_clock.current = NOW + timedelta(hours=1)
        daemon.metrics_pass(ledger)
        asked = len(box.graph.requests)
        fake_clock.current = NOW + timedelta(hours=1, minutes=10)
        daemon.metrics_pass(ledger)  # within the pause: not asked again
        assert len(box.graph.requests) == asked
        box.graph.faults.clear()
        fake_clock.current = NOW + timedelta(hours=1) + FIGURES_RETRY
        daemon.metrics_pass(ledger)
        assert [r.slot for r in all_readings(ledger, row.id)] == [1]
