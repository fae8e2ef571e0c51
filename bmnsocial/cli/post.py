from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bmnsocial.cli.common import (
    AppContext,
    PlatformChoice,
    confirm,
    echo_json,
    json_option,
    pass_app,
    stdout_is_tty,
)
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.cli.preview import print_previews
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _
from bmnsocial.publish.ledger import X_BUDGET, Row, Status, status_name
from bmnsocial.terminal import visible
from bmnsocial.timeutil import parse_user_time


@click.command(help=_(
    "Publish posts now (--now), or queue them by their schedule or --at.\n\n"
    "Without --now the posts are queued: the daemon or 'bmnsocial run-due' publishes them on "
    "time. An occurrence already published is never sent again. Exit 0 when everything asked "
    "for is published or queued, 1 if a post is invalid, 3 if a publication failed or could "
    "not be confirmed, 4 if some is still waiting for a retry."))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--now", "immediately", is_flag=True, help=_("Publish immediately."))
@click.option("--at", "at_text", metavar="TIME",
              help=_("Queue for this time instead of the post's schedule ('2027-01-14 09:00', "
                     "local time, or with an offset)."))
@click.option("--platform", "platforms", multiple=True, type=PlatformChoice(),
              help=_("Only this platform (repeatable)."))
@click.option("--dry-run", is_flag=True,
              help=_("Show what would be sent, and when; send nothing."))
@click.option("--yes", "-y", is_flag=True, help=_("Do not ask for confirmation."))
@click.option("--wait", default=120, show_default=True, metavar="SECONDS",
              type=click.IntRange(min=0),
              help=_("With --now: how long to keep retrying before leaving the rest to the "
                     "queue (the daemon or run-due finishes it)."))
@json_option
@pass_app
def post(app: AppContext, files: tuple[str, ...], immediately: bool, at_text: str | None,
         platforms: tuple[str, ...], dry_run: bool, yes: bool, wait: int,
         as_json: bool) -> None:
    from bmnsocial.render.validation import validate_paths
    from bmnsocial.schedule.queueing import enqueue, plan, refuse_at_for_series
    from bmnsocial.schedule.sync import renamed_posts

    if immediately and at_text:
        raise UsageError(_("give --now or --at, not both."))
    config = app.config
    paths = [Path(f) for f in files]
    at = parse_user_time(at_text, config.timezone) if at_text else None
    now = app.now()
    if at is not None and at <= now:
        raise UsageError(_("--at {time} is in the past.").format(time=at_text))
    result = validate_paths(paths, config, now, published=app.x_published(),
                            owners=app.owners())
    if immediately or at is not None:
        # The command line gives the time: a past time in the file is beside the point.
        result.forgive_history({c.post.id for c in result.posts})
    if not immediately:
        outside = _outside_posts_folder(result.files, config.posts_dir)
        if outside:
            raise UsageError(_(
                "{file} is not in the posts folder ({folder}): the daemon and run-due follow "
                "that folder and would cancel what is queued from elsewhere. Move the file "
                "there, or publish it at once with --now.").format(
                    file=outside[0], folder=config.posts_dir))
    if dry_run:  # the same path as below, stopped before anything is queued or sent
        for c in result.posts:
            refuse_at_for_series(c, at)
        ok = print_previews(app, result, as_json, platforms=platforms,
                            when=now if immediately else at,
                            when_note=_("now (--now)") if immediately else
                            _("--at") if at is not None else "")
        if not ok:
            raise Exit(ExitCode.INVALID)
        return
    if not result.ok:
        for d in result.diagnostics:
            click.echo(d.format(), err=True)
        click.echo(result.summary(), err=True)
        raise Exit(ExitCode.INVALID)
    drafts = [c.post.file for c in result.posts if c.post.draft]
    if drafts:  # nothing is queued: a folder with a draft in it is a person's mistake too
        for file in drafts:
            click.echo(visible(_("{file} is a draft ('draft: true'): it is not queued or "
                                 "published. Remove that line when the post is ready."
                                 ).format(file=file)), err=True)
        raise Exit(ExitCode.INVALID)
    runtime = app.runtime
    ledger = runtime.ledger
    refused = renamed_posts(ledger, result.posts, now)
    if refused:
        for d in refused:
            click.echo(d.format(), err=True)
        raise Exit(ExitCode.INVALID)
    plans = [(c, plan(c, config, ledger, now, at=at, immediately=immediately,
                      platforms=platforms)) for c in result.posts]
    if not yes and stdout_is_tty() and not as_json:
        for c, planned in plans:
            for p in planned:
                when = _("now") if immediately else _local(p.due, app)
                click.echo(visible(f"  {c.post.id} → {p.rendered.platform}: {when}"))
        if immediately:
            question = _("Publish these (SANDBOX)?") if app.sandbox else _("Publish these?")
        else:
            question = _("Queue these (SANDBOX)?") if app.sandbox else _("Queue these?")
        if not confirm(question):
            click.echo(_("Aborted!"), err=True)
            raise Exit(ExitCode.INVALID)
    finished_before = {
        (c.post.id, p.rendered.platform, p.occurrence) for c, planned in plans for p in planned
        if (row := ledger.find(c.post.id, p.rendered.platform, p.occurrence)) is not None
        and row.status is not Status.QUEUED}
    rows: list[Row] = []
    for c, planned in plans:
        pin = at is not None or immediately
        rows.extend(enqueue(ledger, c, planned, now, pin=pin, follow=not pin))
    if immediately:
        rows = _publish_now(app, rows, wait)
    if as_json:
        echo_json([r.to_json(config.timezone) for r in rows])
    else:
        for r in rows:
            earlier = (r.post_id, r.platform, r.occurrence) in finished_before
            click.echo(visible(_describe(r, app, earlier)))
    statuses = {r.status for r in rows}
    if statuses & {Status.FAILED, Status.UNCONFIRMED}:
        raise Exit(ExitCode.PUBLISH_FAILED)
    if immediately and statuses & {Status.QUEUED, Status.SENDING}:
        raise Exit(ExitCode.PENDING)


def _publish_now(app: AppContext, rows: list[Row], wait: int) -> list[Row]:
    publisher = app.runtime.publisher()
    clock = publisher.clock
    deadline = clock.now().timestamp() + wait
    ids = [r.id for r in rows]
    current = [publisher.advance(i) for i in ids]
    while True:
        pending = [r for r in current if r.status in (Status.QUEUED, Status.SENDING)]
        if not pending:
            return current
        next_times = [r.next_attempt_at.timestamp() for r in pending if r.next_attempt_at]
        wake = min(next_times, default=clock.now().timestamp())
        if wake > deadline:
            return current
        clock.sleep(max(0.0, wake - clock.now().timestamp()))
        current = [publisher.advance(i) for i in ids]


def _local(moment: datetime, app: AppContext) -> str:
    from bmnsocial.timeutil import describe

    return describe(moment, app.config.timezone)


def _reason(row: Row, app: AppContext) -> str | None:
    return row.reason(app.config.timezone)


def _describe(row: Row, app: AppContext, earlier: bool) -> str:
    """``earlier``: the row had its outcome before this command ran."""
    head = f"{row.platform:<9} {row.post_id}"
    if row.status is Status.PUBLISHED:
        return f"{head}: " + (_("already published {url}") if earlier else
                              _("published {url}")).format(url=row.url)
    if earlier and row.status in (Status.CANCELLED, Status.SKIPPED):
        return f"{head}: " + _("{status} earlier ({reason}); to queue it again: bmnsocial "
                               "retry {post_id}").format(
            status=status_name(row.status), reason=_reason(row, app) or _("cancelled by a person"),
            post_id=row.post_id)
    if row.status is Status.AWAITING_MANUAL:
        from bmnsocial.publish.handoff import sheet_path

        return f"{head}: " + _("waiting for a person: publishing sheet {sheet}").format(
            sheet=sheet_path(app.runtime.state_dir, row))
    if row.status is Status.QUEUED and row.error_kind == X_BUDGET:
        return f"{head}: " + _("HELD: {reason}").format(reason=_reason(row, app))
    if row.status is Status.QUEUED and row.attempts == 0:
        return f"{head}: " + _("queued for {when}").format(when=_local(row.due, app))
    if row.status in (Status.QUEUED, Status.SENDING):
        when = _local(row.next_attempt_at, app) if row.next_attempt_at else _("soon")
        return f"{head}: " + _("not yet published ({error}); retrying {when}").format(
            error=_reason(row, app), when=when)
    return f"{head}: {status_name(row.status).upper()}: {_reason(row, app) or ''}"


def _outside_posts_folder(files: list[str], folder: Path) -> list[str]:
    root = folder.resolve()
    return [f for f in files if not Path(f).resolve().is_relative_to(root)]
