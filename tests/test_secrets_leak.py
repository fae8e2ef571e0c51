"""No credential value in any log line, error message or file, through every fault kind.

The fakes are started with distinctive credentials of our own; every library logs at DEBUG
(tweepy, requests-oauthlib and oauthlib log tokens and signatures; urllib3 logs URLs),
with the redaction installed as the application installs it.
"""

from __future__ import annotations

import io
import logging
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from bmnsocial import secrets
from bmnsocial.platforms.base import Progress, PublishError
from bmnsocial.platforms.http import build_session, transient_from
from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS
from bmnsocial.sandbox.platforms import Sandbox
from tests.helpers import ANSWER_TIMEOUT, HOLD
from tests.test_adapters import PLATFORMS, Harness, running

CREDENTIALS = {
    "x": {
        "consumer_key": "lkCKFakeLeakTestConsumerKey",
        "consumer_secret": "lkCSFakeLeakTestConsumerSecretXXXXXXXXXXXXXXXXXXXXXX",
        "access_token": f"{SANDBOX_ACCOUNTS['x']['user_id']}-lkATFakeLeakTestAccessToken",
        "access_token_secret": "lkATSFakeLeakTestAccessTokenSecretXXXXXXXXXXXXX",
        "bearer_token": "lkBTFakeLeakTestOAuth2UserTokenXXXXXXXXXXXXXXXXXXXXXX",
    },
    "facebook": {
        "page_id": SANDBOX_ACCOUNTS["facebook"]["page_id"],
        "page_access_token": "EAAFake-leak-test-page-access-token",
    },
    "telegram": {"bot_token": "7700000002:lkTGFakeLeakTestBotTokenXXXXXXXXXXXXXXXXXX"},
}
SECRET_VALUES = [v for platform in CREDENTIALS.values() for k, v in platform.items()
                 if k != "page_id"]
# Every form a value could take on the wire or in a log line.
NEEDLES = sorted({form for v in SECRET_VALUES for form in (v, quote(v, safe=""))})
LOGGERS = ("", "urllib3", "requests", "requests_oauthlib", "oauthlib", "tweepy", "facebook",
           "bmnsocial")


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[tuple[io.StringIO, Path]]:
    stream = io.StringIO()
    log_file = tmp_path / "debug.log"
    handlers: list[logging.Handler] = [logging.StreamHandler(stream),
                                       logging.FileHandler(log_file, encoding="utf-8")]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.setLevel(logging.DEBUG)
        root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    secrets.register(*SECRET_VALUES)
    secrets.install_log_redaction()
    try:
        yield stream, log_file
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def sandbox_options() -> dict[str, Any]:
    x = {k: v for k, v in CREDENTIALS["x"].items()}
    return {"x_options": x,
            "graph_options": {"page_access_token": CREDENTIALS["facebook"]["page_access_token"]},
            "telegram_options": {"bot_token": CREDENTIALS["telegram"]["bot_token"]},
            "credentials": CREDENTIALS}


def exception_texts(exc: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(exc))]
    current: BaseException | None = exc
    while current is not None:
        texts += [str(current), repr(current), str(getattr(current, "message", ""))]
        current = current.__cause__ or current.__context__
    return texts


def leaks(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def exercise(h: Harness, errors: list[BaseException], kind: str | None) -> None:
    """whoami, a text post, a photo post and a read, each with ``kind`` on its first call."""
    adapter = h.adapter()
    operations = [
        adapter.whoami,
        lambda: adapter.publish(h.rendered(f"Texto con {kind}"), Progress()),
        lambda: adapter.publish(h.rendered(f"Foto con {kind}", media=(h.media(),)), Progress()),
        lambda: adapter.recent_posts(datetime.now(UTC) - timedelta(hours=1)),
    ]
    for operation in operations:
        if kind is not None:
            h.fake.faults.add(kind, delay=HOLD if kind == "timeout" else 0.05)
        try:
            operation()
        except PublishError as exc:
            errors.append(exc)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_secret_leaks_through_any_fault(platform: str, tmp_path: Path,
                                           debug_log: tuple[io.StringIO, Path]) -> None:
    stream, log_file = debug_log
    errors: list[BaseException] = []
    with running(platform, tmp_path, **sandbox_options()) as h:
        assert all(v in h.secrets.values() for v in {
            "facebook": [CREDENTIALS["facebook"]["page_access_token"]],
            "twitter": [CREDENTIALS["x"][k] for k in ("consumer_key", "access_token")],
            "telegram": [CREDENTIALS["telegram"]["bot_token"]]}[platform])
        for kind in [None, "http500", "http503", "http429", "timeout", "reset", "html",
                     "latency", "lost_response"]:
            exercise(h, errors, kind)
        # The same text twice in a row: the second is a duplicate (Graph: consecutive posts;
        # Telegram takes it, and refuses a text over its limit instead).
        h.adapter().publish(h.rendered("Texto repetido"), Progress())
        for failing in (lambda: h.adapter().publish(h.rendered("Texto repetido"), Progress()),
                        lambda: h.adapter().publish(h.rendered("a" * (h.limit + 1)),
                                                    Progress()),
                        lambda: (h.expire(), h.adapter().whoami()),
                        lambda: h.adapter(**{k: "" for k in h.secrets})):
            try:
                failing()
            except PublishError as exc:
                errors.append(exc)
        # Nothing answers at all: connection errors carry the URL in their message.
        routes = {origin: "http://127.0.0.1:9" for origin in h.sandbox.routes}
        h.session = build_session(timeout=ANSWER_TIMEOUT, routes=routes)
        exercise(h, errors, None)
        h.session.close()
        # The publications really happened and the libraries really logged.
        assert h.published()
    logged = stream.getvalue()
    assert "urllib3.connectionpool DEBUG" in logged
    if platform == "twitter":
        assert "requests_oauthlib" in logged and "tweepy" in logged
        assert secrets.MASK in logged  # the OAuth lines were there, and masked
    assert len(errors) >= 9 * 3
    assert {type(e).__name__ for e in errors} == {"Transient", "RateLimited", "Rejected",
                                                  "AuthError", "CredentialsMissing"}
    assert leaks(logged) == []
    assert leaks(log_file.read_text(encoding="utf-8")) == []
    for exc in errors:
        for text in exception_texts(exc):
            assert leaks(text) == [], text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert [n for n in NEEDLES if n.encode() in data] == [], path


def test_redaction_covers_facebook_sdk_tokens_in_urls(
        tmp_path: Path, debug_log: tuple[io.StringIO, Path]) -> None:
    """facebook-sdk used directly puts the token in GET URLs: urllib3's DEBUG line and a
    ConnectionError's message then hold it; the log redaction and transient_from mask it."""
    import facebook

    stream, _ = debug_log
    token = CREDENTIALS["facebook"]["page_access_token"]
    with Sandbox(graph_options={"page_access_token": token}) as sb:
        session = build_session(timeout=ANSWER_TIMEOUT, routes=sb.routes)
        graph = facebook.GraphAPI(access_token=token, timeout=ANSWER_TIMEOUT, session=session)
        graph.version = "v23.0"
        assert graph.get_object("me")["id"] == CREDENTIALS["facebook"]["page_id"]
        assert token in sb.graph.requests[-1].query_string  # the SDK did put it in the URL
        sb.graph.faults.add("reset")
        with pytest.raises(requests.ConnectionError) as info:
            graph.get_object("me")
        session.close()
    assert "access_token=" in stream.getvalue()
    assert leaks(stream.getvalue()) == []
    message = transient_from(info.value, "Facebook: checking the Page token").message
    assert leaks(message) == []


def test_every_spelling_of_a_secret_is_masked() -> None:
    token = "EAAq7Z+token/with=odd&chars"
    secrets.register(token)
    once = quote(token, safe="")
    for text in (token, repr(token + "\n"), once, quote(once, safe=""),
                 f"oauth_consumer_key={once}&x", f"oauth_token%3D{once}%26"):
        assert "q7Z" not in secrets.redact(f"before {text} after"), text


def test_tracebacks_in_log_lines_are_masked(debug_log: tuple[io.StringIO, Path]) -> None:
    stream, log_file = debug_log
    token = CREDENTIALS["facebook"]["page_access_token"]
    try:
        raise ValueError(f"bad header {token}")
    except ValueError:
        logging.getLogger("bmnsocial.publish.publisher").exception("unexpected error publishing p")
    logging.getLogger("bmnsocial").warning("where %s", token, stack_info=True)
    for text in (stream.getvalue(), log_file.read_text(encoding="utf-8")):
        assert "Traceback (most recent call last)" in text and "ValueError: bad header" in text
        assert leaks(text) == []


def test_a_refused_header_is_named_not_quoted() -> None:
    token = CREDENTIALS["facebook"]["page_access_token"]
    with pytest.raises(requests.exceptions.InvalidHeader) as info:
        requests.get("http://127.0.0.1:9/", headers={"Authorization": f"OAuth {token}\n"},
                     timeout=1)
    assert token in str(info.value)  # what requests says...
    message = transient_from(info.value, "Facebook: checking the Page token").message
    assert "InvalidHeader" in message and token not in message  # ...and what we say
