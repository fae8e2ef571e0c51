from __future__ import annotations

import click

from bmnsocial.cli.common import AppContext, Exit, echo_json, handle_errors, json_option, pass_app
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.config import PLATFORMS
from bmnsocial.ledger import Status
from bmnsocial.timeutil import describe

SHOWN = (Status.SENDING, Status.PUBLISHED, Status.FAILED, Status.UNCONFIRMED, Status.SKIPPED,
         Status.CANCELLED)


@click.command()
@click.option("--post", "post_id", help="Only this post id.")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform.")
@click.option("--limit", default=50, show_default=True, help="At most this many rows.")
@json_option
@pass_app
@handle_errors
def history(app: AppContext, post_id: str | None, platform: str | None, limit: int,
            as_json: bool) -> None:
    """List publications, newest first: published, failed, unconfirmed, skipped, cancelled.

    JSON fields: post_id, platform, status, url, published_at, error (and more).
    """
    rows = app.runtime.ledger.rows(statuses=SHOWN, post_id=post_id, platform=platform,
                                   order="updated", limit=limit)
    tz = app.config.timezone
    if as_json:
        echo_json([r.to_json(tz) for r in rows])
        return
    if not rows:
        click.echo("No publications yet.")
        return
    for r in rows:
        when = describe(r.published_at or r.updated_at, tz)
        detail = r.url if r.status is Status.PUBLISHED else (r.last_error or "")
        click.echo(f"{when}  {r.status.value:<11} {r.platform:<8} {r.post_id}  {detail}")


@click.command()
@click.argument("post_id")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform.")
@pass_app
@handle_errors
def retry(app: AppContext, post_id: str, platform: str | None) -> None:
    """Queue a failed or unconfirmed publication again, once a person has fixed the cause.

    For an unconfirmed row, first check on the platform that the post is NOT there.
    """
    ledger = app.runtime.ledger
    rows = ledger.rows(statuses=(Status.FAILED, Status.UNCONFIRMED), post_id=post_id,
                       platform=platform)
    if not rows:
        click.echo(f"No failed or unconfirmed publication of '{post_id}'.", err=True)
        raise Exit(ExitCode.INVALID)
    for r in rows:
        ledger.retry(r.id, app.now())
        click.echo(f"{r.platform:<9} {r.post_id}: queued again.")
