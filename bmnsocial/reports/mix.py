"""The post mix: how published and queued posts spread over the 17 categories, against a target.

`bmnsocial report mix` (docs/report-mix.md). What is counted:

- one **post occurrence** (post id + occurrence) counts once, however many platforms it goes
  to: *published* if any of its platforms published it, else *queued* if any still waits
  (``queued`` or ``sending``); occurrences that are only cancelled, skipped, failed or
  unconfirmed are not counted (they are tallied apart, for the legend);
- an occurrence belongs to the window when its moment (when it was published, for published
  ones; when it is due, otherwise) falls between the first instant of ``since`` and the end of
  ``until``, local dates in the config's zone;
- its category is the one its post file has now (the ledger does not store it); occurrences
  whose post file is gone go to an "unknown" line, outside the 17 and outside the shares.

The default target follows the policy's ranking with rank-sum weights: category of rank r
weighs 18 − r, so rank 1 gets 17/153 ≈ 11.1 % of the posts and rank 17 gets 1/153 ≈ 0.65 %.
The flag rule is :func:`flag`. Arithmetic is exact (fractions), so a boundary never flips on
rounding. The PNG is drawn with Pillow, imported only by :func:`write_png`.
"""

from __future__ import annotations

import io
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bmnsocial.categories import CATEGORIES, Category
from bmnsocial.errors import UsageError
from bmnsocial.i18n import N_, _, current, percent
from bmnsocial.publish.ledger import Row, Status, status_name
from bmnsocial.timeutil import resolve_recurring

if TYPE_CHECKING:
    from PIL import ImageFont

    from bmnsocial.config import Config

DEFAULT_DAYS = 30  # the default window: this many days back and ahead of today
OVER_MIN_EXCESS = 2  # OVER needs at least this many posts above the expected count
UNDER_MIN_SHORTFALL = 1  # UNDER needs at least this many posts below the expected count
OVER, UNDER = "over", "under"
PUBLISHED, QUEUED = "published", "queued"
EXCLUDED = (Status.UNCONFIRMED.value, Status.FAILED.value, Status.SKIPPED.value,
            Status.CANCELLED.value)
# An occurrence takes the first of these states that any of its platform rows has.
_STATE_ORDER = (PUBLISHED, QUEUED, *EXCLUDED)
_STATE = {Status.PUBLISHED: PUBLISHED, Status.QUEUED: QUEUED, Status.SENDING: QUEUED,
          Status.AWAITING_MANUAL: QUEUED, Status.HANDED_OFF: QUEUED,
          **{Status(s): s for s in EXCLUDED}}


# -- the target
def default_weights() -> dict[int, int]:
    """Rank-sum weights: rank r of n weighs n + 1 − r (17 for rank 1 … 1 for rank 17)."""
    n = len(CATEGORIES)
    return {c.rank: n + 1 - c.rank for c in CATEGORIES}


def target_shares(weights: Mapping[int, float] | None = None) -> dict[int, Fraction]:
    """Each category's share of the posts (summing to 1): the ranking's default, or the given
    relative weights normalised (ranks not given get 0)."""
    if weights is None:
        exact = {rank: Fraction(w) for rank, w in default_weights().items()}
    else:
        # repr() is the shortest text of the float: 0.1 is read as 1/10, not 0.1000000000000000055…
        exact = {rank: Fraction(repr(float(w))) for rank, w in weights.items()}
    total = sum(exact.values(), Fraction(0))
    if total <= 0:
        raise UsageError(_("the target mix gives no category a weight above 0."))
    return {c.rank: exact.get(c.rank, Fraction(0)) / total for c in CATEGORIES}


def flag(count: int, expected: Fraction, target: Fraction, tolerance: Fraction) -> str | None:
    """OVER, UNDER or None for a category with ``count`` posts where ``expected`` were due.

    - over: a category with target 0 that has any post; otherwise
      count > expected × (1 + tolerance) **and** count − expected ≥ 2;
    - under: count < expected × (1 − tolerance) **and** expected − count ≥ 1.

    The share test is the count test divided by the number of posts. The gap in whole posts
    keeps small numbers quiet: one post more than a category's rounding is not a trend, and a
    category is only "missing" posts once at least one whole post is missing.
    """
    if target == 0:
        return OVER if count > 0 else None
    if count > expected * (1 + tolerance) and count - expected >= OVER_MIN_EXCESS:
        return OVER
    if count < expected * (1 - tolerance) and expected - count >= UNDER_MIN_SHORTFALL:
        return UNDER
    return None


# -- the window
def first_instant(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local date (Havana's DST starts at midnight: then it is 01:00)."""
    return resolve_recurring(datetime.combine(day, time()), tz)


@dataclass(frozen=True, slots=True)
class Window:
    since: date
    until: date  # inclusive
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return first_instant(self.since, self.tz)

    @property
    def end(self) -> datetime:
        """The first instant after the window."""
        return first_instant(self.until + timedelta(days=1), self.tz)

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end

    def to_json(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "timezone": self.tz.key, "start": self.start.isoformat(),
                "end": self.end.isoformat()}


def make_window(now: datetime, tz: ZoneInfo, since: date | None = None,
                until: date | None = None, days: int = DEFAULT_DAYS) -> Window:
    """``since``..``until`` inclusive; each defaults to ``days`` days before / after today."""
    today = now.astimezone(tz).date()
    since = today - timedelta(days=days) if since is None else since
    until = today + timedelta(days=days) if until is None else until
    if since > until:
        raise UsageError(_("--since {since} is after --until {until}.").format(
            since=since, until=until))
    return Window(since, until, tz)


# -- counting
@dataclass(frozen=True, slots=True)
class Occurrence:
    post_id: str
    occurrence: str
    state: str  # PUBLISHED, QUEUED, or one of EXCLUDED
    moment: datetime  # published: when (the first platform); otherwise: when due
    platforms: tuple[str, ...]


def occurrences(rows: Iterable[Row]) -> list[Occurrence]:
    """One entry per (post id, occurrence), whatever the number of platforms."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.post_id, row.occurrence)].append(row)
    found: list[Occurrence] = []
    for (post_id, occurrence), group in groups.items():
        state = min((_STATE[r.status] for r in group), key=_STATE_ORDER.index)
        chosen = [r for r in group if _STATE[r.status] == state]
        moment = min((r.published_at or r.due) if state == PUBLISHED else r.due
                     for r in chosen)
        found.append(Occurrence(post_id, occurrence, state, moment,
                                tuple(sorted(r.platform for r in group))))
    return sorted(found, key=lambda o: (o.moment, o.post_id, o.occurrence))


@dataclass(slots=True)
class Line:
    category: Category | None  # None: the post file is gone
    target: Fraction = Fraction(0)
    published: int = 0
    queued: int = 0

    @property
    def total(self) -> int:
        return self.published + self.queued


@dataclass(slots=True)
class MixReport:
    window: Window
    lines: list[Line]  # the 17, rank 1 first
    unknown: Line
    tolerance: Fraction
    target_from_config: bool
    excluded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXCLUDED, 0))

    @property
    def counted(self) -> int:
        """Posts in the 17 categories: the base of every share."""
        return sum(line.total for line in self.lines)

    @property
    def published(self) -> int:
        return sum(line.published for line in self.lines) + self.unknown.published

    @property
    def queued(self) -> int:
        return sum(line.queued for line in self.lines) + self.unknown.queued

    def share(self, line: Line) -> Fraction:
        return Fraction(line.total, self.counted) if self.counted else Fraction(0)

    def expected(self, line: Line) -> Fraction:
        return line.target * self.counted

    def flag(self, line: Line) -> str | None:
        if line.category is None:
            return None
        return flag(line.total, self.expected(line), line.target, self.tolerance)

    def to_json(self) -> dict[str, Any]:
        return {
            "window": self.window.to_json(),
            "target": {"source": "config" if self.target_from_config else "ranking",
                       "tolerance": float(self.tolerance)},
            "totals": {"published": self.published, "queued": self.queued,
                       "total": self.published + self.queued, "categorised": self.counted,
                       "unknown": self.unknown.total, "excluded": dict(self.excluded)},
            "categories": [self._line_json(line) for line in self.lines],
            "unknown": {"published": self.unknown.published, "queued": self.unknown.queued,
                        "total": self.unknown.total},
        }

    def _line_json(self, line: Line) -> dict[str, Any]:
        assert line.category is not None
        c = line.category
        return {"rank": c.rank, "slug": c.slug, "label_es": c.label_es,
                "published": line.published, "queued": line.queued, "total": line.total,
                "share": round(float(self.share(line)), 4),
                "target_share": round(float(line.target), 4),
                "expected": round(float(self.expected(line)), 2), "flag": self.flag(line)}


def build_report(rows: Iterable[Row], post_categories: Mapping[str, Category], window: Window,
                 target: Mapping[int, Fraction], tolerance: float | Fraction, *,
                 target_from_config: bool = False) -> MixReport:
    lines = {c.rank: Line(c, target.get(c.rank, Fraction(0))) for c in CATEGORIES}
    tol = tolerance if isinstance(tolerance, Fraction) else Fraction(repr(float(tolerance)))
    report = MixReport(window, list(lines.values()), Line(None), tol, target_from_config)
    for occ in occurrences(rows):
        if occ.moment not in window:
            continue
        if occ.state not in (PUBLISHED, QUEUED):
            report.excluded[occ.state] += 1
            continue
        category = post_categories.get(occ.post_id)
        line = report.unknown if category is None else lines[category.rank]
        if occ.state == PUBLISHED:
            line.published += 1
        else:
            line.queued += 1
    return report


def post_categories(config: Config, now: datetime) -> dict[str, Category]:
    """Post id → category, from one validation of the posts folder. A post that breaks only
    a rule (e.g. its time has passed) keeps its category; an unreadable file has none."""
    if not config.posts_dir.is_dir():
        return {}
    from bmnsocial.render.validation import validate_paths

    found: dict[str, Category] = {}
    for checked in validate_paths([config.posts_dir], config, now).posts:
        found.setdefault(checked.post.id, checked.post.category)
    return found


def mix_report(config: Config, rows: Iterable[Row], now: datetime, since: date | None = None,
               until: date | None = None) -> MixReport:
    """The report for ``config``'s posts folder and target over the ledger ``rows``."""
    window = make_window(now, config.timezone, since, until)
    target = target_shares(config.mix.target)
    return build_report(rows, post_categories(config, now), window, target,
                        config.mix.tolerance, target_from_config=config.mix.target is not None)


# -- the terminal chart
FULL, QUEUED_CELL, MARK = "█", "▒", "│"
_SLUG_WIDTH = max(len(c.slug) for c in CATEGORIES)
_MIN_BAR, _MAX_BAR = 10, 60
UNKNOWN_LABEL = N_("unknown")
# How the flags read in the chart (JSON keeps OVER and UNDER).
FLAG_WORDS = {OVER: N_("OVER"), UNDER: N_("UNDER")}


def _short(value: float) -> str:
    """1.5, 50, 0.25 in the reader's notation, with no needless zeros (1,5 in Spanish)."""
    text = f"{value:g}"
    return text.replace(".", ",") if current() == "es" else text


def _pct(x: Fraction) -> str:
    return percent(float(x)).rjust(6)


def _cells(x: Fraction, scale: Fraction, width: int) -> int:
    """Cells for a share; anything above 0 gets at least one, so no post is invisible."""
    if x <= 0:
        return 0
    return max(1, round(x / scale * width))


def render_text(report: MixReport, width: int, colour: bool = False) -> list[str]:
    """The chart as lines of text at most about ``width`` columns wide (the bar shrinks to 10
    cells on narrow terminals). ``colour`` adds ANSI styles; without it the chart relies on
    █ ▒ │ and the OVER/UNDER words only."""
    import click

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if colour and text else text

    def paint(cells: list[str]) -> str:  # cells run █…▒…(blank)
        return (style(FULL * cells.count(FULL), fg="green")
                + style(QUEUED_CELL * cells.count(QUEUED_CELL), fg="cyan")
                + " " * cells.count(" "))

    n = report.counted
    digits = len(str(max([line.total for line in report.lines] + [report.unknown.total, 1])))
    counts_width = 3 * digits + 6
    fixed = 2 + 1 + _SLUG_WIDTH + 1 + 2 + 1 + counts_width + 1 + 6 + 1 + 6 + 1 + 5
    bar = max(_MIN_BAR, min(_MAX_BAR, width - fixed))
    scale = max([report.share(line) for line in report.lines]
                + [line.target for line in report.lines])
    w = report.window
    title = _("Post mix {since} to {until} ({zone}): {published} published + {queued} queued "
              "= {total} posts").format(since=w.since, until=w.until, zone=w.tz.key,
                                        published=report.published, queued=report.queued,
                                        total=report.published + report.queued)
    source = (_("config.yaml's mix.target") if report.target_from_config
              else _("the policy's ranking (weight 18 − rank)"))
    tolerance = _short(float(report.tolerance) * 100) + ("\u00a0%" if current() == "es" else "%")
    out = [style(title, bold=True),
           _("Target: {source}; tolerance ±{tolerance}").format(source=source,
                                                                tolerance=tolerance), ""]
    # TRANSLATORS: column heading: published + queued = total, abbreviated
    head_counts = _("pub + que = tot").rjust(counts_width)
    category, share_head, target_head = _("category"), _("share"), _("target")
    out.append(f"{'#':>2} {category:<{_SLUG_WIDTH}} {'':<{bar + 2}} {head_counts} "
               f"{share_head:>6} {target_head:>6}")
    for line in report.lines:
        assert line.category is not None
        share = report.share(line)
        pub = _cells(Fraction(line.published, n) if n else Fraction(0), scale, bar)
        tot = max(_cells(share, scale, bar), pub + (1 if line.queued else 0))
        mark = min(round(line.target / scale * bar), bar + 1)
        cells = [FULL] * pub + [QUEUED_CELL] * (tot - pub) + [" "] * (bar + 1 - tot)
        drawn = paint(cells[:mark]) + style(MARK, fg="yellow", bold=True) + paint(cells[mark:])
        verdict = report.flag(line)
        flag_text = ""
        if verdict == OVER:
            flag_text = " " + style(_(FLAG_WORDS[OVER]), fg="red", bold=True)
        elif verdict == UNDER:
            flag_text = " " + style(_(FLAG_WORDS[UNDER]), fg="yellow", bold=True)
        counts = (f"{line.published:>{digits}} + {line.queued:>{digits}} = "
                  f"{line.total:>{digits}}")
        out.append(f"{line.category.rank:>2} {line.category.slug:<{_SLUG_WIDTH}} {drawn} "
                   f"{counts} {_pct(share)} {_pct(line.target)}{flag_text}".rstrip())
    if report.unknown.total:
        u = report.unknown
        note = _("(post file gone: no category)")[:bar + 2]
        out.append(f"{'?':>2} {_(UNKNOWN_LABEL):<{_SLUG_WIDTH}} {note:<{bar + 2}} "
                   f"{u.published:>{digits}} + {u.queued:>{digits}} = {u.total:>{digits}}"
                   f" {'—':>6} {'—':>6}")
    out.append("")
    wrap = max(width, 40)
    legend = _("{full} published  {queued} queued (or being sent)  {mark} target.  Bars to "
               "scale: the full bar is {scale} of the posts.").format(
                   full=FULL, queued=QUEUED_CELL, mark=MARK, scale=_pct(scale).strip())
    if n == 0:
        legend = _("No posts in this window.") + " " + legend
    tol = report.tolerance
    over_factor = _short(float(1 + tol))
    under_factor = _short(float(max(1 - tol, Fraction(0))))
    if any(line.target == 0 for line in report.lines):
        rule = _("OVER: share above target × {over_factor} and at least {over_posts} posts above "
                 "the expected count (any post, for a target of 0). UNDER: share below target × "
                 "{under_factor} and at least {under_posts} post short.")
    else:
        rule = _("OVER: share above target × {over_factor} and at least {over_posts} posts above "
                 "the expected count. UNDER: share below target × {under_factor} and at least "
                 "{under_posts} post short.")
    rule = rule.format(over_factor=over_factor, over_posts=OVER_MIN_EXCESS,
                       under_factor=under_factor, under_posts=UNDER_MIN_SHORTFALL)
    # TRANSLATORS: e.g. "2 cancelled"; the state is one of the statuses ("cancelled", …)
    skipped = ", ".join(_("{count} {state}").format(count=count,
                                                    state=status_name(Status(state)))
                        for state, count in report.excluded.items() if count)
    counting = (_("Counted: each post occurrence once, even when it goes to both Facebook and "
                  "X. Not counted: cancelled, skipped, failed and unconfirmed occurrences "
                  "({skipped} in this window).").format(skipped=skipped) if skipped else
                _("Counted: each post occurrence once, even when it goes to both Facebook and "
                  "X. Not counted: cancelled, skipped, failed and unconfirmed occurrences "
                  "(none in this window)."))
    shares = ""
    if report.unknown.total:
        shares = " " + _("Shares are of the posts whose file still exists: the unknown line is "
                         "left out of them.")
    for paragraph in (legend, rule, counting + shares):
        out.extend(textwrap.wrap(paragraph, wrap))
    return out


# -- the PNG
PNG_WIDTH = 1280
_PNG_TOP, _PNG_ROW, _PNG_BOTTOM = 132, 30, 84
_LABEL_X, _PLOT_X0, _PLOT_RIGHT = 24, 330, 330
_INK, _MUTED, _GRID, _STRIPE = (33, 33, 33), (96, 96, 96), (214, 214, 214), (245, 247, 250)
_PUBLISHED_RGB, _QUEUED_RGB, _TARGET_RGB = (31, 95, 153), (156, 195, 230), (120, 120, 120)
_OVER_RGB, _UNDER_RGB = (192, 57, 43), (196, 120, 0)


def png_size(report: MixReport) -> tuple[int, int]:
    rows = len(report.lines) + (1 if report.unknown.total else 0)
    return PNG_WIDTH, _PNG_TOP + rows * _PNG_ROW + _PNG_BOTTOM


# DejaVu (Debian's fonts-dejavu-core, found by name in the system font folders) covers every
# letter we print; without it, Pillow's own scalable font.
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(FONT_FILES[bold], size)
    except OSError:
        return ImageFont.load_default(size=size)


def _grid_step(scale: float) -> float:
    for step in (0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25):
        if scale / step <= 8:
            return step
    return 0.5


def render_png(report: MixReport) -> bytes:
    """A horizontal bar chart: per category the actual share (published dark, queued light)
    over a thin grey bar of the target share, with counts and the flag on the right."""
    from PIL import Image, ImageDraw

    width, height = png_size(report)
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    title, body, small = _font(22, bold=True), _font(15), _font(13)
    w = report.window
    pen.text((_LABEL_X, 18), _("BMN post mix by category, {since} – {until} ({zone})").format(
        since=w.since, until=w.until, zone=w.tz.key), font=title, fill=_INK)
    source = (_("config.yaml mix.target") if report.target_from_config
              else _("ranking, 18 − rank"))
    pen.text((_LABEL_X, 52), _("{published} published + {queued} queued = {total} posts · "
                               "target: {source} · tolerance ±{tolerance} %").format(
        published=report.published, queued=report.queued,
        total=report.published + report.queued, source=source,
        tolerance=_short(float(report.tolerance) * 100)), font=body, fill=_MUTED)
    # legend
    x = _LABEL_X
    for colour, text in ((_PUBLISHED_RGB, _("published")), (_QUEUED_RGB, _("queued")),
                         (_TARGET_RGB, _("target share"))):
        pen.rectangle((x, 84, x + 22, 98), fill=colour)
        pen.text((x + 30, 91), text, font=body, fill=_INK, anchor="lm")
        x += 30 + int(pen.textlength(text, font=body)) + 28
    plot_x1 = width - _PLOT_RIGHT
    span = plot_x1 - _PLOT_X0
    scale = float(max([report.share(line) for line in report.lines]
                      + [line.target for line in report.lines]))
    step = _grid_step(scale)
    top = float(step) * (int(scale / step) + 1)

    def x_of(share: float) -> int:
        return _PLOT_X0 + round(share / top * span)

    rows = [*report.lines, *([report.unknown] if report.unknown.total else [])]
    y_end = _PNG_TOP + len(rows) * _PNG_ROW
    for i in range(len(rows)):
        if i % 2 == 0:
            y = _PNG_TOP + i * _PNG_ROW
            pen.rectangle((0, y, width, y + _PNG_ROW - 1), fill=_STRIPE)
    k = 0
    while k * step <= top + 1e-9:
        gx = x_of(k * step)
        pen.line((gx, _PNG_TOP - 6, gx, y_end), fill=_GRID, width=1)
        pen.text((gx, y_end + 6), f"{k * step * 100:g} %", font=small, fill=_MUTED, anchor="mt")
        k += 1
    n = report.counted
    for i, line in enumerate(rows):
        y = _PNG_TOP + i * _PNG_ROW
        mid = y + _PNG_ROW // 2
        if line.category is None:
            rank, label, colour_label = "?", _("unknown (post file gone)"), _MUTED
        else:
            rank, label, colour_label = str(line.category.rank), line.category.slug, _INK
        pen.text((_LABEL_X + 22, mid), rank, font=body, fill=colour_label, anchor="rm")
        pen.text((_LABEL_X + 32, mid), label, font=body, fill=colour_label, anchor="lm")
        counts = f"{line.published} + {line.queued} = {line.total}"
        pen.text((plot_x1 + 100, mid), counts, font=body, fill=colour_label, anchor="rm")
        if line.category is not None:
            share = float(report.share(line))
            pub = line.published / n if n else 0.0
            if line.total:
                pen.rectangle((_PLOT_X0, y + 5, max(x_of(share), _PLOT_X0 + 2), y + 18),
                              fill=_QUEUED_RGB)
            if line.published:
                pen.rectangle((_PLOT_X0, y + 5, max(x_of(pub), _PLOT_X0 + 2), y + 18),
                              fill=_PUBLISHED_RGB)
            tx = x_of(float(line.target))
            if line.target:
                pen.rectangle((_PLOT_X0, y + 21, tx, y + 25), fill=_TARGET_RGB)
            pen.line((tx, y + 3, tx, y + 27), fill=_INK, width=2)
            shares = f"{percent(share)} / {percent(float(line.target))}"
            pen.text((plot_x1 + 120, mid), shares, font=body, fill=colour_label, anchor="lm")
        verdict = report.flag(line)
        if verdict is not None:
            pen.text((width - _LABEL_X, mid), _(FLAG_WORDS[verdict]), font=_font(15, bold=True),
                     fill=_OVER_RGB if verdict == OVER else _UNDER_RGB, anchor="rm")
    pen.text((plot_x1 + 100, _PNG_TOP - 12), _("pub + queued = total"), font=small,
             fill=_MUTED, anchor="rs")
    pen.text((plot_x1 + 120, _PNG_TOP - 12), _("share / target"), font=small, fill=_MUTED,
             anchor="ls")
    foot = _("Each post occurrence counts once, even on both Facebook and X. Not counted: "
             "cancelled, skipped, failed, unconfirmed. The black tick marks the target share.")
    if report.unknown.total:
        foot += " " + _("Shares leave out the unknown line.")
    pen.text((_LABEL_X, height - 24), foot, font=small, fill=_MUTED, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
