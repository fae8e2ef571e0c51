"""The one place that builds HTTP sessions for the platform libraries, and turns network
failures into ``Transient`` errors that say whether the request may have reached the platform.

tweepy and facebook-sdk pass no timeout to requests, so every session gets a default one.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from urllib3.exceptions import ConnectTimeoutError

from bmnsocial.platforms.base import Transient
from bmnsocial.reasons import Reason
from bmnsocial.secrets import redact

__all__ = ["TimeoutAdapter", "build_session", "request_was_sent", "transient_from"]

_MAX_DETAIL = 300


class TimeoutAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that applies ``default_timeout`` when the caller passes none."""

    def __init__(self, default_timeout: float, **kwargs: Any) -> None:
        self.default_timeout = default_timeout
        super().__init__(**kwargs)

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
        # requests.Session passes everything but the request by keyword.
        if not args and kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().send(request, *args, **kwargs)


def build_session(*, timeout: float, routes: Mapping[str, str] | None = None,
                  on_date: Callable[[datetime], None] | None = None,
                  on_response: Callable[[Response], None] | None = None,
                  base_urls: Mapping[str, str] | None = None) -> requests.Session:
    """A session whose requests time out after ``timeout`` seconds unless told otherwise.

    Without ``routes`` it reaches the real platforms and honours the environment's proxy
    settings (``trust_env``), which BMN's network may need. With ``routes`` (the sandbox's
    public origin -> local URL map) every request goes to the local fakes, nothing unrouted
    leaves the machine, and the environment is ignored. ``on_date`` hears the ``Date`` of
    every answer: the platform's clock, against which ours is judged. ``on_response`` hears
    every answer itself: each request that reached the platform, counted in one place (what
    X charges, publish/costs.py). ``base_urls`` (public origin -> the compatible server
    configured in its place) apply to the real network only.
    """
    session = requests.Session()
    if on_date is not None:
        session.hooks["response"].append(_date_hook(on_date))
    if on_response is not None:
        session.hooks["response"].append(_answer_hook(on_response))
    if routes is not None:
        from bmnsocial.platforms.routing import mount_routes

        mount_routes(session, routes, default_timeout=timeout)
    else:
        adapter = TimeoutAdapter(timeout)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.trust_env = True
        if base_urls:
            from bmnsocial.platforms.routing import mount_base_urls

            mount_base_urls(session, base_urls, default_timeout=timeout)
    return session


def _date_hook(on_date: Callable[[datetime], None]) -> Callable[..., None]:
    def hook(response: Response, *args: Any, **kwargs: Any) -> None:
        try:
            date = parsedate_to_datetime(response.headers["Date"])
        except (KeyError, TypeError, ValueError, IndexError):
            return
        if date.tzinfo is not None:  # an RFC 7231 date is always GMT; anything else is noise
            on_date(date)

    return hook


def _answer_hook(on_response: Callable[[Response], None]) -> Callable[..., None]:
    def hook(response: Response, *args: Any, **kwargs: Any) -> None:
        on_response(response)

    return hook


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: causes, contexts, urllib3's ``reason``, exception args."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested: list[Any] = [current.__cause__, current.__context__,
                             getattr(current, "reason", None), *current.args]
        todo.extend(e for e in nested if isinstance(e, BaseException))


def request_was_sent(exc: requests.RequestException) -> bool:
    """False only when ``exc`` proves the request never reached the server: it failed while
    connecting (refused, DNS, connect timeout, certificate refused), was blocked by the
    sandbox, or could not even be built. Anything later (read timeout, connection reset or
    closed after sending, truncated answer) may have been acted on."""
    from bmnsocial.platforms.routing import SandboxRoutingError

    if isinstance(exc, requests.ConnectTimeout | SandboxRoutingError | requests.URLRequired
                  | requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema
                  | requests.exceptions.MissingSchema | requests.exceptions.InvalidHeader
                  | requests.exceptions.ProxyError):
        return False
    if isinstance(exc, requests.ConnectionError):
        for inner in _chain(exc):
            # urllib3's NewConnectionError and NameResolutionError are ConnectTimeoutErrors.
            if isinstance(inner, ConnectTimeoutError | ssl.SSLCertVerificationError):
                return False
    return True


def _describe(exc: requests.RequestException) -> Reason:
    if isinstance(exc, requests.ConnectTimeout):
        return Reason("net-connect-timeout")
    if isinstance(exc, requests.ReadTimeout):
        return Reason("net-read-timeout")
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return Reason("net-not-json")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Reason("net-cut-off")
    if isinstance(exc, requests.ConnectionError):
        return Reason("net-not-connected") if not request_was_sent(exc) else Reason(
            "net-connection-lost")
    return Reason("net-failed")


def transient_from(exc: requests.RequestException, action: str) -> Transient:
    """A ``Transient`` for a network failure during ``action`` (e.g. "X: sending tweet 1"),
    with a redacted message and ``sent`` from :func:`request_was_sent`."""
    # These quote the header or URL they refused, which may hold a credential: name only.
    quotes_its_input = isinstance(exc, requests.exceptions.InvalidHeader
                                  | requests.exceptions.InvalidURL)
    detail = type(exc).__name__ if quotes_its_input else redact(f"{type(exc).__name__}: {exc}")
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL] + "…"
    return Transient(Reason("network-failure", action=action, problem=_describe(exc),
                            detail=detail), sent=request_was_sent(exc))
