"""``--sandbox``: the same adapters, their requests routed to the local fakes, with the fakes'
credentials and a state directory of their own."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bmnsocial import secrets
from bmnsocial.config import Config
from bmnsocial.publish.connections import Connections
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_telegram import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL
from bmnsocial.sandbox.graph_tokens import DEFAULT_SCOPES
from bmnsocial.sandbox.platforms import Sandbox, load_routes

if TYPE_CHECKING:
    from bmnsocial.publish.runtime import Runtime


class SandboxConnections(Connections):
    label = "SANDBOX"

    def __init__(self, config: Config) -> None:
        self.config = config
        self._sandbox: Sandbox | None = None

    def state_dir(self, base: Path) -> Path:
        """Sandbox runs keep their own ledger and store: they must never mark a real post as
        published, nor a real publication hide a sandbox one."""
        return base / "sandbox"

    @property
    def _platforms_dir(self) -> Path:
        return self.state_dir(self.config.state_dir) / "platforms"

    def start(self, x_port: int = 0, graph_port: int = 0, telegram_port: int = 0) -> Sandbox:
        """The fakes of this state directory, started in this process."""
        if self._sandbox is None:
            x: dict[str, Any] = {}
            graph: dict[str, Any] = {}
            if self.config.twitter:
                x["username"] = self.config.twitter.username
            if self.config.facebook:
                graph["page_id"] = self.config.facebook.page_id
                graph["page_name"] = self.config.facebook.page_name or "BMN (sandbox)"
                # the sandbox's Page token may read insights, so impressions show there too
                graph["page_scopes"] = (*DEFAULT_SCOPES, "read_insights")
                if self.config.facebook.app_secret_env:  # proofs are then checked
                    graph["app_secret"] = SANDBOX_CREDENTIALS["facebook"]["app_secret"]
            self._sandbox = Sandbox(self._platforms_dir, x_port=x_port, graph_port=graph_port,
                                    telegram_port=telegram_port, x_options=x,
                                    graph_options=graph,
                                    telegram_options=_telegram_options(self.config)).start()
        return self._sandbox

    def credentials(self, config: Config) -> dict[str, str]:
        values: dict[str, str] = {}
        if config.facebook:
            values[config.facebook.token_env] = SANDBOX_CREDENTIALS["facebook"][
                "page_access_token"]
            if config.facebook.app_secret_env:
                values[config.facebook.app_secret_env] = SANDBOX_CREDENTIALS["facebook"][
                    "app_secret"]
        if config.twitter:
            x = SANDBOX_CREDENTIALS["x"]
            values.update({
                config.twitter.consumer_key_env: x["consumer_key"],
                config.twitter.consumer_secret_env: x["consumer_secret"],
                config.twitter.access_token_env: x["access_token"],
                config.twitter.access_token_secret_env: x["access_token_secret"],
            })
        if config.telegram:
            values[config.telegram.token_env] = SANDBOX_BOT_TOKEN
        secrets.register(*values.values())
        return values

    def routes(self, config: Config) -> Mapping[str, str]:
        """The fakes of a `bmnsocial sandbox serve` running on this state directory, if any
        (so a publishing process can die and come back to the same fakes); else in-process."""
        endpoints = self._platforms_dir / "endpoints.json"
        if self._sandbox is None and endpoints.exists():
            try:
                pid = int(json.loads(endpoints.read_text())["pid"])
                if pid != os.getpid():
                    os.kill(pid, 0)
                    return load_routes(self._platforms_dir)
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return self.start().routes

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None


def _telegram_options(config: Config) -> dict[str, Any]:
    """The fake's channel and administrator's chat are those config.yaml names."""
    account = config.telegram
    if account is None:
        return {}
    chat: str = account.chat
    channel = dict(SANDBOX_CHANNEL)
    if chat.startswith("@"):
        channel["username"] = chat[1:]
    else:
        channel["id"] = int(chat)
    options: dict[str, Any] = {"channel": channel}
    if account.check_chat and account.check_chat.lstrip("-").isdigit():
        options["check_chat_id"] = int(account.check_chat)
    return options


def sandbox_runtime(config: Config) -> Runtime:
    """A runtime whose adapters publish to the local fakes."""
    from bmnsocial.publish.runtime import Runtime

    return Runtime(config, SandboxConnections(config))
