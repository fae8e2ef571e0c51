"""click's own messages, listed here so that extraction (scripts/i18n.py) puts them into our
catalog: click looks them up through the global gettext domain, which bmnsocial.i18n.install
points at ours. The msgids must stay exactly as click 8 writes them (click/*.py, ``_("…")``).

Only the messages a person meets in bmnsocial are listed: help pages, usage errors, prompts.
Nothing imports this module at run time.
"""

from __future__ import annotations

from bmnsocial.i18n import N_, ngettext

MESSAGES = (
    # help pages
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("%(prog)s, version %(version)s"),
    N_("env var: {var}"),
    N_("default: {default}"),
    N_("required"),
    N_("(dynamic)"),
    # errors on the command line
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Option {name!r} does not take a value."),
    N_("Argument {name!r} takes {nargs} values."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("Could not open file {filename!r}: {message}"),
    N_("unknown error"),
    N_("Value must be an iterable."),
    # prompts
    N_("Aborted!"),
    N_("Do you want to continue?"),
    N_("Confirm the action without prompting."),
    N_("Error: invalid input"),
    N_("Error: The two entered values do not match."),
    N_("Repeat for confirmation"),
    N_("Choose from:\n\t{choices}"),
)


def _plurals(n: int) -> tuple[str, ...]:  # never called: it only shows extraction the plurals
    return (
        ngettext("Got unexpected extra argument ({args})",
                 "Got unexpected extra arguments ({args})", n),
        ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", n),
        ngettext("Option {name!r} requires an argument.",
                 "Option {name!r} requires {nargs} arguments.", n),
        ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", n),
        ngettext("{value!r} does not match the format {format}.",
                 "{value!r} does not match the formats {formats}.", n),
        ngettext("Takes {nargs} values but 1 was given.",
                 "Takes {nargs} values but {len} were given.", n),
        ngettext("{len_type} values are required, but {len_value} was given.",
                 "{len_type} values are required, but {len_value} were given.", n),
    )
