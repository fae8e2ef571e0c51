"""Every fault the fakes can inject, through both adapters: the taxonomy class, the ``sent``
flag, the retry time, and never a second post at the fake (adapters do not retry)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from bmnsocial.platforms.base import (
    AuthError,
    Progress,
    PublishError,
    RateLimited,
    Rejected,
    Transient,
)
from bmnsocial.platforms.facebook import error_from_graph, retry_at_from_usage
from bmnsocial.platforms.http import build_session, request_was_sent, transient_from
from bmnsocial.platforms.registry import build_adapter
from bmnsocial.platforms.x_media import error_from_response
from bmnsocial.sandbox.faults import FAULT_KINDS
from tests.helpers import ANSWER_TIMEOUT, HOLD
from tests.test_adapters import PLATFORMS, running

# kind -> (error class or None for success, sent, posts at the fake afterwards)
EXPECTED: dict[str, tuple[type[PublishError] | None, bool | None, int]] = {
    "http500": (Transient, True, 0),
    "http503": (Transient, True, 0),
    "http429": (RateLimited, False, 0),
    "timeout": (Transient, True, 0),
    "reset": (Transient, True, 0),
    "html": (Transient, True, 0),
    "latency": (None, None, 1),
    "lost_response": (Transient, True, 1),
    "slow_response": (Transient, True, 1),  # answer held past the client's timeout
}
# X's own answers (tests/test_x_real.py): a person must act on both.
X_ONLY = {"usage_capped", "client_not_enrolled"}


pytestmark = pytest.mark.usefixtures("no_leaked_threads")


def test_every_fault_kind_is_covered() -> None:
    assert set(EXPECTED) | X_ONLY == set(FAULT_KINDS)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("platform", PLATFORMS)
def test_fault_on_publish(platform: str, kind: str, tmp_path: Path) -> None:
    error, sent, posts = EXPECTED[kind]
    with running(platform, tmp_path) as h:
        delay = {"timeout": HOLD, "slow_response": HOLD, "latency": 0.05,
                 "http429": 600.0}.get(kind, 0.0)
        h.fake.faults.add(kind, path=h.publish_path, delay=delay)
        adapter = h.adapter()
        rendered = h.rendered("¿Llegó esta publicación?")
        progress = Progress()
        before = datetime.now(UTC)
        if error is None:
            result = adapter.publish(rendered, progress)
            assert progress.part_ids == [result.id]
        else:
            with pytest.raises(error) as info:
                adapter.publish(rendered, progress)
            assert info.value.sent is sent
            assert progress.part_ids == []
            if isinstance(info.value, RateLimited):
                # Bounded by the clock before and after the call, however long it took.
                after = datetime.now(UTC)
                assert info.value.retry_at is not None
                assert before + timedelta(minutes=9) < info.value.retry_at
                assert info.value.retry_at <= after + timedelta(minutes=10, seconds=2)
        assert len(h.published()) == posts
        assert len(h.requests_to(h.publish_path)) == 1, "the adapter must not retry by itself"
        if kind in ("lost_response", "slow_response") and platform == "telegram":
            # Telegram refuses no duplicate: what confirms the send is reading it back.
            [found] = adapter.recent_posts(before - timedelta(minutes=1))
            assert found.text == "¿Llegó esta publicación?"
        elif kind in ("lost_response", "slow_response"):
            # Retrying blindly is what the sent flag warns against: the platform says so.
            with pytest.raises(Rejected) as again:
                adapter.publish(rendered, Progress())
            assert again.value.duplicate is True
            assert len(h.published()) == 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_connection_refused_was_not_sent(platform: str, tmp_path: Path) -> None:
    with running(platform, tmp_path) as h:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
        routes = {origin: closed for origin in h.sandbox.routes}
        session = build_session(timeout=ANSWER_TIMEOUT, routes=routes)
        adapter = build_adapter(platform, h.config, h.secrets, session)
        with pytest.raises(Transient) as info:
            adapter.publish(h.rendered("Sin red"), Progress())
        assert info.value.sent is False
        assert "could not connect" in info.value.message
        session.close()


@pytest.mark.parametrize("kind", ["http500", "reset", "timeout"])
def test_x_media_faults_are_not_sent(kind: str, tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        h.sandbox.x.faults.add(kind, path="/2/media/*", delay=HOLD if kind == "timeout" else 0)
        with pytest.raises(Transient) as info:
            h.adapter().publish(h.rendered("Con foto", media=(h.media(),)), Progress())
        assert info.value.sent is False  # no tweet can come out of a media call
        assert h.requests_to("/2/tweets") == []


def test_x_alt_text_fault(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        h.sandbox.x.faults.add("http503", path="/2/media/metadata")
        with pytest.raises(Transient) as info:
            h.adapter().publish(h.rendered("Con foto", media=(h.media(),)), Progress())
        assert info.value.sent is False
        assert h.published() == []


def test_x_media_rate_limit(tmp_path: Path) -> None:
    with running("twitter", tmp_path) as h:
        h.sandbox.x.faults.add("http429", path="/2/media/upload", delay=120)
        before = datetime.now(UTC)
        with pytest.raises(RateLimited) as info:
            h.adapter().publish(h.rendered("Con foto", media=(h.media(),)), Progress())
        after = datetime.now(UTC)
        assert info.value.retry_at is not None
        assert before + timedelta(seconds=110) < info.value.retry_at
        assert info.value.retry_at <= after + timedelta(seconds=122)


def test_facebook_single_photo_lost_response_may_have_been_sent(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        h.sandbox.graph.faults.add("lost_response", path="/v*/*/photos")
        with pytest.raises(Transient) as info:
            h.adapter().publish(h.rendered("Una foto", media=(h.media(),)), Progress())
        assert info.value.sent is True  # a published photo is the post itself
        assert len(h.published()) == 1


def test_facebook_unpublished_photo_fault_is_not_sent(tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        h.sandbox.graph.faults.add("lost_response", path="/v*/*/photos")
        with pytest.raises(Transient) as info:
            h.adapter().publish(h.rendered("Dos fotos", media=(h.media(), h.media())),
                                Progress())
        assert info.value.sent is False
        assert h.requests_to("/v*/*/feed") == []


@pytest.mark.parametrize("kind", ["html", "http503", "reset"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_faults_on_reads(platform: str, kind: str, tmp_path: Path) -> None:
    with running(platform, tmp_path) as h:
        adapter = h.adapter()
        method = "POST" if platform == "telegram" else "GET"  # the Bot API reads by POST too
        h.fake.faults.add(kind, method=method)
        with pytest.raises(Transient):
            adapter.whoami()
        h.fake.faults.add(kind, method=method)
        with pytest.raises(Transient):
            adapter.recent_posts(datetime.now(UTC) - timedelta(hours=1))
        assert adapter.whoami().id


# -- the mappings themselves -----------------------------------------------------------------

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def graph(code: int, subcode: int | None = None, **extra: object) -> PublishError:
    error: dict[str, object] = {"message": "(#x) algo", "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return error_from_graph(400, error, {}, NOW, "Facebook: publishing", "FB_TOKEN")


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_graph_throttling_codes(code: int) -> None:
    assert isinstance(graph(code), RateLimited)


@pytest.mark.parametrize("subcode", [None, 458, 459, 460, 463, 464, 467])
def test_graph_token_codes(subcode: int | None) -> None:
    error = graph(190, subcode)
    assert isinstance(error, AuthError) and error.sent is False
    assert "renewed" in error.message and "docs/configuration.md" in error.message
    assert "FB_TOKEN" in error.message
    assert isinstance(graph(102), AuthError)


def test_graph_492_is_the_page_role_not_the_token() -> None:
    error = graph(190, 492)
    assert isinstance(error, AuthError) and getattr(error.message, "code", None) == "fb-page-role"
    assert "renewed" not in error.message and "Create content" in error.message


@pytest.mark.parametrize("code", [10, 200, 230, 299])
def test_graph_permission_codes(code: int) -> None:
    error = graph(code)
    assert isinstance(error, AuthError) and "permission" in error.message


def test_graph_rejections_and_transients() -> None:
    duplicate = graph(506, 1455006)
    assert isinstance(duplicate, Rejected) and duplicate.duplicate
    assert isinstance(graph(368), Rejected) and not graph(368).duplicate  # type: ignore[attr-defined]
    assert isinstance(graph(100), Rejected)
    assert isinstance(graph(100, 33), Rejected)
    for transient in (graph(1), graph(2), graph(100, is_transient=True)):
        assert isinstance(transient, Transient) and transient.sent is True


def test_graph_retry_time_from_usage_headers() -> None:
    buc = '{"1": [{"type": "pages", "estimated_time_to_regain_access": 7}, ' \
          '{"type": "pages", "estimated_time_to_regain_access": 12}]}'
    assert retry_at_from_usage({"X-Business-Use-Case-Usage": buc}, NOW) == NOW + timedelta(
        minutes=12)
    app = '{"call_count": 100, "total_cputime": 20, "total_time": 30}'
    assert retry_at_from_usage({"X-App-Usage": app}, NOW) == NOW + timedelta(hours=1)
    assert retry_at_from_usage({"X-App-Usage": '{"call_count": 40}'}, NOW) is None
    assert retry_at_from_usage({"X-App-Usage": "not json"}, NOW) is None


def x_response(status: int, body: str, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json", **headers})
    return response


def test_x_error_mapping() -> None:
    def mapped(status: int, body: str = "{}", **headers: str) -> PublishError:
        return error_from_response(x_response(status, body, **headers), "X: publishing")

    permission = ('{"title": "Forbidden", "type": "about:blank", "status": 403, '
                  '"detail": "You are not permitted to perform this action."}')
    oauth1 = ('{"title": "Unsupported Authentication", "status": 403, '
              '"type": "https://api.twitter.com/2/problems/oauth1-permissions", '
              '"detail": "Your client app is not configured with the appropriate oauth1 app '
              'permissions for this endpoint."}')
    reply = ('{"detail": "You attempted to reply to a Tweet that is deleted or not visible '
             'to you.", "status": 403, "title": "Forbidden", "type": "about:blank"}')
    assert isinstance(mapped(403, permission), AuthError)
    assert isinstance(mapped(403, oauth1), AuthError)
    rejected = mapped(403, reply)
    assert isinstance(rejected, Rejected) and not rejected.duplicate
    assert isinstance(mapped(401), AuthError)
    assert isinstance(mapped(400), Rejected)
    assert isinstance(mapped(404), Rejected)
    assert isinstance(mapped(502, "<html>"), Transient)
    daily = mapped(429, "{}", **{"x-rate-limit-reset": "1800000000",
                                 "x-user-limit-24hour-reset": "1800050000",
                                 "x-user-limit-24hour-remaining": "0"})
    assert isinstance(daily, RateLimited)
    assert daily.retry_at == datetime.fromtimestamp(1800050000, UTC)
    window = mapped(429, "{}", **{"x-rate-limit-reset": "1800000000",
                                  "x-user-limit-24hour-reset": "1800050000",
                                  "x-user-limit-24hour-remaining": "12"})
    assert isinstance(window, RateLimited)
    assert window.retry_at == datetime.fromtimestamp(1800000000, UTC)
    assert mapped(429).retry_at is None  # type: ignore[attr-defined]


def test_sent_flag_of_requests_exceptions() -> None:
    refused = requests.ConnectionError(MaxRetryError(
        None, "/x", NewConnectionError(None, "Connection refused")))  # type: ignore[arg-type]
    reset = requests.ConnectionError(ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))
    assert request_was_sent(refused) is False
    assert request_was_sent(requests.ConnectTimeout()) is False
    assert request_was_sent(reset) is True
    assert request_was_sent(requests.ReadTimeout()) is True
    assert request_was_sent(requests.exceptions.ChunkedEncodingError()) is True
    transient = transient_from(requests.ConnectionError(
        "https://graph.facebook.com/v23.0/me?access_token=EAAsecret123456789"), "Facebook")
    assert "EAAsecret123456789" not in transient.message
    assert transient.sent is True
