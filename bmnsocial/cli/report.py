"""`bmnsocial report …`: reports over the ledger; `report mix` is docs/report-mix.md."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from bmnsocial.cli.common import (
    AppContext,
    echo_json,
    json_option,
    parse_day,
    pass_app,
    stdout_is_tty,
)
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org)."""
    return stdout_is_tty() and not os.environ.get("NO_COLOR")


def terminal_width() -> int:
    """COLUMNS, else the terminal's width, else 100."""
    return shutil.get_terminal_size((100, 24)).columns


@click.group(help=_("Reports on what was published and what is queued."))
def report() -> None:
    pass


@report.command(help=_(
    "How published and queued posts spread over the 17 categories, against the target mix."
    "\n\n"
    "Counts each post occurrence once (a post sent to Facebook and X is one post); cancelled, "
    "skipped, failed and unconfirmed occurrences are not counted. A post's category is read "
    "from its file in the posts folder; posts whose file is gone are listed as \"unknown\". The "
    "target is config.yaml's mix.target, or by default the policy's ranking (weight 18 − "
    "rank). Categories are flagged OVER or UNDER when they stray from it "
    "(docs/report-mix.md)."))
@click.option("--since", metavar="DATE",
              help=_("First day (YYYY-MM-DD, local time in the config's zone). Default: 30 "
                     "days ago."))
@click.option("--until", metavar="DATE",
              help=_("Last day, included (YYYY-MM-DD). Default: 30 days from today."))
@json_option
@click.option("--png", "png", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=_("Also draw the chart as a PNG image into FILE."))
@pass_app
def mix(app: AppContext, since: str | None, until: str | None, as_json: bool,
        png: Path | None) -> None:
    from bmnsocial.files import write_atomic
    from bmnsocial.reports.mix import mix_report, png_size, render_png, render_text

    if png is not None and not png.parent.is_dir():
        raise UsageError(_("cannot write {file}: the folder {folder} does not exist.").format(
            file=png, folder=png.parent))
    config = app.config
    tz = config.timezone
    result = mix_report(config, app.runtime.ledger.rows(), app.now(),
                        parse_day(since, tz, "--since") if since else None,
                        parse_day(until, tz, "--until") if until else None)
    if as_json:
        echo_json(result.to_json())
    else:
        colour = use_colour()
        for line in render_text(result, terminal_width(), colour=colour):
            click.echo(line, color=colour)
    if png is not None:
        data = render_png(result)
        write_atomic(png, data)
        width, height = png_size(result)
        click.echo(_("Chart written to {file} ({size} PNG).").format(
            file=png, size=f"{width}×{height}"), err=as_json)
