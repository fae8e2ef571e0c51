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


@report.command(help=_(
    "Engagement per category (all 17, in the policy's order) and platform, beside each "
    "category's rank, then the policy's factors with their indicators and the factors no "
    "figure here can show (docs/report-engagement.md).\n\n"
    "Counts the posts published in the window with the latest figures read of them "
    "('bmnsocial metrics pull', or the daemon at metrics.after_hours).\n\n"
    "JSON fields: window, latest_read_at, categories[] (rank, slug, label_es, response_rank, "
    "posts, read, reactions, comments, shares, impressions, engagement, engagement_per_post, "
    "platforms), unknown, rank_agreement, factors[] (key, name, formula, value, unit, "
    "details), not_measurable[] (key, name, reason)."))
@click.option("--since", metavar="DATE",
              help=_("First day (YYYY-MM-DD, local time in the config's zone). Default: 90 "
                     "days ago."))
@click.option("--until", metavar="DATE",
              help=_("Last day, included (YYYY-MM-DD). Default: today."))
@json_option
@click.option("--png", "png", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=_("Also draw the chart as a PNG image into FILE."))
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help=_("Also write the report as an HTML page into FILE."))
@pass_app
def engagement(app: AppContext, since: str | None, until: str | None, as_json: bool,
               png: Path | None, html_file: Path | None) -> None:
    from bmnsocial.files import write_atomic
    from bmnsocial.reports.engagement import (
        engagement_report,
        png_size,
        render_html,
        render_png,
        render_text,
    )

    for target in (png, html_file):
        if target is not None and not target.parent.is_dir():
            raise UsageError(_("cannot write {file}: the folder {folder} does not exist.").format(
                file=target, folder=target.parent))
    tz = app.config.timezone
    result = engagement_report(app.config, app.runtime.ledger, app.now(),
                               parse_day(since, tz, "--since") if since else None,
                               parse_day(until, tz, "--until") if until else None)
    if as_json:
        echo_json(result.to_json())
    else:
        for line in render_text(result):
            click.echo(line)
    if png is not None:
        write_atomic(png, render_png(result))
        width, height = png_size(result)
        click.echo(_("Chart written to {file} ({size} PNG).").format(
            file=png, size=f"{width}×{height}"), err=as_json)
    if html_file is not None:
        write_atomic(html_file, render_html(result).encode("utf-8"))
        click.echo(_("Page written to {file}.").format(file=html_file), err=as_json)


@report.command(name="cost", help=_(
    "What the platforms were asked and what X charged, per month (in the config's zone) and "
    "platform: requests answered, spent_usd (what X charged for them: publications, "
    "reconciliation reads and 'accounts check' alike) and planned_usd (what the queued "
    "publications will cost), at accounts.twitter.prices (docs/report-cost.md).\n\n"
    "JSON fields: months[] with month, platform, requests, spent_usd, planned_usd; "
    "budget_usd."))
@click.option("--month", metavar="MONTH",
              help=_("Only this month, as YYYY-MM (default: every month with requests or "
                     "queued posts)."))
@json_option
@pass_app
def cost(app: AppContext, month: str | None, as_json: bool) -> None:
    import re

    from bmnsocial.i18n import money
    from bmnsocial.publish.costs import MonthCost, monthly_costs, priced

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month.strip()):
        raise UsageError(_("--month {month} is not a month: write it as YYYY-MM, e.g. "
                           "2027-01.").format(month=month))
    config = app.config
    found = monthly_costs(app.runtime.ledger, config, month.strip() if month else None)
    if month is not None:
        have = {c.platform for c in found}
        found += [MonthCost(month.strip(), p) for p in config.platforms_configured
                  if p not in have]
    budget = next((b for name, pricing in priced()
                   if (b := pricing.budget(config.account(name))) is not None), None)
    if as_json:
        echo_json({"months": [c.to_json() for c in found], "budget_usd": budget})
        return
    if not found:
        click.echo(_("Nothing sent or queued yet."))
        return
    heads = (_("Month"), _("Platform"), _("Requests"), _("Spent"), _("Planned"))
    table = [(c.month, c.platform, str(c.requests), money(c.spent_usd), money(c.planned_usd))
             for c in found]
    widths = [max(len(row[i]) for row in (heads, *table)) for i in range(len(heads))]
    for row in (heads, *table):
        click.echo("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                             for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    if budget is not None:
        click.echo(_("X budget: {budget} per month (accounts.twitter.monthly_budget_usd).")
                   .format(budget=money(budget)))
    click.echo(_("Spent counts every request X answered, at the prices of the day it was "
                 "sent; X charges a post read again the same UTC day only once, so this may be "
                 "a little more than X's bill."))
