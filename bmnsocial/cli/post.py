from __future__ import annotations

from pathlib import Path

import click

from bmnsocial.cli.common import AppContext, Exit, handle_errors, json_option, pass_app
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.preview import show_previews
from bmnsocial.errors import UsageError


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Show what would be sent, and when; send nothing.")
@json_option
@pass_app
@handle_errors
def post(app: AppContext, files: tuple[str, ...], dry_run: bool, as_json: bool) -> None:
    """Publish or queue posts; with --dry-run, only show what would be sent."""
    if not dry_run:
        raise UsageError("publishing is not available in this version yet; use --dry-run.")
    if not show_previews(app, [Path(f) for f in files], as_json):
        raise Exit(ExitCode.INVALID)
