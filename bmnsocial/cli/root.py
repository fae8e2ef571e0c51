"""The root group: global options, and the commands (one module per noun, loaded on demand).

Imported only after the language is chosen (bmnsocial.cli.main), so every help text passed
through ``_`` at definition time is already in the user's language.

``bmnsocial --help`` imports no command module: the listing's one-line helps come from
``HELP`` below. This module imports only click and bmnsocial.i18n at the top; the
configuration, the ledger and logging are imported when a command runs."""

from __future__ import annotations

import gettext
import os
import sys
from importlib import import_module
from typing import Any

import click

from bmnsocial import __version__
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.errors import BmnError
from bmnsocial.i18n import LANGUAGES, N_, _, detect, install, language_code

COMMANDS = {
    "categories": "bmnsocial.cli.categories:categories",
    "new": "bmnsocial.cli.new:new",
    "schema": "bmnsocial.cli.schema_cmd:schema_group",
    "config": "bmnsocial.cli.config_cmd:config_group",
    "validate": "bmnsocial.cli.validate:validate",
    "preview": "bmnsocial.cli.preview:preview",
    "post": "bmnsocial.cli.post:post",
    "history": "bmnsocial.cli.history:history",
    "retry": "bmnsocial.cli.history:retry",
    "done": "bmnsocial.cli.handoff:done",
    "accounts": "bmnsocial.cli.accounts:accounts",
    "sandbox": "bmnsocial.cli.sandbox:sandbox_group",
    "sync": "bmnsocial.cli.queue:sync_command",
    "queue": "bmnsocial.cli.queue:queue",
    "cancel": "bmnsocial.cli.queue:cancel",
    "daemon": "bmnsocial.cli.daemon:daemon",
    "run-due": "bmnsocial.cli.daemon:run_due",
    "status": "bmnsocial.cli.daemon:status",
    "calendar": "bmnsocial.cli.calendar:calendar",
    "report": "bmnsocial.cli.report:report",
    "metrics": "bmnsocial.cli.metrics:metrics_group",
    "ledger": "bmnsocial.cli.ledger:ledger_group",
    "inbox": "bmnsocial.cli.inbox:inbox_group",
}

# Each command's help, as its module passes it to click (the English msgid): `bmnsocial --help`
# lists the commands with these, translated here, without importing their modules.
# tests/test_cli_docs.py checks that they are the commands' own help texts.
HELP = {
    "categories": N_("List the 17 BMN categories (rank 1 = most important) and their rules."),
    "new": N_(
        "Write a new post file: asks what it needs (category, text, link, images with their alt "
        "text, when; an event's date and place, a stream's address… as the category asks), shows "
        "the preview, then writes the file with short comments.\n\n"
        "Every question is also an option, so it runs without a terminal. An existing file is "
        "never overwritten. Exit 0 when written, 1 when the post would not be valid (nothing is "
        "written), 2 when an answer is missing or the file exists."),
    "schema": N_(
        "JSON Schemas (draft 2020-12) of the post files and of config.yaml, for editors that "
        "check YAML while it is typed (docs/post-format.md, \"Mistakes while typing\")."),
    "config": N_("Inspect the configuration (config.yaml)."),
    "validate": N_("Check post files (default: the posts folder) and report every problem.\n\n"
                   "Each problem is printed as FILE:LINE:COL: error[CODE]: message. Exit 0 when "
                   "every post is valid (warnings allowed), 1 when any post is invalid, 2 on "
                   "usage or config errors."),
    "preview": N_("Show exactly what each platform would receive, and when (a dry run; "
                  "default: the posts folder).\n\n"
                  "Exit 1 if any post is invalid (the --html page is written all the same, "
                  "showing the errors)."),
    "post": N_("Publish posts now (--now), or queue them by their schedule or --at.\n\n"
               "Without --now the posts are queued: the daemon or 'bmnsocial run-due' publishes "
               "them on time. An occurrence already published is never sent again. Exit 0 when "
               "everything asked for is published or queued, 1 if a post is invalid, 3 if a "
               "publication failed or could not be confirmed, 4 if some is still waiting for a "
               "retry."),
    "history": N_("List publications, newest change first: published, failed, unconfirmed, "
                  "skipped, cancelled. Each line shows the occurrence's own time, then when its "
                  "status changed.\n\n"
                  "JSON fields: post_id, platform, status, due, changed_at, url, published_at, "
                  "error, reason_code (and more)."),
    "retry": N_("Queue a failed, unconfirmed, cancelled or skipped publication again (once a "
                "person has fixed the cause); it goes out at its time, or at once if that has "
                "passed.\n\n"
                "For an unconfirmed row, first check on the platform that the post is NOT there. "
                "With --failed instead of a POST_ID: every failed publication (for example after "
                "renewing an expired token); unconfirmed ones are never included, since they may "
                "be online already."),
    "done": N_(
        "Record a publication made by hand (its platform's account is in manual mode) as "
        "published, with the address of the post.\n\n"
        "The address must have the platform's shape and the publication must be waiting for a "
        "person ('awaiting_manual'). When several occurrences of the post wait, --due names one; "
        "without it the oldest is recorded. Exit 0 when recorded, 1 when nothing of that post "
        "waits, 2 when the address or the options are wrong."),
    "accounts": N_("The platform accounts bmnsocial publishes to."),
    "sandbox": N_("The local fake platforms behind --sandbox."),
    "inbox": N_(
        "Comments on the Page's posts and replies to our X posts that nobody has answered yet, "
        "oldest first (read from the platforms first).\n\n"
        "Answer one with 'bmnsocial inbox reply ITEM_ID TEXT', or mark it handled with "
        "'bmnsocial inbox done ITEM_ID'. JSON fields: items (item_id, platform, post_id, "
        "post_url, category, author, text, url, created_at, age_hours, state, overdue), "
        "notices."),
    "sync": N_("Queue the posts' occurrences (default: the whole posts folder).\n\n"
               "New and edited posts are queued or updated; occurrences that left a post's "
               "schedule and posts whose file was deleted are cancelled (deletions only when "
               "syncing the whole folder); published ones are never touched. A file that fails "
               "validation keeps its queued occurrences as they were. Exit 1 if any file is "
               "invalid."),
    "queue": N_("List what is queued, soonest first. A date a person cancelled in a series "
                "still queued is listed too, as cancelled, so that the gap reads as intended.\n\n"
                "JSON fields: post_id, platform, due (ISO 8601 with offset), status (and more)."),
    "cancel": N_("Cancel the queued occurrences of a post (published ones stay as they are).\n\n"
                 "With --date, only that date's occurrence of a recurring post (a day in the "
                 "config's time zone, or a day and time when it has two that day); the rest of the "
                 "series is untouched, and no sync queues that date again, even beyond the "
                 "horizon. `bmnsocial retry POST_ID --date DATE` undoes it.\n\n"
                 "To stop a recurring post for good, also delete or edit its file: the next sync "
                 "would queue its later occurrences again."),
    "daemon": N_("Run the scheduler in the foreground: publish queued posts on time (for "
                 "systemd).\n\n"
                 "Follows the posts folder (a 'git pull' is enough) and the queue; logs one line "
                 "per event to stderr. SIGTERM/SIGINT: finishes the request in flight, then "
                 "exits 0. Only one daemon per state directory."),
    "run-due": N_("Publish everything due now, then exit (for cron).\n\n"
                  "Syncs the posts folder first, applies the same misfire policy as the daemon, "
                  "and is safe beside a running daemon or another run-due: an occurrence is "
                  "never sent twice. Exit 0, or 3 if a publication failed or could not be "
                  "confirmed in this run."),
    "status": N_("Health: daemon alive and heartbeat age, next publications, rows that need a "
                 "person, post files the last sync could not queue, publications skipped in the "
                 "last 7 days.\n\n"
                 "Warns 14 days before a token expires (as 'accounts check' last heard) and 60 "
                 "days before the Graph API version ends.\n\n"
                 "Exit 0 when healthy; 5 when unhealthy (stale heartbeat, failed or unconfirmed "
                 "rows, post files not queued, an expired token or Graph API version), so "
                 "monitoring and cron can alert on it."),
    "calendar": N_("Draw queued and published posts as a week or month calendar "
                   "(docs/calendar.md).\n\n"
                   "One entry per post occurrence, its platforms and their status: ✓ published, "
                   "· queued, → sending, ✗ failed, ? unconfirmed. ■ takes the category's colour; "
                   "without colour (NO_COLOR, not a terminal, --no-color) the category shows as "
                   "its rank: [1].\n\n"
                   "JSON fields: post_id, occurrence, uid, due (ISO 8601 with offset), category "
                   "{{rank, slug, label_es}}, platforms {{name: status}}, urls {{name: url}}, "
                   "errors {{name: error}}."),
    "report": N_("Reports on what was published and what is queued."),
    "metrics": N_("The figures the platforms tell of published posts "
                  "(docs/report-engagement.md)."),
    "ledger": N_("The ledger's backups, and rebuilding a lost or damaged ledger "
                 "(docs/deploy.md)."),
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or shows its own help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, with each one-line help made from ``HELP`` (the command's own
        help text, so the same line in either language) instead of importing the command."""
        listed = [(name, self._listed(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, command) for name, command in listed
                if command is not None and not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _command in rows)
            # click's own "Commands" heading, looked up the way click does it
            with formatter.section(gettext.gettext("Commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit))
                                    for name, command in rows])

    def _listed(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in HELP:
            return click.Command(name, help=_(HELP[name]))
        return self.get_command(ctx, name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _sep, attr = target.partition(":")
        command: click.Command = getattr(import_module(module_name), attr)
        translate_usage(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BmnError as exc:
            for line in exc.report():
                click.echo(line, err=True)
            raise Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            click.echo(_("Interrupted."), err=True)
            raise Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`bmnsocial queue | head`): not an error worth a message.
            # Point stdout at /dev/null so the interpreter's last flush does not complain.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise Exit(ExitCode.BROKEN_PIPE) from None
        except Exception as exc:
            report_internal_error(exc)
            raise Exit(ExitCode.INTERNAL_ERROR) from None


def translate_usage(command: click.Command) -> None:
    """click writes '[OPTIONS]' and 'COMMAND [ARGS]...' in usage lines without gettext."""
    command.options_metavar = _("[OPTIONS]")
    if isinstance(command, click.Group):
        command.subcommand_metavar = _("COMMAND [ARGS]...")
        for sub in command.commands.values():
            translate_usage(sub)


def report_internal_error(exc: Exception) -> None:
    """A bug, not bad input: one masked line for the person, the traceback only at -vv.

    Python's own traceback would bypass the secret masking of the log records."""
    import logging
    import traceback

    from bmnsocial.secrets import redact

    log = logging.getLogger("bmnsocial")
    log.debug("%s", redact("".join(traceback.format_exception(exc))))
    log.critical(_("internal error ({kind}: {message}). This is a bug in bmnsocial, not in "
                   "your posts: run the command again with -vv and report what it prints. "
                   "Nothing is lost: the ledger records what was sent.").format(
                       kind=type(exc).__name__, message=redact(str(exc))))


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Takes what a locale would say too (BMNSOCIAL_LANG=es_CU.UTF-8, ES)."""
    if value:
        if language_code(value) not in LANGUAGES:
            raise click.BadParameter(_("'{value}' is not one of: {choices}.").format(
                value=value, choices=", ".join(LANGUAGES)), ctx=ctx, param=param)
        install(detect(value))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help=_("Plan, check and publish the BMN's social media posts from YAML files."
                    "\n\nPosts live in posts/ as YAML files, one post each; see "
                    "docs/post-format.md."))
@click.option("--lang", metavar="[" + "|".join(LANGUAGES) + "]", is_eager=True,
              expose_value=False,
              callback=_choose_language, envvar="BMNSOCIAL_LANG", show_envvar=True,
              help=_("Language of messages (default: from the locale, e.g. LANG=es_CU.UTF-8; "
                     "else English)."))
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              envvar="BMNSOCIAL_CONFIG", show_envvar=True,
              help=_("Configuration file (default: ./config.yaml, else the embedded "
                     "default)."))
@click.option("--sandbox", is_flag=True, envvar="BMNSOCIAL_SANDBOX", show_envvar=True,
              help=_("Publish to local fake platforms: nothing leaves this machine and no "
                     "credentials are needed."))
@click.option("-v", "--verbose", count=True,
              help=_("Log more to stderr (-v: what happens, -vv: debugging detail)."))
@click.version_option(__version__, prog_name="bmnsocial")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, sandbox: bool, verbose: int) -> None:
    from bmnsocial.cli.common import AppContext
    from bmnsocial.cli.logsetup import setup_logging

    setup_logging(verbose)
    app = AppContext(config_path=config_path, sandbox=sandbox)
    ctx.obj = app
    ctx.call_on_close(app.close)


translate_usage(cli)
