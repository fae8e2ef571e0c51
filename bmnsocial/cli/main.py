"""The entry point: choose the language first, then load the root group and run it."""

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
    from bmnsocial.cli.exitcodes import exit_now_if_asked, running_as_program
    from bmnsocial.cli.root import cli

    running_as_program(argv is None)
    try:
        return cli.main(args=args, prog_name="bmnsocial", standalone_mode=True)
    except SystemExit as exc:
        exit_now_if_asked(exc.code)
        raise
