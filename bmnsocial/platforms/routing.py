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
from requests.utils import get_environ_proxies

__all__ = [
    "LocalRouteAdapter",
    "SandboxRoutingError",
    "mount_base_urls",
    "mount_routes",
    "origin_of",
]

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
        environment_proxies: bool = False,
        **kwargs: Any,
    ) -> None:
        self.routes = _normalise_routes(routes)
        self.default_timeout = default_timeout
        self.block_unrouted = block_unrouted
        # A compatible server named in config (not the sandbox) is reached as the real hosts
        # are: through the environment's proxy for the address actually asked, if any.
        self.environment_proxies = environment_proxies
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
        if not self.environment_proxies:
            # Proxies are never wanted for 127.0.0.1, whatever the caller or environment says.
            proxies = {}
        elif local_url is not None:
            # requests chose them (and judged no_proxy) for the public host; judge again.
            proxies = get_environ_proxies(local_url)
        response = super().send(
            local_request, stream=stream, timeout=timeout, verify=verify, cert=cert,
            proxies=proxies
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


def mount_base_urls(
    session: requests.Session, routes: Mapping[str, str], *, default_timeout: TimeoutArg = None
) -> LocalRouteAdapter:
    """Send the requests for each public origin in ``routes`` to the base URL configured in
    its place (``accounts.facebook.graph_base_url``), leaving every other request, the
    session's environment and its proxies as they are."""
    adapter = LocalRouteAdapter(
        routes, default_timeout=default_timeout, block_unrouted=False, environment_proxies=True
    )
    for origin in adapter.routes:
        session.mount(origin + "/", adapter)
    return adapter
