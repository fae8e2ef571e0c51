"""`bmnsocial report mix`: the category mix against the target (docs/report-mix.md)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bmnsocial.categories import BY_RANK, CATEGORIES
from bmnsocial.cli.root import cli
from bmnsocial.config import Config, load_config
from bmnsocial.errors import ConfigError, UsageError
from bmnsocial.publish.ledger import Ledger, Row
from bmnsocial.reports import mix
from bmnsocial.schedule.sync import sync
from tests.helpers import HAVANA, NOW, REPO, WritePost, default_signals

ANSI = re.compile(r"\x1b\[")


def ledger_for(config: Config) -> Ledger:
    return Ledger(config.state_dir / "ledger.sqlite3")


def run(workspace: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(workspace / "config.yaml"), "report", "mix",
                                    *args])


def run_json(workspace: Path, *args: str) -> dict[str, Any]:
    result = run(workspace, "--json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def by_slug(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["slug"]: c for c in data["categories"]}


def chart_rows(text: str) -> list[str]:
    """The 17 category lines of the terminal chart."""
    return [line for line in text.splitlines() if re.match(r"^[ 1]\d [a-z]", line)]


def publish(ledger: Ledger, row: Row | None, at: datetime = NOW) -> None:
    assert row is not None
    assert ledger.claim(row.id, "test", at) is not None
    ledger.mark_published(row.id, "1", "https://example.test/1", ["1"], at)


_serial = itertools.count()


def post(category: int | str, at: str, platforms: str = "[facebook, twitter]") -> str:
    """A valid post (its own text: X refuses duplicates); category 1 gets its event."""
    event = "event: {starts: 2027-02-01 10:00}\n" if category in (1, "eventos-biblioteca") else ""
    return (f"category: {category}\ntext: aviso {next(_serial)}\nplatforms: {platforms}\n"
            f"schedule: {{at: {at}}}\n{event}")


def enqueue(ledger: Ledger, post_id: str, due: datetime, platform: str = "facebook",
            occurrence: str = "once") -> Row:
    return ledger.enqueue(post_id=post_id, platform=platform, occurrence=occurrence, due=due,
                          payload="{}", content_hash="h", source_file=f"posts/{post_id}.yaml",
                          now=NOW)


# -- the target
def test_default_target_follows_the_ranking() -> None:
    assert mix.default_weights() == {c.rank: 18 - c.rank for c in CATEGORIES}
    shares = mix.target_shares()
    assert sum(shares.values()) == 1
    assert shares[1] == Fraction(17, 153) and shares[17] == Fraction(1, 153)
    assert all(shares[r] > shares[r + 1] > 0 for r in range(1, 17))
    assert round(float(shares[1]) * 100, 1) == 11.1 and round(float(shares[17]) * 100, 2) == 0.65


def test_config_target_is_normalised_and_unlisted_categories_get_zero(
        workspace: Path) -> None:
    path = workspace / "config.yaml"
    path.write_text(path.read_text() + "mix:\n  target:\n    eventos-biblioteca: 0.2\n"
                    "    '2': 0.1\n    Colecciones: 0.3\n  tolerance: 0.25\n")
    config = load_config(path)
    assert config.mix.target == {1: 0.2, 2: 0.1, 4: 0.3}
    assert config.mix.tolerance == 0.25
    shares = mix.target_shares(config.mix.target)
    assert (shares[1], shares[2], shares[4]) == (Fraction(1, 3), Fraction(1, 6), Fraction(1, 2))
    assert all(shares[r] == 0 for r in BY_RANK if r not in (1, 2, 4))
    assert load_config(REPO / "config.yaml").mix == type(config.mix)()  # the default


def test_commented_example_in_config_yaml_is_valid(tmp_path: Path) -> None:
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    block = text[text.index("# mix:"):]
    uncommented = "\n".join(line.removeprefix("# ") for line in block.splitlines())
    path = tmp_path / "config.yaml"
    path.write_text(text[:text.index("# mix:")] + uncommented + "\n", encoding="utf-8")
    config = load_config(path)
    assert config.mix.target == {1: 4.0, 2: 3.0, 3: 2.0, 4: 1.0}
    assert config.mix.tolerance == 0.5


def test_config_mix_errors_point_at_file_and_line(workspace: Path) -> None:
    path = workspace / "config.yaml"
    base = path.read_text()
    first = base.count("\n") + 1  # the line 'mix:' lands on
    path.write_text(base + "mix:\n"
                           "  target:\n"
                           "    eventos: 3\n"           # +2: unknown category
                           "    1: 2\n"
                           "    eventos-biblioteca: 1\n"  # +4: category 1 twice
                           "    hashtags: -1\n"          # +5: negative
                           "    compromiso: mucho\n"     # +6: not a number
                           "    interes-local:\n"        # +7: no weight
                           "  tolerance: 50\n"           # +8: out of range
                           "  colour: red\n")            # +9: unknown key
    with pytest.raises(ConfigError) as info:
        load_config(path)
    found = {(d.code, d.line - first) for d in info.value.diagnostics}
    assert found == {("SCHEMA-UNKNOWN-KEY", 2), ("CONFIG-VALUE", 4), ("SCHEMA-VALUE", 5),
                     ("SCHEMA-TYPE", 6), ("SCHEMA-EMPTY", 7), ("SCHEMA-VALUE", 8),
                     ("SCHEMA-UNKNOWN-KEY", 9)}
    texts = [d.format() for d in info.value.diagnostics]
    assert any("did you mean 'eventos-biblioteca' or 'eventos-comunidad'?" in t for t in texts)
    assert all(t.startswith(f"{path}:") for t in texts)
    result = run(workspace)  # the command reports them like every other config problem
    assert result.exit_code == 2
    assert f"{path}:{first + 2}:5: error[SCHEMA-UNKNOWN-KEY]" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("target", ["{}", "{1: 0, 2: 0}", "[1, 2]", ".inf"])
def test_config_target_must_weigh_something(workspace: Path, target: str) -> None:
    path = workspace / "config.yaml"
    path.write_text(path.read_text() + f"mix:\n  target: {target}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert {d.code for d in info.value.diagnostics} <= {"CONFIG-VALUE", "SCHEMA-TYPE"}


# -- the flag rule
@pytest.mark.parametrize(("count", "expected", "target", "tolerance", "verdict"), [
    (3, Fraction(1), Fraction(1, 10), Fraction(1, 2), "over"),   # 3 > 1.5 and 2 more
    (2, Fraction(1, 2), Fraction(1, 10), Fraction(1, 2), None),  # 4× the share, 1.5 more: noise
    (6, Fraction(4), Fraction(1, 10), Fraction(1, 2), None),     # exactly at 1.5×: not above
    (7, Fraction(4), Fraction(1, 10), Fraction(1, 2), "over"),
    (10, Fraction(7), Fraction(1, 10), Fraction(1, 2), None),    # 3 more, but under 1.5×
    (1, Fraction(0), Fraction(0), Fraction(1, 2), "over"),       # target 0: any post
    (0, Fraction(0), Fraction(0), Fraction(1, 2), None),
    (0, Fraction(1), Fraction(1, 10), Fraction(1, 2), "under"),  # one whole post missing
    (0, Fraction(9, 10), Fraction(1, 10), Fraction(1, 2), None),  # less than one post
    (2, Fraction(4), Fraction(1, 10), Fraction(1, 2), None),     # exactly at 0.5×
    (1, Fraction(4), Fraction(1, 10), Fraction(1, 2), "under"),
    (5, Fraction(53, 10), Fraction(1, 10), Fraction(0), None),   # tolerance 0: 0.3 short
    (4, Fraction(53, 10), Fraction(1, 10), Fraction(0), "under"),
    (3, Fraction(53, 10), Fraction(1, 10), Fraction(2), None),   # tolerance ≥ 1: never under
])
def test_flag_rule(count: int, expected: Fraction, target: Fraction, tolerance: Fraction,
                   verdict: str | None) -> None:
    assert mix.flag(count, expected, target, tolerance) == verdict


# -- counting
def test_one_post_on_two_platforms_counts_once_and_cancelled_failed_are_left_out(
        config: Config, workspace: Path, write_post: WritePost) -> None:
    write_post("a.yaml", post("eventos-biblioteca", "2026-12-01 09:00"))  # FB published, X queued
    write_post("b.yaml", post(9, "2026-12-02 09:00", "[facebook]"))
    write_post("c.yaml", post(9, "2026-12-03 09:00"))  # cancelled
    write_post("d.yaml", post(7, "2026-12-04 09:00"))  # failed on X, cancelled on FB
    write_post("e.yaml", post(9, "2026-11-20 09:00"))  # published on both, a week ago
    ledger = ledger_for(config)
    report = sync([config.posts_dir], config, ledger, NOW - timedelta(days=7), full=True)
    assert report.ok, report.problems
    publish(ledger, ledger.find("a", "facebook", "once"))
    publish(ledger, ledger.find("e", "facebook", "once"), NOW - timedelta(days=6))
    publish(ledger, ledger.find("e", "twitter", "once"), NOW - timedelta(days=6))
    for platform in ("facebook", "twitter"):
        row = ledger.find("c", platform, "once")
        assert row is not None
        ledger.mark_cancelled(row.id, "test", NOW)
    row = ledger.find("d", "twitter", "once")
    assert row is not None and ledger.claim(row.id, "test", NOW)
    ledger.mark_failed(row.id, "refused", "rejected", NOW)
    row = ledger.find("d", "facebook", "once")
    assert row is not None
    ledger.mark_cancelled(row.id, "test", NOW)
    ledger.close()

    data = run_json(workspace)
    lines = by_slug(data)
    assert (lines["eventos-biblioteca"]["published"], lines["eventos-biblioteca"]["queued"]) == (
        1, 0)
    assert (lines["interes-local"]["published"], lines["interes-local"]["queued"],
            lines["interes-local"]["total"]) == (1, 1, 2)
    assert lines["eventos-comunidad"]["total"] == 0
    assert data["totals"] == {"published": 2, "queued": 1, "total": 3, "categorised": 3,
                              "unknown": 0, "excluded": {"unconfirmed": 0, "failed": 1,
                                                          "skipped": 0, "cancelled": 1}}
    assert lines["interes-local"]["share"] == round(2 / 3, 4)


def test_posts_whose_file_is_gone_are_unknown_and_outside_the_shares(
        config: Config, workspace: Path, write_post: WritePost) -> None:
    write_post("a.yaml", post(1, "2026-12-01 09:00"))
    gone = write_post("b.yaml", post(7, "2026-12-02 09:00"))
    ledger = ledger_for(config)
    sync([config.posts_dir], config, ledger, NOW, full=True)
    ledger.close()
    gone.unlink()  # not synced again: its rows are still queued
    data = run_json(workspace)
    assert data["unknown"] == {"published": 0, "queued": 1, "total": 1}
    assert data["totals"]["total"] == 2 and data["totals"]["categorised"] == 1
    assert by_slug(data)["eventos-biblioteca"]["share"] == 1.0
    assert len(data["categories"]) == 17
    text = run(workspace)
    assert text.exit_code == 0, text.output
    assert re.search(r"^ \? unknown .*post file gone", text.stdout, re.M)


# -- the window
def test_window_bounds_are_whole_local_days_inclusive(
        config: Config, workspace: Path, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    dues = {"before": datetime(2026, 11, 30, 23, 59, tzinfo=HAVANA),
            "first": datetime(2026, 12, 1, 0, 0, tzinfo=HAVANA),
            "last": datetime(2026, 12, 31, 23, 59, tzinfo=HAVANA),
            "after": datetime(2027, 1, 1, 0, 0, tzinfo=HAVANA)}
    for name, due in dues.items():
        write_post(f"{name}.yaml", post(9, "2027-01-20 09:00"))
        enqueue(ledger, name, due)
    # Due before the window but published inside it: counted by when it went out.
    write_post("late.yaml", post(1, "2027-01-20 09:00"))
    publish(ledger, enqueue(ledger, "late", datetime(2026, 11, 20, 9, tzinfo=HAVANA)),
            datetime(2026, 12, 2, 9, tzinfo=HAVANA))
    ledger.close()
    data = run_json(workspace, "--since", "2026-12-01", "--until", "2026-12-31")
    assert data["window"] == {"since": "2026-12-01", "until": "2026-12-31",
                              "timezone": "America/Havana",
                              "start": "2026-12-01T00:00:00-05:00",
                              "end": "2027-01-01T00:00:00-05:00"}
    lines = by_slug(data)
    assert lines["interes-local"]["queued"] == 2  # "first" and "last"
    assert lines["eventos-biblioteca"]["published"] == 1
    default = run_json(workspace)["window"]  # 30 days each side of 2026-11-26
    assert (default["since"], default["until"]) == ("2026-10-27", "2026-12-26")
    after = run_json(workspace, "--since", "2027-01-01", "--until", "2027-01-31")
    assert by_slug(after)["interes-local"]["queued"] == 1  # "after"


def test_window_starts_at_the_first_instant_of_a_dst_day() -> None:
    # Cuba springs forward at midnight: 2027-03-14 begins at 01:00 (-04:00).
    window = mix.make_window(NOW, HAVANA, date(2027, 3, 14), date(2027, 3, 14))
    assert window.start.isoformat() == "2027-03-14T01:00:00-04:00"
    assert window.end - window.start == timedelta(hours=23)
    assert datetime(2027, 3, 14, 5, 0, tzinfo=mix.ZoneInfo("UTC")) in window


def test_since_after_until_is_a_usage_error(workspace: Path) -> None:
    with pytest.raises(UsageError):
        mix.make_window(NOW, HAVANA, date(2026, 12, 2), date(2026, 12, 1))
    result = run(workspace, "--since", "2026-12-02", "--until", "2026-12-01")
    assert result.exit_code == 2 and "is after --until" in result.stderr
    result = run(workspace, "--since", "2026-13-01")
    assert result.exit_code == 2 and "--since" in result.stderr


# -- output
def busy_ledger(config: Config, write_post: WritePost) -> None:
    """Five posts of category 5 (OVER), one of category 2, none of category 1 (UNDER)."""
    for i in range(5):
        write_post(f"pub{i}.yaml", post(5, f"2026-12-0{i + 1} 09:00") + "link: https://a.cu\n")
    write_post("foto.yaml", post(9, "2026-12-07 09:00"))
    ledger = ledger_for(config)
    sync([config.posts_dir], config, ledger, NOW, full=True)
    publish(ledger, ledger.find("pub0", "facebook", "once"))
    ledger.close()


def test_json_fields_and_flags(config: Config, workspace: Path, write_post: WritePost) -> None:
    busy_ledger(config, write_post)
    data = run_json(workspace)
    assert set(data) == {"window", "target", "totals", "categories", "unknown"}
    assert data["target"] == {"source": "ranking", "tolerance": 0.5}
    assert [c["rank"] for c in data["categories"]] == list(range(1, 18))
    assert set(data["categories"][0]) == {"rank", "slug", "label_es", "published", "queued",
                                          "total", "share", "target_share", "expected", "flag"}
    lines = by_slug(data)
    assert lines["publicaciones"] == {
        "rank": 5, "slug": "publicaciones", "label_es": BY_RANK[5].label_es, "published": 1,
        "queued": 4, "total": 5, "share": round(5 / 6, 4), "target_share": round(13 / 153, 4),
        "expected": round(6 * 13 / 153, 2), "flag": "over"}
    # rank 1 expects 6 × 17/153 = 0.67 posts: less than one whole post, so no flag.
    assert lines["eventos-biblioteca"]["flag"] is None
    assert {c["flag"] for c in data["categories"]} == {"over", None}
    assert abs(sum(c["share"] for c in data["categories"]) - 1) < 1e-3
    assert abs(sum(c["target_share"] for c in data["categories"]) - 1) < 1e-3


def test_config_target_flags_unlisted_categories_and_under_served_ones(
        config: Config, workspace: Path, write_post: WritePost) -> None:
    busy_ledger(config, write_post)
    path = workspace / "config.yaml"
    path.write_text(path.read_text() + "mix:\n  target: {eventos-biblioteca: 1, 5: 1}\n")
    data = run_json(workspace)
    lines = by_slug(data)
    assert data["target"]["source"] == "config"
    assert lines["interes-local"]["flag"] == "over"  # target 0, one post
    assert lines["eventos-biblioteca"]["flag"] == "under"  # expects 3, has 0
    assert lines["publicaciones"]["flag"] == "over"  # 5 > 3 × 1.5 and 2 more
    assert lines["compromiso"]["flag"] is None  # target 0 and no post


def test_terminal_chart_plain_without_a_terminal_or_with_no_color(
        config: Config, workspace: Path, write_post: WritePost,
        monkeypatch: pytest.MonkeyPatch) -> None:
    busy_ledger(config, write_post)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain = run(workspace)  # CliRunner's stdout is not a terminal
    assert plain.exit_code == 0, plain.output
    assert not ANSI.search(plain.output)
    rows = chart_rows(plain.stdout)
    assert len(rows) == 17
    pub = next(r for r in rows if " publicaciones " in r)
    assert "█" in pub and "▒" in pub and "│" in pub and pub.endswith("OVER")
    assert "1 + 4 = 5" in pub and "83.3%" in pub and "8.5%" in pub
    assert all("│" in r for r in rows)
    assert "cancelled, skipped, failed and unconfirmed" in plain.stdout
    assert "both Facebook and X" in plain.stdout
    assert max(len(line) for line in plain.stdout.splitlines()) <= 100

    monkeypatch.setattr("bmnsocial.cli.report.stdout_is_tty", lambda: True)
    coloured = run(workspace)
    assert ANSI.search(coloured.stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    assert run(workspace).stdout == plain.stdout


def test_terminal_chart_width_follows_the_terminal(
        config: Config, workspace: Path, write_post: WritePost,
        monkeypatch: pytest.MonkeyPatch) -> None:
    busy_ledger(config, write_post)
    widest = {}
    for columns in (80, 100, 130, 200):
        monkeypatch.setenv("COLUMNS", str(columns))
        chart = chart_rows(run(workspace).stdout)
        assert len(chart) == 17
        widest[columns] = max(len(line) for line in chart)
        assert widest[columns] <= columns
    assert widest[80] < widest[100] < widest[130] == widest[200]  # the bar stops at 60 cells
    assert widest[130] >= 120


def test_chart_with_no_posts_still_shows_the_target(workspace: Path) -> None:
    result = run(workspace)
    assert result.exit_code == 0, result.output
    assert "No posts in this window." in result.stdout
    chart = chart_rows(result.stdout)
    assert len(chart) == 17
    assert not any(line.endswith(("OVER", "UNDER")) for line in chart)


# -- the PNG
def test_png_is_a_valid_chart_of_the_right_size(
        config: Config, workspace: Path, write_post: WritePost) -> None:
    from PIL import Image

    busy_ledger(config, write_post)
    out = workspace / "out" / "mezcla.png"
    out.parent.mkdir()
    result = run(workspace, "--png", str(out))
    assert result.exit_code == 0, result.output
    assert f"Chart written to {out} (1280×726 PNG)." in result.stdout
    assert [p.name for p in out.parent.iterdir()] == ["mezcla.png"]  # no temp file left
    with Image.open(out) as image:
        image.verify()
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (1280, 132 + 17 * 30 + 84)
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 16)
        assert colours is not None and len(colours) > 20  # text, bars, grid: not blank
        counts = {colour: n for n, colour in colours}
        assert counts.get(mix._PUBLISHED_RGB, 0) > 100  # the published bar
        assert counts.get(mix._QUEUED_RGB, 0) > 100
        assert counts.get(mix._OVER_RGB, 0) > 0  # the OVER flag's text
    # --json keeps stdout pure JSON; the note goes to stderr.
    result = run(workspace, "--json", "--png", str(out))
    assert json.loads(result.stdout)["totals"]["total"] == 6
    assert "Chart written" in result.stderr


def test_png_with_unknown_line_and_without_dejavu(
        config: Config, workspace: Path, write_post: WritePost,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image, ImageFont

    write_post("a.yaml", post(1, "2026-12-01 09:00"))
    gone = write_post("b.yaml", post(7, "2026-12-02 09:00"))
    ledger = ledger_for(config)
    sync([config.posts_dir], config, ledger, NOW, full=True)
    ledger.close()
    gone.unlink()

    monkeypatch.setattr(mix, "FONT_FILES", {False: "no-such.ttf", True: "no-such-bold.ttf"})
    with pytest.raises(OSError):
        ImageFont.truetype("no-such.ttf", 12)
    out = workspace / "mix.png"
    assert run(workspace, "--png", str(out)).exit_code == 0
    with Image.open(out) as image:
        assert image.size == (1280, 132 + 18 * 30 + 84)
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 10


def test_png_into_a_missing_folder_is_a_usage_error(workspace: Path) -> None:
    result = run(workspace, "--png", str(workspace / "nope" / "mix.png"))
    assert result.exit_code == 2 and "does not exist" in result.stderr


# -- light start: Pillow only on the --png path
PROBE = """
import sys
{call}
print("PIL:" + ",".join(sorted(m for m in sys.modules if m.split(".")[0] == "PIL")))
"""
MAIN = "from bmnsocial.cli.main import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"
REPORT = ("from bmnsocial.cli.common import AppContext\nfrom bmnsocial.cli.report import report\n"
          "report.main(['mix'], obj=AppContext(), standalone_mode=False)")


@pytest.mark.parametrize("call", [MAIN.format(args=["--help"]), MAIN.format(args=["validate"]),
                                  REPORT])
def test_pillow_is_imported_only_for_the_png(call: str, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(call=call)], cwd=REPO,
                          capture_output=True, text=True, check=False,
                          env={"BMNSOCIAL_NOW": NOW.isoformat(), "BMNSOCIAL_HOME": str(tmp_path),
                               "PATH": ""}, preexec_fn=default_signals)
    assert "PIL:\n" in proc.stdout, proc.stdout + proc.stderr
