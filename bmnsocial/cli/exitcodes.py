"""Exit codes of every bmnsocial command, in one place (docs/cli.md lists them)."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INVALID = 1  # a post or the checked thing is not valid / not healthy
    USAGE = 2  # bad command line or unusable configuration
    PUBLISH_FAILED = 3  # at least one publication failed or could not be confirmed
    PENDING = 4  # not published yet: waiting for a retry (the queue will finish it)
    UNHEALTHY = 5  # status: stale heartbeat, or publications that need a person
    ALREADY_RUNNING = 6  # another daemon holds this state directory
    INTERRUPTED = 130
