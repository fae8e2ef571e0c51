"""The composition root: which ledger, which adapters, real platforms or the sandbox.

Everything that publishes gets its pieces from here, so the real path and the sandbox path
differ only in where the sessions are routed and which credentials they carry.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bmnsocial import secrets
from bmnsocial.config import Config
from bmnsocial.ledger import Ledger

if TYPE_CHECKING:
    from bmnsocial.platforms.base import Adapter
    from bmnsocial.publisher import Clock, Publisher
    from bmnsocial.sandbox import Sandbox

log = logging.getLogger("bmnsocial")


class Runtime:
    def __init__(self, config: Config, *, sandbox: bool = False,
                 environ: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.sandbox_mode = sandbox
        self._environ = environ
        self._sandbox: Sandbox | None = None
        self._ledger: Ledger | None = None
        self._publisher: Publisher | None = None
        secrets.install_log_redaction()

    @property
    def state_dir(self) -> Path:
        """Sandbox runs keep their own ledger and store: they must never mark a real post as
        published, nor a real publication hide a sandbox one."""
        base = self.config.state_dir
        return base / "sandbox" if self.sandbox_mode else base

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.state_dir / "ledger.sqlite3")
        return self._ledger

    def sandbox(self, x_port: int = 0, graph_port: int = 0) -> Sandbox:
        if self._sandbox is None:
            from bmnsocial.sandbox import Sandbox

            x: dict[str, Any] = {}
            graph: dict[str, Any] = {}
            if self.config.twitter:
                x["username"] = self.config.twitter.username
            if self.config.facebook:
                graph["page_id"] = self.config.facebook.page_id
                graph["page_name"] = self.config.facebook.page_name or "BMN (sandbox)"
            self._sandbox = Sandbox(self.state_dir / "platforms", x_port=x_port,
                                    graph_port=graph_port, x_options=x,
                                    graph_options=graph).start()
        return self._sandbox

    def credentials(self) -> dict[str, str]:
        config = self.config
        if self.sandbox_mode:
            from bmnsocial.sandbox import SANDBOX_CREDENTIALS

            values: dict[str, str] = {}
            if config.facebook:
                values[config.facebook.token_env] = SANDBOX_CREDENTIALS["facebook"][
                    "page_access_token"]
            if config.twitter:
                x = SANDBOX_CREDENTIALS["x"]
                values.update({
                    config.twitter.consumer_key_env: x["consumer_key"],
                    config.twitter.consumer_secret_env: x["consumer_secret"],
                    config.twitter.access_token_env: x["access_token"],
                    config.twitter.access_token_secret_env: x["access_token_secret"],
                })
            secrets.register(*values.values())
            return values
        return secrets.resolve([c.env_var for c in config.credentials()], self._environ,
                               config.secrets_file)

    def sandbox_routes(self) -> dict[str, str]:
        """The fakes of a `bmnsocial sandbox serve` running on this state directory, if any
        (so a publishing process can die and come back to the same fakes); else in-process."""
        from bmnsocial.sandbox import load_routes

        folder = self.state_dir / "platforms"
        endpoints = folder / "endpoints.json"
        if self._sandbox is None and endpoints.exists():
            try:
                pid = int(json.loads(endpoints.read_text())["pid"])
                if pid != os.getpid():
                    os.kill(pid, 0)
                    return load_routes(folder)
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return self.sandbox().routes

    def adapter(self, platform: str) -> Adapter:
        from bmnsocial.http import build_session
        from bmnsocial.platforms import build_adapter

        routes = self.sandbox_routes() if self.sandbox_mode else None
        session = build_session(timeout=self.config.publish.timeout_seconds, routes=routes)
        return build_adapter(platform, self.config, self.credentials(), session)

    def publisher(self, clock: Clock | None = None) -> Publisher:
        if self._publisher is None:
            from datetime import timedelta

            from bmnsocial.publisher import Publisher, RetryPolicy

            settings = self.config.publish
            policy = RetryPolicy(base_seconds=settings.retry_base_seconds,
                                 reconcile_delay_seconds=settings.retry_base_seconds,
                                 deadline=timedelta(hours=settings.retry_deadline_hours))
            self._publisher = Publisher(self.ledger, self.adapter, self.state_dir,
                                        policy=policy, clock=clock)
        return self._publisher

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()
        if self._ledger is not None:
            self._ledger.close()
        if self._sandbox is not None:
            self._sandbox.close()
