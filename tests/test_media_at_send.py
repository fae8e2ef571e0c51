"""Media are checked again when they are sent, by the rules of ``validate``, and a stop is
obeyed between any two requests, media uploads included (issue 10 case 5, issue 9 item 11).

Everything runs the real publisher and adapters against the sandbox fakes; the stop is an
event set from the transport while a request is in flight."""

from __future__ import annotations

import json
import os
import shutil
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from requests.adapters import BaseAdapter

from bmnsocial.config import Config
from bmnsocial.platforms.rendered import Part, Rendered, RenderedMedia
from bmnsocial.posts.media import inspect
from bmnsocial.publish.ledger import ONCE, Ledger, Row, Status
from bmnsocial.render.payload import content_hash, dumps, from_payload
from bmnsocial.sandbox.server import FakeServer
from bmnsocial.sandbox.testing import sample_mp4, sample_png
from bmnsocial.schedule.daemon import posts_signature
from bmnsocial.schedule.sync import sync
from tests.helpers import NOW, WritePost
from tests.test_adapters import PLATFORMS
from tests.test_publisher import World, world

if TYPE_CHECKING:
    from requests.models import PreparedRequest, Response


def queue_media(w: World, platform: str, *relatives: str, texts: tuple[str, ...] = (),
                post_id: str = "p1") -> Row:
    """Queue a post with media as sync does: each file inspected in the media folder."""
    media = tuple(RenderedMedia(inspect(w.config.media_root, r), "Sala de lectura", ("media", i))
                  for i, r in enumerate(relatives))
    texts = texts or ("Nueva sala de lectura",)
    limit = 63_206 if platform == "facebook" else 280
    parts = tuple(Part(t, ("text",), len(t), limit, media if i == 0 else ())
                  for i, t in enumerate(texts))
    payload = dumps(Rendered(post_id, platform, parts))
    return w.ledger.enqueue(post_id=post_id, platform=platform, occurrence=ONCE,
                            due=w.clock.now(), payload=payload,
                            content_hash=content_hash(payload), source_file="x.yaml",
                            now=w.clock.now())


def media_dir(w: World) -> Path:
    w.config.media_root.mkdir(parents=True, exist_ok=True)
    return w.config.media_root


def fake(w: World, platform: str) -> FakeServer:
    return w.sandbox.graph if platform == "facebook" else w.sandbox.x


def assert_failed_unsent(w: World, row: Row, platform: str) -> Row:
    final = w.ledger.get(row.id)
    assert final.status is Status.FAILED, final
    assert final.error_kind == "MediaUnavailable"
    assert final.last_error is not None and "nothing was sent" in final.last_error
    assert fake(w, platform).requests == [], "not one request reached the platform"
    assert w.published(platform) == []
    return final


# -- case 5: the file at send time ----------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_image_swapped_for_a_link_after_queueing_is_not_sent(tmp_path: Path,
                                                               platform: str) -> None:
    with world(tmp_path) as w:
        (media_dir(w) / "foto.png").write_bytes(sample_png())
        row = queue_media(w, platform, "foto.png")
        secret = tmp_path / "secretos.png"  # looks like an image, holds what must not leave
        secret.write_bytes(sample_png(padding=64))
        (w.config.media_root / "foto.png").unlink()
        (w.config.media_root / "foto.png").symlink_to(secret)
        w.drain()
        final = assert_failed_unsent(w, row, platform)
        assert "link" in (final.last_error or "")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_folder_swapped_for_a_link_after_queueing_is_not_sent(tmp_path: Path,
                                                               platform: str) -> None:
    with world(tmp_path) as w:
        sub = media_dir(w) / "2027"
        sub.mkdir()
        (sub / "foto.png").write_bytes(sample_png())
        row = queue_media(w, platform, "2027/foto.png")
        # The same name, size and time, in a folder outside the media folder, reached by a
        # link where the real folder was: only the link gives it away.
        outside = tmp_path / "fuera"
        outside.mkdir()
        shutil.copy2(sub / "foto.png", outside / "foto.png")
        shutil.rmtree(sub)
        sub.symlink_to(outside, target_is_directory=True)
        w.drain()
        assert_failed_unsent(w, row, platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_file_grown_past_the_limit_after_queueing_is_not_read(tmp_path: Path,
                                                               platform: str) -> None:
    with world(tmp_path) as w:
        image = media_dir(w) / "foto.png"
        image.write_bytes(sample_png())
        row = queue_media(w, platform, "foto.png")
        big = 256 * 1024 * 1024
        with image.open("r+b") as fh:  # the same file, grown (sparse: no disk needed)
            fh.truncate(big)
        tracemalloc.start()
        try:
            w.drain()
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        final = assert_failed_unsent(w, row, platform)
        assert "changed after the post was queued" in (final.last_error or "")
        assert peak < big // 16, "the file was never read whole"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_file_deleted_after_queueing_fails_not_unconfirmed(tmp_path: Path,
                                                            platform: str) -> None:
    with world(tmp_path) as w:
        (media_dir(w) / "foto.png").write_bytes(sample_png())
        row = queue_media(w, platform, "foto.png")
        (w.config.media_root / "foto.png").unlink()
        w.drain()
        final = assert_failed_unsent(w, row, platform)
        assert "does not exist" in (final.last_error or "")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_file_saved_again_after_queueing_is_not_sent(tmp_path: Path, platform: str) -> None:
    with world(tmp_path) as w:
        image = media_dir(w) / "foto.png"
        image.write_bytes(sample_png(padding=10))
        row = queue_media(w, platform, "foto.png")
        stat = image.stat()
        image.write_bytes(sample_png(padding=10, width=3))  # other content, the same size
        os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        w.drain()
        assert_failed_unsent(w, row, platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_one_bad_photo_of_several_leaves_the_whole_post_unsent(tmp_path: Path,
                                                              platform: str) -> None:
    with world(tmp_path) as w:
        for name in ("a.png", "b.png"):
            (media_dir(w) / name).write_bytes(sample_png())
        row = queue_media(w, platform, "a.png", "b.png")
        (w.config.media_root / "b.png").unlink()
        w.drain()
        assert_failed_unsent(w, row, platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_payload_queued_before_times_were_recorded_is_checked_too(tmp_path: Path,
                                                                   platform: str) -> None:
    with world(tmp_path) as w:
        for name in ("igual.png", "enlace.png"):
            (media_dir(w) / name).write_bytes(sample_png())
        same = queue_media(w, platform, "igual.png", post_id="igual", texts=("Sala igual",))
        linked = queue_media(w, platform, "enlace.png", post_id="enlace",
                             texts=("Sala con enlace",))
        for row in (same, linked):  # as queued by the version before this check
            older = row.payload.replace('"mtime_ns": ', '"was_mtime_ns": ')
            w.ledger.db.execute("UPDATE publications SET payload=? WHERE id=?", (older, row.id))
        secret = tmp_path / "secretos.png"
        secret.write_bytes(sample_png())
        (w.config.media_root / "enlace.png").unlink()
        (w.config.media_root / "enlace.png").symlink_to(secret)
        w.drain()
        assert w.ledger.get(same.id).status is Status.PUBLISHED
        failed = w.ledger.get(linked.id)
        assert failed.status is Status.FAILED and failed.error_kind == "MediaUnavailable"
        assert len(w.published(platform)) == 1


# -- issue 9 item 11: a stop between any two requests ---------------------------------------


@dataclass
class Trigger:
    """Where the stop came: how many requests the fake had received before it."""

    at: int | None = None


class StopWhen(BaseAdapter):
    """The transport, passing every request on; when one matches ``method`` and ``pattern``
    it first sets the stop (so that request is the one in flight) and notes how many requests
    the fake had received."""

    def __init__(self, inner: BaseAdapter, method: str, pattern: str, trigger: Trigger,
                 stop: Callable[[], None], count: Callable[[], int]) -> None:
        super().__init__()
        self.inner, self.method, self.pattern = inner, method, pattern
        self.trigger, self.stop, self.count = trigger, stop, count

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> Response:
        path = urlsplit(request.url or "").path
        if (self.trigger.at is None and request.method == self.method
                and fnmatchcase(path, self.pattern)):
            self.trigger.at = self.count()
            self.stop()
        return self.inner.send(request, stream=stream, timeout=timeout, verify=verify,
                               cert=cert, proxies=proxies)

    def close(self) -> None:
        self.inner.close()


def stop_when(w: World, platform: str, method: str, pattern: str) -> Trigger:
    adapter = w.publisher.adapter(platform)
    session = (adapter.transport.session if platform == "facebook"  # type: ignore[attr-defined]
               else adapter.media.session)  # type: ignore[attr-defined]
    server = fake(w, platform)
    trigger = Trigger()
    for prefix, inner in list(session.adapters.items()):
        session.mount(prefix, StopWhen(inner, method, pattern, trigger,
                                       w.publisher.stopping.set, lambda: len(server.requests)))
    return trigger


def requests_after_stop(w: World, platform: str, trigger: Trigger) -> list[str]:
    assert trigger.at is not None, "the stop was set"
    return [f"{r.method} {r.path}" for r in fake(w, platform).requests[trigger.at:]]


def test_a_stop_during_a_chunked_upload_makes_no_further_request(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        (media_dir(w) / "visita.mp4").write_bytes(sample_mp4(9 * 1024 * 1024))  # 3 segments
        row = queue_media(w, "twitter", "visita.mp4")
        w.sandbox.x.faults.add("latency", path="/2/media/upload/*/append", delay=0.05)
        trigger = stop_when(w, "twitter", "POST", "/2/media/upload/*/append")
        w.publisher.run_ready()
        after = requests_after_stop(w, "twitter", trigger)
        assert len(after) == 1 and after[0].endswith("/append"), "only the one in flight"
        stopped = w.ledger.get(row.id)
        assert stopped.status is Status.QUEUED and stopped.error_kind == "Stopped"
        assert stopped.part_ids == [] and w.published("twitter") == []
        w.publisher.stopping.clear()  # the restart: the upload starts again from its start
        (final,) = w.drain()
        assert final.status is Status.PUBLISHED and len(w.published("twitter")) == 1
        calls = [r.path.rsplit("/", 1)[-1] for r in w.sandbox.x.requests]
        assert calls.count("initialize") == 2 and calls.count("tweets") == 1


def test_a_stop_while_x_processes_a_video_ends_the_wait(tmp_path: Path) -> None:
    options = {"processing_steps": ("in_progress", "succeeded"), "check_after_secs": 1}
    with world(tmp_path, x_options=options) as w:
        (media_dir(w) / "visita.mp4").write_bytes(sample_mp4())
        row = queue_media(w, "twitter", "visita.mp4")
        trigger = stop_when(w, "twitter", "POST", "/2/media/upload/*/finalize")
        w.publisher.run_ready()
        after = requests_after_stop(w, "twitter", trigger)
        assert [a.rsplit("/", 1)[-1] for a in after] == ["finalize"], "no status check"
        assert w.ledger.get(row.id).status is Status.QUEUED


def test_a_stop_between_facebook_photo_uploads_publishes_nothing(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        for name in ("a.png", "b.png"):
            (media_dir(w) / name).write_bytes(sample_png())
        row = queue_media(w, "facebook", "a.png", "b.png")
        trigger = stop_when(w, "facebook", "POST", "/v*/*/photos")
        w.publisher.run_ready()
        assert len(requests_after_stop(w, "facebook", trigger)) == 1
        assert w.ledger.get(row.id).status is Status.QUEUED and w.published("facebook") == []
        w.publisher.stopping.clear()
        (final,) = w.drain()
        assert final.status is Status.PUBLISHED and len(w.published("facebook")) == 1


def test_rows_claimed_with_the_stop_make_no_request(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        rows = [w.queue(f"Aviso {i}", platform="twitter", post_id=f"p{i}") for i in range(3)]
        trigger = stop_when(w, "twitter", "POST", "/2/tweets")
        w.publisher.run_ready()  # the three are claimed together; the stop comes in the first
        assert len(requests_after_stop(w, "twitter", trigger)) == 1
        statuses = [w.ledger.get(r.id).status for r in rows]
        assert statuses == [Status.PUBLISHED, Status.QUEUED, Status.QUEUED]
        w.publisher.stopping.clear()
        assert [r.status for r in w.drain()] == [Status.PUBLISHED] * 3
        assert len(w.published("twitter")) == 3


# -- a replaced image before the send: the queue takes it -----------------------------------


def test_the_daemon_sees_a_replaced_image(config: Config) -> None:
    image = config.media_root / "portada.png"
    image.write_bytes(sample_png())
    before = posts_signature(config.posts_dir, config.media_root)
    image.write_bytes(sample_png(width=3))
    assert posts_signature(config.posts_dir, config.media_root) != before


def test_a_sync_after_an_image_is_replaced_queues_the_new_file(
        config: Config, write_post: WritePost) -> None:
    image = config.media_root / "portada.png"
    image.write_bytes(sample_png())
    write_post("portada.yaml", "category: 9\ntext: Nueva portada\nplatforms: [facebook]\n"
                               "media: [{path: portada.png, alt: La portada}]\n"
                               "schedule: {at: 2026-12-01 10:00}\n")
    ledger = Ledger(config.state_dir / "ledger.sqlite3")
    try:
        sync([config.posts_dir], config, ledger, NOW, full=True)
        (queued,) = ledger.rows()
        saved = image.stat().st_mtime_ns
        image.write_bytes(sample_png(width=3))  # exported again (the size may not change)
        os.utime(image, ns=(saved + 10**9, saved + 10**9))
        sync([config.posts_dir], config, ledger, NOW, full=True)
        (refreshed,) = ledger.rows()
    finally:
        ledger.close()
    media = from_payload(json.loads(refreshed.payload)).media[0].info
    from bmnsocial.posts.media import open_queued

    assert refreshed.payload != queued.payload and media.mtime_ns == saved + 10**9
    with open_queued(media) as opened:  # what the send will find: the file as queued
        assert opened.read() == image.read_bytes()


def test_why_a_media_file_was_not_sent_is_read_in_the_readers_language(
        tmp_path: Path) -> None:
    from bmnsocial import i18n

    with world(tmp_path) as w:
        image = media_dir(w) / "foto.png"
        image.write_bytes(sample_png(padding=10))
        row = queue_media(w, "facebook", "foto.png")
        image.write_bytes(sample_png(padding=200))  # saved again, larger
        w.drain()  # a publisher in English
        failed = w.ledger.get(row.id)
        assert failed.reason_code == "media-nothing-sent"
        assert (failed.last_error or "").startswith("nothing was sent: the media file")
        i18n.install("es")  # a librarian reads it
        shown = failed.reason(w.config.timezone) or ""
        assert shown.startswith("no se envió nada") and "foto.png" in shown, shown
        assert "nothing was sent" not in shown and "changed after" not in shown
