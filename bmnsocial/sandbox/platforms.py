"""The three fakes together, as tests and ``--sandbox`` mode use them."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import requests

from bmnsocial.platforms.routing import LocalRouteAdapter, TimeoutArg, mount_routes
from bmnsocial.sandbox.fake_graph import FakeGraph
from bmnsocial.sandbox.fake_telegram import FakeTelegram
from bmnsocial.sandbox.fake_x import FakeX
from bmnsocial.sandbox.store import DEFAULT_STORE_NAME, load_published

__all__ = ["ENDPOINTS_FILE", "Sandbox", "load_routes"]

ENDPOINTS_FILE = "endpoints.json"


class Sandbox:
    """Start :class:`FakeX`, :class:`FakeGraph` and :class:`FakeTelegram` on 127.0.0.1.

    ``store_dir``: directory of the shared SQLite store (``published.sqlite3``)
    and of ``endpoints.json`` (the routes, so other processes can find the
    fakes); ``None`` keeps everything in memory. Ports default to ephemeral.
    ``x_options``/``graph_options``/``telegram_options`` are passed to the fakes'
    constructors.
    """

    def __init__(
        self,
        store_dir: str | os.PathLike[str] | None = None,
        *,
        host: str = "127.0.0.1",
        x_port: int = 0,
        graph_port: int = 0,
        clock: Callable[[], float] = time.time,
        x_options: Mapping[str, Any] | None = None,
        graph_options: Mapping[str, Any] | None = None,
        telegram_port: int = 0,
        telegram_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.store_dir = None if store_dir is None else Path(store_dir)
        store_path = None if self.store_dir is None else self.store_dir / DEFAULT_STORE_NAME
        self.x = FakeX(
            store_path=store_path, host=host, port=x_port, clock=clock, **dict(x_options or {})
        )
        self.graph = FakeGraph(
            store_path=store_path,
            host=host,
            port=graph_port,
            clock=clock,
            **dict(graph_options or {}),
        )
        self.telegram = FakeTelegram(
            store_path=store_path, host=host, port=telegram_port, clock=clock,
            **dict(telegram_options or {}),
        )

    @property
    def store_path(self) -> Path | None:
        return None if self.store_dir is None else self.store_dir / DEFAULT_STORE_NAME

    @property
    def routes(self) -> dict[str, str]:
        """Public origin -> local base URL, for :func:`mount_routes`."""
        return {
            "https://api.twitter.com": self.x.base_url,
            "https://api.x.com": self.x.base_url,
            "https://upload.twitter.com": self.x.base_url,
            "https://graph.facebook.com": self.graph.base_url,
            "https://api.telegram.org": self.telegram.base_url,
        }

    def start(self) -> Self:
        try:
            self.x.start()
            self.graph.start()
            self.telegram.start()
        except BaseException:
            self.close()
            raise
        if self.store_dir is not None:
            payload = {"pid": os.getpid(), "routes": self.routes}
            target = self.store_dir / ENDPOINTS_FILE
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload, indent=2) + "\n")
            tmp.replace(target)
        return self

    def stop(self) -> None:
        """Stop the servers; their stores stay readable until :meth:`close`."""
        self.x.stop()
        self.graph.stop()
        self.telegram.stop()
        if self.store_dir is not None:
            (self.store_dir / ENDPOINTS_FILE).unlink(missing_ok=True)

    def close(self) -> None:
        self.stop()
        self.x.close()
        self.graph.close()
        self.telegram.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def mount(
        self, session: requests.Session, *, default_timeout: TimeoutArg = 10.0
    ) -> LocalRouteAdapter:
        """Route ``session``'s platform hosts to the fakes (see :func:`mount_routes`)."""
        return mount_routes(session, self.routes, default_timeout=default_timeout)

    def published(self) -> list[dict[str, Any]]:
        """Everything the fakes published, oldest first (see ``load_published``)."""
        if self.store_path is not None:
            return load_published(self.store_path)
        items = self.x.published() + self.graph.published() + self.telegram.published()
        return sorted(items, key=lambda e: e["created_at"])

    def reset(self) -> None:
        self.x.reset()
        self.graph.reset()
        self.telegram.reset()


def load_routes(store_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Routes of a sandbox running (possibly in another process) on ``store_dir``.

    Raises ``FileNotFoundError`` when no sandbox is running there.
    """
    payload = json.loads((Path(store_dir) / ENDPOINTS_FILE).read_text())
    routes = payload["routes"]
    if not isinstance(routes, dict):
        raise ValueError("malformed endpoints file")
    return {str(k): str(v) for k, v in routes.items()}
