"""Domain errors. Library code raises these; only the CLI turns them into text and exit codes."""

from __future__ import annotations

import dataclasses
import re

from bmnsocial.diagnostics import Diagnostic


class BmnError(Exception):
    """Base of every error bmnsocial reports to a person."""


class ConfigError(BmnError):
    """The configuration cannot be used; carries one diagnostic per problem. A token pasted
    into config.yaml by mistake (as a key, a tag, a value) is not repeated back."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = [dataclasses.replace(d, message=_mask_token_like(d.message),
                                                hint=_mask_token_like(d.hint))
                            for d in diagnostics]
        super().__init__("\n".join(d.format() for d in self.diagnostics))


# Long runs of letters and digits (and - _), with both: the shape of API keys and tokens.
_TOKEN_LIKE = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])([\w-]{4})[\w-]{20,}")


def _mask_token_like(text: str) -> str:
    return _TOKEN_LIKE.sub(lambda m: m.group(1) + "…", text)


class UsageError(BmnError):
    """The command was asked for something it cannot do as given."""


class LedgerUnavailable(BmnError):
    """The ledger file cannot be opened or set up (permissions, a full disk, not a database,
    or held by another process for longer than we wait)."""
