"""The bmnsocial command line. ``main`` chooses the language first, then loads the commands."""

from __future__ import annotations

import sys
from typing import Any


def _lang_argument(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def main(argv: list[str] | None = None) -> Any:
    from bmnsocial.i18n import detect, install

    args = sys.argv[1:] if argv is None else list(argv)
    install(detect(_lang_argument(args)))
    from bmnsocial.cli.root import cli

    return cli.main(args=args, prog_name="bmnsocial", standalone_mode=True)


def __getattr__(name: str) -> Any:
    if name in ("cli", "COMMANDS", "HELP", "LazyGroup"):
        from bmnsocial.cli import root

        return getattr(root, name)
    if name in ("setup_logging", "StderrHandler"):
        from bmnsocial.cli import logsetup

        return getattr(logsetup, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
