"""Domain errors. Library code raises these; only the CLI turns them into text and exit codes."""

from __future__ import annotations

from bmnsocial.diagnostics import Diagnostic


class BmnError(Exception):
    """Base of every error bmnsocial reports to a person."""


class ConfigError(BmnError):
    """The configuration cannot be used; carries one diagnostic per problem."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))


class UsageError(BmnError):
    """The command was asked for something it cannot do as given."""


class LedgerUnavailable(BmnError):
    """The ledger file cannot be opened or set up (permissions, a full disk, not a database,
    or held by another process for longer than we wait)."""
