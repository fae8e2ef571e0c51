from __future__ import annotations

from datetime import datetime, time

import click

from bmnsocial.cli.common import (
    AppContext,
    PlatformChoice,
    confirm,
    echo_json,
    json_option,
    parse_day,
    pass_app,
    stdout_is_tty,
)
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _, ngettext
from bmnsocial.publish.ledger import WITHDRAWN, X_BUDGET, Status, status_name, status_width
from bmnsocial.schedule.queueing import current_payloads
from bmnsocial.schema import did_you_mean
from bmnsocial.terminal import visible
from bmnsocial.timeutil import describe, short_time

SHOWN = (Status.SENDING, Status.PUBLISHED, Status.FAILED, Status.UNCONFIRMED, Status.SKIPPED,
         Status.CANCELLED, Status.AWAITING_MANUAL,
         Status.HANDED_OFF)


@click.command(help=_(
    "List publications, newest change first: published, failed, unconfirmed, skipped, "
    "cancelled. Each line shows the occurrence's own time, then when its status changed.\n\n"
    "JSON fields: post_id, platform, status, due, changed_at, url, published_at, error, "
    "reason_code (and more)."))
@click.option("--post", "post_id", help=_("Only this post id."))
@click.option("--platform", type=PlatformChoice(), help=_("Only this platform."))
@click.option("--since", "since_day", metavar=_("DATE"),
              help=_("Only what changed on or after this day (YYYY-MM-DD)."))
@click.option("--today", is_flag=True, help=_("Only what changed today (what went out today)."))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1),
              help=_("At most this many rows."))
@json_option
@pass_app
def history(app: AppContext, post_id: str | None, platform: str | None,
            since_day: str | None, today: bool, limit: int, as_json: bool) -> None:
    tz = app.config.timezone
    if today and since_day:
        raise UsageError(_("give --today or --since, not both."))
    since = None
    if today or since_day:
        day = app.now().date() if today else parse_day(since_day or "", tz, "--since")
        since = datetime.combine(day, time(0), tzinfo=tz)
    ledger = app.runtime.ledger
    rows = ledger.rows(statuses=SHOWN, post_id=post_id, platform=platform,
                       order="updated", limit=limit, changed_since=since)
    if post_id is not None and not rows:
        known = ledger.post_ids()
        if post_id not in known:
            raise UsageError(" ".join(filter(None, [
                _("the ledger has no post '{post}'.").format(post=post_id),
                did_you_mean(post_id, known)])))
    if as_json:
        echo_json([r.to_json(tz) for r in rows])
        return
    if not rows:
        click.echo(_("No publications yet.") if since is None and post_id is None else
                   _("No publications match."))
        return
    from bmnsocial.publish.handoff import row_detail

    width = status_width(SHOWN, 11)
    for r in rows:
        when = describe(r.due, tz, aligned=True)
        detail = row_detail(r, app.runtime.state_dir, tz)
        changed = r.published_at if r.status is Status.PUBLISHED and r.published_at \
            else r.updated_at
        click.echo(visible(f"{when}  {status_name(r.status):<{width}} {r.platform:<8} "
                           f"{r.post_id}  {detail}  ({short_time(changed, tz)})"))


@click.command(help=_(
    "Queue a failed, unconfirmed, cancelled or skipped publication again (once a person has "
    "fixed the cause); it goes out at its time, or at once if that has passed.\n\n"
    "For an unconfirmed row, first check on the platform that the post is NOT there. With "
    "--failed instead of a POST_ID: every failed publication (for example after renewing an "
    "expired token); unconfirmed ones are never included, since they may be online already."))
@click.argument("post_id", required=False)
@click.option("--platform", type=PlatformChoice(), help=_("Only this platform."))
@click.option("--failed", "all_failed", is_flag=True,
              help=_("Every failed publication instead of one post's (asks first)."))
@click.option("--date", "date_text", metavar=_("DATE"),
              help=_("Only the occurrence on this day (YYYY-MM-DD, or 'YYYY-MM-DD HH:MM'): "
                     "one date of a recurring post, the rest untouched."))
@click.option("--yes", "-y", is_flag=True, help=_("Do not ask for confirmation."))
@pass_app
def retry(app: AppContext, post_id: str | None, platform: str | None, all_failed: bool,
          date_text: str | None, yes: bool) -> None:
    ledger = app.runtime.ledger
    if all_failed == (post_id is not None):
        raise UsageError(_("give either a POST_ID or --failed."))
    if date_text is not None and post_id is None:
        raise UsageError(_("--date needs a POST_ID."))
    if all_failed:
        rows = ledger.rows(statuses=(Status.FAILED,), platform=platform)
        if not rows:
            click.echo(_("No failed publication."), err=True)
            raise Exit(ExitCode.INVALID)
    else:
        # Rows a sync withdrew are not the file's any more (a platform or date it dropped).
        # ... and a row held by X's monthly budget (still queued) goes out once it is raised.
        rows = [r for r in ledger.rows(statuses=(Status.FAILED, Status.UNCONFIRMED,
                                                 Status.CANCELLED, Status.SKIPPED,
                                                 Status.QUEUED),
                                       post_id=post_id, platform=platform)
                if r.error_kind != WITHDRAWN
                and (r.status is not Status.QUEUED or r.error_kind == X_BUDGET)]
        if date_text is not None:
            from bmnsocial.schedule.dates import parse_choice, rows_on

            choice = parse_choice(date_text, app.config.timezone)
            rows = rows_on(rows, choice, post_id or "", app.config.timezone)
            if not rows:
                click.echo(_("No failed, unconfirmed, cancelled or skipped publication of "
                             "'{post}' on {day}.").format(post=post_id,
                                                          day=f"{choice.day:%Y-%m-%d}"),
                           err=True)
                raise Exit(ExitCode.INVALID)
        if not rows:
            click.echo(_("No failed, unconfirmed, cancelled or skipped publication of "
                         "'{post}'.").format(post=post_id), err=True)
            raise Exit(ExitCode.INVALID)
    # Several at once (--failed, or a recurring post's dates): a person sees them first.
    if (all_failed or len({r.occurrence for r in rows}) > 1) and not yes and stdout_is_tty():
        tz = app.config.timezone
        for r in rows:
            click.echo(visible(f"  {describe(r.due, tz, aligned=True)}  {r.platform:<8} "
                               f"{r.post_id}  {r.reason(tz) or ''}"))
        click.echo(_("Those whose time has passed go out at once. If some are no longer "
                     "timely, answer no and retry the others one by one (bmnsocial retry "
                     "POST_ID)."))
        if not confirm(ngettext("Queue this publication again?",
                                "Queue these {count} publications again?",
                                len(rows)).format(count=len(rows))):
            click.echo(_("Aborted!"), err=True)
            raise Exit(ExitCode.INVALID)
    # The file may have been fixed since (the reason to retry): send what it says now.
    payloads, notes, dropped = current_payloads(rows, app.config, app.now())
    for note in notes:
        click.echo(_("Warning: {message}").format(message=note), err=True)
    for r in rows:
        if r.id in dropped:
            continue
        ledger.retry(r.id, app.now(), payloads.get(r.id),
                     only_if=Status.QUEUED if r.status is Status.QUEUED else None)
        click.echo(visible(f"{r.platform:<9} " + _("{post}: queued again.").format(
            post=r.post_id)))
