"""The calendar of posts: ledger rows grouped into one entry per post occurrence, drawn as a
week or month grid for the terminal (docs/calendar.md).

No click here: the command (``cli/calendar.py``) decides width and colour and prints; this
module only builds the data and the text. ``ics.py`` writes the same entries as iCalendar.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bmnsocial.categories import Category
from bmnsocial.config import Config
from bmnsocial.i18n import N_, _, ngettext
from bmnsocial.platforms import registry
from bmnsocial.publish.ledger import CANCELLED_BY_PERSON, Row, Status, status_name
from bmnsocial.terminal import visible

#: What the calendar shows by default; ``--all`` adds the rest.
SHOWN: tuple[Status, ...] = (Status.QUEUED, Status.SENDING, Status.PUBLISHED, Status.FAILED,
                             Status.UNCONFIRMED, Status.AWAITING_MANUAL,
                             Status.HANDED_OFF)
EVERY_STATUS: tuple[Status, ...] = (*SHOWN, Status.CANCELLED, Status.SKIPPED)


def shown_rows(rows: Iterable[Row]) -> list[Row]:
    """What the default view draws, of every row: the SHOWN ones, and each date a person
    cancelled in a series that still has others (the gap shows as ⊘, meant)."""
    every = list(rows)
    kept = {r.post_id for r in every if r.status in SHOWN}
    return [r for r in every if r.status in SHOWN
            or (r.status is Status.CANCELLED and r.error_kind == CANCELLED_BY_PERSON
                and r.post_id in kept)]

#: One mark per status, one character wide each.
MARKS: dict[Status, str] = {
    Status.PUBLISHED: "✓", Status.QUEUED: "·", Status.SENDING: "→", Status.FAILED: "✗",
    Status.UNCONFIRMED: "?", Status.CANCELLED: "⊘", Status.SKIPPED: "»",
    Status.AWAITING_MANUAL: "◷",
    Status.HANDED_OFF: "⇢",
}
#: SGR colour of each status mark when colour is on (the rest stay in the default colour).
MARK_COLORS: dict[Status, str] = {Status.PUBLISHED: "32", Status.FAILED: "1;31",
                                  Status.UNCONFIRMED: "1;33", Status.SKIPPED: "2",
                                  Status.CANCELLED: "2"}

#: xterm 256-colour palette index per category rank: 17 hues far enough apart to tell apart on
#: dark and light backgrounds (checked in tests: all distinct).
PALETTE: dict[int, int] = {
    1: 196,   # red
    2: 208,   # orange
    3: 226,   # yellow
    4: 46,    # green
    5: 51,    # cyan
    6: 33,    # blue
    7: 129,   # purple
    8: 201,   # magenta
    9: 136,   # dark gold
    10: 30,   # teal
    11: 99,   # slate blue
    12: 130,  # brown
    13: 219,  # pink
    14: 118,  # lime
    15: 167,  # salmon
    16: 21,   # deep blue
    17: 245,  # grey
}
BLOCK = "■"
UNKNOWN_BLOCK = "□"
UNKNOWN = "unknown"

# English, marked for the catalog: shown with _(name).
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
          N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
          N_("December"))
MIN_COLUMN = 12
TEXT_LIMIT = 1000


# -- data ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlatformState:
    platform: str
    status: Status
    url: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One post occurrence: the same post at the same instant, on every platform it goes to."""

    post_id: str
    occurrence: str
    due: datetime  # aware, in the calendar's zone
    category: Category | None  # None: the post file is gone (or no longer has this post)
    platforms: tuple[PlatformState, ...]
    uid: str
    text: str = ""  # what will be published (first part), trimmed
    source_file: str = ""
    updated_at: datetime | None = None
    sequence: int = 0  # revisions of its rows: grows when the occurrence moves or changes

    @property
    def statuses(self) -> set[Status]:
        return {p.status for p in self.platforms}

    @property
    def first_url(self) -> str | None:
        return next((p.url for p in self.platforms
                     if p.status is Status.PUBLISHED and p.url), None)

    @property
    def category_slug(self) -> str:
        return self.category.slug if self.category else UNKNOWN

    def to_json(self) -> dict[str, Any]:
        return {
            "post_id": self.post_id,
            "occurrence": self.occurrence,
            "uid": self.uid,
            "due": self.due.isoformat(),
            "category": {"rank": self.category.rank if self.category else None,
                         "slug": self.category_slug,
                         "label_es": self.category.label_es if self.category else None},
            "platforms": {p.platform: p.status.value for p in self.platforms},
            "urls": {p.platform: p.url for p in self.platforms
                     if p.status is Status.PUBLISHED and p.url},
            "errors": {p.platform: p.error for p in self.platforms
                       if p.status in (Status.FAILED, Status.UNCONFIRMED, Status.SKIPPED)
                       and p.error},
            "source_file": self.source_file,
            "sequence": self.sequence,
        }


@dataclass(slots=True)
class CategoryIndex:
    """Where each post's category is found: the rows do not store it, the post files do."""

    by_file: dict[tuple[str, str], Category] = field(default_factory=dict)
    by_id: dict[str, Category] = field(default_factory=dict)

    def find(self, post_id: str, source_file: str) -> Category | None:
        return self.by_file.get((source_file, post_id)) or self.by_id.get(post_id)


def load_categories(config: Config, now: datetime,
                    source_files: Iterable[str] = ()) -> CategoryIndex:
    """Validate the posts folder once (plus any post file a row names outside it) and index
    each post's category by (absolute file, post id) and by post id. Invalid files still give
    their category when it could be read; nothing here raises for a bad post."""
    from bmnsocial.render.validation import validate_paths

    index = CategoryIndex()

    def take(paths: list[Path]) -> None:
        result = validate_paths(paths, config, now)
        for checked in result.posts:
            post = checked.post
            index.by_file[(str(Path(post.file).resolve()), post.id)] = post.category
            index.by_id.setdefault(post.id, post.category)

    if config.posts_dir.is_dir():
        take([config.posts_dir])
    known = {f for f, _post_id in index.by_file}
    extra = sorted({f for f in source_files if f and f not in known and os.path.isfile(f)})
    if extra:
        take([Path(f) for f in extra])
    return index


def payload_text(payload: str) -> str:
    """The text of a row's first part (what is published first), trimmed; '' if unreadable."""
    try:
        data = json.loads(payload)
        text = data["parts"][0]["text"]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    if not isinstance(text, str):
        return ""
    text = text.strip()
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1].rstrip() + "…"


def build_entries(rows: Iterable[Row], categories: CategoryIndex, tz: ZoneInfo,
                  revisions: Mapping[int, int] | None = None) -> list[Entry]:
    """Group rows per post occurrence: same post, same occurrence, same due instant.

    The rows of one occurrence normally share their due time; when one platform's row was
    moved (a late publication rescheduled), it becomes an entry of its own at its own time,
    and both entries' UIDs then name their platforms so that they stay distinct.
    """
    groups: dict[tuple[str, str, datetime], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.post_id, row.occurrence, row.due)].append(row)
    dues_per_occurrence: dict[tuple[str, str], int] = defaultdict(int)
    for post_id, occurrence, _due in groups:
        dues_per_occurrence[(post_id, occurrence)] += 1
    entries = []
    for (post_id, occurrence, due), members in groups.items():
        members.sort(key=lambda r: registry.order(r.platform))
        states = tuple(PlatformState(r.platform, r.status, r.url, r.reason(tz)) for r in members)
        uid = f"{post_id}-{occurrence}"
        if dues_per_occurrence[(post_id, occurrence)] > 1:
            uid += "-" + "+".join(s.platform for s in states)
        source = next((r.source_file for r in members if r.source_file), "")
        text = next((t for t in (payload_text(r.payload) for r in members) if t), "")
        entries.append(Entry(
            post_id=post_id, occurrence=occurrence, due=due.astimezone(tz),
            category=categories.find(post_id, source), platforms=states,
            uid=f"{uid}@bmnsocial", text=text, source_file=source,
            updated_at=max(r.updated_at for r in members),
            sequence=sum((revisions or {}).get(r.id, 0) for r in members)))
    entries.sort(key=lambda e: (e.due, e.category.rank if e.category else 99, e.post_id))
    return entries


def week_range(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_range(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def in_range(entries: Iterable[Entry], first: date, last: date) -> list[Entry]:
    """Entries whose local date (in their zone) lies in [first, last]."""
    return [e for e in entries if first <= e.due.date() <= last]


def by_day(entries: Iterable[Entry]) -> dict[date, list[Entry]]:
    days: dict[date, list[Entry]] = defaultdict(list)
    for e in entries:
        days[e.due.date()].append(e)
    for items in days.values():
        items.sort(key=lambda e: (e.due, e.post_id))
    return days


# -- text ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Seg:
    """A run of text and its SGR style ("" = none). Widths are counted on the text only."""

    text: str
    sgr: str = ""


Line = tuple[Seg, ...]


def line_width(line: Line) -> int:
    return sum(len(s.text) for s in line)


def truncate(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return "" if width <= 0 else text[:width - 1] + "…"


def clip(line: Line, width: int) -> Line:
    """The line cut to ``width`` characters, ending in … when something was cut."""
    if line_width(line) <= width:
        return line
    out: list[Seg] = []
    room = width - 1
    for seg in line:
        if room <= 0:
            break
        out.append(Seg(seg.text[:room], seg.sgr))
        room -= len(seg.text[:room])
    out.append(Seg("…"))
    return tuple(out) if width > 0 else ()


def paint(line: Line, color: bool) -> str:
    if not color:
        return visible("".join(s.text for s in line))
    return "".join(f"\x1b[{s.sgr}m{visible(s.text)}\x1b[0m" if s.sgr and s.text
                   else visible(s.text) for s in line)


def pad(line: Line, width: int) -> Line:
    line = clip(line, width)
    gap = width - line_width(line)
    return (*line, Seg(" " * gap)) if gap > 0 else line


def category_marker(category: Category | None, color: bool) -> Seg:
    """■ in the category's colour; without colour the rank, so nothing is lost: [1]."""
    if category is None:
        return Seg(UNKNOWN_BLOCK) if color else Seg("[?]")
    if color:
        return Seg(BLOCK, f"38;5;{PALETTE[category.rank]}")
    return Seg(f"[{category.rank}]")


def status_marks(entry: Entry) -> Line:
    """fb✓ x· : each platform's short name and the mark of its status."""
    segs: list[Seg] = []
    for i, p in enumerate(entry.platforms):
        if i:
            segs.append(Seg(" "))
        segs.append(Seg(registry.abbreviation(p.platform)))
        segs.append(Seg(MARKS[p.status], MARK_COLORS.get(p.status, "")))
    return tuple(segs)


def entry_lines(entry: Entry, width: int, color: bool) -> list[Line]:
    """``09:00 ■ jornada-cientif… fb✓ x·`` on one line when the column allows it; in narrower
    columns two lines: ``09:00 jornada-…`` then ``■ fb✓ x·``."""
    time = Seg(f"{entry.due:%H:%M} ")
    marker = category_marker(entry.category, color)
    marks = status_marks(entry)
    name = entry.post_id
    room = width - len(time.text) - len(marker.text) - 2 - line_width(marks)
    if room >= min(len(name), 8):
        return [(time, marker, Seg(" " + truncate(name, room) + " "), *marks)]
    return [clip((time, Seg(truncate(name, width - len(time.text)))), width),
            clip((marker, Seg(" "), *marks), width)]


def column_width(columns: int, terminal_width: int) -> int:
    """Each column's inner width: the terminal shared by ``columns`` cells and their borders,
    never under MIN_COLUMN characters."""
    return max(MIN_COLUMN, (terminal_width - (columns + 1)) // columns)


def _rule(left: str, middle: str, right: str, width: int, columns: int) -> str:
    return left + middle.join("─" * width for _column in range(columns)) + right


def _rows_of_cells(cells: Sequence[list[Line]], width: int, color: bool) -> list[str]:
    height = max((len(c) for c in cells), default=0)
    out = []
    for i in range(height):
        parts = [paint(pad(c[i] if i < len(c) else (), width), color) for c in cells]
        out.append("│" + "│".join(parts) + "│")
    return out


def day_label(day: date) -> str:
    return f"{_(WEEKDAYS[day.weekday()])} {day.day:02d} {_(MONTHS[day.month - 1])[:3]}"


def render_week(entries: Sequence[Entry], monday: date, tz: ZoneInfo, *, terminal_width: int,
                color: bool, statuses: Sequence[Status] = SHOWN) -> str:
    """Seven columns, Monday to Sunday, each day's entries in time order."""
    width = column_width(7, terminal_width)
    days = [monday + timedelta(days=i) for i in range(7)]
    shown = in_range(entries, days[0], days[-1])
    per_day = by_day(shown)
    iso = monday.isocalendar()
    lines = [_("Week {week}: {first} – {last} {year} ({zone})").format(
                 week=f"{iso.year}-W{iso.week:02d}", first=day_label(days[0]),
                 last=day_label(days[-1]), year=days[-1].year, zone=tz.key),
             _rule("┌", "┬", "┐", width, 7)]
    lines += _rows_of_cells([[(Seg(day_label(d)),)] for d in days], width, color)
    lines.append(_rule("├", "┼", "┤", width, 7))
    cells = [[line for e in per_day.get(d, []) for line in entry_lines(e, width, color)]
             for d in days]
    body = _rows_of_cells(cells, width, color)
    if not body:
        body = _rows_of_cells([[()] for _day in days], width, color)
    lines += body
    lines.append(_rule("└", "┴", "┘", width, 7))
    lines += legend(shown, color, statuses, what="this week")
    return "\n".join(lines)


def render_month(entries: Sequence[Entry], first: date, tz: ZoneInfo, *, terminal_width: int,
                 color: bool, per_day: int = 3, statuses: Sequence[Status] = SHOWN) -> str:
    """Weeks as rows, days as cells: each day's first ``per_day`` entries, then "+N more"."""
    first, last = month_range(first)
    width = column_width(7, terminal_width)
    shown = in_range(entries, first, last)
    days_entries = by_day(shown)
    start = first - timedelta(days=first.weekday())
    lines = [f"{_(MONTHS[first.month - 1])} {first.year} ({tz.key})",
             _rule("┌", "┬", "┐", width, 7)]
    lines += _rows_of_cells([[(Seg(_(name)),)] for name in WEEKDAYS], width, color)
    week = start
    while week <= last:
        lines.append(_rule("├", "┼", "┤", width, 7))
        cells: list[list[Line]] = []
        for i in range(7):
            day = week + timedelta(days=i)
            if not first <= day <= last:
                cells.append([])
                continue
            items = days_entries.get(day, [])
            cell: list[Line] = [(Seg(f"{day.day:>2}"),)]
            for e in items[:per_day]:
                cell += entry_lines(e, width, color)
            if len(items) > per_day:
                cell.append((Seg(_("+{count} more").format(count=len(items) - per_day)),))
            cells.append(cell)
        lines += _rows_of_cells(cells, width, color)
        week += timedelta(days=7)
    lines.append(_rule("└", "┴", "┘", width, 7))
    lines += legend(shown, color, statuses, what="this month")
    return "\n".join(lines)


def legend(entries: Sequence[Entry], color: bool, statuses: Sequence[Status],
           what: str) -> list[str]:
    """The categories actually shown (rank, slug, in their colour) and the status marks."""
    used: dict[int, Category] = {}
    unknown = False
    for e in entries:
        if e.category is None:
            unknown = True
        else:
            used[e.category.rank] = e.category
    out = []
    n = len(entries)
    if what == "this month":
        out.append(ngettext("{n} occurrence this month.", "{n} occurrences this month.", n
                            ).format(n=n) if n else _("Nothing in this month."))
    else:
        out.append(ngettext("{n} occurrence this week.", "{n} occurrences this week.", n
                            ).format(n=n) if n else _("Nothing in this week."))
    if used or unknown:
        items: list[Line] = []
        for rank in sorted(used):
            cat = used[rank]
            marker = category_marker(cat, color)
            items.append((marker, Seg(f" {rank} {cat.slug}" if color else f" {cat.slug}")))
        if unknown:
            items.append((category_marker(None, color),
                          Seg(" " + _("unknown category (post file gone)"))))
        out.append(_("Categories: {items}").format(
            items="  ".join(paint(i, color) for i in items)))
    # A hand-off's mark only where there are hand-offs (accounts in manual mode are rare).
    statuses = [s for s in statuses if s is not Status.AWAITING_MANUAL
                or any(s in e.statuses for e in entries)]
    marks: list[Line] = [(Seg(MARKS[s], MARK_COLORS.get(s, "")), Seg(f" {status_name(s)}"))
                         for s in statuses]
    names = ", ".join(f"{registry.abbreviation(p)} = {registry.label(p)}"
                      for p in registry.names())
    out.append(_("Status: {marks}   ({platforms})").format(
        marks="  ".join(paint(m, color) for m in marks), platforms=names))
    return out


def want_color(force: bool | None, isatty: bool, environ: Mapping[str, str]) -> bool:
    """Colour only on a terminal and when NO_COLOR is unset or empty (https://no-color.org);
    --color / --no-color override both."""
    if force is not None:
        return force
    return isatty and not environ.get("NO_COLOR")
