"""Exit codes of every bmnsocial command, in one place (docs/cli.md lists them)."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INVALID = 1  # a post or the checked thing is not valid / not healthy
    USAGE = 2  # bad command line or unusable configuration
    PUBLISH_FAILED = 3  # at least one publication failed or could not be confirmed
    INTERRUPTED = 130
