"""Where the adapters' requests go, with which credentials, and where state is kept: chosen at
the edge (the CLI), so that nothing in the library knows the sandbox exists. Light to import:
`validate` asks it only where the ledger is."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bmnsocial.config import Config


class Connections(ABC):
    """Where the adapters' requests go, with which credentials, and where state is kept."""

    #: Shown in the daemon's start line; empty for the real platforms.
    label: str = ""

    @abstractmethod
    def state_dir(self, base: Path) -> Path:
        """The state directory (ledger, locks) under the configured ``base``."""

    @abstractmethod
    def credentials(self, config: Config) -> dict[str, str]:
        """Environment-variable names (as the config names them) -> their values."""

    @abstractmethod
    def routes(self, config: Config) -> Mapping[str, str] | None:
        """Public origin -> local URL for every request, or ``None`` for the real network."""

    def base_urls(self, config: Config) -> Mapping[str, str]:
        """Public origin -> the compatible server the config names in its place (real
        network only: the sandbox's routes win)."""
        return {}

    @abstractmethod
    def close(self) -> None:
        """Release what :meth:`routes` started."""


class PlatformConnections(Connections):
    """The real platforms, with the credentials from the environment or the secrets file."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ

    def state_dir(self, base: Path) -> Path:
        return base

    def credentials(self, config: Config) -> dict[str, str]:
        from bmnsocial import secrets

        return secrets.resolve([c.env_var for c in config.credentials()], self._environ,
                               config.secrets_file)

    def routes(self, config: Config) -> Mapping[str, str] | None:
        return None

    def base_urls(self, config: Config) -> Mapping[str, str]:
        return config.base_urls()

    def close(self) -> None:
        pass
