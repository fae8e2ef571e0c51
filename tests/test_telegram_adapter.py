"""The Telegram adapter against the fake Telegram, over real HTTP through our own session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bmnsocial.platforms.base import (
    AuthError,
    CredentialsMissing,
    Progress,
    RateLimited,
    Rejected,
    Transient,
    Unconfirmed,
)
from bmnsocial.platforms.http import build_session
from bmnsocial.platforms.rendered import Part, Rendered, RenderedMedia
from bmnsocial.platforms.telegram import (
    MAX_PROBES,
    MISSING_RUN,
    TelegramAccount,
    TelegramAdapter,
    TelegramSpec,
)
from bmnsocial.posts.media import MediaInfo
from bmnsocial.publish.publisher import find_parts
from bmnsocial.sandbox.fake_telegram import (
    SANDBOX_BOT_TOKEN,
    SANDBOX_CHANNEL,
    SANDBOX_CHECK_CHAT,
    FakeTelegram,
)
from bmnsocial.sandbox.testing import sample_gif, sample_jpeg, sample_png
from tests.helpers import ANSWER_TIMEOUT, FakeClock

pytestmark = pytest.mark.usefixtures("no_leaked_threads")

CHANNEL = f"@{SANDBOX_CHANNEL['username']}"
ENV = "TEST_TELEGRAM_TOKEN"
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@dataclass
class World:
    fake: FakeTelegram
    session: requests.Session
    media_dir: Path
    clock: FakeClock
    known: list[int | None] = field(default_factory=lambda: [0])

    def adapter(self, *, check_chat: str | None = str(SANDBOX_CHECK_CHAT["id"]),
                token: str = SANDBOX_BOT_TOKEN) -> TelegramAdapter:
        return TelegramAdapter(TelegramAccount(CHANNEL, ENV, check_chat), {ENV: token},
                               self.session, timeout=ANSWER_TIMEOUT,
                               now=lambda: datetime.fromtimestamp(self.clock.now, UTC),
                               last_known_id=lambda: self.known[0])

    def photo(self, data: bytes = b"", mime: str = "image/png") -> RenderedMedia:
        data = data or sample_png()
        suffix = {"image/png": "png", "image/jpeg": "jpg"}[mime]
        path = self.media_dir / f"p{len(list(self.media_dir.iterdir()))}.{suffix}"
        path.write_bytes(data)
        return RenderedMedia(MediaInfo(path, path.name, mime, len(data)), "Sala", ("media", 0))

    def channel(self) -> list[dict[str, Any]]:
        return self.fake.published()

    def admin(self, action: str, **body: Any) -> None:
        self.session.post(f"{self.fake.base_url}/__sandbox__/{action}", json=body)


def rendered(*texts: str, link: str | None = None,
             media: tuple[RenderedMedia, ...] = ()) -> Rendered:
    parts = tuple(Part(text, ("text",), len(text), 4096, media if i == 0 else ())
                  for i, text in enumerate(texts))
    return Rendered("2026-12-03-prueba", "telegram", parts, link)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock(NOW.timestamp())
    media = tmp_path / "media"
    media.mkdir()
    with FakeTelegram(store_path=tmp_path / "tg.sqlite3", clock=clock,
                      messages_per_minute=1000) as fake:
        session = build_session(timeout=ANSWER_TIMEOUT,
                                routes={"https://api.telegram.org": fake.base_url})
        yield World(fake, session, media, clock)
        session.close()


def test_the_bot_must_administer_the_channel_with_the_right_to_post(world: World) -> None:
    identity = world.adapter().whoami()
    assert (identity.platform, identity.id, identity.name) == (
        "telegram", str(SANDBOX_CHANNEL["id"]), CHANNEL)
    world.admin("bot", status="administrator", can_post_messages=False)
    with pytest.raises(AuthError) as info:
        world.adapter().whoami()
    assert "not an administrator" in info.value.message and not info.value.sent
    world.admin("bot", status="administrator", can_post_messages=True)
    world.admin("channel", has_protected_content=True)
    with pytest.raises(AuthError, match="Restrict saving content"):
        world.adapter().whoami()


def test_no_token_holds_the_post_and_names_the_variable(world: World) -> None:
    with pytest.raises(CredentialsMissing, match=ENV):
        world.adapter(token="")


def test_the_text_goes_out_exactly_as_written(world: World) -> None:
    text = "Salud & ciencia: 3 < 5, <b>no es negrita</b>. https://bmn.sld.cu/cat #BMNCuba"
    published = world.adapter().publish(rendered(text, link="https://bmn.sld.cu/cat"),
                                        Progress())
    assert published.url == f"https://t.me/{SANDBOX_CHANNEL['username']}/1"
    assert [m["text"] for m in world.channel()] == [text]
    sent = next(r for r in world.fake.requests if r.path.endswith("/sendMessage")).form()
    assert dict(sent)["link_preview_options"] == '{"url":"https://bmn.sld.cu/cat"}'
    assert "parse_mode" not in dict(sent)


def test_a_thread_is_messages_each_replying_to_the_one_before(world: World) -> None:
    published = world.adapter().publish(rendered("1/3", "2/3", "3/3"), Progress())
    assert published.part_ids == ("1", "2", "3")
    assert [m["reply_to"] for m in world.channel()] == [None, 1, 2]


def test_an_interrupted_thread_goes_on_from_the_last_part(world: World) -> None:
    first = world.adapter().publish(rendered("1/2"), Progress())
    resumed = world.adapter().publish(rendered("1/2", "2/2"), Progress([first.id]))
    assert resumed.part_ids == ("1", "2")
    assert [(m["text"], m["reply_to"]) for m in world.channel()] == [("1/2", None),
                                                                     ("2/2", 1)]


def test_a_photo_carries_the_text_as_its_caption(world: World) -> None:
    world.adapter().publish(rendered("Sala de lectura", media=(world.photo(sample_jpeg(),
                                                                           "image/jpeg"),)),
                            Progress())
    [message] = world.channel()
    assert message["text"] == "Sala de lectura" and len(message["media"]) == 1


def test_two_to_ten_photos_are_one_album_with_the_caption_on_the_first(world: World) -> None:
    photos = tuple(world.photo() for _ in range(3))
    published = world.adapter().publish(rendered("Nuevos libros", media=photos), Progress())
    messages = world.channel()
    assert len(messages) == 3 and len({m["media_group_id"] for m in messages}) == 1
    assert [m["text"] for m in messages] == ["Nuevos libros", None, None]
    assert published.id == "1"


def test_429_waits_as_long_as_telegram_says(world: World) -> None:
    world.fake.faults.add("http429", path="/bot*/sendMessage", delay=42)
    with pytest.raises(RateLimited) as info:
        world.adapter().publish(rendered("hola"), Progress())
    assert info.value.retry_at == NOW + timedelta(seconds=42)
    assert not info.value.sent


@pytest.mark.parametrize(("setup", "error", "sent"), [
    ({"auth": {"state": "revoked"}}, AuthError, False),
    ({"bot": {"status": "left"}}, AuthError, False),
    ({"bot": {"status": "member"}}, AuthError, False),
])
def test_what_a_person_must_fix_is_never_retried(world: World, setup: dict[str, Any],
                                                 error: type[Exception], sent: bool) -> None:
    for action, body in setup.items():
        world.admin(action, **body)
    with pytest.raises(error) as info:
        world.adapter().publish(rendered("hola"), Progress())
    assert info.value.sent is sent
    assert world.channel() == []


def test_a_refused_text_is_rejected_in_telegrams_own_words(world: World) -> None:
    with pytest.raises(Rejected, match="message is too long"):
        world.adapter().publish(rendered("a" * 4097), Progress())


def test_a_gateway_page_or_a_cut_connection_may_have_been_sent(world: World) -> None:
    world.fake.faults.add("http503", path="/bot*/sendMessage")
    with pytest.raises(Transient) as info:
        world.adapter().publish(rendered("hola"), Progress())
    assert info.value.sent
    world.fake.faults.add("reset", path="/bot*/sendMessage")
    with pytest.raises(Transient) as cut:
        world.adapter().publish(rendered("hola"), Progress())
    assert cut.value.sent
    secret = SANDBOX_BOT_TOKEN.split(":", 1)[1]
    assert secret not in info.value.message and secret not in cut.value.message
    assert secret not in str(cut.value)


def test_a_send_whose_answer_was_lost_is_found_by_forwarding(world: World) -> None:
    adapter = world.adapter()
    adapter.publish(rendered("antes"), Progress())
    world.known[0] = 1
    world.fake.faults.add("lost_response", path="/bot*/sendMessage")
    post = rendered("¿llegó?")
    with pytest.raises(Transient) as info:
        adapter.publish(post, Progress())
    assert info.value.sent
    remote = adapter.recent_posts(NOW - timedelta(minutes=5))
    assert [(p.id, p.text) for p in remote] == [("2", "¿llegó?")]
    assert remote[0].url == f"https://t.me/{SANDBOX_CHANNEL['username']}/2"
    assert find_parts(post, remote, []) == (["2"], 0)
    forwards = [r for r in world.fake.requests if r.path.endswith("/forwardMessage")]
    assert len(forwards) == 1 + MISSING_RUN
    # The copies in the administrator's chat are removed again.
    assert world.fake.store.items("telegram", ["message"], str(SANDBOX_CHECK_CHAT["id"]))
    assert all(not i.published for i in world.fake.store.items(
        "telegram", ["message"], str(SANDBOX_CHECK_CHAT["id"])))


def test_a_send_that_never_arrived_is_found_absent(world: World) -> None:
    world.fake.faults.add("reset", path="/bot*/sendMessage")
    with pytest.raises(Transient):
        world.adapter().publish(rendered("nunca"), Progress())
    assert world.adapter().recent_posts(NOW - timedelta(minutes=5)) == []


def test_without_a_check_chat_or_past_the_search_limit_a_person_looks(world: World) -> None:
    with pytest.raises(Unconfirmed, match="check_chat"):
        world.adapter(check_chat=None).recent_posts(NOW)
    adapter = world.adapter()
    for n in range(MAX_PROBES + 1):
        adapter.publish(rendered(f"n{n}"), Progress())
    with pytest.raises(Unconfirmed, match="look at the channel"):
        adapter.recent_posts(NOW)


def test_the_spec_says_what_telegram_refuses(tmp_path: Path) -> None:
    def media(mime: str, data: bytes, size: int | None = None) -> RenderedMedia:
        path = tmp_path / f"m{len(list(tmp_path.iterdir()))}"
        path.write_bytes(data)
        return RenderedMedia(MediaInfo(path, path.name, mime, size or len(data)), None,
                             ("media", 0))

    spec = TelegramSpec()
    png = media("image/png", sample_png())
    codes = lambda r: sorted(f.code for f in spec.check(r))  # noqa: E731
    assert codes(rendered("a" * 4096)) == []
    assert codes(rendered("a" * 4097)) == ["TG-LENGTH"]
    assert codes(rendered("a" * 1024, media=(png,))) == []
    assert codes(rendered("a" * 1025, media=(png,))) == ["TG-LENGTH"]
    assert codes(rendered("x", media=(png,) * 11)) == ["TG-MEDIA-COUNT"]
    assert codes(rendered("x", media=(media("image/gif", sample_gif()),))) == ["TG-MEDIA-TYPE"]
    assert codes(rendered("x", media=(media("image/png", sample_png(), 10_000_001),))) == [
        "TG-MEDIA-SIZE"]
    assert codes(rendered("")) == ["TG-EMPTY"]
