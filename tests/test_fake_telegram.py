"""The fake Telegram, over real HTTP, held against the Bot API description.

The answers are checked with a reader of ``tests/contract/telegram-bot-api.subset.json``
written here, not with the fake's own checker.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bmnsocial.platforms.routing import mount_routes
from bmnsocial.sandbox.fake_telegram import (
    SANDBOX_BOT_TOKEN,
    SANDBOX_CHANNEL,
    SANDBOX_CHECK_CHAT,
    FakeTelegram,
)
from bmnsocial.sandbox.testing import sample_jpeg, sample_png
from tests.helpers import ANSWER_TIMEOUT, FakeClock

pytestmark = pytest.mark.usefixtures("no_leaked_threads")

CONTRACT = Path(__file__).parent / "contract"
SPEC = json.loads((CONTRACT / "telegram-bot-api.subset.json").read_text(encoding="utf-8"))
API = f"https://api.telegram.org/bot{SANDBOX_BOT_TOKEN}"
CHANNEL = f"@{SANDBOX_CHANNEL['username']}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(tmp_path: Path, clock: FakeClock) -> Iterator[FakeTelegram]:
    with FakeTelegram(store_path=tmp_path / "tg.sqlite3", clock=clock) as server:
        yield server


@pytest.fixture
def session(fake: FakeTelegram) -> Iterator[requests.Session]:
    s = requests.Session()
    mount_routes(s, {"https://api.telegram.org": fake.base_url}, default_timeout=ANSWER_TIMEOUT)
    yield s
    s.close()


# -- a reader of the Bot API description, independent of the fake --------------------
def _conforms(value: Any, kind: str, path: str = "$") -> list[str]:
    if kind.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__} instead of an array"]
        return [p for i, v in enumerate(value) for p in _conforms(v, kind[9:], f"{path}[{i}]")]
    checks = {"Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "String": lambda v: isinstance(v, str), "Boolean": lambda v: isinstance(v, bool),
              "True": lambda v: v is True,
              "Float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
    if kind in checks:
        return [] if checks[kind](value) else [f"{path}: {value!r} is not {kind}"]
    node = SPEC["types"][kind]
    if node.get("subtypes"):
        found = [_conforms(value, sub, path) for sub in node["subtypes"]]
        return [] if any(not f for f in found) else [f"{path}: matches no subtype of {kind}"]
    if not isinstance(value, dict):
        return [f"{path}: not an object ({kind})"]
    problems = [f"{path}.{key}: not a field of {kind}" for key in value
                if key not in {f["name"] for f in node["fields"]}]
    for field in node["fields"]:
        if field["name"] not in value:
            if field["required"]:
                problems.append(f"{path}.{field['name']}: required by {kind}, missing")
            continue
        options = [_conforms(value[field["name"]], t, f"{path}.{field['name']}")
                   for t in field["types"]]
        if all(options):
            problems.extend(options[0])
    return problems


def call(session: requests.Session, method: str, **kwargs: Any) -> requests.Response:
    return session.post(f"{API}/{method}", **kwargs)


def ok(session: requests.Session, method: str, **kwargs: Any) -> Any:
    answer = call(session, method, **kwargs)
    body = answer.json()
    assert answer.status_code == 200 and body["ok"] is True, body
    assert set(body) == {"ok", "result"}
    returns = SPEC["methods"][method]["returns"]
    problems = [_conforms(body["result"], kind) for kind in returns]
    assert any(not p for p in problems), problems
    return body["result"]


def refused(session: requests.Session, method: str, status: int, **kwargs: Any) -> str:
    answer = call(session, method, **kwargs)
    body = answer.json()
    assert answer.status_code == status, body
    assert body["ok"] is False and body["error_code"] == status
    assert set(body) <= {"ok", "error_code", "description", "parameters"}
    assert _conforms(body.get("parameters", {}), "ResponseParameters") == []
    description: str = body["description"]
    return description


# -- the generated data is the description's ------------------------------------------
def test_the_fakes_spec_data_is_generated_from_the_vendored_description() -> None:
    spec = importlib.util.spec_from_file_location("vendor_telegram",
                                                  CONTRACT / "vendor_telegram.py")
    assert spec is not None and spec.loader is not None
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    generated = Path(__file__).parent.parent / "bmnsocial" / "sandbox" / "telegram_spec.py"
    assert generated.read_text(encoding="utf-8") == vendor.generated(SPEC)


def test_every_method_the_fake_serves_is_in_the_description(session: requests.Session) -> None:
    from bmnsocial.sandbox import telegram_spec

    assert set(telegram_spec.METHODS) <= set(SPEC["methods"])
    assert refused(session, "sendTelepathy", 404) == "Not Found"


# -- requests as the Bot API takes them -------------------------------------------------
def test_a_message_in_each_request_form(session: requests.Session, fake: FakeTelegram) -> None:
    by_form = ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "uno"})
    by_json = ok(session, "sendMessage", json={"chat_id": SANDBOX_CHANNEL["id"], "text": "dos"})
    by_query = session.get(f"{API}/sendmessage",
                           params={"chat_id": CHANNEL, "text": "tres"}).json()["result"]
    assert [m["message_id"] for m in (by_form, by_json, by_query)] == [1, 2, 3]
    assert by_form["chat"] == {"id": SANDBOX_CHANNEL["id"], "title": SANDBOX_CHANNEL["title"],
                               "username": SANDBOX_CHANNEL["username"], "type": "channel"}
    assert by_form["sender_chat"] == by_form["chat"]
    assert [p["url"] for p in fake.published()] == [
        f"https://t.me/{SANDBOX_CHANNEL['username']}/{n}" for n in (1, 2, 3)]


def test_message_ids_are_never_reused(session: requests.Session, fake: FakeTelegram,
                                      tmp_path: Path, clock: FakeClock) -> None:
    first = ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "uno"})
    assert ok(session, "deleteMessage", data={"chat_id": CHANNEL,
                                              "message_id": first["message_id"]}) is True
    assert ok(session, "sendMessage", data={"chat_id": CHANNEL,
                                            "text": "dos"})["message_id"] == 2
    with FakeTelegram(store_path=tmp_path / "tg.sqlite3", clock=clock) as again:
        s = requests.Session()
        mount_routes(s, {"https://api.telegram.org": again.base_url},
                     default_timeout=ANSWER_TIMEOUT)
        assert ok(s, "sendMessage", data={"chat_id": CHANNEL, "text": "tres"})["message_id"] == 3
        s.close()


@pytest.mark.parametrize(("params", "description"), [
    ({"text": "hola"}, "Bad Request: chat_id is empty"),
    ({"chat_id": CHANNEL}, "Bad Request: message text is empty"),
    ({"chat_id": CHANNEL, "text": "   "}, "Bad Request: message text is empty"),
    ({"chat_id": "@otro_canal", "text": "hola"}, "Bad Request: chat not found"),
    ({"chat_id": CHANNEL, "text": "hola", "reply_parameters": "{"},
     "Bad Request: can't parse reply_parameters JSON object"),
    ({"chat_id": CHANNEL, "text": "hola", "reply_parameters": '{"chat_id": 1}'},
     "Bad Request: can't parse reply_parameters JSON object"),
    ({"chat_id": CHANNEL, "text": "hola", "disable_notification": "quizás"},
     "Bad Request: invalid disable_notification specified"),
])
def test_what_a_message_must_have(session: requests.Session, params: dict[str, str],
                                  description: str) -> None:
    assert refused(session, "sendMessage", 400, data=params) == description


def test_text_length_is_counted_after_parsing_in_code_points(session: requests.Session) -> None:
    ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "😀" * 4096})
    ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "<b>" + "a" * 4096 + "</b>",
                                     "parse_mode": "HTML"})
    assert refused(session, "sendMessage", 400, data={"chat_id": CHANNEL, "text": "a" * 4097}
                   ) == "Bad Request: message is too long"


def test_html_must_be_escaped_as_the_bot_api_says(session: requests.Session) -> None:
    sent = ok(session, "sendMessage", data={
        "chat_id": CHANNEL, "parse_mode": "HTML",
        "text": "Salud &amp; ciencia: 3 &lt; 5 <a href=\"https://bmn.sld.cu/?a=1&amp;b=2\">BMN"
                "</a> <b>hoy</b> 😀 #BMNCuba"})
    assert sent["text"] == "Salud & ciencia: 3 < 5 BMN hoy 😀 #BMNCuba"
    types = {e["type"]: e for e in sent["entities"]}
    assert types["text_link"]["url"] == "https://bmn.sld.cu/?a=1&b=2"
    assert types["bold"] == {"type": "bold", "offset": 27, "length": 3}
    # UTF-16 offsets: the emoji counts 2.
    assert types["hashtag"] == {"type": "hashtag", "offset": 34, "length": 8}
    for text in ("3 < 5", "Salud & ciencia", "<blink>no</blink>", "<b>sin cerrar"):
        assert refused(session, "sendMessage", 400, data={
            "chat_id": CHANNEL, "text": text, "parse_mode": "HTML"}).startswith(
                "Bad Request: can't parse entities:")


def test_markdown_v2_reserved_characters_must_be_escaped(session: requests.Session) -> None:
    sent = ok(session, "sendMessage", data={
        "chat_id": CHANNEL, "parse_mode": "MarkdownV2",
        "text": r"*Horario:* 8\-16 h\. [Catálogo](https://bmn.sld.cu/cat)"})
    assert sent["text"] == "Horario: 8-16 h. Catálogo"
    assert {e["type"] for e in sent["entities"]} == {"bold", "text_link"}
    assert "Character '.' is reserved" in refused(session, "sendMessage", 400, data={
        "chat_id": CHANNEL, "text": "Abierto hoy.", "parse_mode": "MarkdownV2"})


def test_plain_text_needs_no_escaping(session: requests.Session) -> None:
    text = "3 < 5 & <b>no es negrita</b>. https://bmn.sld.cu #BMNCuba"
    sent = ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": text})
    assert sent["text"] == text
    assert [e["type"] for e in sent["entities"]] == ["url", "hashtag"]


def test_a_photo_with_its_caption(session: requests.Session, fake: FakeTelegram) -> None:
    sent = ok(session, "sendPhoto", data={"chat_id": CHANNEL, "caption": "Sala de lectura"},
              files={"photo": ("sala.jpg", sample_jpeg(), "image/jpeg")})
    assert sent["caption"] == "Sala de lectura"
    assert sent["photo"][0]["width"] <= 90 and sent["photo"][-1]["file_id"]
    again = ok(session, "sendPhoto", data={"chat_id": CHANNEL,
                                           "photo": sent["photo"][-1]["file_id"]})
    assert again["photo"] == sent["photo"]
    assert refused(session, "sendPhoto", 400, files={"photo": ("x.jpg", sample_jpeg())},
                   data={"chat_id": CHANNEL, "caption": "a" * 1025}
                   ) == "Bad Request: message caption is too long"
    assert refused(session, "sendPhoto", 400, data={"chat_id": CHANNEL}
                   ) == "Bad Request: there is no photo in the request"
    assert refused(session, "sendPhoto", 400, data={"chat_id": CHANNEL},
                   files={"photo": ("x.jpg", b"not an image")}
                   ) == "Bad Request: IMAGE_PROCESS_FAILED"
    assert fake.published()[0]["media"][0]["media_type"] == "photo"


def test_an_album_has_two_to_ten_photos_and_one_group(session: requests.Session) -> None:
    def album(count: int, caption: str = "Nuevos libros") -> requests.Response:
        media = [{"type": "photo", "media": f"attach://f{i}"} for i in range(count)]
        if media:
            media[0]["caption"] = caption
        files = {f"f{i}": (f"{i}.png", sample_png(), "image/png") for i in range(count)}
        return call(session, "sendMediaGroup",
                    data={"chat_id": CHANNEL, "media": json.dumps(media)}, files=files)

    answer = album(3)
    assert answer.status_code == 200, answer.text
    messages = answer.json()["result"]
    assert [m["message_id"] for m in messages] == [1, 2, 3]
    assert len({m["media_group_id"] for m in messages}) == 1
    assert [m.get("caption") for m in messages] == ["Nuevos libros", None, None]
    for count in (1, 11):
        body = album(count).json()
        assert body["ok"] is False and body["error_code"] == 400
    assert album(2, "a" * 1025).json()["description"] == \
        "Bad Request: message caption is too long"


def test_a_thread_replies_to_the_message_before(session: requests.Session) -> None:
    first = ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "1/2"})
    second = ok(session, "sendMessage", json={
        "chat_id": CHANNEL, "text": "2/2", "reply_parameters": {"message_id":
                                                                first["message_id"]}})
    assert second["reply_to_message"]["message_id"] == first["message_id"]
    assert refused(session, "sendMessage", 400, json={
        "chat_id": CHANNEL, "text": "x", "reply_parameters": {"message_id": 99}}
                   ) == "Bad Request: message to be replied not found"


def test_forwarding_tells_whether_a_message_exists(session: requests.Session) -> None:
    sent = ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "¿llegó?"})
    copy = ok(session, "forwardMessage", data={"chat_id": SANDBOX_CHECK_CHAT["id"],
                                               "from_chat_id": CHANNEL,
                                               "message_id": sent["message_id"]})
    assert copy["text"] == "¿llegó?"
    assert copy["forward_origin"]["message_id"] == sent["message_id"]
    assert refused(session, "forwardMessage", 400, data={
        "chat_id": SANDBOX_CHECK_CHAT["id"], "from_chat_id": CHANNEL,
        "message_id": sent["message_id"] + 1}) == "Bad Request: message to forward not found"
    ok(session, "deleteMessage", data={"chat_id": CHANNEL, "message_id": sent["message_id"]})
    assert refused(session, "copyMessage", 400, data={
        "chat_id": SANDBOX_CHECK_CHAT["id"], "from_chat_id": CHANNEL,
        "message_id": sent["message_id"]}) == "Bad Request: message to copy not found"


def test_an_identical_edit_is_refused_without_a_change(session: requests.Session) -> None:
    sent = ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "Horario"})
    assert refused(session, "editMessageText", 400, data={
        "chat_id": CHANNEL, "message_id": sent["message_id"], "text": "Horario"}
                   ).startswith("Bad Request: message is not modified")
    edited = ok(session, "editMessageText", data={
        "chat_id": CHANNEL, "message_id": sent["message_id"], "text": "Horario nuevo"})
    assert edited["text"] == "Horario nuevo" and "edit_date" in edited


def test_about_twenty_messages_a_minute_then_retry_after(
        session: requests.Session, clock: FakeClock) -> None:
    for n in range(20):
        ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": f"n{n}"})
    answer = call(session, "sendMessage", data={"chat_id": CHANNEL, "text": "otro"})
    body = answer.json()
    assert answer.status_code == 429
    assert body["description"] == f"Too Many Requests: retry after " \
                                  f"{body['parameters']['retry_after']}"
    assert 1 <= body["parameters"]["retry_after"] <= 61
    clock.now += body["parameters"]["retry_after"]
    ok(session, "sendMessage", data={"chat_id": CHANNEL, "text": "otro"})


def test_a_bot_posts_only_as_an_administrator_who_can_post(
        session: requests.Session, fake: FakeTelegram) -> None:
    member = ok(session, "getChatMember", data={"chat_id": CHANNEL, "user_id": fake.bot_id})
    assert member["status"] == "administrator" and member["can_post_messages"] is True
    session.post(f"{fake.base_url}/__sandbox__/bot", json={"status": "administrator",
                                                           "can_post_messages": False})
    assert refused(session, "sendMessage", 400, data={"chat_id": CHANNEL, "text": "x"}
                   ) == "Bad Request: need administrator rights in the channel chat"
    session.post(f"{fake.base_url}/__sandbox__/bot", json={"status": "left"})
    assert refused(session, "sendMessage", 403, data={"chat_id": CHANNEL, "text": "x"}
                   ) == "Forbidden: bot is not a member of the channel chat"
    assert ok(session, "getChatMember", data={"chat_id": CHANNEL,
                                              "user_id": fake.bot_id})["status"] == "left"


def test_a_wrong_or_revoked_token_is_401(session: requests.Session,
                                         fake: FakeTelegram) -> None:
    answer = session.post("https://api.telegram.org/bot1:wrong/getMe")
    assert (answer.status_code, answer.json()["description"]) == (401, "Unauthorized")
    assert ok(session, "getMe")["username"] == "bmn_sandbox_bot"
    session.post(f"{fake.base_url}/__sandbox__/auth", json={"state": "revoked"})
    assert refused(session, "getMe", 401) == "Unauthorized"


def test_chat_answers_follow_the_description(session: requests.Session) -> None:
    ok(session, "getChat", data={"chat_id": CHANNEL})
    ok(session, "getChatAdministrators", data={"chat_id": CHANNEL})


def test_the_token_never_leaves_through_the_admin_api(session: requests.Session,
                                                      fake: FakeTelegram) -> None:
    ok(session, "getMe")
    summaries = session.get(f"{fake.base_url}/__sandbox__/requests").json()["data"]
    assert summaries[0]["path"] == "/bot<redacted>/getMe"
    secret = SANDBOX_BOT_TOKEN.split(":", 1)[1]
    assert secret not in json.dumps(summaries)


def test_planned_faults_answer_as_telegram(session: requests.Session,
                                           fake: FakeTelegram) -> None:
    fake.faults.add("http429", path="/bot*/sendMessage", delay=7)
    body = call(session, "sendMessage", data={"chat_id": CHANNEL, "text": "x"}).json()
    assert body == {"ok": False, "error_code": 429,
                    "description": "Too Many Requests: retry after 7",
                    "parameters": {"retry_after": 7}}
    fake.faults.add("http503", path="/bot*/sendMessage")
    answer = call(session, "sendMessage", data={"chat_id": CHANNEL, "text": "x"})
    assert answer.status_code == 502 and re.search("Bad Gateway", answer.text)
