from __future__ import annotations

from datetime import datetime

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
from bmnsocial.publish.ledger import (
    CANCELLED_BY_PERSON,
    Ledger,
    Row,
    Status,
    status_name,
    status_width,
)
from bmnsocial.reasons import Reason
from bmnsocial.terminal import visible
from bmnsocial.timeutil import describe

#: What is still to go out (a row handed to Facebook's own scheduler goes out from there).
PENDING = (Status.QUEUED, Status.SENDING, Status.AWAITING_MANUAL, Status.HANDED_OFF)
#: What a person's cancel takes back.
CANCELLABLE = (Status.QUEUED, Status.AWAITING_MANUAL, Status.HANDED_OFF)


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
    "List what is queued, soonest first. A date a person cancelled in a series still queued "
    "is listed too, as cancelled, so that the gap reads as intended.\n\n"
    "JSON fields: post_id, platform, due (ISO 8601 with offset), status (and more)."))
@click.option("--platform", type=PlatformChoice(), help=_("Only this platform."))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help=_("At most this many rows."))
@json_option
@pass_app
def queue(app: AppContext, platform: str | None, limit: int, as_json: bool) -> None:
    ledger = app.runtime.ledger
    rows = ledger.rows(statuses=PENDING, platform=platform, limit=limit)
    rows = sorted([*rows, *gaps(ledger, rows, app.now(), platform)],
                  key=lambda r: (r.due, r.id))
    tz = app.config.timezone
    if as_json:
        echo_json([r.to_json(tz) for r in rows])
        return
    if not rows:
        click.echo(_("Nothing queued."))
        return
    width = status_width((*PENDING, Status.CANCELLED), 7)
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
        if r.status is Status.CANCELLED:
            note = "  (" + (r.reason(tz) or "") + ")"
        when = describe(r.due, tz, aligned=True)
        click.echo(visible(
            f"{when}  {status_name(r.status):<{width}} {r.platform:<8} {r.post_id}{note}"))



def gaps(ledger: Ledger, rows: list[Row], now: datetime, platform: str | None) -> list[Row]:
    """The dates a person cancelled in the series still queued, within the listed ones'
    span: shown, so that a missing date reads as intended."""
    if not rows:
        return []
    queued = {r.post_id for r in rows}
    last = rows[-1].due
    return [r for r in ledger.rows(statuses=(Status.CANCELLED,), platform=platform)
            if r.error_kind == CANCELLED_BY_PERSON and r.post_id in queued
            and now < r.due <= last]


@click.command(help=_(
    "Cancel the queued occurrences of a post (published ones stay as they are).\n\n"
    "With --date, only that date's occurrence of a recurring post (a day in the config's time "
    "zone, or a day and time when it has two that day); the rest of the series is untouched, "
    "and no sync queues that date again, even beyond the horizon. `bmnsocial retry POST_ID "
    "--date DATE` undoes it.\n\n"
    "To stop a recurring post for good, also delete or edit its file: the next sync would "
    "queue its later occurrences again."))
@click.argument("post_id")
@click.option("--platform", type=PlatformChoice(), help=_("Only this platform."))
@click.option("--date", "date_text", metavar=_("DATE"),
              help=_("Only the occurrence on this day (YYYY-MM-DD, or 'YYYY-MM-DD HH:MM')."))
@pass_app
def cancel(app: AppContext, post_id: str, platform: str | None, date_text: str | None) -> None:
    ledger = app.runtime.ledger
    # (one handed to Facebook's scheduler is deleted there by the next pass: publish/native.py)
    if date_text is None:
        rows = ledger.rows(statuses=CANCELLABLE, post_id=post_id, platform=platform)
    else:
        on_date = _rows_on_date(app, post_id, platform, date_text)
        if on_date is None:
            return
        rows = on_date
    if not rows:
        click.echo(_("Nothing queued for '{post}'.").format(post=post_id), err=True)
        raise Exit(ExitCode.INVALID)
    for r in rows:
        ledger.mark_cancelled(r.id, Reason("cancelled-by-person"), app.now(), only_if=r.status)
    if any(r.status is Status.AWAITING_MANUAL for r in rows):  # its sheet leaves the index
        from bmnsocial.cli.handoff import rewrite_index

        rewrite_index(app)
    if date_text is not None:
        tz = app.config.timezone
        click.echo(visible(_("Cancelled '{post}' on {when} ({platforms}); the rest of the "
                             "series is untouched.").format(
                                 post=post_id, when=describe(rows[0].due, tz),
                                 platforms=", ".join(r.platform for r in rows))))
        return
    # English says "occurrence(s)" either way; other languages choose by the count.
    click.echo(ngettext("Cancelled {count} queued occurrence(s) of '{post}'.",
                        "Cancelled {count} queued occurrence(s) of '{post}'.", len(rows)
                        ).format(count=len(rows), post=post_id))


def _rows_on_date(app: AppContext, post_id: str, platform: str | None,
                  date_text: str) -> list[Row] | None:
    """The rows to cancel on that date; None when the date lay beyond the queue and was
    cancelled ahead (said here)."""
    from bmnsocial.schedule.dates import cancel_ahead, parse_choice, rows_on

    tz = app.config.timezone
    ledger = app.runtime.ledger
    choice = parse_choice(date_text, tz)
    found = rows_on(ledger.rows(post_id=post_id, platform=platform), choice, post_id, tz)
    if not found:
        ahead = cancel_ahead(app.config, ledger, post_id, choice, platform, app.now())
        if ahead:
            click.echo(visible(_("Cancelled '{post}' on {when} ({platforms}): not queued yet, "
                                 "it never will be; the rest of the series is untouched."
                                 ).format(post=post_id, when=describe(ahead[0][1], tz),
                                          platforms=", ".join(p for p, _due in ahead))))
            return None
        click.echo(visible(_("'{post}' has no occurrence on {day}.").format(
            post=post_id, day=f"{choice.day:%Y-%m-%d}")), err=True)
        raise Exit(ExitCode.INVALID)
    open_rows = [r for r in found if r.status in CANCELLABLE]
    if not open_rows:
        states = ", ".join(f"{r.platform} {status_name(r.status)}" for r in found)
        click.echo(visible(_("Nothing queued for '{post}' on {day} ({states}).").format(
            post=post_id, day=f"{choice.day:%Y-%m-%d}", states=states)), err=True)
        raise Exit(ExitCode.INVALID)
    return open_rows
