"""Exit codes of every bmnsocial command, in one place (docs/cli.md lists them)."""

from enum import IntEnum

from bmnsocial.i18n import N_


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


# English, marked for the catalog: shown with _(DESCRIPTIONS[code]).
DESCRIPTIONS = {
    ExitCode.OK: N_("success"),
    ExitCode.INVALID: N_("a post (or the configuration's credentials, an account, a "
                         "confirmation) is not valid; nothing was queued or sent"),
    ExitCode.USAGE: N_("wrong command line, or the configuration file cannot be used"),
    ExitCode.PUBLISH_FAILED: N_("a publication failed or could not be confirmed: see "
                                "`bmnsocial history`"),
    ExitCode.PENDING: N_("not published yet, waiting for a retry: the daemon or `run-due` "
                         "finishes it"),
    ExitCode.UNHEALTHY: N_("`status`: stale heartbeat, daemon down, or publications that need "
                           "a person"),
    ExitCode.ALREADY_RUNNING: N_("`daemon`: another daemon already runs on this state "
                                 "directory"),
    ExitCode.STATE_UNUSABLE: N_("the ledger in the state directory cannot be opened "
                                "(permissions, a full disk, not a database): nothing was "
                                "queued or sent"),
    ExitCode.INTERNAL_ERROR: N_("an unexpected error inside bmnsocial (a bug): one line on "
                                "stderr, the details with -vv"),
    ExitCode.INTERRUPTED: N_("interrupted (Ctrl-C / SIGINT) during a command"),
    ExitCode.BROKEN_PIPE: N_("the program reading the output stopped early (e.g. `| head`); "
                             "nothing is printed about it"),
}
