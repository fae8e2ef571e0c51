"""Five-field crontab expressions: parsed and checked here, computed by APScheduler.

Checking needs no APScheduler import (``validate`` stays light). The fields are handed to
APScheduler by name, because APScheduler 3 numbers weekdays from Monday=0 while crontab uses
Sunday=0: passing "1" through would move every weekly post by one day.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, time

from bmnsocial.i18n import N_, _, current
from bmnsocial.posts import recurrence
from bmnsocial.posts.recurrence import EN

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
               "dec")
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12),
           ("day_of_week", 0, 7))
# The fields' names in messages ("… in the day of week field").
_FIELD_LABELS = {"minute": N_("minute"), "hour": N_("hour"), "day": N_("day"),
                 "month": N_("month"), "day_of_week": N_("day of week")}
_TOKEN = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?$")


class CronSyntaxError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CronSpec:
    expression: str
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str

    def trigger_fields(self) -> dict[str, str]:
        return {"minute": self.minute, "hour": self.hour, "day": self.day, "month": self.month,
                "day_of_week": self.day_of_week}


def parse(expression: str) -> CronSpec:
    fields = expression.lower().split()
    if len(fields) != 5:
        raise CronSyntaxError(_(
            "a cron expression has 5 fields (minute hour day month weekday), not {count}"
        ).format(count=len(fields)))
    out: list[str] = []
    for text, (name, low, high) in zip(fields, _FIELDS, strict=True):
        out.append(",".join(_parse_item(item, name, low, high) for item in text.split(",")))
    if fields[2] != "*" and fields[4] != "*":
        raise CronSyntaxError(_("restrict either the day of the month or the weekday, not both "
                                "(crontab would post on either, which is rarely meant)"))
    days, months = _values(fields[2], "day", 1, 31), _values(fields[3], "month", 1, 12)
    if not any(day <= _LONGEST_MONTH[month - 1] for month in months for day in days):
        raise CronSyntaxError(_("day {days} never comes in month {months}: this schedule would "
                                "never publish").format(days=fields[2], months=fields[3]))
    return CronSpec(expression, *out)


#: Occurrences a day a recurring post may have (hourly): each is a ledger row per platform
#: for every day of the horizon, and more would flood the followers too.
MAX_PER_DAY = 24


def fires_per_day(spec: CronSpec) -> int:
    """How many times a day the schedule fires on the days it fires."""
    return (len(_values(spec.minute, "minute", 0, 59))
            * len(_values(spec.hour, "hour", 0, 23)))


_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@functools.lru_cache(maxsize=1024)
def _values(text: str, name: str, low: int, high: int) -> frozenset[int]:
    """The numbers a (syntactically checked) field selects (kept: the same few fields are
    asked about for every minute a series is checked at)."""
    found: set[int] = set()
    for item in text.split(","):
        m = _TOKEN.match(item)
        assert m is not None
        base, step_text = m.group(1), m.group(2)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (_value(t, name, low, high) for t in base.split("-"))
        else:
            first = last = _value(base, name, low, high)
            if step_text:
                last = high
        found.update(range(first, last + 1, int(step_text) if step_text else 1))
    return frozenset(found)


def _value(token: str, name: str, low: int, high: int) -> int:
    names = DAY_NAMES if name == "day_of_week" else MONTH_NAMES if name == "month" else ()
    if token in names:
        return names.index(token) + (1 if name == "month" else 0)
    if not token.isdigit():
        raise _not_valid(token, name)
    value = int(token)
    if not low <= value <= high:
        raise CronSyntaxError(_("{value} is out of range for the {field} field ({low}-{high})"
                                ).format(value=value, field=_field(name), low=low, high=high))
    return value


def _field(name: str) -> str:
    return _(_FIELD_LABELS[name])


def _not_valid(token: str, name: str) -> CronSyntaxError:
    return CronSyntaxError(_("'{token}' is not valid in the {field} field").format(
        token=token, field=_field(name)))


def _parse_item(item: str, name: str, low: int, high: int) -> str:
    m = _TOKEN.match(item)
    if not m:
        raise _not_valid(item, name)
    base, step_text = m.group(1), m.group(2)
    step = int(step_text) if step_text else 1
    if step == 0:
        raise CronSyntaxError(_("a step of 0 never repeats"))
    if base == "*":
        first, last = low, high
    elif "-" in base:
        first, last = (_value(t, name, low, high) for t in base.split("-"))
        if first > last:
            raise CronSyntaxError(_("the range '{range}' goes backwards").format(range=base))
    else:
        first = last = _value(base, name, low, high)
        if step_text:
            last = high
    if name == "day_of_week":
        # Spelled out as names: APScheduler's weekday numbers, ranges and steps all differ.
        if base == "*" and step == 1:
            return "*"
        days = sorted({d % 7 for d in range(first, last + 1, step)}, key=lambda d: (d + 6) % 7)
        return ",".join(DAY_NAMES[d] for d in days)
    if base == "*":
        return "*" if step == 1 else f"*/{step}"
    if first == last:
        return str(first)
    return f"{first}-{last}" + (f"/{step}" if step != 1 else "")


# Day names people write in a cron weekday field that crontab does not read.
_DAY_SLIPS = {**{bare: DAY_NAMES[(i + 1) % 7] for bare, i in (
    ("lun", 0), ("lunes", 0), ("mar", 1), ("martes", 1), ("mie", 2), ("mier", 2),
    ("miercoles", 2), ("jue", 3), ("jueves", 3), ("vie", 4), ("viernes", 4), ("sab", 5),
    ("sabado", 5), ("dom", 6), ("domingo", 6), ("monday", 0), ("tuesday", 1),
    ("wednesday", 2), ("thursday", 3), ("friday", 4), ("saturday", 5), ("sunday", 6))}}


def slip_hint(expression: str) -> str | None:
    """The fix for a weekday field written as people say it ('sab,dom', 'sat-sun',
    'lunes-viernes'): the cron expression written right, and the same in words."""
    fields = expression.split()
    if len(fields) != 5:
        return None
    place = _WEEKS_OF_THE_MONTH.get(fields[2])
    if place is not None:
        weekday_only = " ".join([*fields[:2], "*", *fields[3:]])
        try:
            spec = parse(weekday_only)
        except CronSyntaxError:
            return None
        words = in_words(spec, place)
        if words is None:
            return None
        return _("In cron, days {days} together with a weekday mean either one, not that "
                 "weekday's place in the month. In words: every: '{words}'.").format(
                     days=fields[2], words=words.value(current()))
    fixed_days = _fixed_weekdays(recurrence.bare(fields[4]))
    if fixed_days is None:
        return None
    fixed = " ".join([*fields[:4], fixed_days])
    try:
        spec = parse(fixed)
    except CronSyntaxError:
        return None
    words = in_words(spec)
    if words is None:
        return _("Write '{cron}': cron takes English day names (sun, mon … sat), and a range "
                 "cannot go past Sunday.").format(cron=fixed)
    return _("Write '{cron}': cron takes English day names (sun, mon … sat), and a range "
             "cannot go past Sunday. Or say it in words: every: '{words}'.").format(
                 cron=fixed, words=words.value(current()))


def _fixed_weekdays(field: str) -> str | None:
    items: list[str] = []
    for item in field.split(","):
        ends = [_DAY_SLIPS.get(end, end) for end in item.split("-")]
        if len(ends) == 2 and all(e in DAY_NAMES for e in ends):
            first, last = (DAY_NAMES.index(e) for e in ends)
            if first > last:
                items.extend(DAY_NAMES[d % 7] for d in range(first, last + 8))
                continue
        items.append("-".join(ends))
    fixed = ",".join(items)
    return fixed if fixed != field else None


# 'The first Tuesday' as people try it in cron: the days of the month that week covers.
_WEEKS_OF_THE_MONTH = {"1-7": 1, "8-14": 2, "15-21": 3, "22-28": 4}


def in_words(spec: CronSpec, place: int | None = None) -> recurrence.Recurrence | None:
    """A cron schedule as words, when it has one time of day on given weekdays (the
    ``place``-th of them in the month); None for anything else."""
    if not (spec.minute.isdigit() and spec.hour.isdigit() and spec.day == "*"
            and spec.month == "*") or (place and spec.day_of_week == "*"):
        return None
    days = (recurrence.EVERY_DAY if spec.day_of_week == "*" else
            tuple(sorted((DAY_NAMES.index(d) + 6) % 7 for d in spec.day_of_week.split(","))))
    rule = recurrence.Rule(days, (time(int(spec.hour), int(spec.minute)),),
                           (place,) if place else ())
    return recurrence.Recurrence(spec.expression, EN, (rule,))
def _weekdays(spec: CronSpec) -> set[int]:
    """The weekdays a series fires on, crontab's way (Sunday 0)."""
    return {d % 7 for d in _values(spec.day_of_week, "day_of_week", 0, 7)}


def fires_at(spec: CronSpec, local: datetime) -> bool:
    """Whether the series fires in the wall-clock minute ``local`` (in the config zone)."""
    return (local.minute in _values(spec.minute, "minute", 0, 59)
            and local.hour in _values(spec.hour, "hour", 0, 23)
            and local.month in _values(spec.month, "month", 1, 12)
            and (spec.day == "*" or local.day in _values(spec.day, "day", 1, 31))
            and (spec.day_of_week == "*" or (local.weekday() + 1) % 7 in _weekdays(spec)))


def weekly_slots(spec: CronSpec) -> set[tuple[int, time]]:
    """Every (weekday, time) the series may fire at, Monday 0 (a day of the month falls on
    any weekday sooner or later)."""
    days = range(7) if spec.day_of_week == "*" else [(d - 1) % 7 for d in _weekdays(spec)]
    times = [time(h, m) for h in _values(spec.hour, "hour", 0, 23)
             for m in _values(spec.minute, "minute", 0, 59)]
    return {(day, t) for day in days for t in times}


def may_coincide(a: CronSpec, b: CronSpec) -> bool:
    """Whether two series fire in the same minute on some day (a day of the month and a
    weekday meet sooner or later)."""
    if not (_values(a.minute, "minute", 0, 59) & _values(b.minute, "minute", 0, 59)
            and _values(a.hour, "hour", 0, 23) & _values(b.hour, "hour", 0, 23)
            and _values(a.month, "month", 1, 12) & _values(b.month, "month", 1, 12)):
        return False
    if a.day != "*" and b.day != "*":
        return bool(_values(a.day, "day", 1, 31) & _values(b.day, "day", 1, 31))
    if a.day_of_week != "*" and b.day_of_week != "*":
        return bool(_weekdays(a) & _weekdays(b))
    return True
