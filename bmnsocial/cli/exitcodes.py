"""Exit codes of every bmnsocial command, in one place (docs/cli.md lists them). The codes
live with the domain errors that carry them (bmnsocial.errors); their descriptions are here."""

import os
import sys
from typing import ClassVar

import click

from bmnsocial.errors import ExitCode
from bmnsocial.i18n import N_

__all__ = ["DESCRIPTIONS", "Exit", "ExitCode", "exit_now_if_asked", "running_as_program",
           "skip_teardown"]


class Exit(click.exceptions.Exit):
    """Leave with a specific ExitCode after output was written."""

    def __init__(self, code: ExitCode) -> None:
        super().__init__(int(code))

# English, marked for the catalog: shown with _(DESCRIPTIONS[code]).
DESCRIPTIONS = {
    ExitCode.OK: N_("success"),
    ExitCode.INVALID: N_("a post (or the configuration's credentials, an account, a "
                         "confirmation) is not valid; nothing was queued or sent"),
    ExitCode.USAGE: N_("wrong command line, or the configuration file cannot be used"),
    ExitCode.PUBLISH_FAILED: N_("a publication failed or could not be confirmed: see "
                                "`bmnsocial history`"),
    ExitCode.PENDING: N_("not published yet, waiting for a retry or for the server's clock "
                         "to be right: the daemon or `run-due` finishes it"),
    ExitCode.UNHEALTHY: N_("`status`: stale heartbeat, daemon down, a clock that cannot be "
                           "trusted, or publications that need a person"),
    ExitCode.ALREADY_RUNNING: N_("`daemon`: another daemon already runs on this state "
                                 "directory"),
    ExitCode.STATE_UNUSABLE: N_("the ledger in the state directory cannot be used "
                                "(permissions, a full disk, damaged, or missing where one "
                                "was: 'bmnsocial ledger recover'): nothing more was queued "
                                "or sent"),
    ExitCode.INTERNAL_ERROR: N_("an unexpected error inside bmnsocial (a bug): one line on "
                                "stderr, the details with -vv"),
    ExitCode.INTERRUPTED: N_("interrupted (Ctrl-C / SIGINT) during a command"),
    ExitCode.BROKEN_PIPE: N_("the program reading the output stopped early (e.g. `| head`); "
                             "nothing is printed about it"),
}


# Leaving without the interpreter's teardown, for a command that asks (validate).

class _Teardown:
    as_program = False  # main() runs as the program (not called by other Python code)
    skip = False
    kept: ClassVar[list[object]] = []


def running_as_program(yes: bool) -> None:
    _Teardown.as_program = yes


def skip_teardown(*keep: object) -> None:
    """For a command that makes many small objects and leaves no state behind (validate:
    ~20 objects per post): the process exits without freeing them one by one, nor the
    modules, which took ~5 % of validating a folder. ``keep`` is held until then, so that
    it is not freed either when the command returns. Output is flushed, the exit code kept."""
    if _Teardown.as_program:
        _Teardown.skip = True
        _Teardown.kept.extend(keep)


def exit_now_if_asked(code: object) -> None:
    """Exit at once with ``code`` (SystemExit's) when the command asked for it, after flushing
    the output; return when it did not, or when the output cannot be written (the reader went
    away): the normal exit then does what it always did."""
    if not _Teardown.skip or not (code is None or isinstance(code, int)):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(int(code or 0))
