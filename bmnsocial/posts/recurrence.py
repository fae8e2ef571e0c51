"""A recurring schedule written in words (``schedule: every:``), in Spanish or English.

The words are the grammar, so each language's vocabulary lives here, not in the message
catalog: what a preview shows back (``Recurrence.phrase``) is itself a phrase this module
reads, in the reader's language. Slips people make (``sat-sun``, ``sab,dom``,
``lunes-viernes``, ``9am``, ``9.30``, a day in the other language) are refused with the phrase
written right, never guessed into a schedule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from bmnsocial.i18n import _

EN, ES = "en", "es"
DAYS = {EN: ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        ES: ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")}
_ABBREVIATIONS = {EN: ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                  ES: ("lun", "mar", "mie", "jue", "vie", "sab", "dom")}
_MORE_ABBREVIATIONS = {"tues": (EN, 1), "thur": (EN, 3), "thurs": (EN, 3), "mier": (ES, 2),
                       "juev": (ES, 3), "vier": (ES, 4)}
LAST = -1
_ORDINALS = {EN: {1: "first", 2: "second", 3: "third", 4: "fourth", LAST: "last"},
             ES: {1: "primer", 2: "segundo", 3: "tercer", 4: "cuarto", LAST: "último"}}
_ORDINAL_WORDS: dict[str, tuple[str, int]] = {
    "first": (EN, 1), "second": (EN, 2), "third": (EN, 3), "fourth": (EN, 4),
    "last": (EN, LAST), "1st": (EN, 1), "2nd": (EN, 2), "3rd": (EN, 3), "4th": (EN, 4),
    "primer": (ES, 1), "primero": (ES, 1), "primera": (ES, 1), "segundo": (ES, 2),
    "segunda": (ES, 2), "tercer": (ES, 3), "tercero": (ES, 3), "tercera": (ES, 3),
    "cuarto": (ES, 4), "cuarta": (ES, 4), "ultimo": (ES, LAST), "ultima": (ES, LAST)}
_NUMBER_WORDS: dict[str, tuple[str, int]] = {
    "one": (EN, 1), "two": (EN, 2), "three": (EN, 3), "four": (EN, 4), "other": (EN, 2),
    "una": (ES, 1), "un": (ES, 1), "dos": (ES, 2), "tres": (ES, 3), "cuatro": (ES, 4)}
# Words that carry no meaning of their own here, by language ("a" is also Spanish "to").
_FILLERS = {EN: {"every", "each", "on", "the", "at", "and", "of", "from", "in"},
            ES: {"cada", "todos", "todas", "los", "las", "la", "el", "y", "e", "de", "del",
                 "desde", "en", "a", "al"}}
# Spanish 'a' is a range only between two days ('lunes a viernes'; see _merge_pairs).
_RANGE_WORDS = {"to": EN, "through": EN, "thru": EN, "until": EN, "till": EN, "hasta": ES}
_WEEK_WORDS = {"week": EN, "weeks": EN, "weekly": EN, "semana": ES, "semanas": ES,
               "semanal": ES, "semanalmente": ES}
_MONTH_WORDS = {"month": EN, "months": EN, "mes": ES, "meses": ES}
_ALL_DAYS = {"day": EN, "days": EN, "daily": EN, "dia": ES, "dias": ES, "diario": ES,
             "diariamente": ES}
_WORKDAYS = {"weekday": EN, "weekdays": EN, "workday": EN, "workdays": EN,
             "laborable": ES, "laborables": ES, "habil": ES, "habiles": ES}
_WEEKEND = {"weekend": EN, "weekends": EN, "finde": ES, "findes": ES}
WORKDAYS = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
MAX_WEEKS = 52

_MONTH_NAMES = {"january", "february", "march", "april", "june", "july", "august",
                "september", "october", "november", "december", "enero", "febrero", "marzo",
                "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
                "octubre", "noviembre", "diciembre"}

_TOKEN = re.compile(
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2})"
    r"|(?P<time12>\d{1,2}(?:[:.]\d{2})?\s*[ap]\.?\s?m\b\.?)"
    r"|(?P<time>\d{1,2}:\d{2})(?![\d:])"
    r"|(?P<dotted>\d{1,2}(?:[.h]\d{2}|h)(?![\w:]))"
    r"|(?P<number>\d+(?:st|nd|rd|th)?)(?![\w:])"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<punct>[,;&/-])"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)")


class RecurrenceError(ValueError):
    """What is wrong with a phrase, and the fix: ``phrase`` is the phrase written right when
    the slip left no doubt about what was meant."""

    def __init__(self, message: str, hint: str = "", phrase: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        self.phrase = phrase


@dataclass(frozen=True, slots=True)
class Rule:
    """Days and times that go together: ``positions`` (1-4, LAST) picks those weekdays'
    places within the month; empty, every week."""

    weekdays: tuple[int, ...]
    times: tuple[time, ...]
    positions: tuple[int, ...] = ()

    def matches(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        if not self.positions:
            return True
        nth = (day.day - 1) // 7 + 1
        last = (day + timedelta(days=7)).month != day.month
        return nth in self.positions or (LAST in self.positions and last)


@dataclass(frozen=True, slots=True)
class Recurrence:
    written: str
    language: str
    rules: tuple[Rule, ...]
    every_weeks: int = 1

    @property
    def times_per_day(self) -> int:
        return max(len({t for r in self.rules if day in r.weekdays for t in r.times})
                   for day in EVERY_DAY)

    def wall_times(self, first: datetime, anchor: date | None) -> Iterator[datetime]:
        """Local wall-clock times from ``first`` on (no end: the caller stops). Every
        ``every_weeks`` weeks counts from the week (Monday to Sunday) of ``anchor``."""
        week_one = (anchor - timedelta(days=anchor.weekday())) if anchor else None
        day = first.date()
        while True:
            if self.every_weeks == 1 or week_one is None or (
                    (day - week_one).days // 7 % self.every_weeks == 0):
                moments = sorted({t for r in self.rules if r.matches(day) for t in r.times})
                for t in moments:
                    wall = datetime.combine(day, t)
                    if wall >= first:
                        yield wall
            day += timedelta(days=1)

    def fires_at(self, local: datetime, anchor: date | None) -> bool:
        """Whether the series goes out in the wall-clock minute ``local``."""
        day = local.date()
        if self.every_weeks > 1 and anchor is not None:
            week_one = anchor - timedelta(days=anchor.weekday())
            if (day - week_one).days // 7 % self.every_weeks:
                return False
        minute = local.time().replace(second=0, microsecond=0, tzinfo=None)
        return any(minute in r.times and r.matches(day) for r in self.rules)

    def weekly_slots(self) -> set[tuple[int, time]]:
        """Every (weekday, time) it may go out at, Monday 0; its place in the month and
        its weeks left aside (two series that share a slot may meet on some day)."""
        return {(day, t) for r in self.rules for day in r.weekdays for t in r.times}

    def phrase(self, language: str) -> str:
        """The schedule in words in ``language``: what preview shows, and a phrase that reads
        back to the same schedule."""
        if self.every_weeks == 1:
            return "; ".join(_clause(rule, language, lead=True) for rule in self.rules)
        clauses = "; ".join(_clause(rule, language, lead=False) for rule in self.rules)
        if language == ES:
            return f"cada {self.every_weeks} semanas, {clauses}"
        return f"every {self.every_weeks} weeks on {clauses}"


    def value(self, language: str) -> str:
        """The phrase to write after 'every:' (the key already says 'every' in English)."""
        text = self.phrase(language)
        return text.removeprefix("every ") if language == EN else text


def _join(items: list[str], language: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + (" y " if language == ES else " and ") + items[-1]


def _days_text(days: tuple[int, ...], language: str) -> tuple[str, bool]:
    """The days as words, and whether they start with a range (Spanish says 'de lunes a
    jueves', not 'cada lunes a jueves')."""
    names = DAYS[language]
    runs: list[list[int]] = []
    for d in days:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(("de " if language == ES else "") + names[run[0]]
                         + (" a " if language == ES else " to ") + names[run[-1]])
        else:
            parts.extend(names[d] for d in run)
    return _join(parts, language), len(runs[0]) >= 3


def _clause(rule: Rule, language: str, *, lead: bool) -> str:
    """One rule in words; ``lead``: it opens the phrase ('every Monday'), else it follows
    'every 2 weeks on' ('Monday')."""
    times = [f"{t:%H:%M}" for t in rule.times]
    days, ranged = _days_text(rule.weekdays, language)
    if language == ES:
        at_times = ("a la " if rule.times[0].hour == 1 else "a las ") + _join(times, ES)
        if rule.positions:
            places = _join([_ORDINALS[ES][p] for p in rule.positions], ES)
            return f"el {places} {days} de cada mes {at_times}"
        if rule.weekdays == EVERY_DAY:
            return f"todos los días {at_times}"
        if ranged:
            return f"{days} {at_times}"
        return f"{'cada' if lead else 'el'} {days} {at_times}"
    at_times = "at " + _join(times, EN)
    if rule.positions:
        places = _join([_ORDINALS[EN][p] for p in rule.positions], EN)
        return f"the {places} {days} of every month {at_times}"
    if rule.weekdays == EVERY_DAY:
        return f"every day {at_times}"
    if rule.weekdays == WORKDAYS and lead:
        return f"every weekday {at_times}"
    return f"{'every ' if lead else ''}{days} {at_times}"


def bare(word: str) -> str:
    """Lower case without accents: how a word is looked up."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_DAY_WORDS = {bare(name) + plural: (language, day) for language, names in DAYS.items()
              for day, name in enumerate(names) for plural in ("", "s")}
_ABBREVIATION_WORDS = {a: (lang, i) for lang, names in _ABBREVIATIONS.items()
                       for i, a in enumerate(names)}


@dataclass(slots=True)
class _Token:
    kind: str  # day, all, workdays, ordinal, number, time, week, month, range, sep, filler
    text: str
    language: str | None = None
    value: Any = None


@dataclass(slots=True)
class _Clause:
    days: list[int] = field(default_factory=list)
    times: list[time] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    month: bool = False
    collective: str = ""


def parse(written: str) -> Recurrence:
    """Read a phrase; raise RecurrenceError with the phrase written right when a slip leaves
    no doubt, or with examples when the phrase cannot be read."""
    tokens, slips = _tokens(written)
    language = _language(tokens)
    foreign = [t for t in tokens if t.language not in (None, language)]
    recurrence = _structure(written, tokens, language, slips)
    if foreign:
        word = foreign[0].text
        slips.append(_("'{word}' is {language} in a {phrase_language} phrase").format(
            word=word, language=_language_name(foreign[0].language or ""),
            phrase_language=_language_name(language)))
    if slips:
        raise RecurrenceError(slips[0], phrase=recurrence.value(language))
    return recurrence


def _language_name(code: str) -> str:
    return _("Spanish") if code == ES else _("English")


def _language(tokens: list[_Token]) -> str:
    spanish = sum(1 for t in tokens if t.language == ES)
    english = sum(1 for t in tokens if t.language == EN)
    return ES if spanish > english else EN


def _tokens(written: str) -> tuple[list[_Token], list[str]]:
    tokens: list[_Token] = []
    slips: list[str] = []
    for m in _TOKEN.finditer(written):
        kind, text = m.lastgroup, m.group()
        if kind == "space":
            continue
        if kind == "date" or (kind == "word" and bare(text) in _MONTH_NAMES):
            raise RecurrenceError(
                _("'{written}': dates do not go in the phrase").format(written=text),
                _("Say the days and times in 'every:', and when the series starts and ends in "
                  "'start:' and 'until:' beside it."))
        if kind == "time12":
            t = _twelve_hour(text)
            slips.append(_("'{written}' is a 12-hour time: write it as {time} (24-hour clock)"
                           ).format(written=text, time=f"{t:%H:%M}"))
            tokens.append(_Token("time", text, value=t))
        elif kind == "time":
            hour, minute = (int(n) for n in text.split(":"))
            if hour > 23 or minute > 59:
                raise RecurrenceError(
                    _("'{written}' is not a time of day").format(written=text),
                    _("Write times as 09:30 or 17:00 (24-hour clock)."))
            tokens.append(_Token("time", text, value=time(hour, minute)))
        elif kind == "dotted":
            hour_text, _sep, minute_text = re.split(r"([.h])", text, maxsplit=1)
            t = _checked_time(text, int(hour_text), int(minute_text or 0))
            slips.append(_("'{written}' is not written as a time: write {time}").format(
                written=text, time=f"{t:%H:%M}"))
            tokens.append(_Token("time", text, value=t))
        elif kind == "number":
            if text[-1].isalpha():
                language, position = _ORDINAL_WORDS.get(text, (EN, 0))
                if not position:
                    raise _unknown(text)
                tokens.append(_Token("ordinal", text, language, position))
            else:
                tokens.append(_Token("number", text, value=int(text)))
        elif kind == "word":
            tokens.append(_word(text, slips))
        elif kind == "punct":
            tokens.append(_Token("range" if text == "-" else "sep", text))
        else:
            raise _unknown(text)
    return _merge_pairs(tokens), slips


def _checked_time(text: str, hour: int, minute: int) -> time:
    if hour > 23 or minute > 59:
        raise RecurrenceError(_("'{written}' is not a time of day").format(written=text),
                              _("Write times as 09:30 or 17:00 (24-hour clock)."))
    return time(hour, minute)


def _twelve_hour(text: str) -> time:
    m = re.match(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])", text)
    assert m is not None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if not 1 <= hour <= 12 or minute > 59:
        raise RecurrenceError(_("'{written}' is not a time of day").format(written=text),
                              _("Write times as 09:30 or 17:00 (24-hour clock)."))
    return time(hour % 12 + (12 if m.group(3) == "p" else 0), minute)


def _word(text: str, slips: list[str]) -> _Token:
    word = bare(text)
    if word in _DAY_WORDS:
        language, day = _DAY_WORDS[word]
        return _Token("day", text, language, day)
    short = _ABBREVIATION_WORDS.get(word) or _MORE_ABBREVIATIONS.get(word)
    if short is not None:
        slips.append(_("'{written}' is a short day name: write the day in full").format(
            written=text))
        return _Token("day", text, short[0], short[1])
    if word in _ORDINAL_WORDS:
        language, position = _ORDINAL_WORDS[word]
        return _Token("ordinal", text, language, position)
    if word in _NUMBER_WORDS:
        language, number = _NUMBER_WORDS[word]
        return _Token("number", text, language, number)
    for kind, table in (("all", _ALL_DAYS), ("workdays", _WORKDAYS), ("weekend", _WEEKEND),
                        ("week", _WEEK_WORDS), ("month", _MONTH_WORDS)):
        if word in table:
            return _Token(kind, text, table[word])
    if word in _RANGE_WORDS:
        return _Token("range", text, _RANGE_WORDS[word])
    for language, words in _FILLERS.items():
        if word in words:
            return _Token("filler", text, language, word)
    if word in ("entre", "fin", "fines"):
        return _Token("pair", text, ES)
    raise _unknown(text)


def _merge_pairs(tokens: list[_Token]) -> list[_Token]:
    """Words that mean something together: 'día laborable', 'entre semana', 'fin de
    semana', and 'a' between two days (a range)."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        words = [bare(x.text) for x in tokens[i:i + 3]]
        if t.kind == "all" and following is not None and following.kind == "workdays":
            out.append(following)
            i += 2
            continue
        if words[:2] == ["entre", "semana"]:
            out.append(_Token("workdays", "entre semana", ES))
            i += 2
            continue
        if words[:3] in (["fin", "de", "semana"], ["fines", "de", "semana"]):
            out.append(_Token("weekend", " ".join(x.text for x in tokens[i:i + 3]), ES))
            i += 3
            continue
        if t.kind == "filler" and t.value in ("a", "al") and out and out[-1].kind == "day" \
                and following is not None and following.kind == "day":
            out.append(_Token("range", t.text, ES))
            i += 1
            continue
        if t.kind == "pair":
            raise _unknown(t.text)
        out.append(t)
        i += 1
    return out


def _unknown(word: str) -> RecurrenceError:
    return RecurrenceError(
        _("'{word}' is not a word this schedule understands").format(word=word),
        _("Write the days and the times, e.g. 'lunes y jueves a las 09:30', 'de lunes a "
          "viernes a las 08:00', 'cada 2 semanas, el martes a las 10:00', 'el primer lunes "
          "de cada mes a las 10:00' (or in English: 'Monday and Thursday at 09:30')."))


def _structure(written: str, tokens: list[_Token], language: str,
               slips: list[str]) -> Recurrence:
    clauses: list[_Clause] = [_Clause()]
    every_weeks: int | None = None
    pending_number: _Token | None = None
    i = 0
    while i < len(tokens):
        t = tokens[i]
        c = clauses[-1]
        starts_days = t.kind in ("day", "ordinal", "all", "workdays")
        # 'first Monday and last Friday': a place in the month after days opens a new clause
        # (the times said at the end are both clauses').
        if (starts_days and c.times) or (t.kind == "ordinal" and c.days):
            c = _Clause()
            clauses.append(c)
        if t.kind == "number":
            if i + 1 < len(tokens) and tokens[i + 1].kind == "week":
                pending_number = t
            elif i > 0 and tokens[i - 1].kind == "all":
                raise RecurrenceError(
                    _("'{words}': a day of the month by its number is written with cron"
                      ).format(words=f"{tokens[i - 1].text} {t.text}"),
                    _("E.g. \"cron: '0 9 {day} * *'\" for day {day} of every month at 09:00."
                      ).format(day=t.text))
            else:
                raise _bare_hour(t.text) if t.text.isdigit() else _unknown(t.text)
        elif t.kind == "week":
            weeks = int(pending_number.value) if pending_number else 1
            if bare(t.text) in ("weekly", "semanal", "semanalmente"):
                weeks = 1
            if every_weeks is not None and every_weeks != weeks:
                raise RecurrenceError(_("the phrase says how many weeks apart twice"),
                                      _("Say it once, e.g. 'every 2 weeks'."))
            if not 1 <= weeks <= MAX_WEEKS:
                raise RecurrenceError(
                    _("every {weeks} weeks: the number of weeks must be from 1 to {most}"
                      ).format(weeks=weeks, most=MAX_WEEKS),
                    _("Use a number from 1 to {most}.").format(most=MAX_WEEKS))
            every_weeks = weeks
            pending_number = None
        elif t.kind == "day":
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is not None and following.kind == "range" and i + 2 < len(tokens) \
                    and tokens[i + 2].kind == "day":
                last = tokens[i + 2]
                span = [(t.value + k) % 7 for k in range((last.value - t.value) % 7 + 1)]
                c.days.extend(span)
                if following.text == "-":
                    slips.insert(0, _dash_slip(t, last, span, language))
                i += 3
                continue
            c.days.append(t.value)
        elif t.kind == "all":
            c.days.extend(EVERY_DAY)
            c.collective = t.text
        elif t.kind == "workdays":
            c.days.extend(WORKDAYS)
            c.collective = t.text
        elif t.kind == "weekend":
            raise RecurrenceError(
                _("'{word}' could mean Saturday, Sunday or both").format(word=t.text),
                _("Name the days: 'sábado y domingo a las 10:00' or 'Saturday and Sunday at "
                  "10:00'."))
        elif t.kind == "ordinal":
            c.positions.append(t.value)
        elif t.kind == "month":
            c.month = True
        elif t.kind == "time":
            c.times.append(t.value)
        elif t.kind == "range":
            raise RecurrenceError(_("'{word}' should stand between two days").format(
                word=t.text), _("Write a range of days as 'lunes a viernes' or 'Monday to "
                                "Friday'."))
        i += 1
    # 'a las 9:00, de lunes a viernes': times said first belong to the days that follow.
    for first, second in pairwise(clauses):
        if first.times and not first.days and not first.positions and not second.times:
            second.times, first.times = first.times, []
    clauses = [c for c in clauses if c.times or c.days or c.positions or c.month]
    for clause, later in zip(reversed(clauses[:-1]), reversed(clauses[1:]), strict=True):
        if not clause.times:
            clause.times = later.times
            clause.month = clause.month or bool(clause.positions and later.month)
    rules = tuple(_rule(c, language) for c in clauses)
    weeks = every_weeks or 1
    if weeks > 1 and any(r.positions for r in rules):
        raise RecurrenceError(
            _("'every N weeks' and a day's place in the month do not go together"),
            _("Keep one: 'cada 2 semanas, el lunes a las 10:00' or 'el primer lunes de cada mes "
              "a las 10:00'."))
    return Recurrence(written, language, rules, weeks)


def _bare_hour(number: str) -> RecurrenceError:
    hour = int(number)
    if 1 <= hour <= 12:
        example = _("{morning} or {evening}").format(
            morning=f"{hour:02d}:00", evening=f"{hour + 12 if hour < 12 else 0:02d}:00")
    else:
        example = f"{hour:02d}:00" if hour < 24 else "09:00"
    return RecurrenceError(
        _("'{number}' is an hour without minutes").format(number=number),
        _("Write the time with minutes, on the 24-hour clock: {example}.").format(
            example=example))


def _dash_slip(first: _Token, last: _Token, span: list[int], language: str) -> str:
    names = DAYS[language]
    if len(span) == 2:
        right = names[span[0]] + (" y " if language == ES else " and ") + names[span[1]]
    else:
        right = names[span[0]] + (" a " if language == ES else " to ") + names[span[-1]]
    return _("'{written}' is not how days are joined here: write '{right}'").format(
        written=f"{first.text}-{last.text}", right=right)


def _rule(c: _Clause, language: str) -> Rule:
    if not c.times:
        raise RecurrenceError(
            _("the phrase does not say at what time"),
            _("Add the time, e.g. 'a las 09:00' or 'at 09:00'."))
    if not c.days:
        raise RecurrenceError(
            _("the phrase does not say on which days"),
            _("Add the days, e.g. 'lunes a las 09:00', 'todos los días a las 09:00' or "
              "'Monday at 09:00'."))
    if c.positions and c.collective:
        raise RecurrenceError(
            _("'{ordinal} {days}' of the month is not one day: name the weekday").format(
                ordinal=_ORDINALS[language][c.positions[0]], days=c.collective),
            _("E.g. 'el primer lunes de cada mes a las 10:00'; for a day of the month by "
              "number use cron: '0 10 1 * *' is the 1st at 10:00."))
    if c.positions and not c.month:
        raise RecurrenceError(
            _("'{ordinal}' needs 'of the month' ('de cada mes')").format(
                ordinal=_ORDINALS[language][c.positions[0]]),
            _("E.g. 'el último viernes de cada mes a las 17:00'."))
    if c.month and not c.positions:
        raise RecurrenceError(
            _("which one of the month: the first, second, third, fourth or last?"),
            _("E.g. 'el primer lunes de cada mes a las 10:00'."))
    return Rule(tuple(sorted(set(c.days))), tuple(sorted(set(c.times))),
                tuple(sorted(set(c.positions), key=lambda p: p if p > 0 else 9)))
