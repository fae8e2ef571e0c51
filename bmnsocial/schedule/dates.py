"""One date of a series: `cancel POST_ID --date DATE` and `retry POST_ID --date DATE`.

A date names the occurrences of a post whose own time (a recurring occurrence's planned
instant, even when the misfire policy moved it; any other's due time) falls on that day in
the config's zone. A day with two occurrences of the post is said, and a time picks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bmnsocial.config import Config
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _
from bmnsocial.publish.ledger import Ledger, Row
from bmnsocial.reasons import Reason
from bmnsocial.render.validation import CheckedPost, validate_paths
from bmnsocial.schedule.planning import occurrences
from bmnsocial.schedule.queueing import Planned, occurrence_key, occurrence_time, wanted
from bmnsocial.timeutil import parse_user_time, resolve_recurring


@dataclass(frozen=True, slots=True)
class DateChoice:
    day: date
    moment: datetime | None  # given with a time: that occurrence only

    def holds(self, moment: datetime, tz: ZoneInfo) -> bool:
        if self.moment is not None:
            return _minute(moment) == _minute(self.moment)
        return moment.astimezone(tz).date() == self.day


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def parse_choice(text: str, tz: ZoneInfo) -> DateChoice:
    """'2027-01-14' (the day, in the config's zone) or '2027-01-14 09:00' (one occurrence)."""
    stripped = text.strip()
    try:
        return DateChoice(date.fromisoformat(stripped), None)
    except ValueError:
        pass
    try:
        moment = parse_user_time(stripped, tz)
    except UsageError:
        raise UsageError(_("--date {value} is not a date; write it like 2027-01-14, or "
                           "2027-01-14 09:00 for one of two occurrences that day.").format(
                               value=repr(text))) from None
    return DateChoice(moment.astimezone(tz).date(), moment)


def own_time(row: Row) -> datetime:
    """The occurrence's own time: where its series put it, whatever moved it since."""
    return occurrence_time(row.occurrence) or row.due


def rows_on(rows: list[Row], choice: DateChoice, post_id: str, tz: ZoneInfo) -> list[Row]:
    """The rows of the one occurrence ``choice`` names; a day with two is a usage error."""
    found = [r for r in rows if choice.holds(own_time(r), tz)]
    _one_occurrence(post_id, choice, {r.occurrence: own_time(r) for r in found}, tz)
    return found


def _one_occurrence(post_id: str, choice: DateChoice, times: dict[str, datetime],
                    tz: ZoneInfo) -> None:
    if len(times) < 2:
        return
    shown = sorted({f"{t.astimezone(tz):%H:%M}" for t in times.values()})
    raise UsageError(_("'{post}' has {count} occurrences on {day} (at {times}): say which one "
                       "with a time, e.g. --date '{day} {first}'.").format(
                           post=post_id, count=len(times), day=f"{choice.day:%Y-%m-%d}",
                           times=", ".join(shown), first=shown[0]))


def find_post(config: Config, ledger: Ledger, post_id: str, now: datetime
              ) -> CheckedPost | None:
    """The post with this id as its file says now: the file the ledger holds it from, or
    else the one in the posts folder."""
    source = ledger.owners().get(post_id)
    for paths in ([Path(source)] if source and Path(source).is_file() else [],
                  [config.posts_dir]):
        if not paths:
            continue
        found = [c for c in validate_paths(paths, config, now).posts if c.post.id == post_id]
        if found:
            return found[0]
    return None


def cancel_ahead(config: Config, ledger: Ledger, post_id: str, choice: DateChoice,
                 platform: str | None, now: datetime) -> list[tuple[str, datetime]]:
    """Cancel a recurring post's occurrence on a date not queued yet (beyond the horizon):
    its rows are made cancelled now, so that no sync ever queues it. Returns (platform, time)
    of each row made."""
    checked = find_post(config, ledger, post_id, now)
    if checked is None or checked.post.schedule.kind != "cron":
        return []
    tz = config.timezone
    end = resolve_recurring(datetime.combine(choice.day + timedelta(days=1),
                                             datetime.min.time()), tz)
    dues = [o.due for o in occurrences(checked.post, config, now, until=end)
            if choice.holds(o.due, tz)]
    _one_occurrence(post_id, choice, {occurrence_key(d): d for d in dues}, tz)
    planned = [Planned(r, occurrence_key(d), d) for d in dues for r in checked.rendered
               if platform is None or r.platform == platform]
    source = str(Path(checked.post.file).resolve())
    return [(want.platform, want.due) for want in wanted(checked, planned, source)
            if ledger.cancel_ahead(want, Reason("cancelled-by-person"), now)]
