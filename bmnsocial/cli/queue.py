from __future__ import annotations

import click

from bmnsocial.cli.common import (
    AppContext,
    PlatformChoice,
    default_paths,
    echo_json,
    json_option,
    pass_app,
    progress_bar,
)
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.i18n import _, ngettext
from bmnsocial.publish.ledger import Status, status_name, status_width
from bmnsocial.reasons import Reason
from bmnsocial.terminal import visible
from bmnsocial.timeutil import describe

#: What is still to go out (a row handed to Facebook's own scheduler goes out from there).
PENDING = (Status.QUEUED, Status.SENDING, Status.AWAITING_MANUAL, Status.HANDED_OFF)


@click.command(name="sync", help=_(
    "Queue the posts' occurrences (default: the whole posts folder).\n\n"
    "New and edited posts are queued or updated; occurrences that left a post's schedule and "
    "posts whose file was deleted are cancelled (deletions only when syncing the whole "
    "folder); published ones are never touched. A file that fails validation keeps its queued "
    "occurrences as they were. Exit 1 if any file is invalid."))
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@json_option
@pass_app
def sync_command(app: AppContext, paths: tuple[str, ...], as_json: bool) -> None:
    from bmnsocial.schedule.sync import sync

    config = app.config
    with progress_bar(_("Syncing")) as step:
        report = sync(default_paths(app, paths), config, app.runtime.ledger, app.now(),
                      full=not paths, progress=step)
    if as_json:
        echo_json({"files": report.files, "new": report.new, "updated": report.updated,
                   "unchanged": report.unchanged, "cancelled": report.cancelled,
                   "invalid_files": report.invalid_files, "notes": report.notes,
                   "unsettled": report.unsettled,
                   "errors": [d.to_json() for d in report.problems]})
    else:
        for d in report.problems:
            click.echo(d.format())
        for note in report.notes:
            click.echo(visible(note))
        click.echo(report.summary())
    if not report.ok:
        raise Exit(ExitCode.INVALID)


@click.command(help=_(
    "List what is queued, soonest first.\n\n"
    "JSON fields: post_id, platform, due (ISO 8601 with offset), status (and more)."))
@click.option("--platform", type=PlatformChoice(), help=_("Only this platform."))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help=_("At most this many rows."))
@json_option
@pass_app
def queue(app: AppContext, platform: str | None, limit: int, as_json: bool) -> None:
    rows = app.runtime.ledger.rows(statuses=PENDING, platform=platform, limit=limit)
    tz = app.config.timezone
    if as_json:
        echo_json([r.to_json(tz) for r in rows])
        return
    if not rows:
        click.echo(_("Nothing queued."))
        return
    width = status_width(PENDING, 7)
    for r in rows:
        note = ""
        if r.status is Status.AWAITING_MANUAL:
            from bmnsocial.publish.handoff import sheet_path

            note = "  " + _("(publish it by hand: {sheet})").format(
                sheet=sheet_path(app.runtime.state_dir, r))
        if r.next_attempt_at and r.next_attempt_at > r.due:
            note = "  " + _("(retry {when}: {error})").format(
                when=describe(r.next_attempt_at, tz), error=r.reason(tz))
        if r.pinned:
            note += "  " + _("(time given with --at: it holds until the file's schedule "
                             "changes)")
        when = describe(r.due, tz, aligned=True)
        click.echo(visible(
            f"{when}  {status_name(r.status):<{width}} {r.platform:<8} {r.post_id}{note}"))



@click.command(help=_(
    "Cancel the queued occurrences of a post (published ones stay as they are).\n\n"
    "To stop a recurring post for good, also delete or edit its file: the next sync would "
    "queue its later occurrences again."))
@click.argument("post_id")
@click.option("--platform", type=PlatformChoice(), help=_("Only this platform."))
@pass_app
def cancel(app: AppContext, post_id: str, platform: str | None) -> None:
    ledger = app.runtime.ledger
    # (one handed to Facebook's scheduler is deleted there by the next pass: publish/native.py)
    rows = ledger.rows(statuses=(Status.QUEUED, Status.AWAITING_MANUAL, Status.HANDED_OFF),
                       post_id=post_id, platform=platform)
    if not rows:
        click.echo(_("Nothing queued for '{post}'.").format(post=post_id), err=True)
        raise Exit(ExitCode.INVALID)
    for r in rows:
        ledger.mark_cancelled(r.id, Reason("cancelled-by-person"), app.now())
    if any(r.status is Status.AWAITING_MANUAL for r in rows):  # its sheet leaves the index
        from bmnsocial.cli.handoff import rewrite_index

        rewrite_index(app)
    # English says "occurrence(s)" either way; other languages choose by the count.
    click.echo(ngettext("Cancelled {count} queued occurrence(s) of '{post}'.",
                        "Cancelled {count} queued occurrence(s) of '{post}'.", len(rows)
                        ).format(count=len(rows), post=post_id))
