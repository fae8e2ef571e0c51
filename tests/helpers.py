from __future__ import annotations

import signal
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from requests.adapters import BaseAdapter

if TYPE_CHECKING:
    import requests
    from requests.models import PreparedRequest, Response

    from bmnsocial.sandbox.platforms import Sandbox
    from bmnsocial.sandbox.server import FakeServer

REPO = Path(__file__).resolve().parents[1]
HAVANA = ZoneInfo("America/Havana")
# A fixed "now" for every test that does not set its own: tests control time.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=HAVANA)

WritePost = Callable[..., Path]

# How long a client waits for a fake's answer: a safety net, never a window a loaded machine
# could miss (the fakes store each post with fsync, which a busy disk can make slow).
ANSWER_TIMEOUT = 60.0
# How long a client waits for a request that a fake holds (a "timeout" or "slow_response"
# fault held for HOLD): the fake answers only when it stops, so the client always gives up.
GIVE_UP = 0.5
HOLD = 3600.0
HOLDING_FAULTS = ("timeout", "slow_response")


def default_signals() -> None:
    """``preexec_fn`` of every process a test starts: SIGINT and SIGTERM as a fresh process
    has them. A test run started with them ignored (``pytest &`` in a script ignores SIGINT)
    would pass that on, and a child that a test interrupts would never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def ignored_signals() -> None:
    """``preexec_fn`` of a process started as a script's background job or with both signals
    ignored by whatever started it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class FakeClock:
    """The fakes' clock (epoch seconds), set by the test."""

    def __init__(self, now: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.now = now

    def __call__(self) -> float:
        return self.now


class GiveUpOnHeld(BaseAdapter):
    """Wraps a session's transport: a request that an in-process fake is about to hold (its
    next matching fault is ``timeout`` or ``slow_response``) times out after GIVE_UP s, every
    other one keeps the timeout its caller gave. So the tests can give normal answers all the
    time they need (ANSWER_TIMEOUT) and still see a client give up without waiting that long.
    """

    def __init__(self, inner: BaseAdapter, fakes: Mapping[str, FakeServer]) -> None:
        super().__init__()
        self.inner = inner
        self.fakes = fakes

    def held(self, request: PreparedRequest) -> bool:
        parts = urlsplit(request.url or "")
        fake = self.fakes.get(f"{parts.scheme}://{parts.netloc}")
        if fake is None:
            return False
        method = request.method or "GET"
        fault = next((f for f in fake.faults.pending() if f.matches(method, parts.path)), None)
        return fault is not None and fault.kind in HOLDING_FAULTS

    def send(self, request: PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> Response:
        if self.held(request):
            timeout = GIVE_UP
        return self.inner.send(request, stream=stream, timeout=timeout, verify=verify,
                               cert=cert, proxies=proxies)

    def close(self) -> None:
        self.inner.close()


def give_up_on_held(session: requests.Session, sandbox: Sandbox) -> requests.Session:
    """Makes ``session`` (routed to ``sandbox``'s fakes) give up at once on held requests."""
    fakes = {origin: fake for origin, url in sandbox.routes.items()
             for fake in (sandbox.x, sandbox.graph, sandbox.telegram) if fake.base_url == url}
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, GiveUpOnHeld):
            session.mount(prefix, GiveUpOnHeld(adapter, fakes))
    return session
