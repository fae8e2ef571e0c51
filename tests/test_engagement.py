"""`bmnsocial report engagement` (issue 13, item 2): the numbers on a known ledger, the
factors' formulas, the JSON fields, the PNG and HTML files, both languages."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from bmnsocial.categories import BY_RANK, CATEGORIES
from bmnsocial.cli.root import cli
from bmnsocial.platforms.base import Figures
from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish.ledger import ONCE, Ledger, Row
from bmnsocial.publish.metrics import store
from bmnsocial.render.payload import content_hash, dumps
from bmnsocial.reports.engagement import (
    NOT_MEASURABLE,
    build_report,
    png_size,
    render_html,
    render_png,
    render_text,
)
from bmnsocial.reports.mix import make_window
from tests.helpers import HAVANA, NOW, REPO

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def publish(ledger: Ledger, post_id: str, platform: str, days_ago: float,
            parts: int = 1) -> Row:
    when = NOW - timedelta(days=days_ago)
    payload = dumps(Rendered(post_id, platform, (Part("a", ("text",), 1, 280),)))
    row = ledger.enqueue(post_id=post_id, platform=platform, occurrence=ONCE, due=when,
                         payload=payload, content_hash=content_hash(payload),
                         source_file="x.yaml", now=when)
    ids = [f"{post_id}{i}" for i in range(parts)]
    published: Row = ledger.mark_published(row.id, ids[0], "https://example.org", ids, when)
    return published


def read(ledger: Ledger, row: Row, counts: dict[str, int], hours: int = 24) -> None:
    with ledger.transaction():
        store(ledger, row, Figures(str(row.platform_post_id), counts),
              (row.published_at or NOW) + timedelta(hours=hours), hours)


@pytest.fixture
def known(tmp_path: Path) -> Ledger:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    p1 = publish(ledger, "p1", "facebook", 10)
    p2 = publish(ledger, "p2", "facebook", 3)
    t1 = publish(ledger, "t1", "twitter", 3, parts=2)
    publish(ledger, "t2", "twitter", 1)  # never read
    read(ledger, p1, {"reactions": 4, "comments": 0, "shares": 0}, hours=1)  # older read
    read(ledger, p1, {"reactions": 10, "comments": 1, "shares": 2, "impressions": 100})
    read(ledger, p2, {"reactions": 20, "comments": 3, "shares": 0})  # no insights
    read(ledger, t1, {"like_count": 5, "reply_count": 2, "retweet_count": 1, "quote_count": 1,
                      "bookmark_count": 4, "impression_count": 50})
    return ledger


CATEGORIES_OF = {"p1": BY_RANK[1], "p2": BY_RANK[1], "t1": BY_RANK[12], "t2": BY_RANK[15]}


def test_numbers_on_a_known_ledger(known: Ledger) -> None:
    window = make_window(NOW, HAVANA, date(2026, 11, 1), date(2026, 11, 26))
    report = build_report(known, known.rows(), CATEGORIES_OF, window, NOW)
    first, behind, people = report.lines[0], report.lines[11], report.lines[14]
    assert [line.category.rank for line in report.lines if line.category] == list(range(1, 18))
    fb = first.platforms["facebook"]
    assert (fb.posts, fb.read, fb.reactions, fb.comments, fb.shares, fb.impressions) == (
        2, 2, 30, 4, 2, 100)
    assert fb.per_post == 18.0
    x = behind.platforms["twitter"]  # likes; replies less the thread's own; reposts + quotes
    assert (x.reactions, x.comments, x.shares, x.impressions) == (5, 1, 2, 50)
    assert people.total.posts == 1 and people.total.read == 0 and people.total.per_post is None
    assert (first.response_rank, behind.response_rank, people.response_rank) == (1, 2, None)
    assert report.rank_agreement is None  # fewer than three categories with figures
    factors = {f.key: f for f in report.factors}
    assert factors["spreading"].value == pytest.approx(4 / 3)
    assert factors["feedback"].value == pytest.approx(5 / 3)
    assert factors["interaction"].value == pytest.approx((35 + 5 + 4 + 0 + 0) / 3)
    assert factors["visibility"].value == pytest.approx(150 / 2)
    assert factors["humanisation"].value == pytest.approx(2 / 4)
    assert factors["service"].value is None  # no answer times recorded
    dynamism = factors["dynamism"]
    assert dynamism.details["posts"] == 4 and dynamism.details["weeks"] == 4
    assert dynamism.value == pytest.approx(2 / 4)  # weeks 2 and 4 of the window had posts
    assert dynamism.details["longest_gap_days"] == 7.0


def test_only_the_window_counts(known: Ledger) -> None:
    window = make_window(NOW, HAVANA, date(2026, 11, 20), date(2026, 11, 26))
    report = build_report(known, known.rows(), CATEGORIES_OF, window, NOW)
    assert report.lines[0].total.posts == 1  # p1 was published 10 days ago


def test_json_fields(known: Ledger) -> None:
    window = make_window(NOW, HAVANA, date(2026, 11, 1), date(2026, 11, 26))
    data = build_report(known, known.rows(), CATEGORIES_OF, window, NOW).to_json()
    assert sorted(data) == ["categories", "factors", "latest_read_at", "not_measurable",
                            "rank_agreement", "unknown", "window"]
    assert len(data["categories"]) == 17
    line = data["categories"][0]
    assert sorted(line) == sorted([
        "rank", "slug", "label_es", "response_rank", "posts", "read", "reactions", "comments",
        "shares", "impressions", "engagement", "engagement_per_post", "platforms"])
    assert line["engagement_per_post"] == 18.0 and line["platforms"]["twitter"]["posts"] == 0
    assert [f["key"] for f in data["factors"]] == [
        "spreading", "interaction", "feedback", "visibility", "service", "dynamism",
        "humanisation"]
    assert all(sorted(f) == ["details", "formula", "key", "name", "unit", "value"]
               for f in data["factors"])
    assert [n["key"] for n in data["not_measurable"]] == [k for k, _n, _r in NOT_MEASURABLE]


def test_text_png_and_html_show_every_category(known: Ledger) -> None:
    window = make_window(NOW, HAVANA, date(2026, 11, 1), date(2026, 11, 26))
    report = build_report(known, known.rows(), CATEGORIES_OF, window, NOW)
    text = "\n".join(render_text(report))
    page = render_html(report)
    for category in CATEGORIES:
        assert category.slug in text and category.slug in page
    assert "Feedback" in text and "Loyalty" in text and "Humanisation: 50.0%" in text
    png = render_png(report)
    image = Image.open(io.BytesIO(png))
    assert image.size == png_size(report)


def test_the_whole_loop_on_the_sandbox_in_both_languages(workspace: Path) -> None:
    for name in ("pregunta-lecturas.yaml", "catalogacion-detras-de-escena.yaml"):
        shutil.copy(REPO / "posts" / name, workspace / "posts" / name)  # categories from here
        code, out = run("--sandbox", "post", str(workspace / "posts" / name), "--now", "--yes")
        assert code == 0, out
    assert run("sandbox", "audience", "--seed", "2")[0] == 0
    assert run("--sandbox", "metrics", "pull")[0] == 0
    png, page = workspace / "e.png", workspace / "e.html"
    code, out = run("--sandbox", "report", "engagement", "--json", "--png", str(png),
                    "--html", str(page))
    assert code == 0, out
    data = json.loads(out[:out.rindex("}") + 1])
    assert len(data["categories"]) == 17 and data["latest_read_at"] is not None
    assert data["categories"][5]["read"] == 2  # invitar-comentarios on Facebook and X
    factors = {f["key"]: f for f in data["factors"]}
    assert factors["humanisation"]["value"] == 0.5
    with Image.open(png) as image:
        assert image.format == "PNG"
    assert "<table>" in page.read_text(encoding="utf-8")
    code, out = run("--lang", "es", "--sandbox", "report", "engagement")
    assert code == 0 and "Factores de la política" in out and "Fidelización" in out


def test_files_into_a_missing_folder_are_a_usage_error(workspace: Path) -> None:
    code, out = run("--sandbox", "report", "engagement", "--html", "nope/e.html")
    assert code == 2 and "does not exist" in out
