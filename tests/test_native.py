"""Facebook's own scheduler as a safety net (accounts.facebook.handoff: native): the daemon
hands occurrences to the fake Graph as scheduled posts, which the fake publishes when its
clock passes their time. One clock for everything (ours, the fake's, the clock's judge);
nobody sleeps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from bmnsocial.cli.root import cli
from bmnsocial.config import Config, load_config
from bmnsocial.errors import ConfigError
from bmnsocial.platforms import registry
from bmnsocial.publish.ledger import Ledger, Row, Status
from bmnsocial.publish.native import Held
from bmnsocial.sandbox.connections import SandboxConnections, sandbox_runtime
from bmnsocial.sandbox.fake_graph import FakeGraph
from bmnsocial.sandbox.platforms import Sandbox
from bmnsocial.schedule.daemon import Daemon, run_due
from tests.helpers import NOW, WritePost

_NATIVE = registry.get("facebook").native
assert _NATIVE is not None
MIN_LEAD = _NATIVE.min_lead

DUE = NOW + timedelta(days=2)


class Clock:
    """Ours (``now``), the fakes' (epoch seconds) and the clock judge's (wall, monotonic)."""

    def __init__(self, now: datetime) -> None:
        self.current = now.astimezone(UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.advance(timedelta(seconds=seconds))

    def advance(self, by: timedelta) -> None:
        self.current += by
        self._mono += by.total_seconds()

    def __call__(self) -> float:
        return self.current.timestamp()

    def wall(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self._mono


@dataclass
class Bmn:
    """The BMN's server: a daemon in this process whose threads the test plays."""

    daemon: Daemon
    sandbox: Sandbox

    @property
    def ledger(self) -> Ledger:
        return self.daemon.runtime.ledger

    @property
    def graph(self) -> FakeGraph:
        return self.sandbox.graph

    def poll(self) -> None:
        """One poll, then what the publishing thread does with it."""
        self.daemon.refresh()
        self.daemon.run_native()
        with self.daemon._guard:
            due = [row_id for row_id, when in self.daemon._scheduled.items()
                   if when <= self.daemon.clock.now()]
        for row_id in due:
            self.daemon.run_row(row_id)

    def row(self, post_id: str = "aviso") -> Row:
        (row,) = self.ledger.rows(post_id=post_id)
        return row

    def scheduled(self) -> list[dict[str, Any]]:
        return [item for item in self.posts() if not item["visible"]]

    def posts(self) -> list[dict[str, Any]]:
        store = self.graph.store
        out = []
        for item in store.items("facebook", ["post"], self.graph.page_id):
            out.append({"id": item.id, "text": item.text, "data": item.data,
                        "visible": self.graph._is_visible(item)})
        return out

    def published(self) -> list[dict[str, Any]]:
        return self.sandbox.graph.published()


@contextmanager
def bmn(config: Config, clock: Clock) -> Iterator[Bmn]:
    """Start the server (its fakes keep their store between starts)."""
    runtime = sandbox_runtime(config)
    connections = runtime.connections
    assert isinstance(connections, SandboxConnections)
    assert config.facebook is not None and config.twitter is not None
    sandbox = Sandbox(connections._platforms_dir, clock=clock,
                      x_options={"username": config.twitter.username},
                      graph_options={"page_id": config.facebook.page_id,
                                     "page_name": config.facebook.page_name}).start()
    connections._sandbox = sandbox
    runtime.clock_trust(clocks=clock)
    runtime.publisher(clock=clock)
    daemon = Daemon(runtime)
    try:
        yield Bmn(daemon, sandbox)
    finally:
        daemon.watch_ledger.close()
        runtime.close()


@pytest.fixture
def native_config(workspace: Path) -> Config:
    path = workspace / "config.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    token_env: BMNSOCIAL_FACEBOOK_PAGE_TOKEN\n",
                                 "    token_env: BMNSOCIAL_FACEBOOK_PAGE_TOKEN\n"
                                 "    handoff: native\n", 1), encoding="utf-8")
    config = load_config(path)
    assert config.facebook is not None and config.facebook.handoff == "native"
    return config


def post(write_post: WritePost, text: str = "Aviso de la BMN: la sala abre el sábado",
         due: datetime = DUE, extra: str = "", name: str = "aviso.yaml") -> Path:
    return write_post(name, f"category: 9\ntext: {json.dumps(text)}\nplatforms: [facebook]\n{extra}"
                            f"schedule: {{at: '{due:%Y-%m-%d %H:%M}'}}\n")


def test_a_handed_off_occurrence_survives_the_daemon_stopped_through_its_due_time(
        native_config: Config, write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        server.poll()
        row = server.row()
        assert row.status is Status.HANDED_OFF
        (scheduled,) = server.scheduled()
        assert row.platform_post_id == scheduled["id"]
        assert scheduled["data"]["scheduled_publish_time"] == DUE.timestamp()
        assert server.published() == []
    # The power goes at the BMN; Facebook's clock passes the due time meanwhile.
    clock.advance(DUE - clock.now() + timedelta(minutes=30))
    with bmn(native_config, clock) as server:
        assert len(server.published()) == 1  # Facebook published it with the BMN down
        server.poll()
        row = server.row()
        assert row.status is Status.PUBLISHED
        assert row.url and row.url.startswith("https://www.facebook.com/")
        assert row.native is None
        server.poll()
        assert len(server.published()) == 1  # exactly once: nothing was sent from here
        assert [r.status for r in server.ledger.rows()] == [Status.PUBLISHED]


def test_run_due_hands_off_and_confirms_too(native_config: Config,
                                           write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        run_due(server.daemon.runtime)
        assert server.row().status is Status.HANDED_OFF
    clock.advance(DUE - clock.now() + timedelta(hours=5))
    with bmn(native_config, clock) as server:
        report = run_due(server.daemon.runtime)
        assert [r.status for r in report.rows] == [Status.PUBLISHED]
        assert len(server.published()) == 1


def test_not_handed_off_when_off_or_outside_the_window(config: Config,
                                                       write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)  # handoff is off in the sample config
    post(write_post, due=NOW + timedelta(minutes=12), name="pronto.yaml", text="Pronto")
    with bmn(config, clock) as server:
        server.poll()
        assert {r.status for r in server.ledger.rows()} == {Status.QUEUED}
        assert server.scheduled() == []


def test_too_close_to_its_time_is_sent_the_ordinary_way(native_config: Config,
                                                         write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post, due=NOW + MIN_LEAD + timedelta(minutes=2))
    with bmn(native_config, clock) as server:
        server.poll()
        assert server.row().status is Status.QUEUED and server.scheduled() == []
        clock.advance(timedelta(minutes=12))
        server.poll()
        assert server.row().status is Status.PUBLISHED
        assert len(server.published()) == 1


def test_editing_the_text_updates_the_scheduled_post_and_a_new_time_moves_it(
        native_config: Config, write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        server.poll()
        first = server.row().platform_post_id
        clock.advance(timedelta(minutes=1))
        post(write_post, text="Aviso corregido: la sala abre el domingo")
        server.poll()
        (scheduled,) = server.scheduled()
        assert scheduled["id"] == first
        assert scheduled["text"].startswith("Aviso corregido")
        later = DUE + timedelta(hours=3)
        clock.advance(timedelta(minutes=1))
        post(write_post, text="Aviso corregido: la sala abre el domingo", due=later)
        server.poll()
        (scheduled,) = server.scheduled()
        assert scheduled["id"] == first
        assert scheduled["data"]["scheduled_publish_time"] == later.timestamp()
        row = server.row()
        assert row.status is Status.HANDED_OFF and row.native is not None
        assert Held.read(row.native).content_hash == row.content_hash
        clock.advance(later - clock.now() + timedelta(minutes=5))
        server.poll()
        assert server.row().status is Status.PUBLISHED
        (published,) = server.published()
        assert published["text"].startswith("Aviso corregido")


def test_an_edit_after_facebook_published_it_touches_nothing_there(
        native_config: Config, write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        server.poll()
        clock.advance(DUE - clock.now() + timedelta(minutes=1))  # published, not yet confirmed
        post(write_post, text="Otro texto", due=DUE + timedelta(days=1),
             extra="link: https://www.bmns.sld.cu/\n")
        server.poll()
        assert [r.method for r in server.graph.requests].count("DELETE") == 0
        clock.advance(timedelta(minutes=2))
        server.poll()
        row = server.row()
        assert row.status is Status.PUBLISHED and row.due == DUE
        (published,) = server.published()
        assert published["text"].startswith("Aviso de la BMN")


def test_cancelling_deletes_the_scheduled_post(native_config: Config,
                                                write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    post(write_post, text="Otro aviso", name="otro.yaml")
    with bmn(native_config, clock) as server:
        server.poll()
        assert len(server.scheduled()) == 2
        cancelled = CliRunner().invoke(cli, ["--sandbox", "cancel", "aviso"])
        assert cancelled.exit_code == 0, cancelled.output
        (path := Path("posts/otro.yaml")).unlink()  # a sync withdraws the other one
        assert not path.exists()
        clock.advance(timedelta(minutes=1))
        server.poll()
        assert server.scheduled() == []
        assert {r.status for r in server.ledger.rows()} == {Status.CANCELLED}
        assert all(r.native is None for r in server.ledger.rows())
        clock.advance(DUE - clock.now() + timedelta(hours=2))
        server.poll()
        assert server.published() == []


def test_a_lost_answer_is_found_among_the_scheduled_posts_not_created_again(
        native_config: Config, write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        server.graph.faults.add("lost_response", path="/v*/*/feed", method="POST")
        server.poll()
        row = server.row()
        assert row.status is Status.SENDING and row.error_kind == "native"
        assert len(server.scheduled()) == 1  # it did reach Facebook
        clock.advance(timedelta(minutes=2))
        server.poll()
        row = server.row()
        assert row.status is Status.HANDED_OFF
        (scheduled,) = server.scheduled()
        assert row.platform_post_id == scheduled["id"]
        creates = [r for r in server.graph.requests
                   if r.method == "POST" and r.path.endswith("/feed")]
        assert len(creates) == 1


def test_a_create_that_never_arrived_is_handed_off_again(native_config: Config,
                                                         write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        server.graph.faults.add("http500", path="/v*/*/feed", method="POST")
        server.poll()
        assert server.row().status is Status.SENDING and server.scheduled() == []
        clock.advance(timedelta(minutes=2))
        server.poll()  # not among the scheduled posts: queued again
        server.poll()  # and handed off
        assert server.row().status is Status.HANDED_OFF
        assert len(server.scheduled()) == 1


def test_facebook_not_publishing_is_reported(native_config: Config,
                                             write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        server.poll()
        item = server.graph.store.get("facebook", server.row().platform_post_id or "")
        assert item is not None
        item.data["publish_fails"] = True
        server.graph.store.update(item)
        clock.advance(DUE - clock.now() + timedelta(minutes=10))
        server.poll()
        assert server.row().status is Status.HANDED_OFF  # Facebook may still be late
        clock.advance(timedelta(hours=1))
        server.poll()
        row = server.row()
        assert row.status is Status.FAILED
        assert "did not publish" in (row.reason() or "")
        assert server.published() == []


def test_photos_are_attached_to_the_scheduled_post_and_a_change_recreates_it(
        native_config: Config, write_post: WritePost) -> None:
    clock = Clock(NOW)
    album = ("media:\n  - path: taller-alfabetizacion-1.jpg\n    alt: Un taller\n"
             "  - path: taller-alfabetizacion-2.jpg\n    alt: Otro taller\n")
    post(write_post, extra=album)
    with bmn(native_config, clock) as server:
        server.poll()
        (scheduled,) = server.scheduled()
        assert len(scheduled["data"]["photo_ids"]) == 2
        photos = [server.graph.store.get("facebook", pid)
                  for pid in scheduled["data"]["photo_ids"]]
        assert all(p is not None and p.data["temporary"] for p in photos)
        clock.advance(timedelta(minutes=1))
        post(write_post, extra=album.split("  - path: taller-alfabetizacion-2.jpg")[0])
        server.poll()  # a scheduled post's photos cannot change: deleted, then made again
        (again,) = server.scheduled()  # never two
        assert [r.method for r in server.graph.requests].count("DELETE") == 1
        assert len(again["data"]["photo_ids"]) == 1 and again["id"] != scheduled["id"]
        clock.advance(DUE - clock.now() + timedelta(minutes=5))
        server.poll()
        assert server.row().status is Status.PUBLISHED
        (published,) = server.published()
        assert len(published["media"]) == 1


# -- the fake Graph's scheduled posts, as Meta's Pages API guide describes them

@pytest.fixture
def graph(tmp_path: Path) -> Iterator[tuple[FakeGraph, Clock]]:
    clock = Clock(NOW)
    with Sandbox(tmp_path / "fakes", clock=clock) as sandbox:
        yield sandbox.graph, clock


def _token() -> dict[str, str]:
    from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS

    return {"Authorization": "OAuth " + SANDBOX_CREDENTIALS["facebook"]["page_access_token"]}


def call(graph: FakeGraph, method: str, path: str, **data: str) -> requests.Response:
    return requests.request(method, f"{graph.base_url}/v23.0/{path}", data=data or None,
                            headers=_token(), timeout=30)


def test_fake_graph_schedules_only_within_the_window_with_graphs_own_error(
        graph: tuple[FakeGraph, Clock]) -> None:
    fake, clock = graph
    page = fake.page_id
    for ahead in (timedelta(minutes=5), timedelta(days=31)):
        answer = call(fake, "POST", f"{page}/feed", message="x", published="false",
                      scheduled_publish_time=str(int((clock.now() + ahead).timestamp())))
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["code"] == 100 and "scheduled publish time" in error["message"]
    answer = call(fake, "POST", f"{page}/feed", message="x", published="false",
                  scheduled_publish_time=str(int((clock.now() + timedelta(days=1)).timestamp())))
    assert answer.status_code == 200
    post_id = answer.json()["id"]
    listed = call(fake, "GET", f"{page}/scheduled_posts?fields=id,message,"
                               "scheduled_publish_time,is_published").json()
    assert [p["id"] for p in listed["data"]] == [post_id]
    assert listed["data"][0]["is_published"] is False
    assert call(fake, "GET", f"{page}/published_posts").json()["data"] == []
    assert call(fake, "POST", post_id, message="y").json() == {"success": True}
    too_soon = str(int((clock.now() + timedelta(minutes=1)).timestamp()))
    assert call(fake, "POST", post_id, scheduled_publish_time=too_soon).status_code == 400
    clock.advance(timedelta(days=1, seconds=1))
    assert call(fake, "GET", f"{page}/scheduled_posts").json()["data"] == []
    published = call(fake, "GET", f"{post_id}?fields=is_published,message").json()
    assert published == {"is_published": True, "message": "y"}
    assert call(fake, "DELETE", post_id).json() == {"success": True}
    gone = call(fake, "DELETE", post_id)
    assert gone.status_code == 400 and gone.json()["error"]["code"] == 100


def test_handoff_is_read_from_the_facebook_section(workspace: Path) -> None:
    path = workspace / "config.yaml"
    text = path.read_text(encoding="utf-8")
    assert load_config(path).facebook.handoff == "off"  # type: ignore[union-attr]
    path.write_text(text.replace("    token_env: BMNSOCIAL_FACEBOOK_PAGE_TOKEN\n",
                                 "    token_env: BMNSOCIAL_FACEBOOK_PAGE_TOKEN\n"
                                 "    handoff: nativo\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert "handoff" in str(raised.value) and "native" in json.dumps(str(raised.value))


def test_two_passes_never_both_hand_off_the_same_row(native_config: Config,
                                                      write_post: WritePost) -> None:
    clock = Clock(NOW)
    post(write_post)
    with bmn(native_config, clock) as server:
        server.daemon.refresh()  # queued, not yet handed off
        row = server.row()
        other = Ledger(server.ledger.path)
        try:
            assert other.claim_native(row.id, "other-process", clock.now()) is not None
            assert server.ledger.claim_native(row.id, "this-process", clock.now()) is None
        finally:
            other.close()
        # The claimer is gone (it never ran): the row waits until its answer can be looked
        # for among the scheduled posts; nothing there, so it is handed off again, once.
        server.poll()
        server.poll()
        assert server.row().status is Status.HANDED_OFF
        assert len(server.scheduled()) == 1
