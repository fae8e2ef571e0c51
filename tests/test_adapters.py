"""The adapter contract, the same suite for Facebook and X, against the sandbox fakes.

The real libraries (facebook-sdk, tweepy, requests) talk HTTP over real sockets to the fakes;
only the host changes, through the session ``build_session(routes=...)`` builds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from bmnsocial.config import Config, PublishSettings
from bmnsocial.platforms.base import (
    Adapter,
    AuthError,
    Identity,
    Progress,
    Rejected,
    Transient,
    Unconfirmed,
)
from bmnsocial.platforms.facebook import FacebookAccount
from bmnsocial.platforms.http import build_session
from bmnsocial.platforms.registry import build_adapter
from bmnsocial.platforms.rendered import Part, Rendered, RenderedMedia
from bmnsocial.platforms.routing import SandboxRoutingError
from bmnsocial.platforms.telegram import TelegramAccount
from bmnsocial.platforms.twitter import TwitterAccount, TwitterAdapter
from bmnsocial.posts.media import MediaInfo
from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS, SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_telegram import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL, SANDBOX_CHECK_CHAT
from bmnsocial.sandbox.platforms import Sandbox
from bmnsocial.sandbox.server import FakeServer, RecordedRequest
from bmnsocial.sandbox.testing import sample_gif, sample_jpeg, sample_mp4, sample_png
from tests.helpers import ANSWER_TIMEOUT, FakeClock, give_up_on_held

PLATFORMS = ("facebook", "twitter", "telegram")
CHANNEL = "@" + SANDBOX_CHANNEL["username"]
# Per platform: the Sandbox attribute of its fake, its name in the fakes' store, the path of a
# publication, its text limit.
FAKES = {"facebook": "graph", "twitter": "x", "telegram": "telegram"}
STORE_NAMES = {"facebook": "facebook", "twitter": "x", "telegram": "telegram"}
PUBLISH_PATHS = {"facebook": "/v*/*/feed", "twitter": "/2/tweets", "telegram": "/bot*/send*"}
LIMITS = {"facebook": 63_206, "twitter": 280, "telegram": 4096}


def platform_id(platform: str, stored: str) -> str:
    """A post's id as its platform names it: the Telegram fake keys a message by its chat."""
    return stored.rpartition("_")[2] if platform == "telegram" else stored
PAGE_ID = SANDBOX_ACCOUNTS["facebook"]["page_id"]
X_USER = SANDBOX_ACCOUNTS["x"]
ENV_NAMES = {
    "facebook": {"token_env": "TEST_FB_PAGE_TOKEN"},
    "telegram": {"token_env": "TEST_TG_TOKEN"},
    "twitter": {"consumer_key_env": "TEST_X_CONSUMER_KEY",
                "consumer_secret_env": "TEST_X_CONSUMER_SECRET",
                "access_token_env": "TEST_X_ACCESS_TOKEN",
                "access_token_secret_env": "TEST_X_ACCESS_TOKEN_SECRET"},
}
X_KEYS = {"consumer_key_env": "consumer_key", "consumer_secret_env": "consumer_secret",
          "access_token_env": "access_token", "access_token_secret_env": "access_token_secret"}
IMAGE_KINDS = {"image/png": sample_png, "image/jpeg": sample_jpeg}


def make_config(tmp_path: Path, *, timeout: float = ANSWER_TIMEOUT, page_id: str = PAGE_ID,
                username: str = X_USER["username"]) -> Config:
    return Config(
        source=str(tmp_path / "config.yaml"), base_dir=tmp_path, timezone_name="America/Havana",
        timezone=ZoneInfo("America/Havana"), posts_dir=tmp_path / "posts",
        media_root=tmp_path / "media", state_dir=tmp_path / "state",
        accounts={"facebook": FacebookAccount(page_id=page_id, page_name="BMN",
                                              api_version="v23.0", **ENV_NAMES["facebook"]),
                  "twitter": TwitterAccount(username=username, **ENV_NAMES["twitter"]),
                  "telegram": TelegramAccount(CHANNEL, **ENV_NAMES["telegram"],
                                              check_chat=str(SANDBOX_CHECK_CHAT["id"]))},
        publish=PublishSettings(timeout_seconds=timeout))


def make_secrets(credentials: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    creds = credentials or {"x": dict(SANDBOX_CREDENTIALS["x"]),
                            "facebook": dict(SANDBOX_CREDENTIALS["facebook"])}
    values = {ENV_NAMES["facebook"]["token_env"]: creds["facebook"]["page_access_token"],
              ENV_NAMES["telegram"]["token_env"]: creds.get("telegram", {}).get(
                  "bot_token", SANDBOX_BOT_TOKEN)}
    for key, role in X_KEYS.items():
        values[ENV_NAMES["twitter"][key]] = creds["x"][role]
    return values


@dataclass
class Harness:
    """One platform of a running sandbox, and what a test needs to drive its adapter."""

    name: str
    sandbox: Sandbox
    config: Config
    secrets: dict[str, str]
    session: requests.Session
    media_dir: Path
    _count: list[int] = field(default_factory=lambda: [0])

    @property
    def fake(self) -> FakeServer:
        fake: FakeServer = getattr(self.sandbox, FAKES[self.name])
        return fake

    @property
    def publish_path(self) -> str:
        return PUBLISH_PATHS[self.name]

    @property
    def limit(self) -> int:
        return LIMITS[self.name]

    def adapter(self, **changes: Any) -> Adapter:
        return build_adapter(self.name, self.config, {**self.secrets, **changes}, self.session)

    def published(self) -> list[dict[str, Any]]:
        """What the fake published; a Telegram message by its id in the channel, as the Bot
        API and the adapter name it (the fake keys it by chat too)."""
        found = self.fake.published()
        if self.name != "telegram":
            return found
        merged: list[dict[str, Any]] = []
        for e in found:  # an album is one message per photo, sharing a media_group_id
            group = e.get("media_group_id")
            if group and merged and merged[-1].get("media_group_id") == group:
                merged[-1]["media"] = [*merged[-1]["media"], *e["media"]]
                continue
            merged.append({**e, "id": platform_id(self.name, e["id"])})
        for e in merged:
            e["media"] = [{**m, "alt_text": None} for m in e["media"]]
        return merged

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        from fnmatch import fnmatchcase

        return [r for r in self.fake.requests if fnmatchcase(r.path, pattern)]

    def expire(self) -> None:
        if self.name == "facebook":
            self.sandbox.graph.token_state = "expired"
        elif self.name == "telegram":
            self.sandbox.telegram.token_state = "revoked"
        else:
            self.sandbox.x.credential_state = "expired"

    def media(self, mime: str = "image/png", alt: str | None = "Sala de lectura",
              data: bytes | None = None) -> RenderedMedia:
        self._count[0] += 1
        suffix = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
                  "video/mp4": "mp4"}[mime]
        path = self.media_dir / f"m{self._count[0]}.{suffix}"
        if data is None:
            data = {"image/gif": sample_gif, "video/mp4": sample_mp4}.get(
                mime, IMAGE_KINDS.get(mime, sample_png))()
        path.write_bytes(data)
        info = MediaInfo(path, path.name, mime, len(data))
        return RenderedMedia(info, alt, ("media", self._count[0] - 1))

    def rendered(self, *texts: str, link: str | None = None,
                 media: tuple[RenderedMedia, ...] = ()) -> Rendered:
        parts = tuple(Part(text, ("text",), len(text), self.limit, media if i == 0 else ())
                      for i, text in enumerate(texts))
        return Rendered("2026-11-26-prueba", self.name, parts, link)

    def url_of(self, post_id: str) -> str:
        if self.name == "facebook":
            page, _, post = post_id.partition("_")
            return f"https://www.facebook.com/{page}/posts/{post}"
        if self.name == "telegram":
            return f"https://t.me/{CHANNEL[1:]}/{post_id}"
        return f"https://x.com/{X_USER['username']}/status/{post_id}"


@contextmanager
def running(name: str, tmp_path: Path, *, timeout: float = ANSWER_TIMEOUT,
            x_options: dict[str, Any] | None = None,
            graph_options: dict[str, Any] | None = None,
            telegram_options: dict[str, Any] | None = None,
            credentials: dict[str, dict[str, str]] | None = None,
            clock: Callable[[], float] = time.time) -> Iterator[Harness]:
    media_dir = tmp_path / "media"
    media_dir.mkdir(exist_ok=True)
    options = {"check_after_secs": 0, **(x_options or {})}
    with Sandbox(tmp_path / "store", x_options=options, graph_options=graph_options,
                 telegram_options=telegram_options, clock=clock) as sb:
        session = give_up_on_held(build_session(timeout=timeout, routes=sb.routes), sb)
        try:
            yield Harness(name, sb, make_config(tmp_path, timeout=timeout),
                          make_secrets(credentials), session, media_dir)
        finally:
            session.close()


@pytest.fixture(params=PLATFORMS)
def h(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with running(request.param, tmp_path) as harness:
        yield harness


def x_adapter(h: Harness, sleep: Callable[[float], None]) -> TwitterAdapter:
    assert h.config.twitter is not None
    return TwitterAdapter(h.config.twitter, h.secrets, h.session, timeout=ANSWER_TIMEOUT,
                         sleep=sleep)


def saved_progress() -> tuple[Progress, list[list[str]]]:
    saves: list[list[str]] = []
    return Progress(save=saves.append), saves


# -- publishing ----------------------------------------------------------------------------


def test_text_post(h: Harness) -> None:
    progress, saves = saved_progress()
    result = h.adapter().publish(h.rendered("Hoy abrimos a las 8:30. #BMNCuba"), progress)
    [entry] = h.published()
    assert entry["text"] == "Hoy abrimos a las 8:30. #BMNCuba"
    assert result.id == entry["id"]
    assert result.part_ids == (entry["id"],)
    assert result.url == h.url_of(entry["id"])
    # The last part is not saved on its own: the outcome records it (one commit less).
    assert progress.part_ids == [entry["id"]] and saves == []
    assert entry["media"] == []


def test_link_post(h: Harness) -> None:
    link = "https://files.sld.cu/bmn/2026/11/boletin.pdf"
    if h.name == "facebook":
        rendered = h.rendered("Nuevo boletín de la BMN.", link=link)
    elif h.name == "telegram":  # in the text, and the link its preview shows
        rendered = h.rendered(f"Nuevo boletín de la BMN.\n\n{link}", link=link)
    else:  # X has no link field: the renderer puts the address in the text.
        rendered = h.rendered(f"Nuevo boletín de la BMN.\n\n{link}")
    h.adapter().publish(rendered, Progress())
    [entry] = h.published()
    assert entry["text"] == rendered.parts[0].text
    if h.name == "facebook":
        assert entry["link"] == link


def test_single_photo_with_alt_text(h: Harness) -> None:
    photo = h.media("image/jpeg", alt="Fachada de la Biblioteca Médica Nacional")
    result = h.adapter().publish(h.rendered("La BMN en 1965.", media=(photo,)), Progress())
    [entry] = h.published()
    assert (entry["id"], entry["text"]) == (result.id, "La BMN en 1965.")
    assert [(m["media_type"], m["alt_text"]) for m in entry["media"]] == [
        sent_as(h, "image/jpeg", "Fachada de la Biblioteca Médica Nacional")]


def test_several_photos_with_alt_text_each(h: Harness) -> None:
    count = 3 if h.name == "facebook" else 4
    photos = tuple(h.media(alt=f"Foto {i + 1} de la exposición") for i in range(count))
    result = h.adapter().publish(h.rendered("Exposición de libros raros.", media=photos),
                                 Progress())
    [entry] = h.published()
    assert entry["id"] == result.id
    assert [m["alt_text"] for m in entry["media"]] == [alt_sent(h, m.alt) for m in photos]
    if h.name == "facebook":
        uploads = h.requests_to("/v*/*/photos")
        assert len(uploads) == count
        assert all(_form(r)["published"] == "false" for r in uploads)
        feed = _form(h.requests_to("/v*/*/feed")[0])
        assert feed["message"] == "Exposición de libros raros."
        assert [k for k in feed if k.startswith("attached_media")] == [
            f"attached_media[{i}]" for i in range(count)]


def alt_sent(h: Harness, alt: str | None) -> str | None:
    """Telegram has no alt text for photos (docs/telegram.md)."""
    return None if h.name == "telegram" else alt


def sent_as(h: Harness, mime: str, alt: str | None) -> tuple[str, str | None]:
    """A photo as the platform keeps it: Telegram converts every photo (media_type 'photo')."""
    return ("photo" if h.name == "telegram" else mime), alt_sent(h, alt)


def test_photo_without_alt_text(h: Harness) -> None:
    h.adapter().publish(h.rendered("Sin descripción.", media=(h.media(alt=None),)), Progress())
    [entry] = h.published()
    assert entry["media"][0]["alt_text"] is None


def test_whoami(h: Harness) -> None:
    expected = {"facebook": Identity("facebook", PAGE_ID, SANDBOX_ACCOUNTS["facebook"]["name"]),
                "twitter": Identity("twitter", X_USER["user_id"], X_USER["username"]),
                "telegram": Identity("telegram", str(SANDBOX_CHANNEL["id"]), CHANNEL)}[h.name]
    assert h.adapter().whoami() == expected


def test_recent_posts_finds_what_publish_sent(h: Harness) -> None:
    since = datetime.now(UTC) - timedelta(minutes=5)
    adapter = h.adapter()
    first = adapter.publish(h.rendered("Primera publicación"), Progress())
    second = adapter.publish(h.rendered("Segunda publicación"), Progress())
    found = adapter.recent_posts(since)
    assert [p.id for p in found] == [second.id, first.id]
    assert [p.text for p in found] == ["Segunda publicación", "Primera publicación"]
    for post in found:
        assert post.created_at is not None and post.created_at >= since - timedelta(seconds=1)
        assert post.url.startswith("https://")
    assert adapter.recent_posts(datetime.now(UTC) + timedelta(hours=1)) == []


def test_already_published_parts_are_not_sent_again(h: Harness) -> None:
    adapter = h.adapter()
    done = adapter.publish(h.rendered("Ya salió."), Progress())
    before = len(h.fake.requests)
    again = adapter.publish(h.rendered("Ya salió."), Progress(list(done.part_ids)))
    assert again == done
    assert len(h.fake.requests) == before


@pytest.mark.parametrize("platform", PLATFORMS)
def test_missing_credential_names_the_variable(platform: str, tmp_path: Path) -> None:
    with running(platform, tmp_path) as h:
        for key, env in ENV_NAMES[platform].items():
            secrets = {k: v for k, v in h.secrets.items() if k != env}
            with pytest.raises(AuthError) as info:
                build_adapter(platform, h.config, secrets, h.session)
            assert env in info.value.message, key
            assert info.value.sent is False
            assert not any(value in info.value.message for value in h.secrets.values())
        assert h.fake.requests == []


def test_expired_token_is_auth_error(h: Harness) -> None:
    h.expire()
    adapter = h.adapter()
    with pytest.raises(AuthError) as info:
        adapter.publish(h.rendered("No saldrá."), Progress())
    assert info.value.sent is False
    if h.name == "facebook":
        assert "renewed" in info.value.message and "docs/configuration.md" in info.value.message
        assert "TEST_FB_PAGE_TOKEN" in info.value.message
    with pytest.raises(AuthError):
        adapter.whoami()
    assert h.published() == []


def test_invalidated_facebook_token_is_auth_error(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        h.sandbox.graph.token_state = "invalid"
        with pytest.raises(AuthError, match="must be renewed"):
            h.adapter().publish(h.rendered("No saldrá."), Progress())


def test_duplicate_is_rejected_as_duplicate(h: Harness) -> None:
    if h.name == "telegram":
        pytest.skip("Telegram takes the same text twice: nothing to refuse")
    adapter = h.adapter()
    adapter.publish(h.rendered("Texto repetido"), Progress())
    with pytest.raises(Rejected) as info:
        adapter.publish(h.rendered("Texto repetido"), Progress())
    assert info.value.duplicate is True
    assert len(h.published()) == 1


def test_over_length_text_is_rejected_by_the_platform(h: Harness) -> None:
    with pytest.raises(Rejected) as info:
        h.adapter().publish(h.rendered("a" * (h.limit + 1)), Progress())
    assert info.value.duplicate is False
    assert h.published() == []


# -- X only ---------------------------------------------------------------------------------


def test_x_thread_replies_chain(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        photo = h.media(alt="Portada")
        progress = Progress()
        result = h.adapter().publish(h.rendered("Hilo 1/3", "Hilo 2/3", "Hilo 3/3",
                                                media=(photo,)), progress)
        entries = h.published()
        assert [e["text"] for e in entries] == ["Hilo 1/3", "Hilo 2/3", "Hilo 3/3"]
        assert [e["reply_to"] for e in entries] == [None, entries[0]["id"], entries[1]["id"]]
        assert [len(e["media"]) for e in entries] == [1, 0, 0]
        assert result.part_ids == tuple(e["id"] for e in entries) == tuple(progress.part_ids)
        assert result.id == entries[0]["id"]
        found = h.adapter().recent_posts(datetime.now(UTC) - timedelta(minutes=5))
        assert [(p.id, p.reply_to) for p in found] == [
            (entries[2]["id"], entries[1]["id"]), (entries[1]["id"], entries[0]["id"]),
            (entries[0]["id"], None)]


def test_x_thread_resumes_after_interruption(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        def interrupt_after_first(ids: list[str]) -> None:
            if len(ids) == 1:
                h.sandbox.x.faults.add("http503", path="/2/tweets")

        progress = Progress(save=interrupt_after_first)
        rendered = h.rendered("Parte 1", "Parte 2", "Parte 3")
        adapter = h.adapter()
        with pytest.raises(Transient):
            adapter.publish(rendered, progress)
        assert len(progress.part_ids) == 1
        h.sandbox.x.clear_requests()
        result = adapter.publish(rendered, progress)
        entries = h.published()
        assert [e["text"] for e in entries] == ["Parte 1", "Parte 2", "Parte 3"]
        assert entries[1]["reply_to"] == entries[0]["id"]
        assert result.part_ids == tuple(e["id"] for e in entries)
        assert [r.json()["text"] for r in h.requests_to("/2/tweets")] == ["Parte 2", "Parte 3"]


def test_x_resume_with_one_part_done_sends_only_the_rest(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        adapter = h.adapter()
        first = adapter.publish(h.rendered("Uno de dos"), Progress())
        progress = Progress(list(first.part_ids))
        result = adapter.publish(h.rendered("Uno de dos", "Dos de dos"), progress)
        entries = h.published()
        assert [e["text"] for e in entries] == ["Uno de dos", "Dos de dos"]
        assert entries[1]["reply_to"] == first.id
        assert result.id == first.id and result.part_ids == (first.id, entries[1]["id"])


def test_x_video_is_uploaded_in_chunks_and_waits_for_processing(tmp_path: Path) -> None:
    options = {"processing_steps": ("in_progress", "succeeded"), "check_after_secs": 3}
    with running("twitter", tmp_path, x_options=options) as h:
        slept: list[float] = []
        adapter = x_adapter(h, slept.append)
        video = h.media("video/mp4", alt="Visita guiada", data=sample_mp4(9 * 1024 * 1024))
        adapter.publish(h.rendered("Visita guiada a la BMN", media=(video,)), Progress())
        assert slept == [3, 3]  # the waits went through the injected sleep
        [entry] = h.published()
        assert entry["media"][0]["media_type"] == "video/mp4"
        # X takes alt text for images and GIFs only: none is sent for a video.
        assert entry["media"][0]["alt_text"] is None
        assert not h.requests_to("/2/media/metadata")
        calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in h.sandbox.x.requests]
        assert calls == [("POST", "initialize"), ("POST", "append"), ("POST", "append"),
                         ("POST", "append"), ("POST", "finalize"), ("GET", "upload"),
                         ("GET", "upload"), ("POST", "tweets")]
        init = h.sandbox.x.requests[0].json()
        assert init == {"media_type": "video/mp4", "total_bytes": 9 * 1024 * 1024,
                        "media_category": "tweet_video"}
        segments = [p.text for r in h.sandbox.x.requests[1:4] for p in r.multipart()
                    if p.name == "segment_index"]
        assert segments == ["0", "1", "2"]


def test_x_gif_is_uploaded_in_chunks(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        gif = h.media("image/gif", alt="Animación")
        h.adapter().publish(h.rendered("Un GIF", media=(gif,)), Progress())
        [entry] = h.published()
        assert entry["media"][0]["alt_text"] == "Animación"
        assert h.sandbox.x.requests[0].json()["media_category"] == "tweet_gif"


def test_x_image_uses_simple_upload(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        h.adapter().publish(h.rendered("Una foto", media=(h.media(alt="Foto"),)), Progress())
        upload = h.sandbox.x.requests[0]
        assert (upload.method, upload.path) == ("POST", "/2/media/upload")
        fields = {p.name: p for p in upload.multipart()}
        assert fields["media_category"].text == "tweet_image"
        assert fields["media"].content_type == "image/png"
        metadata = h.sandbox.x.requests[1]
        assert metadata.json() == {"id": upload.response_json()["data"]["id"],
                                   "metadata": {"alt_text": {"text": "Foto"}}}


def test_x_media_processing_failure_is_rejected(tmp_path: Path) -> None:
    with running("twitter", tmp_path, x_options={"processing_steps": ("failed",)}) as h:
        video = h.media("video/mp4", alt=None)
        with pytest.raises(Rejected, match="could not process"):
            h.adapter().publish(h.rendered("Vídeo roto", media=(video,)), Progress())
        assert h.published() == []


def test_x_media_processing_wait_is_bounded(tmp_path: Path) -> None:
    options = {"processing_steps": ("pending",), "check_after_secs": 30}
    with running("twitter", tmp_path, x_options=options) as h:
        slept: list[float] = []
        adapter = x_adapter(h, slept.append)
        with pytest.raises(Transient) as info:
            adapter.publish(h.rendered("Vídeo eterno", media=(h.media("video/mp4"),)),
                            Progress())
        assert info.value.sent is False
        assert sum(slept) <= adapter.media.max_wait
        assert h.requests_to("/2/tweets") == []


def test_x_credentials_of_another_account(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        h.config = make_config(tmp_path, username="OtraCuenta")
        with pytest.raises(AuthError, match=r"@BMN_sandbox.*@OtraCuenta"):
            h.adapter().whoami()


# -- Facebook only --------------------------------------------------------------------------


def test_facebook_token_of_another_page(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        h.config = make_config(tmp_path, page_id="100000000000042")
        with pytest.raises(AuthError) as info:
            h.adapter().whoami()
        assert PAGE_ID in info.value.message and "100000000000042" in info.value.message


def test_facebook_token_never_goes_into_urls_or_bodies(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        token = h.secrets["TEST_FB_PAGE_TOKEN"]
        adapter = h.adapter()
        adapter.whoami()
        adapter.publish(h.rendered("Texto"), Progress())
        adapter.publish(h.rendered("Foto", media=(h.media(),)), Progress())
        adapter.publish(h.rendered("Fotos", media=(h.media(), h.media())), Progress())
        adapter.recent_posts(datetime.now(UTC) - timedelta(hours=1))
        recorded = h.sandbox.graph.requests
        assert len(recorded) == 7
        for r in recorded:
            assert token not in r.query_string and token.encode() not in r.body
            assert r.header("Authorization") == f"OAuth {token}"
            assert r.path.startswith("/v23.0/")


def test_facebook_video_is_rejected_before_any_request(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        with pytest.raises(Rejected, match="videos"):
            h.adapter().publish(h.rendered("Vídeo", media=(h.media("video/mp4"),)), Progress())
        assert h.sandbox.graph.requests == []


def test_facebook_recent_posts_follows_pages(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        adapter = h.adapter()
        for i in range(101):
            adapter.publish(h.rendered(f"Publicación {i}"), Progress())
        found = adapter.recent_posts(datetime.now(UTC) - timedelta(hours=1))
        assert [p.text for p in found] == [f"Publicación {i}" for i in reversed(range(101))]
        reads = h.requests_to("/v*/*/published_posts")
        # Graph pages by time after "since": until + __paging_token, no cursors.
        assert len(reads) == 2 and {"until", "__paging_token"} <= set(reads[1].query_dict())


def test_facebook_recent_posts_stop_at_the_window(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 26, 12, tzinfo=UTC).timestamp())
    with running("facebook", tmp_path, clock=clock) as h:
        adapter = h.adapter()
        for i in range(150):
            adapter.publish(h.rendered(f"Antigua {i}"), Progress())
            clock.now += 60
        since = datetime.fromtimestamp(clock.now, UTC)
        clock.now += 60
        for i in range(120):
            adapter.publish(h.rendered(f"Nueva {i}"), Progress())
            clock.now += 60
        found = adapter.recent_posts(since)
        # Graph's next link clears "since": the second page reaches older posts, left out.
        assert [p.text for p in found] == [f"Nueva {i}" for i in reversed(range(120))]
        reads = h.requests_to("/v*/*/published_posts")
        assert len(reads) == 2 and reads[1].query_dict()["since"] == [""]


def test_facebook_recent_posts_hand_a_window_too_long_to_a_person(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bmnsocial.platforms import facebook as fb

    monkeypatch.setattr(fb, "_MAX_READS", 2)
    with running("facebook", tmp_path) as h:
        adapter = h.adapter()
        for i in range(201):
            adapter.publish(h.rendered(f"Publicación {i}"), Progress())
        with pytest.raises(Unconfirmed, match="200"):
            adapter.recent_posts(datetime.now(UTC) - timedelta(hours=1))


# -- the session and the registry -----------------------------------------------------------


def test_build_session_applies_the_default_timeout(tmp_path: Path) -> None:
    with Sandbox() as sb:
        # Held for a minute: without the session's timeout the request would end only then,
        # with a dropped connection (ConnectionError), not a ReadTimeout.
        sb.x.faults.add("timeout", delay=60.0)
        session = build_session(timeout=1.0, routes=sb.routes)
        with pytest.raises(requests.ReadTimeout):
            session.get("https://api.x.com/2/users/me")
        session.close()


def test_build_session_with_routes_keeps_everything_local() -> None:
    with Sandbox() as sb:
        session = build_session(timeout=1.0, routes=sb.routes)
        assert session.trust_env is False
        with pytest.raises(SandboxRoutingError):
            session.get("https://example.org/")
        session.close()


def test_build_session_without_routes_honours_the_environment() -> None:
    session = build_session(timeout=7.0)
    assert session.trust_env is True
    adapter = session.get_adapter("https://graph.facebook.com/")
    assert getattr(adapter, "default_timeout", None) == 7.0
    session.close()


def test_build_adapter_registry(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        assert h.adapter().name == "facebook"
        assert build_adapter("twitter", h.config, h.secrets, h.session).name == "twitter"
        with pytest.raises(KeyError):
            build_adapter("mastodon", h.config, h.secrets, h.session)
        from dataclasses import replace

        with pytest.raises(AuthError, match=r"accounts\.facebook"):
            build_adapter("facebook", replace(h.config, accounts={"twitter": h.config.twitter}),
                          h.secrets, h.session)


def _form(request: RecordedRequest) -> dict[str, str]:
    if request.content_type == "multipart/form-data":
        return {p.name: p.text for p in request.multipart() if p.filename is None}
    return dict(request.form())
