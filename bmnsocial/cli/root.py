"""The root group: global options, and the commands (one module per noun, loaded on demand).

Imported only after the language is chosen (bmnsocial.cli.main), so every help text passed
through ``_`` at definition time is already in the user's language."""

from __future__ import annotations

import logging
import os
import sys
from importlib import import_module
from typing import Any

import click

from bmnsocial import __version__
from bmnsocial.cli.common import AppContext, Exit
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.errors import BmnError
from bmnsocial.i18n import LANGUAGES, _, detect, install, language_code

COMMANDS = {
    "categories": "bmnsocial.cli.categories:categories",
    "config": "bmnsocial.cli.config_cmd:config_group",
    "validate": "bmnsocial.cli.validate:validate",
    "preview": "bmnsocial.cli.preview:preview",
    "post": "bmnsocial.cli.post:post",
    "history": "bmnsocial.cli.history:history",
    "retry": "bmnsocial.cli.history:retry",
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
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

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
             help=_("Plan, check and publish the BMN's Facebook and X posts from YAML files."
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
    setup_logging(verbose)
    app = AppContext(config_path=config_path, sandbox=sandbox)
    ctx.obj = app
    ctx.call_on_close(app.close)


def setup_logging(verbose: int) -> None:
    """One line per event on stderr (journald-friendly), secrets masked before any handler."""
    from bmnsocial.secrets import install_log_redaction

    install_log_redaction()
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    root = logging.getLogger()
    if not any(isinstance(h, StderrHandler) for h in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time of each record (tests swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


translate_usage(cli)
