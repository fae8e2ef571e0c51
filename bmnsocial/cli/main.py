"""The entry point: choose the language first, then load the root group and run it."""

from __future__ import annotations

import os
import sys
from typing import Any, ClassVar


def _lang_argument(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


class _Teardown:
    """Whether the command that ran may leave without the interpreter's teardown."""

    as_program = False  # main() runs as the program (not called by other Python code)
    skip = False
    kept: ClassVar[list[object]] = []


def skip_teardown(*keep: object) -> None:
    """For a command that makes many small objects and leaves no state behind (validate:
    ~20 objects per post): the process exits without freeing them one by one, nor the
    modules, which took ~5 % of validating a folder. ``keep`` is held until then, so that
    it is not freed either when the command returns. Output is flushed, the exit code kept."""
    if _Teardown.as_program:
        _Teardown.skip = True
        _Teardown.kept.extend(keep)


def main(argv: list[str] | None = None) -> Any:
    from bmnsocial.i18n import detect, install

    args = sys.argv[1:] if argv is None else list(argv)
    _Teardown.as_program = argv is None
    install(detect(_lang_argument(args)))
    from bmnsocial.cli.root import cli

    try:
        return cli.main(args=args, prog_name="bmnsocial", standalone_mode=True)
    except SystemExit as exc:
        if _Teardown.skip and (exc.code is None or isinstance(exc.code, int)):
            _exit_now(exc.code or 0)
        raise


def _exit_now(code: int) -> None:
    """Exit at once with ``code``, after flushing the output; if the output cannot be written
    (the reader went away), return, and the normal exit reports it as before."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(int(code))
