"""`bmnsocial metrics …`: the figures of published posts (docs/report-engagement.md)."""

from __future__ import annotations

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.i18n import _


@click.group(name="metrics", help=_(
    "The figures the platforms tell of published posts (docs/report-engagement.md)."))
def metrics_group() -> None:
    pass


@metrics_group.command(name="pull", help=_(
    "Read the figures of every published post now and keep them in the ledger with the time "
    "read: Facebook reactions (by type), comments, shares, and impressions and reach when "
    "the token may read insights; X public_metrics (likes, reposts, replies, quotes, "
    "bookmarks, impressions). Telegram tells bots nothing of this. X reads cost money "
    "(accounts.twitter.prices.posts_read per tweet) and are skipped when they would pass "
    "accounts.twitter.monthly_budget_usd.\n\n"
    "JSON fields: read_at, pulled[] (post_id, platform, occurrence, platform_post_id, "
    "figures, unavailable), skipped[] (post_id, platform, occurrence, reason, message), "
    "x_cost_usd, not_pulled."))
@json_option
@pass_app
def pull(app: AppContext, as_json: bool) -> None:
    from bmnsocial.i18n import money
    from bmnsocial.publish.metrics import Due, not_pulled, published_rows
    from bmnsocial.publish.metrics import pull as pull_figures

    runtime = app.runtime
    ledger = runtime.ledger
    due = [Due(row) for row in published_rows(ledger)]
    report = pull_figures(ledger, app.config, runtime.adapter, due, app.now)
    if as_json:
        echo_json(report.to_json())
        return
    if not due:
        click.echo(_("No published post to read figures of yet."))
    for entry in report.pulled:
        shown = ", ".join(f"{name} {value}" for name, value in sorted(entry["figures"].items())
                          if value or not name.startswith("reactions_"))
        click.echo(f"{entry['post_id']}  {entry['platform']:<8} {shown}")
        for name, why in sorted(entry["unavailable"].items()):
            click.echo("    " + _("{figure}: not read ({why})").format(figure=name, why=why))
    for entry in report.skipped:
        click.echo(_("{post} on {platform}: not read: {message}").format(
            post=entry["post_id"], platform=entry["platform"], message=entry["message"]))
    for platform, why in not_pulled().items():
        if platform in app.config.platforms_configured:
            click.echo(_("{platform}: not read: {why}.").format(platform=platform, why=why))
    click.echo(_("{read} read, {skipped} not read; X charged about {cost} for the reads.").format(
        read=len(report.pulled), skipped=len(report.skipped), cost=money(report.x_cost_usd)))
