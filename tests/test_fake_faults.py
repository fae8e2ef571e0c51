"""Fault plans on both fakes, as the real clients see them, and the admin API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import facebook
import pytest
import requests
import tweepy

from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.faults import FAULT_KINDS, FaultPlan
from bmnsocial.sandbox.platforms import Sandbox, load_routes
from bmnsocial.sandbox.store import load_published
from bmnsocial.sandbox.testing import graph_api, tweepy_client
from tests.helpers import ANSWER_TIMEOUT, GIVE_UP, HOLD, default_signals, give_up_on_held

PAGE_FEED = "/v*/*/feed"


pytestmark = pytest.mark.usefixtures("no_leaked_threads")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path / "store") as sb:
        yield sb


@pytest.fixture
def x_client(sandbox: Sandbox) -> Iterator[Any]:
    client = tweepy_client(sandbox.routes, timeout=ANSWER_TIMEOUT)
    give_up_on_held(client.session, sandbox)
    yield client
    client.session.close()


@pytest.fixture
def graph(sandbox: Sandbox) -> Iterator[Any]:
    api = graph_api(sandbox.routes, timeout=ANSWER_TIMEOUT)
    give_up_on_held(api.session, sandbox)
    yield api
    api.session.close()


# -- the plan itself -------------------------------------------------------------


def test_plan_matching_and_counting() -> None:
    plan = FaultPlan()
    plan.add("http500", times=2, path="/2/media/upload/*/append", method="post")
    plan.add("reset")
    assert plan.take("GET", "/2/users/me") is not None  # the catch-all "reset"
    assert plan.take("GET", "/2/users/me") is None
    first = plan.take("POST", "/2/media/upload/123/append")
    assert first is not None and first.kind == "http500"
    assert plan.take("POST", "/2/media/upload/123/append") is not None
    assert plan.take("POST", "/2/media/upload/123/append") is None
    assert len(plan) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "explode"},
        {"kind": "http500", "times": 0},
        {"kind": "latency", "delay": -1},
        {"kind": "http500", "times": True},
    ],
)
def test_plan_rejects_bad_specs(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FaultPlan().add(**bad)


# -- X -----------------------------------------------------------------------------


def test_x_http500_and_503(x_client: Any, sandbox: Sandbox) -> None:
    sandbox.x.faults.add("http500", path="/2/tweets")
    sandbox.x.faults.add("http503", path="/2/tweets")
    with pytest.raises(tweepy.TwitterServerError) as info:
        x_client.create_tweet(text="uno")
    assert info.value.response.status_code == 500
    with pytest.raises(tweepy.TwitterServerError) as info:
        x_client.create_tweet(text="uno")
    assert info.value.response.status_code == 503
    assert info.value.response.json()["status"] == 503
    assert sandbox.x.published() == []
    assert x_client.create_tweet(text="uno").data["text"] == "uno"


def test_x_http429_has_reset_time(x_client: Any, sandbox: Sandbox) -> None:
    sandbox.x.faults.add("http429", path="/2/tweets", delay=120)
    before = time.time()
    with pytest.raises(tweepy.TooManyRequests) as info:
        x_client.create_tweet(text="uno")
    after = time.time()
    assert info.value.reset_time is not None
    assert int(before) + 120 <= info.value.reset_time <= after + 120
    assert info.value.response.headers["x-rate-limit-remaining"] == "0"
    assert info.value.api_messages == ["Too Many Requests"]


def test_x_timeout(x_client: Any, sandbox: Sandbox) -> None:
    sandbox.x.faults.add("timeout", path="/2/tweets")
    with pytest.raises(requests.ReadTimeout):
        x_client.create_tweet(text="uno")
    assert sandbox.x.published() == []
    assert sandbox.x.requests[-1].fault == "timeout"


def test_x_reset(x_client: Any, sandbox: Sandbox) -> None:
    sandbox.x.faults.add("reset", method="POST")
    with pytest.raises(requests.ConnectionError):
        x_client.create_tweet(text="uno")
    assert sandbox.x.published() == []
    assert x_client.create_tweet(text="uno").data["text"] == "uno"


def test_x_html_proxy_page(x_client: Any, sandbox: Sandbox) -> None:
    sandbox.x.faults.add("html")
    with pytest.raises(tweepy.TwitterServerError) as info:
        x_client.get_me()
    response = info.value.response
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text


def test_x_latency(x_client: Any, sandbox: Sandbox) -> None:
    sandbox.x.faults.add("latency", delay=0.15)
    start = time.monotonic()
    assert x_client.get_me().data.username == sandbox.x.username
    assert time.monotonic() - start >= 0.15


def test_x_lost_response_posts_once_and_retry_is_duplicate(x_client: Any, sandbox: Sandbox) -> None:
    sandbox.x.faults.add("lost_response", path="/2/tweets")
    with pytest.raises(requests.ConnectionError):
        x_client.create_tweet(text="¿salió?")
    assert [p["text"] for p in sandbox.published()] == ["¿salió?"]
    with pytest.raises(tweepy.Forbidden):
        x_client.create_tweet(text="¿salió?")
    assert len(sandbox.published()) == 1
    recorded = sandbox.x.requests[0]
    assert (recorded.fault, recorded.status, recorded.response_body) == (
        "lost_response",
        None,
        None,
    )


# -- Graph -------------------------------------------------------------------------


def test_graph_http500_and_503_bodies(graph: Any, sandbox: Sandbox) -> None:
    page = sandbox.graph.page_id
    sandbox.graph.faults.add("http500", path=PAGE_FEED)
    sandbox.graph.faults.add("http503", path=PAGE_FEED)
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(page, "feed", message="uno")
    assert info.value.result["error"]["code"] == 1
    assert info.value.result["error"]["is_transient"] is True
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(page, "feed", message="uno")
    assert info.value.result["error"]["code"] == 2
    statuses = [r.status for r in sandbox.graph.requests]
    assert statuses == [500, 503]


def test_graph_throttling(graph: Any, sandbox: Sandbox) -> None:
    sandbox.graph.faults.add("http429", path=PAGE_FEED, delay=600)
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(sandbox.graph.page_id, "feed", message="uno")
    assert info.value.result["error"]["code"] == 32
    recorded = sandbox.graph.requests[-1]
    assert recorded.status == 403
    assert recorded.response_headers is not None
    assert (
        '"estimated_time_to_regain_access":10'
        in recorded.response_headers["X-Business-Use-Case-Usage"]
    )


def test_graph_html_page_breaks_facebook_sdk(graph: Any, sandbox: Sandbox) -> None:
    sandbox.graph.faults.add("html")
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.get_object("me")
    assert "Maintype was not text" in str(info.value)


@pytest.mark.parametrize(
    ("kind", "error"),
    [("timeout", requests.ReadTimeout), ("reset", requests.ConnectionError)],
)
def test_graph_network_faults(
    graph: Any, sandbox: Sandbox, kind: str, error: type[Exception]
) -> None:
    sandbox.graph.faults.add(kind, path=PAGE_FEED)
    with pytest.raises(error):
        graph.put_object(sandbox.graph.page_id, "feed", message="uno")
    assert sandbox.graph.published() == []


def test_graph_latency(graph: Any, sandbox: Sandbox) -> None:
    sandbox.graph.faults.add("latency", delay=0.1, method="GET")
    start = time.monotonic()
    assert graph.get_object("me")["id"] == sandbox.graph.page_id
    assert time.monotonic() - start >= 0.1


def test_graph_lost_response_then_506(graph: Any, sandbox: Sandbox) -> None:
    sandbox.graph.faults.add("lost_response", path=PAGE_FEED)
    with pytest.raises(requests.ConnectionError):
        graph.put_object(sandbox.graph.page_id, "feed", message="¿salió?")
    assert [p["message"] for p in sandbox.published()] == ["¿salió?"]
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(sandbox.graph.page_id, "feed", message="¿salió?")
    assert info.value.result["error"]["code"] == 506


def test_graph_slow_response_stores_before_answering(sandbox: Sandbox) -> None:
    sandbox.graph.faults.add("slow_response", path=PAGE_FEED, delay=HOLD)
    token = SANDBOX_CREDENTIALS["facebook"]["page_access_token"]
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{sandbox.graph.base_url}/v23.0/{sandbox.graph.page_id}/feed",
                      data={"message": "¿llegó?", "access_token": token}, timeout=GIVE_UP)
    assert [p["message"] for p in sandbox.published()] == ["¿llegó?"]


def test_every_kind_is_covered() -> None:
    covered = {"http500", "http503", "http429", "timeout", "reset", "html", "latency"}
    x_only = {"usage_capped", "client_not_enrolled"}  # tests/test_x_real.py
    assert covered | {"lost_response", "slow_response"} | x_only == set(FAULT_KINDS)


# -- admin API ---------------------------------------------------------------------


def test_admin_api_over_http(x_client: Any, sandbox: Sandbox) -> None:
    base = sandbox.x.base_url
    t = ANSWER_TIMEOUT
    r = requests.post(
        f"{base}/__sandbox__/faults",
        json={"kind": "http503", "times": 2, "path": "/2/tweets", "method": "POST"},
        timeout=t,
    )
    assert r.status_code == 201
    assert requests.get(f"{base}/__sandbox__/faults", timeout=t).json()["data"][0]["times"] == 2
    assert (
        requests.post(f"{base}/__sandbox__/faults", json={"kind": "x"}, timeout=t).status_code
        == 400
    )
    for _ in range(2):
        with pytest.raises(tweepy.TwitterServerError):
            x_client.create_tweet(text="uno")
    x_client.create_tweet(text="uno")
    published = requests.get(f"{base}/__sandbox__/published", timeout=t).json()["data"]
    assert [p["text"] for p in published] == ["uno"]
    summary = requests.get(f"{base}/__sandbox__/requests", timeout=t).json()["data"]
    assert [s["status"] for s in summary] == [503, 503, 201]
    assert "headers" not in summary[0]
    assert requests.delete(f"{base}/__sandbox__/faults", timeout=t).json() == {"data": []}
    assert requests.get(f"{base}/__sandbox__/nothing", timeout=t).status_code == 404


_SERVER_SCRIPT = """
import sys, time
from bmnsocial.sandbox.platforms import Sandbox
sandbox = Sandbox(sys.argv[1]).start()
print("ready", flush=True)
while True:
    time.sleep(60)
"""


def test_fake_in_another_process_survives_sigkill(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER_SCRIPT, str(store_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        preexec_fn=default_signals,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        routes = load_routes(store_dir)
        r = requests.post(
            routes["https://api.x.com"] + "/__sandbox__/faults",
            json={"kind": "lost_response", "path": "/2/tweets"},
            timeout=ANSWER_TIMEOUT,
        )
        assert r.status_code == 201
        client = tweepy_client(routes, timeout=ANSWER_TIMEOUT)
        with pytest.raises(requests.ConnectionError):
            client.create_tweet(text="enviado justo antes del SIGKILL")
        client.session.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(ANSWER_TIMEOUT)
        if proc.stdout is not None:
            proc.stdout.close()
    published = load_published(store_dir)
    assert [p["text"] for p in published] == ["enviado justo antes del SIGKILL"]
    with Sandbox(store_dir) as again:
        client = tweepy_client(again.routes, timeout=ANSWER_TIMEOUT)
        with pytest.raises(tweepy.Forbidden):
            client.create_tweet(text="enviado justo antes del SIGKILL")
        client.session.close()
    assert len(load_published(store_dir)) == 1
