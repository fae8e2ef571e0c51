"""Domain errors and the exit codes they carry. Library code raises these; the CLI's root
group alone turns them into text and an exit code (``BmnError.report`` and ``exit_code``)."""

from __future__ import annotations

import dataclasses
import re
from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar

from bmnsocial.i18n import _

if TYPE_CHECKING:
    from bmnsocial.diagnostics import Diagnostic


class ExitCode(IntEnum):
    OK = 0
    INVALID = 1  # a post or the checked thing is not valid / not healthy
    USAGE = 2  # bad command line or unusable configuration
    PUBLISH_FAILED = 3  # at least one publication failed or could not be confirmed
    PENDING = 4  # not published yet: waiting for a retry (the queue will finish it)
    UNHEALTHY = 5  # status: stale heartbeat, or publications that need a person
    ALREADY_RUNNING = 6  # another daemon holds this state directory
    STATE_UNUSABLE = 7  # the ledger in the state directory cannot be opened or set up
    INTERNAL_ERROR = 70  # a bug in bmnsocial (sysexits' EX_SOFTWARE): never a traceback
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of our output went away (128 + SIGPIPE, as shells report)


class BmnError(Exception):
    """Base of every error bmnsocial reports to a person."""

    exit_code: ClassVar[ExitCode] = ExitCode.INVALID

    def report(self) -> list[str]:
        """The lines a person reads on stderr."""
        return [_("Error: {message}").format(message=self)]


class ConfigError(BmnError):
    """The configuration cannot be used; carries one diagnostic per problem. A token pasted
    into config.yaml by mistake (as a key, a tag, a value) is not repeated back."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = [dataclasses.replace(d, message=_mask_token_like(d.message),
                                                hint=_mask_token_like(d.hint))
                            for d in diagnostics]
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    exit_code = ExitCode.USAGE

    def report(self) -> list[str]:
        return [*(d.format() for d in self.diagnostics),
                _("The configuration cannot be used; see docs/configuration.md.")]


# Long runs of letters and digits (and - _), with both: the shape of API keys and tokens.
_TOKEN_LIKE = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])([\w-]{4})[\w-]{20,}")


def _mask_token_like(text: str) -> str:
    return _TOKEN_LIKE.sub(lambda m: m.group(1) + "…", text)


class UsageError(BmnError):
    """The command was asked for something it cannot do as given."""

    exit_code = ExitCode.USAGE


class NotAwaiting(BmnError):
    """`bmnsocial done` for a publication that is not waiting for a person."""


class LedgerUnavailable(BmnError):
    """The ledger cannot be used: not writable, a full disk, damaged, missing where the state
    directory says one existed, or held by another process for longer than we wait. ``code``
    names which, for `status` and scripts (``ledger-unusable``, ``ledger-damaged``,
    ``ledger-missing``, ``ledger-replaced``, ``ledger-full``)."""

    exit_code = ExitCode.STATE_UNUSABLE

    def __init__(self, message: str, code: str = "ledger-unusable") -> None:
        super().__init__(message)
        self.code = code
