"""The publisher end to end: ledger rows → real adapters → fake platforms, under faults and
crashes, with the clock under the test's control."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bmnsocial.config import Config
from bmnsocial.platforms.base import Adapter
from bmnsocial.platforms.http import build_session
from bmnsocial.platforms.registry import build_adapter
from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish.ledger import ONCE, Ledger, Row, Status
from bmnsocial.publish.publisher import Publisher, RetryPolicy
from bmnsocial.publish.runtime import Runtime
from bmnsocial.render.payload import content_hash, dumps
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.sandbox.platforms import Sandbox
from tests.helpers import ANSWER_TIMEOUT, HOLD, give_up_on_held
from tests.test_adapters import (
    FAKES,
    LIMITS,
    PLATFORMS,
    PUBLISH_PATHS,
    STORE_NAMES,
    make_config,
    make_secrets,
    platform_id,
)


class FakeClock:
    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass
class World:
    sandbox: Sandbox
    config: Config
    ledger: Ledger
    clock: FakeClock
    publisher: Publisher
    tmp: Path
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    def runtime(self) -> Runtime:
        """A runtime around this world's publisher and ledger, for the misfire policy and the
        clock's check; the fakes of its own that the clock's check may start stop with the
        world."""
        runtime = sandbox_runtime(self.config)
        runtime._publisher, runtime._ledger = self.publisher, self.ledger
        self.cleanup.append(runtime.connections.close)
        return runtime

    def fake(self, platform: str):  # type: ignore[no-untyped-def]
        return getattr(self.sandbox, FAKES[platform])

    def queue(self, *texts: str, platform: str, post_id: str = "p1",
              occurrence: str = ONCE) -> Row:
        limit = LIMITS[platform]
        parts = tuple(Part(t, ("text",), len(t), limit) for t in texts)
        payload = dumps(Rendered(post_id, platform, parts))
        return self.ledger.enqueue(post_id=post_id, platform=platform, occurrence=occurrence,
                                   due=self.clock.now(), payload=payload,
                                   content_hash=content_hash(payload), source_file="x.yaml",
                                   now=self.clock.now())

    def drain(self, limit: int = 40) -> list[Row]:
        """Run the queue to rest, jumping the clock to each next attempt."""
        for _ in range(limit):
            self.publisher.run_ready()
            open_rows = self.ledger.rows(statuses=(Status.QUEUED, Status.SENDING))
            if not open_rows:
                break
            nxt = min((r.next_attempt_at or self.clock.now()) for r in open_rows)
            self.clock.current = max(self.clock.current, nxt) + timedelta(seconds=1)
        return self.ledger.rows()

    def published(self, platform: str) -> list[dict[str, object]]:
        return [{**p, "id": platform_id(platform, str(p["id"]))}
                for p in self.sandbox.published() if p["platform"] == STORE_NAMES[platform]]


@contextmanager
def world(tmp_path: Path, *, deadline_hours: float = 12,
          timeout: float = ANSWER_TIMEOUT,
          x_options: dict[str, object] | None = None) -> Iterator[World]:
    config = make_config(tmp_path, timeout=timeout)
    clock = FakeClock()
    secrets = make_secrets()
    with Sandbox(tmp_path / "fakes", x_options=x_options) as sandbox:
        session = give_up_on_held(build_session(timeout=timeout, routes=sandbox.routes), sandbox)

        def adapters(platform: str) -> Adapter:
            return build_adapter(platform, config, secrets, session)

        ledger = Ledger(tmp_path / "state" / "ledger.sqlite3")
        publisher = Publisher(ledger, adapters, tmp_path / "state",
                              policy=RetryPolicy(deadline=timedelta(hours=deadline_hours)),
                              clock=clock, rng=random.Random(7))
        w = World(sandbox, config, ledger, clock, publisher, tmp_path)
        try:
            yield w
        finally:
            for close in w.cleanup:
                close()
            publisher.close()
            ledger.close()


# kind -> the event that must appear in the row's history on the way to 'published'
FAULTS = {
    "http500": "uncertain", "http503": "uncertain", "timeout": "uncertain",
    "reset": "uncertain", "html": "uncertain", "http429": "retry", "latency": None,
    "lost_response": "reconciled", "slow_response": "reconciled",
}


@pytest.mark.parametrize("kind", sorted(FAULTS))
@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_fault_ends_published_exactly_once(tmp_path: Path, platform: str,
                                               kind: str) -> None:
    with world(tmp_path) as w:
        path = PUBLISH_PATHS[platform]
        delay = {"timeout": HOLD, "slow_response": HOLD, "latency": 0.05, "http429": 60}.get(
            kind, 0.0)
        w.fake(platform).faults.add(kind, path=path, delay=delay)
        row = w.queue(f"Aviso de prueba ({kind})", platform=platform)
        (final,) = w.drain()
        assert final.status is Status.PUBLISHED, final
        assert len(w.published(platform)) == 1
        assert final.platform_post_id == w.published(platform)[0]["id"]
        kinds = [e["kind"] for e in w.ledger.events(row.id)]
        if FAULTS[kind]:
            assert FAULTS[kind] in kinds
        if kind == "http429":
            assert final.published_at is not None and final.published_at >= (
                row.created_at + timedelta(seconds=59))


def test_one_platform_failing_leaves_the_other_published(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sandbox.x.credential_state = "expired"
        w.queue("Doble publicación", platform="facebook")
        w.queue("Doble publicación", platform="twitter")
        rows = {r.platform: r for r in w.drain()}
        assert rows["facebook"].status is Status.PUBLISHED
        assert rows["twitter"].status is Status.FAILED
        assert rows["twitter"].attempts == 1, "an auth error is never retried"
        assert rows["twitter"].error_kind == "AuthError"
        assert len(w.published("facebook")) == 1 and w.published("twitter") == []


def test_rejected_content_fails_at_once_with_the_reason(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.queue("x" * 300, platform="twitter")
        (row,) = w.drain()
        assert row.status is Status.FAILED and row.error_kind == "Rejected"
        assert row.attempts == 1 and row.last_error


def test_duplicate_of_a_post_we_did_not_send_fails(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.queue("Texto repetido", platform="twitter", post_id="old")
        w.drain()
        w.clock.sleep(3600)  # long before the second attempt's reconciliation window
        w.queue("Texto repetido", platform="twitter", post_id="new")
        rows = {r.post_id: r for r in w.drain()}
        assert rows["old"].status is Status.PUBLISHED
        assert rows["new"].status is Status.FAILED and "vary the text" in (
            rows["new"].last_error or "")
        assert len(w.published("twitter")) == 1


def test_gives_up_at_the_deadline(tmp_path: Path) -> None:
    with world(tmp_path, deadline_hours=1) as w:
        w.sandbox.x.faults.add("http429", times=1000, path="/2/tweets", delay=600)
        w.queue("Nunca sale", platform="twitter")
        (row,) = w.drain(limit=100)
        assert row.status is Status.FAILED and "gave up" in (row.last_error or "")
        assert w.published("twitter") == []


def test_uncertain_until_the_deadline_becomes_unconfirmed(tmp_path: Path) -> None:
    with world(tmp_path, deadline_hours=1) as w:
        w.sandbox.graph.faults.add("http503", times=1000)  # also breaks every lookup
        w.queue("¿Salió o no?", platform="facebook")
        (row,) = w.drain(limit=100)
        assert row.status is Status.UNCONFIRMED
        assert w.published("facebook") == []


def test_thread_interrupted_half_way_resumes_without_repeating(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.sandbox.x.faults.add("latency", path="/2/tweets", delay=0)  # first tweet: fine
        w.sandbox.x.faults.add("reset", path="/2/tweets")  # second: connection reset
        w.queue("Hilo 1/3", "Hilo 2/3", "Hilo 3/3", platform="twitter")
        (row,) = w.drain()
        tweets = w.published("twitter")
        assert row.status is Status.PUBLISHED
        assert [t["text"] for t in tweets] == ["Hilo 1/3", "Hilo 2/3", "Hilo 3/3"]
        assert tweets[1]["reply_to"] == tweets[0]["id"] and tweets[2]["reply_to"] == tweets[1]["id"]
        assert row.part_ids == [t["id"] for t in tweets]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_row_left_sending_by_a_dead_process_is_reconciled(tmp_path: Path,
                                                          platform: str) -> None:
    with world(tmp_path) as w:
        sent = w.queue("Enviado antes del apagón", platform=platform, post_id="sent")
        lost = w.queue("Nunca llegó", platform=platform, post_id="lost")
        # A process claimed both, sent the first, and died before writing anything down.
        for row in (sent, lost):
            assert w.ledger.claim(row.id, "otra-maquina-4242-deadbeef", w.clock.now())
        adapter = w.publisher.adapter(platform)
        from bmnsocial.platforms.base import Progress
        from bmnsocial.publish.publisher import from_payload_json

        adapter.publish(from_payload_json(sent.payload), Progress())
        rows = {r.post_id: r for r in w.drain()}
        assert rows["sent"].status is Status.PUBLISHED
        assert "reconciled" in [e["kind"] for e in w.ledger.events(sent.id)]
        assert rows["lost"].status is Status.PUBLISHED
        texts = sorted(str(p["text"]) for p in w.published(platform))
        assert texts == ["Enviado antes del apagón", "Nunca llegó"]


def test_a_live_claimer_is_left_alone(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        row = w.queue("En curso", platform="facebook")
        assert w.ledger.claim(row.id, w.publisher.lock.id, w.clock.now())
        other = Publisher(w.ledger, w.publisher._factory, w.tmp / "state", clock=w.clock)
        try:
            assert other.reconcile_pending() == []
            assert w.ledger.get(row.id).status is Status.SENDING
        finally:
            other.close()


def test_a_stop_sends_no_further_part_and_the_thread_resumes_after(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        row = w.queue("1/3 Primera parte.", "2/3 Segunda parte.", "3/3 Tercera parte.",
                      platform="twitter")
        sent: list[str] = []
        real_save = w.ledger.save_progress

        def save_then_stop(row_id: int, ids: list[str], now):  # type: ignore[no-untyped-def]
            real_save(row_id, ids, now)
            sent.extend(ids)
            w.publisher.stopping.set()  # SIGTERM right after the first tweet went out

        w.ledger.save_progress = save_then_stop  # type: ignore[method-assign]
        w.publisher.run_ready()
        stopped = w.ledger.get(row.id)
        assert stopped.status is Status.QUEUED and stopped.part_ids == sent[:1]
        assert len(w.published("twitter")) == 1, "no further part after the stop"
        w.ledger.save_progress = real_save  # type: ignore[method-assign]
        w.publisher.stopping.clear()  # the restart
        (final,) = w.drain()
        tweets = w.published("twitter")
        assert final.status is Status.PUBLISHED and len(tweets) == 3
        assert tweets[1]["reply_to"] == tweets[0]["id"] and tweets[2]["reply_to"] == tweets[1]["id"]
        assert final.part_ids == [t["id"] for t in tweets]


def test_a_stop_gives_back_the_claims_of_a_batch_not_yet_sent(tmp_path: Path) -> None:
    # run-due and a daemon job claim the ready rows together: a stop after the first request
    # must not send the others (each could take a whole timeout), nor leave them 'sending'
    # for reconciliation to look up on the platform.
    with world(tmp_path) as w:
        rows = [w.queue(f"Aviso número {i}.", platform="facebook", post_id=f"p{i}")
                for i in range(3)]
        real_mark = w.ledger.mark_published

        def mark_then_stop(*args, **kwargs):  # type: ignore[no-untyped-def]
            done = real_mark(*args, **kwargs)
            w.publisher.stopping.set()  # SIGTERM while the first post's request was in flight
            return done

        w.ledger.mark_published = mark_then_stop  # type: ignore[method-assign]
        w.publisher.run_ready()
        first, *rest = (w.ledger.get(r.id) for r in rows)
        assert first.status is Status.PUBLISHED and len(w.published("facebook")) == 1
        for row in rest:
            assert row.status is Status.QUEUED and row.attempts == 0
            assert row.claimed_by is None and row.first_attempt_at is None
        w.ledger.mark_published = real_mark  # type: ignore[method-assign]
        w.publisher.stopping.clear()  # the restart
        assert {r.status for r in w.drain()} == {Status.PUBLISHED}
        assert sorted(p["text"] for p in w.published("facebook")) == [
            f"Aviso número {i}." for i in range(3)]
