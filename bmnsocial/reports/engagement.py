"""Engagement per category and per factor of the BMN's policy (`bmnsocial report engagement`,
docs/report-engagement.md).

What is counted: each publication (a post on one platform) published in the window, by when
it was published, with the latest figures read of it (publish/metrics.py). The platforms'
figures are brought to four common ones:

- reactions: Facebook's reactions (all types); X's likes;
- comments: Facebook's comments; X's replies, less the one reply a thread of ours makes to its
  own first tweet;
- shares: Facebook's shares; X's reposts and quotes;
- impressions: Facebook's post impressions (when the token may read insights); X's
  impressions.

engagement = reactions + comments + shares; engagement per post = engagement ÷ the posts that
have figures. Then the policy's factors, each with the indicator the data can give, and those
no data here can show, with the reason.
"""

from __future__ import annotations

import html
import io
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from bmnsocial.categories import BY_SLUG, CATEGORIES, Category
from bmnsocial.i18n import N_, _, current, number, percent
from bmnsocial.platforms import registry
from bmnsocial.publish.ledger import Ledger, Row, Status
from bmnsocial.publish.metrics import Reading, latest_readings
from bmnsocial.reports.mix import PUBLISHED, Window, make_window, occurrences, post_categories

if TYPE_CHECKING:
    from bmnsocial.config import Config

DEFAULT_DAYS = 90  # the default window: this many days up to today

FIGURES = ("reactions", "comments", "shares", "impressions")
# The policy's people categories: behind the scenes (12) and staff, volunteers and users (15).
HUMAN_CATEGORIES = (BY_SLUG["detras-de-escena"], BY_SLUG["personal-voluntarios-usuarios"])


def common_figures(platform: str, counts: Mapping[str, int], parts: int) -> dict[str, int]:
    """A platform's figures as the four common ones (impressions only when told): its own
    names translated by its ``common_figures``, or already the common ones."""
    translate = registry.capability(platform, "common_figures")
    if translate is not None:
        found: dict[str, int] = translate(counts, parts)
        return found
    found = {name: counts.get(name, 0) for name in ("reactions", "comments", "shares")}
    if "impressions" in counts:
        found["impressions"] = counts["impressions"]
    return found


@dataclass(slots=True)
class Tally:
    posts: int = 0
    read: int = 0  # posts with figures
    reactions: int = 0
    comments: int = 0
    shares: int = 0
    impressions: int | None = None  # None: no read told them
    with_impressions: int = 0

    def add(self, figures: Mapping[str, int] | None) -> None:
        self.posts += 1
        if figures is None:
            return
        self.read += 1
        self.reactions += figures.get("reactions", 0)
        self.comments += figures.get("comments", 0)
        self.shares += figures.get("shares", 0)
        if "impressions" in figures:
            self.impressions = (self.impressions or 0) + figures["impressions"]
            self.with_impressions += 1

    def merge(self, other: Tally) -> None:
        self.posts += other.posts
        self.read += other.read
        self.reactions += other.reactions
        self.comments += other.comments
        self.shares += other.shares
        if other.impressions is not None:
            self.impressions = (self.impressions or 0) + other.impressions
        self.with_impressions += other.with_impressions

    @property
    def engagement(self) -> int:
        return self.reactions + self.comments + self.shares

    @property
    def per_post(self) -> float | None:
        return self.engagement / self.read if self.read else None

    def to_json(self) -> dict[str, Any]:
        per_post = self.per_post
        return {"posts": self.posts, "read": self.read, "reactions": self.reactions,
                "comments": self.comments, "shares": self.shares,
                "impressions": self.impressions, "engagement": self.engagement,
                "engagement_per_post": None if per_post is None else round(per_post, 2)}


@dataclass(slots=True)
class CategoryLine:
    category: Category | None  # None: the post file is gone
    platforms: dict[str, Tally] = field(default_factory=lambda: {
        p: Tally() for p in registry.having("metrics")})
    response_rank: int | None = None  # 1: the most engagement per post

    @property
    def total(self) -> Tally:
        tally = Tally()
        for t in self.platforms.values():
            tally.merge(t)
        return tally


@dataclass(frozen=True, slots=True)
class Factor:
    key: str
    name: str  # N_(), said in the reader's language
    formula: str  # N_()
    value: float | None  # None: no data in the window
    unit: str  # "per_post", "share", "count", "hours"
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": _(self.name), "formula": _(self.formula),
                "value": None if self.value is None else round(self.value, 4),
                "unit": self.unit, "details": self.details}


# The factors of the policy that no figure here can show, and why.
NOT_MEASURABLE: tuple[tuple[str, str, str], ...] = (
    ("access", N_("Immediate access to information"),
     N_("the platforms do not tell how quickly people found what they looked for (link "
        "clicks need insights bmnsocial does not read)")),
    ("loyalty", N_("Loyalty"),
     N_("it needs the same people coming back over time: the platforms tell counts, not who")),
    ("reputation", N_("Care of the online reputation"),
     N_("it needs what is said about the library elsewhere (mentions, reviews, tone), which "
        "bmnsocial does not read")),
    ("collaboration", N_("Collaboration"),
     N_("work with other institutions leaves no trace in the figures of our posts")),
    ("positioning", N_("Positioning"),
     N_("where the library appears in searches is not told by the posts' figures; "
        "visibility (impressions) is its nearest measure")),
)


@dataclass(slots=True)
class EngagementReport:
    window: Window
    lines: list[CategoryLine]  # the 17, rank 1 first
    unknown: CategoryLine
    factors: list[Factor]
    rank_agreement: float | None
    latest_read_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "window": self.window.to_json(),
            "latest_read_at": None if self.latest_read_at is None else
            self.latest_read_at.isoformat(),
            "categories": [self._line_json(line) for line in self.lines],
            "unknown": self._tallies_json(self.unknown),
            "rank_agreement": None if self.rank_agreement is None else
            round(self.rank_agreement, 3),
            "factors": [f.to_json() for f in self.factors],
            "not_measurable": [{"key": key, "name": _(name), "reason": _(reason)}
                               for key, name, reason in NOT_MEASURABLE],
        }

    @staticmethod
    def _tallies_json(line: CategoryLine) -> dict[str, Any]:
        return {**line.total.to_json(),
                "platforms": {p: t.to_json() for p, t in line.platforms.items()}}

    def _line_json(self, line: CategoryLine) -> dict[str, Any]:
        assert line.category is not None
        c = line.category
        return {"rank": c.rank, "slug": c.slug, "label_es": c.label_es,
                "response_rank": line.response_rank, **self._tallies_json(line)}


def _spearman(pairs: list[tuple[int, int]]) -> float | None:
    """Spearman's rank correlation of (policy rank, response rank) over the categories with
    figures, both re-ranked 1..n; None below three categories."""
    n = len(pairs)
    if n < 3:
        return None
    policy = {r: i for i, r in enumerate(sorted(p for p, _ in pairs), 1)}
    d2 = sum((policy[p] - q) ** 2 for p, q in pairs)
    return 1 - 6 * d2 / (n * (n * n - 1))


def _response_ranks(lines: list[CategoryLine]) -> None:
    """Rank 1 is the most engagement per post; ties share the better rank."""
    scored = [(line.total.per_post, line) for line in lines if line.total.per_post is not None]
    scored.sort(key=lambda s: -(s[0] or 0.0))
    previous: float | None = None
    rank = 0
    for position, (value, line) in enumerate(scored, 1):
        if value != previous:
            rank, previous = position, value
        line.response_rank = rank


def _dynamism(moments: list[datetime], window: Window, now: datetime) -> Factor:
    end = min(window.end, now)
    days = max((end - window.start).days, 0)
    weeks = max(1, -(-days // 7))
    active = {int((m - window.start).total_seconds() // (7 * 86400)) for m in moments}
    ordered = sorted(moments)
    gaps = [(b - a).total_seconds() / 86400 for a, b in pairwise(ordered)]
    with_posts = len({w for w in active if 0 <= w < weeks})
    details: dict[str, Any] = {
               "posts": len(moments), "weeks": weeks, "weeks_with_posts": with_posts,
               "posts_per_week": round(len(moments) / weeks, 2),
               "longest_gap_days": round(max(gaps), 1) if gaps else None}
    value = with_posts / weeks if moments else None
    return Factor("dynamism", N_("Dynamism"), N_(
        "weeks with at least one publication ÷ weeks in the window (also: publications per "
        "week, the longest gap between two)"), value, "share", details)


def _service(ledger: Ledger, window: Window, now: datetime) -> Factor:
    from bmnsocial.reports.answers import answer_times

    found = answer_times(ledger, window.start, min(window.end, now))
    # An item marked done was handled without an answer: asked, not answered.
    answered = [a for a in found if a.answered]
    hours = [a.seconds / 3600 for a in answered if a.seconds is not None]
    details = {"questions": len(found), "answered": len(answered),
               "median_hours_to_answer": round(statistics.median(hours), 1) if hours else None}
    return Factor("service", N_("Service to users"), N_(
        "questions answered ÷ questions asked (comments on the Page's posts and replies to "
        "ours); also the median time to answer, in hours"),
        len(answered) / len(found) if found else None, "share", details)


def build_report(ledger: Ledger, rows: Iterable[Row], categories: Mapping[str, Category],
                 window: Window, now: datetime) -> EngagementReport:
    rows = [r for r in rows if r.status is Status.PUBLISHED]
    readings = latest_readings(ledger)
    lines = {c.rank: CategoryLine(c) for c in CATEGORIES}
    unknown = CategoryLine(None)
    measured = registry.having("metrics")
    for row in rows:
        moment = row.published_at or row.due
        if moment not in window or row.platform not in measured:
            continue
        category = categories.get(row.post_id)
        line = unknown if category is None else lines[category.rank]
        reading: Reading | None = readings.get(row.id)
        line.platforms[row.platform].add(None if reading is None else common_figures(
            row.platform, reading.counts, len(row.part_ids)))
    ordered = list(lines.values())
    _response_ranks(ordered)
    agreement = _spearman([(line.category.rank, line.response_rank) for line in ordered
                           if line.category is not None and line.response_rank is not None])
    total = Tally()
    for line in [*ordered, unknown]:
        total.merge(line.total)
    published = [o for o in occurrences(rows) if o.state == PUBLISHED and o.moment in window]
    human = sum(1 for o in published
                if categories.get(o.post_id) in HUMAN_CATEGORIES)

    def per_post(value: int, base: int) -> float | None:
        return value / base if base else None

    factors = [
        Factor("spreading", N_("Sharing and spreading"), N_(
            "(Facebook shares + X reposts and quotes) ÷ posts with figures"),
            per_post(total.shares, total.read), "per_post",
            {"shares": total.shares, "posts_read": total.read}),
        Factor("interaction", N_("Socialisation and interaction"), N_(
            "(reactions + comments + shares) ÷ posts with figures"),
            per_post(total.engagement, total.read), "per_post",
            {"engagement": total.engagement, "posts_read": total.read}),
        Factor("feedback", N_("Feedback"), N_(
            "(Facebook comments + replies on X) ÷ posts with figures"),
            per_post(total.comments, total.read), "per_post",
            {"comments": total.comments, "posts_read": total.read}),
        Factor("visibility", N_("Visibility"), N_(
            "impressions ÷ posts whose impressions were told (Facebook needs the "
            "read_insights permission)"),
            per_post(total.impressions or 0, total.with_impressions), "per_post",
            {"impressions": total.impressions, "posts_with_impressions":
             total.with_impressions}),
        _service(ledger, window, now),
        _dynamism([o.moment for o in published], window, now),
        Factor("humanisation", N_("Humanisation"), N_(
            "posts in 'detras-de-escena' (12) and 'personal-voluntarios-usuarios' (15) ÷ "
            "posts published"), per_post(human, len(published)), "share",
            {"human_posts": human, "posts": len(published)}),
    ]
    latest = max((r.read_at for r in readings.values()), default=None)
    return EngagementReport(window, ordered, unknown, factors, agreement, latest)


def engagement_report(config: Config, ledger: Ledger, now: datetime, since: date | None = None,
                      until: date | None = None) -> EngagementReport:
    """The report over ``ledger`` for the posts folder of ``config``; the window is the
    ``DEFAULT_DAYS`` days up to today unless given."""
    today = now.astimezone(config.timezone).date()
    window = make_window(now, config.timezone, since or today - timedelta(days=DEFAULT_DAYS),
                         until or today)
    return build_report(ledger, ledger.rows(statuses=(Status.PUBLISHED,)),
                        post_categories(config, now), window, now)


# -- showing it
def _per_post(value: float | None) -> str:
    return "—" if value is None else number(value, 1)


def factor_value(factor: Factor) -> str:
    if factor.value is None:
        return _("no data in this window")
    if factor.unit == "share":
        return percent(factor.value)
    return _("{value} per post").format(value=number(factor.value, 2))


def factor_details(factor: Factor) -> str:
    d = factor.details
    if factor.key == "service":
        if not d["questions"]:
            return _("no questions recorded in this window")
        hours = d["median_hours_to_answer"]
        return _("{answered} of {questions} answered; median time to answer {hours} h").format(
            answered=d["answered"], questions=d["questions"],
            hours="—" if hours is None else number(hours, 1))
    if factor.key == "dynamism":
        gap = d["longest_gap_days"]
        return _("{posts} publications in {weeks} weeks ({per_week} a week); longest gap "
                 "{gap} days").format(posts=d["posts"], weeks=d["weeks"],
                                      per_week=number(d["posts_per_week"], 1),
                                      gap="—" if gap is None else number(gap, 1))
    if factor.key == "humanisation":
        return _("{human} of {posts} posts").format(human=d["human_posts"], posts=d["posts"])
    if factor.key == "visibility":
        return _("{impressions} impressions over {posts} posts").format(
            impressions=d["impressions"] or 0, posts=d["posts_with_impressions"])
    return ""


def render_text(report: EngagementReport) -> list[str]:
    w = report.window
    out = [_("Engagement {since} to {until} ({zone}), per category in the policy's order").format(
        since=w.since, until=w.until, zone=w.tz.key)]
    if report.latest_read_at is None:
        out.append(_("No figures read yet: run 'bmnsocial metrics pull' (the daemon reads them "
                     "by itself at metrics.after_hours)."))
    # TRANSLATORS: column heads of the engagement table, kept short (5 to 9 characters)
    heads = (_("category"), _("platform"), _("posts"), _("read"), _("react."), _("comm."),
             _("shares"), _("impr."), _("eng/post"), _("resp.#"))
    # the first two columns to the left, the numbers to the right; a translated head that is
    # longer than its column widens it
    least = (29, 9, 5, 5, 6, 5, 6, 7, 8, 6)
    widths = [max(n, len(h)) for n, h in zip(least, heads, strict=True)]

    def row(cells: Iterable[object]) -> str:
        return " ".join(f"{c!s:<{w}}" if i < 2 else f"{c!s:>{w}}"
                        for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out += ["", f"{'#':>2} " + row(heads)]
    for line in [*report.lines, *([report.unknown] if report.unknown.total.posts else [])]:
        rank = str(line.category.rank) if line.category else "?"
        slug = line.category.slug if line.category else _("unknown")
        shown = [(p, t) for p, t in line.platforms.items() if t.posts] or [("", Tally())]
        for i, (platform, t) in enumerate(shown):
            first = i == 0
            impressions = "—" if t.impressions is None else str(t.impressions)
            response = str(line.response_rank) if first and line.response_rank else ""
            out.append(f"{rank if first else '':>2} " + row((
                slug if first else "", platform, t.posts, t.read, t.reactions, t.comments,
                t.shares, impressions, _per_post(t.per_post), response)))
    out.append("")
    if report.rank_agreement is not None:
        out.append(_("Agreement of the policy's order with the response (Spearman, −1 to 1): "
                     "{value}").format(value=number(report.rank_agreement, 2)))
    out.append(_("resp.# ranks the categories by engagement per post (1: the most); "
                 "engagement = reactions + comments + shares."))
    out += ["", _("Factors of the policy")]
    for factor in report.factors:
        details = factor_details(factor)
        out.append(f"  {_(factor.name)}: {factor_value(factor)}"
                   + (f" ({details})" if details else ""))
        out.append("    " + _(factor.formula))
    out += ["", _("Not shown by any figure here")]
    for _key, name, reason in NOT_MEASURABLE:
        out.append(f"  {_(name)}: {_(reason)}")
    return out


# -- the PNG
PNG_WIDTH = 1280
_TOP, _ROW, _FACTOR_ROW = 120, 28, 24
_LABEL_X, _PLOT_X0, _PLOT_X1 = 24, 330, 980
_INK, _MUTED, _STRIPE = (33, 33, 33), (96, 96, 96), (245, 247, 250)
_COLOURS = {"reactions": (31, 95, 153), "comments": (230, 126, 34), "shares": (39, 174, 96)}


def png_size(report: EngagementReport) -> tuple[int, int]:
    rows = len(report.lines)
    return PNG_WIDTH, _TOP + rows * _ROW + 60 + len(report.factors) * _FACTOR_ROW + 40


def render_png(report: EngagementReport) -> bytes:
    """Per category (rank order) a bar of engagement per post, split into reactions,
    comments and shares; the posts read and the response rank at its right; the factors
    under it."""
    from PIL import Image, ImageDraw

    from bmnsocial.reports.mix import _font

    width, height = png_size(report)
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    title, body, small = _font(22, bold=True), _font(15), _font(13)
    w = report.window
    pen.text((_LABEL_X, 18), _("BMN engagement per post by category, {since} – {until} "
                               "({zone})").format(since=w.since, until=w.until, zone=w.tz.key),
             font=title, fill=_INK)
    x = _LABEL_X
    for name, colour in _COLOURS.items():
        label = _(name)
        pen.rectangle((x, 60, x + 22, 74), fill=colour)
        pen.text((x + 30, 67), label, font=body, fill=_INK, anchor="lm")
        x += 30 + int(pen.textlength(label, font=body)) + 28
    pen.text((_PLOT_X1 + 20, _TOP - 12), _("posts read · response rank"), font=small,
             fill=_MUTED, anchor="ls")
    scale = max([line.total.per_post or 0.0 for line in report.lines] + [1.0])
    span = _PLOT_X1 - _PLOT_X0 - 60  # room for the value at the end of the longest bar
    for i, line in enumerate(report.lines):
        assert line.category is not None
        y = _TOP + i * _ROW
        mid = y + _ROW // 2
        if i % 2 == 0:
            pen.rectangle((0, y, width, y + _ROW - 1), fill=_STRIPE)
        pen.text((_LABEL_X + 22, mid), str(line.category.rank), font=body, fill=_INK,
                 anchor="rm")
        pen.text((_LABEL_X + 32, mid), line.category.slug, font=body, fill=_INK, anchor="lm")
        t = line.total
        left = _PLOT_X0
        for name, colour in _COLOURS.items():
            share = getattr(t, name) / t.read if t.read else 0.0
            right = left + round(share / scale * span)
            if right > left:
                pen.rectangle((left, y + 6, right, y + _ROW - 8), fill=colour)
            left = right
        if t.per_post is not None:
            pen.text((left + 6, mid), number(t.per_post, 1), font=small, fill=_INK,
                     anchor="lm")
        rank = f" · #{line.response_rank}" if line.response_rank else ""
        pen.text((_PLOT_X1 + 20, mid), f"{t.read}/{t.posts}{rank}", font=body, fill=_INK,
                 anchor="lm")
    y = _TOP + len(report.lines) * _ROW + 30
    pen.text((_LABEL_X, y), _("Factors of the policy"), font=_font(17, bold=True), fill=_INK)
    for factor in report.factors:
        y += _FACTOR_ROW
        pen.text((_LABEL_X, y), f"{_(factor.name)}: {factor_value(factor)}", font=body,
                 fill=_INK)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# -- the HTML page
def render_html(report: EngagementReport) -> str:
    """One self-contained page: the table with a bar per category, the factors, the limits."""
    e = html.escape
    w = report.window
    title = _("BMN engagement per post by category, {since} – {until} ({zone})").format(
        since=w.since, until=w.until, zone=w.tz.key)
    scale = max([line.total.per_post or 0.0 for line in report.lines] + [1.0])
    rows = []
    for line in report.lines:
        assert line.category is not None
        t = line.total
        bars = "".join(
            f'<span class="{name}" style="width:{(getattr(t, name) / t.read if t.read else 0) / scale * 100:.1f}%"></span>'  # noqa: E501
            for name in _COLOURS)
        impressions = "—" if t.impressions is None else str(t.impressions)
        rows.append(
            f"<tr><td>{line.category.rank}</td><td>{e(line.category.slug)}<br><small>"
            f"{e(line.category.label())}</small></td><td>{t.posts}</td><td>{t.read}</td>"
            f"<td>{t.reactions}</td><td>{t.comments}</td><td>{t.shares}</td>"
            f"<td>{impressions}</td><td class=bar>{bars} {e(_per_post(t.per_post))}</td>"
            f"<td>{line.response_rank or ''}</td></tr>")
    factors = "".join(
        f"<li><b>{e(_(f.name))}</b>: {e(factor_value(f))}"
        f"{' (' + e(factor_details(f)) + ')' if factor_details(f) else ''}"
        f"<br><small>{e(_(f.formula))}</small></li>" for f in report.factors)
    limits = "".join(f"<li><b>{e(_(name))}</b>: {e(_(reason))}</li>"
                     for _key, name, reason in NOT_MEASURABLE)
    heads = "".join(f"<th>{e(h)}</th>" for h in (
        "#", _("category"), _("posts"), _("read"), _("reactions"), _("comments"), _("shares"),
        _("impressions"), _("engagement per post"), _("response rank")))
    agreement = "" if report.rank_agreement is None else "<p>" + e(_(
        "Agreement of the policy's order with the response (Spearman, −1 to 1): {value}"
    ).format(value=number(report.rank_agreement, 2))) + "</p>"
    style = ("body{font-family:'DejaVu Sans',sans-serif;margin:2em;color:#212121}"
             "table{border-collapse:collapse}td,th{padding:.3em .6em;text-align:right;"
             "border-bottom:1px solid #ddd}td:nth-child(2){text-align:left}"
             ".bar{text-align:left;width:22em}.bar span{display:inline-block;height:.9em}"
             ".reactions{background:#1f5f99}.comments{background:#e67e22}"
             ".shares{background:#27ae60}small{color:#606060}")
    note = _("engagement = reactions + comments + shares, per post with figures; the response "
             "rank orders the categories by it.")
    return (f"<!DOCTYPE html><html lang=\"{current()}\"><head><meta charset=\"utf-8\">"
            f"<title>{e(title)}</title><style>{style}</style></head><body>"
            f"<h1>{e(title)}</h1><table><tr>{heads}</tr>{''.join(rows)}</table>{agreement}"
            f"<p><small>{e(note)}</small></p>"
            f"<h2>{e(_('Factors of the policy'))}</h2><ul>{factors}</ul>"
            f"<h2>{e(_('Not shown by any figure here'))}</h2><ul>{limits}</ul>"
            "</body></html>\n")
