"""LocalRouteAdapter / mount_routes: public origins reach the local fakes, nothing else leaves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bmnsocial.platforms.routing import (
    LocalRouteAdapter,
    SandboxRoutingError,
    mount_routes,
    origin_of,
)
from bmnsocial.sandbox.fake_x import FakeX

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX() as server:
        yield server


def test_origin_of_normalises_case_and_default_port() -> None:
    assert origin_of("HTTPS://API.X.com:443/2/tweets?x=1") == "https://api.x.com"
    assert origin_of("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080"


def test_rewrite_keeps_path_and_query() -> None:
    adapter = LocalRouteAdapter({"https://api.x.com": "http://127.0.0.1:9/base/"})
    assert (
        adapter.rewrite("https://api.x.com/2/users/1/tweets?max_results=5&a=%20b")
        == "http://127.0.0.1:9/base/2/users/1/tweets?max_results=5&a=%20b"
    )
    assert adapter.rewrite("https://api.x.com.evil.example/2/tweets") is None


def test_route_target_must_be_absolute() -> None:
    with pytest.raises(ValueError):
        LocalRouteAdapter({"https://api.x.com": "127.0.0.1:80"})


def test_mounted_session_reaches_fake_and_reports_public_url(fake: FakeX) -> None:
    session = requests.Session()
    mount_routes(session, {"https://api.twitter.com": fake.base_url})
    assert session.trust_env is False
    response = session.get("https://api.twitter.com/2/users/me?user.fields=created_at")
    assert response.status_code == 401  # no credentials, but it got there
    assert response.url == "https://api.twitter.com/2/users/me?user.fields=created_at"
    recorded = fake.requests[-1]
    assert recorded.path == "/2/users/me"
    assert recorded.query_string == "user.fields=created_at"
    session.close()


def test_unrouted_hosts_are_blocked(fake: FakeX) -> None:
    session = requests.Session()
    mount_routes(session, {"https://api.twitter.com": fake.base_url})
    with pytest.raises(SandboxRoutingError):
        session.get("https://graph.facebook.com/v23.0/me")
    with pytest.raises(requests.ConnectionError):
        session.get("http://example.com/")
    # The local target itself stays reachable through the same session.
    assert session.get(fake.base_url + "/__sandbox__/faults").status_code == 200
    session.close()


def test_environment_proxies_are_ignored(fake: FakeX, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("NO_PROXY", "")
    session = requests.Session()
    mount_routes(session, {"https://api.x.com": fake.base_url})
    assert session.get("https://api.x.com/2/users/me").status_code == 401
    session.close()


def test_default_timeout_applies_when_caller_passes_none(fake: FakeX) -> None:
    # Held for a minute: without the default timeout the call would end only then, dropped.
    fake.faults.add("timeout", path="/2/users/me", delay=60.0)
    session = requests.Session()
    mount_routes(session, {"https://api.x.com": fake.base_url}, default_timeout=1.0)
    with pytest.raises(requests.ReadTimeout):
        session.get("https://api.x.com/2/users/me")
    session.close()
