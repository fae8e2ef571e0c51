"""Logging of the commands: one line per event on stderr. Imported when a command runs, not for
``bmnsocial --help``."""

from __future__ import annotations

import logging
import sys
from typing import Any


def setup_logging(verbose: int) -> None:
    """One line per event on stderr (journald-friendly), secrets masked before any handler."""
    from bmnsocial.secrets import install_log_redaction

    install_log_redaction()
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    root = logging.getLogger()
    if not any(isinstance(h, StderrHandler) for h in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of each record (tests swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass
