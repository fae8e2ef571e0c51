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
from bmnsocial.errors import BmnError, UsageError
from bmnsocial.i18n import _, ngettext
from bmnsocial.publish.ledger import Status


@click.command(help=_(
    "Draw queued and published posts as a week or month calendar (docs/calendar.md).\n\n"
    "One entry per post occurrence, its platforms and their status: ✓ published, · queued, → "
    "sending, ✗ failed, ? unconfirmed. ■ takes the category's colour; without colour "
    "(NO_COLOR, not a terminal, --no-color) the category shows as its rank: [1].\n\n"
    "JSON fields: post_id, occurrence, uid, due (ISO 8601 with offset), category {{rank, slug, "
    "label_es}}, platforms {{name: status}}, urls {{name: url}}, errors {{name: error}}."
).format())
@click.option("--week", is_flag=True,
              help=_("Seven columns, Monday to Sunday (the default view)."))
@click.option("--month", is_flag=True,
              help=_("A month grid: weeks as rows, the first entries of each day, then +N "
                     "more."))
@click.option("--from", "start", metavar="DATE",
              help=_("A day (YYYY-MM-DD) in the week or month to show; default today. With "
                     "--ics and no --week/--month: only occurrences from that day on."))
@click.option("--all", "include_all", is_flag=True,
              help=_("Also show cancelled and skipped occurrences."))
@click.option("--color/--no-color", "color", default=None,
              help=_("Force colour on or off (default: on a terminal unless NO_COLOR is "
                     "set)."))
@click.option("--ics", "ics_file", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Write an iCalendar file instead: one event per occurrence (every "
                     "occurrence, or the --week/--month asked for)."))
@json_option
@pass_app
def calendar(app: AppContext, week: bool, month: bool, start: str | None, include_all: bool,
             color: bool | None, ics_file: Path | None, as_json: bool) -> None:
    if week and month:
        raise UsageError(_("give --week or --month, not both."))
    period = "month" if month else "week" if week else None
    from bmnsocial.reports import calendar as cv

    config = app.config
    tz = config.timezone
    now = app.now()
    day = parse_day(start, tz, "--from") if start else now.astimezone(tz).date()
    rows = app.runtime.ledger.rows(statuses=cv.EVERY_STATUS)
    if not include_all:
        rows = cv.shown_rows(rows)
    statuses = cv.EVERY_STATUS if include_all else (
        (*cv.SHOWN, Status.CANCELLED) if any(r.status is Status.CANCELLED for r in rows)
        else cv.SHOWN)
    categories = cv.load_categories(config, now, {r.source_file for r in rows})
    entries = cv.build_entries(rows, categories, tz, app.runtime.ledger.revisions())

    if ics_file is not None:
        from bmnsocial.reports.ics import write_ics

        if period == "week":
            entries = cv.in_range(entries, *cv.week_range(day))
        elif period == "month":
            entries = cv.in_range(entries, *cv.month_range(day))
        elif start:
            entries = [e for e in entries if e.due.date() >= day]
        try:
            count = write_ics(ics_file, entries, tz, now)
        except ImportError as exc:
            raise BmnError(_("--ics needs the icalendar package ({error}); pip install "
                             "icalendar").format(error=exc)) from None
        if as_json:
            echo_json({"file": str(ics_file), "events": count, "timezone": tz.key})
        else:
            click.echo(ngettext("Wrote {count} event to {file} ({zone}).",
                                "Wrote {count} events to {file} ({zone}).", count).format(
                                    count=count, file=ics_file, zone=tz.key))
        return

    first, last = (cv.month_range(day) if period == "month" else cv.week_range(day))
    if as_json:
        echo_json([e.to_json() for e in cv.in_range(entries, first, last)])
        return
    use_color = cv.want_color(color, stdout_is_tty(), os.environ)
    width = shutil.get_terminal_size().columns
    if period == "month":
        text = cv.render_month(entries, first, tz, terminal_width=width, color=use_color,
                               statuses=statuses)
    else:
        text = cv.render_week(entries, first, tz, terminal_width=width, color=use_color,
                              statuses=statuses)
    # color= tells click not to strip (or add) escape sequences on its own.
    click.echo(text, color=use_color)
