"""Route the platform libraries' fixed https hosts to local fake servers.

tweepy hard-codes ``https://api.twitter.com`` and facebook-sdk reads
``https://graph.facebook.com/``; both let us pass or reach their
``requests.Session``. Mounting :class:`LocalRouteAdapter` on that session sends
every request to ``http://127.0.0.1:PORT`` with the same path and query, while
everything above the adapter (OAuth 1.0a signing, cookies, redirects) still sees
the public https URL.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from requests.utils import should_bypass_proxies

__all__ = ["LocalRouteAdapter", "SandboxRoutingError", "mount_routes", "origin_of", "reroute"]

TimeoutArg = float | tuple[float, float] | tuple[float, None] | None


class SandboxRoutingError(requests.ConnectionError):
    """A sandboxed session tried to reach a host that has no local route."""


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of ``url`` (lower-cased, default port dropped)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or (scheme, port) in {("https", 443), ("http", 80)}:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _normalise_routes(routes: Mapping[str, str]) -> dict[str, str]:
    normalised: dict[str, str] = {}
    for public, local in routes.items():
        target = urlsplit(local)
        if target.scheme not in {"http", "https"} or not target.hostname:
            raise ValueError(f"route target must be an absolute http(s) URL: {local!r}")
        normalised[origin_of(public)] = local.rstrip("/")
    return normalised


class LocalRouteAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose ``send()`` rewrites public origins to local base URLs.

    ``routes`` maps public origins (``"https://api.x.com"``) to local base URLs
    (``"http://127.0.0.1:8123"``). The request path and query are kept.

    ``default_timeout`` is used when the caller passes none (tweepy never does, and
    a dead connection would otherwise block forever).

    With ``block_unrouted=True`` (the default) a request for any other origin
    raises :class:`SandboxRoutingError` instead of leaving the machine, except
    requests addressed directly to one of the local targets.
    """

    def __init__(
        self,
        routes: Mapping[str, str],
        *,
        default_timeout: TimeoutArg = None,
        block_unrouted: bool = True,
        keep_proxies: bool = False,
        **kwargs: Any,
    ) -> None:
        self.routes = _normalise_routes(routes)
        self.keep_proxies = keep_proxies
        self.default_timeout = default_timeout
        self.block_unrouted = block_unrouted
        self._local_origins = {origin_of(v) for v in self.routes.values()}
        super().__init__(**kwargs)

    def rewrite(self, url: str) -> str | None:
        """Return the local URL for ``url``, or ``None`` when its origin is not routed."""
        target = self.routes.get(origin_of(url))
        if target is None:
            return None
        parts = urlsplit(url)
        base = urlsplit(target)
        path = base.path.rstrip("/") + (parts.path or "/")
        return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutArg = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        public_url = request.url or ""
        local_url = self.rewrite(public_url)
        if local_url is None:
            if self.block_unrouted and origin_of(public_url) not in self._local_origins:
                raise SandboxRoutingError(
                    f"sandbox: no local route for {origin_of(public_url)}", request=request
                )
            local_request = request
        else:
            local_request = request.copy()
            local_request.url = local_url
        if timeout is None:
            timeout = self.default_timeout
        # The sandbox's 127.0.0.1 never wants a proxy. A stand-in server (``reroute``) gets the
        # proxies requests chose for the public URL, unless NO_PROXY exempts the new host.
        if not self.keep_proxies or should_bypass_proxies(local_request.url or "", None):
            proxies = {}
        response = super().send(
            local_request, stream=stream, timeout=timeout, verify=verify, cert=cert,
            proxies=proxies,
        )
        # Upper layers (redirect handling, error messages) see the URL they asked for.
        response.url = public_url
        response.request = request
        return response


def mount_routes(
    session: requests.Session,
    routes: Mapping[str, str],
    *,
    default_timeout: TimeoutArg = None,
    block_unrouted: bool = True,
) -> LocalRouteAdapter:
    """Mount a :class:`LocalRouteAdapter` on ``session`` for every origin in ``routes``.

    Also sets ``session.trust_env = False`` so no proxy or netrc from the
    environment applies. With ``block_unrouted`` the same adapter is mounted for
    ``"https://"`` and ``"http://"`` too, so nothing unrouted reaches the network.
    Returns the adapter.
    """
    adapter = LocalRouteAdapter(
        routes, default_timeout=default_timeout, block_unrouted=block_unrouted
    )
    session.trust_env = False
    if block_unrouted:
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    for origin in adapter.routes:
        # Trailing slash: a bare prefix would also match "https://api.x.com.evil".
        session.mount(origin + "/", adapter)
    proxies: MutableMapping[str, str] = session.proxies
    proxies.clear()
    return adapter


def reroute(
    session: requests.Session,
    origins: tuple[str, ...],
    base_url: str,
    *,
    default_timeout: TimeoutArg = None,
) -> LocalRouteAdapter:
    """Send ``session``'s requests for ``origins`` to ``base_url`` (a compatible server standing
    in for the platform), path and query kept. Unlike :func:`mount_routes`, other origins and
    the environment's proxy settings are left as they are. The libraries still sign the
    public URL: the transport is the only thing that changes."""
    adapter = LocalRouteAdapter(
        {origin: base_url for origin in origins},
        default_timeout=default_timeout,
        block_unrouted=False,
        keep_proxies=True,
    )
    for origin in adapter.routes:
        session.mount(origin + "/", adapter)
    return adapter
