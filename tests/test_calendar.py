"""`bmnsocial calendar`: the week and month grids, colour rules, JSON and the iCalendar file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.categories import BY_RANK, CATEGORIES
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import COMMANDS, cli
from bmnsocial.config import Config
from bmnsocial.publish.ledger import ONCE, Ledger, Row, Status
from bmnsocial.reports import calendar as cv
from tests.helpers import HAVANA, NOW, REPO, WritePost, default_signals

ESC = "\x1b["
REGISTRY_LINE = "bmnsocial.cli.calendar:calendar"


# -- helpers ---------------------------------------------------------------------------------

def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0, fold: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HAVANA, fold=fold)


def payload(post_id: str, platform: str, text: str) -> str:
    return json.dumps({"post_id": post_id, "platform": platform, "link": None,
                       "parts": [{"text": text, "length": len(text), "limit": 280,
                                  "media": []}]})


class Plan:
    """A ledger in the workspace's state folder, filled the way `post`/`sync` fill it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.ledger = Ledger(config.state_dir / "ledger.sqlite3")

    def add(self, post_id: str, due: datetime, platforms: tuple[str, ...] = ("facebook",
            "twitter"), occurrence: str = ONCE, text: str = "Texto del post.",
            status: Status = Status.QUEUED, source: str | None = None) -> list[Row]:
        file = source if source is not None else str(
            (self.config.posts_dir / f"{post_id}.yaml").resolve())
        rows = []
        for platform in platforms:
            body = payload(post_id, platform, text)
            row = self.ledger.enqueue(post_id=post_id, platform=platform, occurrence=occurrence,
                                      due=due, payload=body, content_hash=body[-8:],
                                      source_file=file, now=NOW)
            rows.append(self.set(row, status))
        return rows

    def set(self, row: Row, status: Status) -> Row:
        ledger = self.ledger
        if status is Status.QUEUED:
            return row
        if status is Status.CANCELLED:
            return ledger.mark_cancelled(row.id, "cancelled by a person", NOW)
        if status is Status.SKIPPED:
            return ledger.mark_skipped(row.id, "too late", NOW)
        ledger.claim(row.id, "test", row.due)
        if status is Status.PUBLISHED:
            url = f"https://example.org/{row.platform}/{row.post_id}"
            return ledger.mark_published(row.id, "1", url, ["1"], row.due)
        if status is Status.FAILED:
            return ledger.mark_failed(row.id, "refused by the platform", "Permanent", row.due)
        if status is Status.UNCONFIRMED:
            return ledger.mark_unconfirmed(row.id, "cannot tell", "reconcile", row.due)
        return ledger.get(row.id)  # sending


@pytest.fixture
def plan(config: Config) -> Iterator[Plan]:
    p = Plan(config)
    yield p
    p.ledger.close()


def post(write_post: WritePost, post_id: str, rank: int) -> Path:
    extra = "event: {starts: 2027-01-21 09:00}\n" if rank == 1 else ""
    return write_post(f"{post_id}.yaml", f"category: {rank}\ntext: Hola.\n{extra}")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the command through the root group, which turns domain errors into exit codes."""
    result = CliRunner().invoke(cli, ["calendar", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.output
    return result.exit_code, result.output


def columns_of(out: str, needle: str) -> list[int]:
    """The column index (0 = Monday) of every grid line cell that contains ``needle``."""
    found = []
    for line in out.splitlines():
        if line.startswith("│"):
            cells = line.strip("│").split("│")
            found += [i for i, cell in enumerate(cells) if needle in cell]
    return found


# -- grouping and categories -----------------------------------------------------------------

def test_one_entry_per_occurrence_lists_every_platform(plan: Plan, config: Config,
                                                       write_post: WritePost) -> None:
    post(write_post, "jornada", 1)
    plan.add("jornada", local(2026, 11, 23))
    fb, _ = plan.add("otro", local(2026, 11, 24, 12, 30))
    plan.set(fb, Status.PUBLISHED)
    categories = cv.load_categories(config, NOW, [r.source_file for r in plan.ledger.rows()])
    entries = cv.build_entries(plan.ledger.rows(), categories, HAVANA)
    assert [(e.post_id, [p.platform for p in e.platforms]) for e in entries] == [
        ("jornada", ["facebook", "twitter"]), ("otro", ["facebook", "twitter"])]
    first, second = entries
    assert first.category is BY_RANK[1] and first.uid == "jornada-once@bmnsocial"
    assert second.category is None and second.category_slug == "unknown"  # no such file
    assert [p.status for p in second.platforms] == [Status.PUBLISHED, Status.QUEUED]
    assert second.first_url == "https://example.org/facebook/otro"
    assert first.text == "Texto del post."


def test_a_moved_platform_row_is_its_own_entry_with_its_own_uid(plan: Plan) -> None:
    fb, _ = plan.add("p", local(2026, 11, 23))
    plan.ledger.move(fb.id, local(2026, 11, 23, 12, 30), "late", NOW)
    entries = cv.build_entries(plan.ledger.rows(), cv.CategoryIndex(), HAVANA)
    assert [(e.due.hour, e.uid) for e in entries] == [
        (9, "p-once-twitter@bmnsocial"), (12, "p-once-facebook@bmnsocial")]


def test_category_of_a_post_file_outside_the_posts_folder(plan: Plan, config: Config,
                                                           workspace: Path) -> None:
    elsewhere = workspace / "borradores" / "suelto.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("category: colecciones\ntext: Hola.\n", encoding="utf-8")
    plan.add("suelto", local(2026, 11, 25), source=str(elsewhere))
    index = cv.load_categories(config, NOW, [str(elsewhere)])
    assert index.find("suelto", str(elsewhere)) is BY_RANK[4]


def test_ranges() -> None:
    assert cv.week_range(date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert cv.week_range(date(2026, 11, 23))[0] == date(2026, 11, 23)
    assert cv.week_range(date(2026, 11, 29))[0] == date(2026, 11, 23)
    assert cv.month_range(date(2027, 2, 14)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert cv.month_range(date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))


# -- the week grid ---------------------------------------------------------------------------

def test_week_puts_entries_in_their_day_columns(plan: Plan, write_post: WritePost,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for name, rank in (("lunes", 3), ("miercoles", 9), ("domingo", 6), ("tarde", 9)):
        post(write_post, name, rank)
    plan.add("lunes", local(2026, 11, 23, 9, 0))
    plan.add("tarde", local(2026, 11, 25, 16, 0))
    plan.add("miercoles", local(2026, 11, 25, 8, 30), platforms=("facebook",))
    fb, x = plan.add("domingo", local(2026, 11, 29, 10, 0))
    plan.set(fb, Status.PUBLISHED)
    plan.set(x, Status.FAILED)
    plan.add("siguiente", local(2026, 11, 30))  # next week: not shown
    code, out = run("--from", "2026-11-26")
    assert code == ExitCode.OK
    assert out.startswith("Week 2026-W48: Mon 23 Nov – Sun 29 Nov 2026 (America/Havana)\n")
    assert columns_of(out, "Mon 23 Nov") == [0] and columns_of(out, "Sun 29 Nov") == [6]
    assert columns_of(out, "lunes") == [0]
    assert columns_of(out, "miercoles") == [2] and columns_of(out, "tarde") == [2]
    assert columns_of(out, "domingo") == [6]
    assert "siguiente" not in out
    assert "09:00 [3] lunes fb· x·" in out
    assert "10:00 [6] domingo fb✓ x✗" in out
    assert "08:30 [9] miercoles fb·" in out
    assert out.index("miercoles") < out.index("tarde")  # a day's entries in time order
    assert "4 occurrences this week." in out
    assert "Categories: [3] servicios-productos  [6] invitar-comentarios  [9] interes-local" in out
    assert "✓ published" in out and "✗ failed" in out and "? unconfirmed" in out
    assert ESC not in out  # CliRunner's stdout is no terminal


def test_week_is_the_default_and_today_is_the_default_day(plan: Plan) -> None:
    plan.add("hoy", local(2026, 11, 26, 16, 0))  # BMNSOCIAL_NOW is Thursday 2026-11-26
    code, out = run()
    assert code == ExitCode.OK
    assert "Week 2026-W48" in out and columns_of(out, "hoy") == [3]


def test_columns_adapt_to_the_terminal_but_never_under_12(plan: Plan,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    plan.add("jornada-cientifica-2027", local(2026, 11, 24, 9, 0))
    monkeypatch.setenv("COLUMNS", "40")
    _, narrow = run()
    grid = [ln for ln in narrow.splitlines() if ln[:1] in "┌│├└"]
    assert {len(ln) for ln in grid} == {7 * 12 + 8}
    assert "│09:00 jorna…│" in narrow and "│[?] fb· x·  │" in narrow
    monkeypatch.setenv("COLUMNS", "200")
    _, wide = run()
    grid = [ln for ln in wide.splitlines() if ln[:1] in "┌│├└"]
    assert {len(ln) for ln in grid} == {7 * 27 + 8}
    assert "│09:00 [?] jornada-c… fb· x·│" in wide


def test_failed_unconfirmed_sending_are_marked_cancelled_skipped_only_with_all(
        plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for name, status in (("uno", Status.UNCONFIRMED), ("dos", Status.SENDING),
                         ("tres", Status.CANCELLED), ("cuatro", Status.SKIPPED)):
        plan.add(name, local(2026, 11, 24), platforms=("twitter",), status=status)
    _, out = run()
    assert "uno x?" in out and "dos x→" in out
    assert "tres" not in out and "cuatro" not in out and "cancelled" not in out
    _, everything = run("--all")
    assert "tres x⊘" in everything and "cuatro x»" in everything
    assert "⊘ cancelled" in everything and "» skipped" in everything


# -- colour ----------------------------------------------------------------------------------

def test_colour_only_on_a_terminal_without_no_color(plan: Plan, write_post: WritePost,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    post(write_post, "jornada", 1)
    plan.add("jornada", local(2026, 11, 24))
    _, piped = run()
    assert ESC not in piped and "[1] jornada" in piped
    monkeypatch.setattr("bmnsocial.cli.calendar.stdout_is_tty", lambda: True)
    _, tty = run(env={"NO_COLOR": ""})  # empty NO_COLOR does not count
    assert "\x1b[38;5;196m■\x1b[0m jornada" in tty
    assert "\x1b[38;5;196m■\x1b[0m 1 eventos-biblioteca" in tty
    _, no_color = run(env={"NO_COLOR": "1"})
    assert ESC not in no_color and "[1] jornada" in no_color and "■" not in no_color
    _, forced_off = run("--no-color")
    assert ESC not in forced_off


def test_color_can_be_forced(plan: Plan, write_post: WritePost) -> None:
    post(write_post, "jornada", 1)
    plan.add("jornada", local(2026, 11, 24))
    _, out = run("--color", env={"NO_COLOR": "1"})
    assert "\x1b[38;5;196m■" in out


def test_want_color() -> None:
    assert cv.want_color(None, True, {}) is True
    assert cv.want_color(None, True, {"NO_COLOR": ""}) is True
    assert cv.want_color(None, True, {"NO_COLOR": "1"}) is False
    assert cv.want_color(None, False, {}) is False
    assert cv.want_color(True, False, {"NO_COLOR": "1"}) is True
    assert cv.want_color(False, True, {}) is False


def test_seventeen_distinct_colours() -> None:
    assert sorted(cv.PALETTE) == [c.rank for c in CATEGORIES]
    assert len(set(cv.PALETTE.values())) == 17
    assert all(16 <= n <= 255 for n in cv.PALETTE.values())


# -- the month grid --------------------------------------------------------------------------

def test_month_grid_shows_the_first_entries_then_more(plan: Plan,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for i in range(5):
        plan.add(f"post-{i}", local(2026, 12, 8, 9 + i), platforms=("facebook",))
    plan.add("fin", local(2026, 12, 31, 16))
    plan.add("enero", local(2027, 1, 1))  # next month
    code, out = run("--month", "--from", "2026-12-15")
    assert code == ExitCode.OK
    lines = out.splitlines()
    assert lines[0] == "December 2026 (America/Havana)"
    assert [c.strip() for c in lines[2].strip("│").split("│")] == list(cv.WEEKDAYS)
    assert columns_of(out, "post-0") == [1]  # Tuesday
    assert "post-2" in out and "post-3" not in out and "post-4" not in out
    assert columns_of(out, "+2 more") == [1]
    assert columns_of(out, "fin") == [3]  # Thursday 31
    assert "enero" not in out
    first_week = next(ln for ln in lines if "│ 1 " in ln)
    assert [c.strip() for c in first_week.strip("│").split("│")][:3] == ["", "1", "2"]
    assert "6 occurrences this month." in out


# -- JSON ------------------------------------------------------------------------------------

def test_json_entries(plan: Plan, write_post: WritePost) -> None:
    post(write_post, "jornada", 1)
    fb, x = plan.add("jornada", local(2027, 3, 15), occurrence="2027-03-15T13:00Z")
    plan.set(fb, Status.PUBLISHED)
    plan.set(x, Status.FAILED)
    plan.add("later", local(2027, 3, 29))
    code, out = run("--json", "--from", "2027-03-15")
    assert code == ExitCode.OK
    (entry,) = json.loads(out)
    assert entry == {
        "post_id": "jornada", "occurrence": "2027-03-15T13:00Z",
        "uid": "jornada-2027-03-15T13:00Z@bmnsocial",
        "due": "2027-03-15T09:00:00-04:00",  # daylight time, the day after spring-forward
        "category": {"rank": 1, "slug": "eventos-biblioteca",
                     "label_es": BY_RANK[1].label_es},
        "platforms": {"facebook": "published", "twitter": "failed"},
        "urls": {"facebook": "https://example.org/facebook/jornada"},
        "errors": {"twitter": "refused by the platform"},
        "source_file": str(Path("posts/jornada.yaml").resolve()),
        "sequence": 2,  # one change on each row: published, failed
    }
    _, month = run("--json", "--month", "--from", "2027-03-01")
    assert [e["post_id"] for e in json.loads(month)] == ["jornada", "later"]


def test_bad_from_is_a_usage_error(plan: Plan) -> None:
    code, out = run("--from", "next tuesday")
    assert code == ExitCode.USAGE and "is not a date" in out


def test_from_accepts_a_time_with_offset(plan: Plan) -> None:
    plan.add("p", local(2026, 11, 30))
    # 02:00 UTC on Dec 1 is still Monday Nov 30 in Havana.
    _, out = run("--json", "--from", "2026-12-01T02:00+00:00")
    assert [e["post_id"] for e in json.loads(out)] == ["p"]


# -- iCalendar -------------------------------------------------------------------------------

def test_ics_events_parse_back_with_the_right_instants(plan: Plan, workspace: Path,
                                                       write_post: WritePost) -> None:
    from icalendar import Calendar

    post(write_post, "primavera", 6)
    post(write_post, "otono", 5)
    fb, x = plan.add("primavera", local(2027, 3, 15), occurrence="2027-03-15T13:00Z",
                     text="  ¿Qué libro nos recomiendan?\n\n#BMNCuba  ")
    plan.set(fb, Status.PUBLISHED)
    plan.set(x, Status.PUBLISHED)
    plan.add("otono", local(2027, 11, 8))
    plan.add("cancelado", local(2027, 6, 1), status=Status.CANCELLED)
    code, out = run("--ics", "plan.ics")
    assert code == ExitCode.OK and out == "Wrote 2 events to plan.ics (America/Havana).\n"
    raw = (workspace / "plan.ics").read_text(encoding="utf-8")
    assert "DTSTART;TZID=America/Havana:20270315T090000" in raw
    assert "DTSTART;TZID=America/Havana:20271108T090000" in raw
    cal = Calendar.from_ical(raw)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"primavera-2027-03-15T13:00Z@bmnsocial", "otono-once@bmnsocial"}
    spring = events["primavera-2027-03-15T13:00Z@bmnsocial"]
    autumn = events["otono-once@bmnsocial"]
    assert spring.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    assert autumn.decoded("DTSTART").astimezone(UTC) == datetime(2027, 11, 8, 14, 0, tzinfo=UTC)
    for event in (spring, autumn):
        assert event["DTSTART"].params["TZID"] == "America/Havana"
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=15)
        assert "DTSTAMP" in event
    assert str(spring["SUMMARY"]) == "primavera"
    assert str(spring["STATUS"]) == "CONFIRMED" and str(autumn["STATUS"]) == "TENTATIVE"
    assert spring["CATEGORIES"].to_ical() == b"invitar-comentarios"
    assert str(spring["URL"]) == "https://example.org/facebook/primavera"
    assert "URL" not in autumn
    description = str(spring["DESCRIPTION"])
    assert description.startswith(f"Category 6 (invitar-comentarios): {BY_RANK[6].label_es}\n")
    assert "Facebook: published https://example.org/facebook/primavera" in description
    assert "X (Twitter): published https://example.org/twitter/primavera" in description
    assert description.endswith("\n\n¿Qué libro nos recomiendan?\n\n#BMNCuba")
    assert "X (Twitter): queued" in str(autumn["DESCRIPTION"])


def test_ics_vtimezone_has_both_observances_at_the_real_transitions(plan: Plan,
                                                                    workspace: Path) -> None:
    from icalendar import Calendar, Timezone

    plan.add("primavera", local(2027, 3, 15))
    plan.add("otono", local(2027, 11, 8))
    assert run("--ics", "plan.ics")[0] == ExitCode.OK
    cal = Calendar.from_ical((workspace / "plan.ics").read_bytes())
    (vtz,) = cal.walk("VTIMEZONE")
    assert isinstance(vtz, Timezone)
    assert str(vtz["TZID"]) == "America/Havana"
    assert vtz.walk("STANDARD") and vtz.walk("DAYLIGHT")
    onsets = {(sub.name, sub.decoded("DTSTART")) for sub in vtz.subcomponents}
    # RFC 5545: the wall-clock time before the change, in TZOFFSETFROM. Havana springs
    # forward at 00:00 (to 01:00) and falls back at 01:00 (to 00:00).
    assert ("DAYLIGHT", datetime(2027, 3, 14, 0, 0)) in onsets
    assert ("STANDARD", datetime(2027, 11, 7, 1, 0)) in onsets
    for sub in vtz.subcomponents[1:]:
        before = sub.decoded("TZOFFSETFROM")
        after = sub.decoded("TZOFFSETTO")
        instant = (sub.decoded("DTSTART") - before).replace(tzinfo=UTC)
        assert (instant - timedelta(seconds=1)).astimezone(HAVANA).utcoffset() == before
        assert instant.astimezone(HAVANA).utcoffset() == after
    # A client that knows no zone database reads the times from the VTIMEZONE alone.
    own = vtz.to_tz(lookup_tzid=False)
    for wall, utc in ((datetime(2027, 3, 15, 9), datetime(2027, 3, 15, 13)),
                      (datetime(2027, 3, 13, 9), datetime(2027, 3, 13, 14)),
                      (datetime(2027, 11, 8, 9), datetime(2027, 11, 8, 14)),
                      (datetime(2027, 11, 6, 9), datetime(2027, 11, 6, 13))):
        assert wall.replace(tzinfo=own).astimezone(UTC) == utc.replace(tzinfo=UTC)


def test_ics_ambiguous_local_times_are_written_in_utc(plan: Plan, workspace: Path) -> None:
    from icalendar import Calendar

    # 00:30 happens twice on 2027-11-07 (fall-back at 01:00): both passes are written as
    # instants, since clients disagree on which one a TZID time means.
    second = local(2027, 11, 7, 0, 30, fold=1)
    assert second.utcoffset() == timedelta(hours=-5)
    plan.add("madrugada", second, platforms=("twitter",))
    plan.add("primera", local(2027, 11, 7, 0, 30), platforms=("twitter",))
    plan.add("normal", local(2027, 11, 7, 9, 0), platforms=("twitter",))
    assert run("--ics", "plan.ics")[0] == ExitCode.OK
    raw = (workspace / "plan.ics").read_text(encoding="utf-8")
    assert "DTSTART:20271107T053000Z" in raw
    assert "DTSTART:20271107T043000Z" in raw
    assert "DTSTART;TZID=America/Havana:20271107T090000" in raw
    cal = Calendar.from_ical(raw)
    starts = {str(e["SUMMARY"]): e.decoded("DTSTART").astimezone(UTC)
              for e in cal.walk("VEVENT")}
    assert starts == {"madrugada": datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
                      "primera": datetime(2027, 11, 7, 4, 30, tzinfo=UTC),
                      "normal": datetime(2027, 11, 7, 14, 0, tzinfo=UTC)}


@pytest.mark.parametrize("start", [
    local(2027, 11, 7, 0, 50),  # first pass, -04:00: ends in the second pass (00:05 -05:00)
    local(2027, 11, 6, 23, 50),  # ends in the first pass (00:05 -04:00)
    local(2027, 11, 7, 0, 50, fold=1),  # second pass: ends at 01:05, a normal time
    local(2027, 3, 13, 23, 50),  # ends after the spring-forward gap (01:05 -04:00)
])
def test_ics_events_last_fifteen_minutes_across_dst_changes(plan: Plan, workspace: Path,
                                                             start: datetime) -> None:
    from icalendar import Calendar

    plan.add("borde", start, platforms=("twitter",))
    assert run("--ics", "plan.ics")[0] == ExitCode.OK
    (event,) = Calendar.from_ical((workspace / "plan.ics").read_bytes()).walk("VEVENT")
    begins = event.decoded("DTSTART").astimezone(UTC)
    ends = event.decoded("DTEND").astimezone(UTC)
    assert begins == start.astimezone(UTC)
    assert ends - begins == timedelta(minutes=15)


def test_ics_sequence_grows_when_an_occurrence_moves(plan: Plan, workspace: Path) -> None:
    from icalendar import Calendar

    def sequences() -> dict[str, int]:
        assert run("--ics", "plan.ics")[0] == ExitCode.OK
        cal = Calendar.from_ical((workspace / "plan.ics").read_bytes())
        return {str(e["SUMMARY"]): int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}

    (row,) = plan.add("movida", local(2027, 1, 20), platforms=("twitter",))
    plan.add("quieta", local(2027, 1, 21), platforms=("twitter",))
    first = sequences()
    assert first == {"movida": 0, "quieta": 0}
    plan.ledger.move(row.id, local(2027, 1, 22), "next free slot", NOW)
    second = sequences()
    assert second["movida"] > first["movida"] and second["quieta"] == 0
    plan.ledger.move(row.id, local(2027, 1, 20), "moved back", NOW)
    assert sequences()["movida"] > second["movida"]  # back to the old time: still newer


def test_ics_range_options(plan: Plan, workspace: Path) -> None:
    from icalendar import Calendar

    plan.add("nov", local(2026, 11, 24))
    plan.add("dic", local(2026, 12, 2))
    plan.add("ene", local(2027, 1, 5))

    def uids(*args: str) -> list[str]:
        assert run("--ics", "x.ics", *args)[0] == ExitCode.OK
        cal = Calendar.from_ical((workspace / "x.ics").read_bytes())
        return sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))

    assert uids() == ["dic", "ene", "nov"]
    assert uids("--from", "2026-12-01") == ["dic", "ene"]
    assert uids("--month", "--from", "2026-12-01") == ["dic"]
    assert uids("--week", "--from", "2026-11-26") == ["nov"]


def test_ics_json_summary_and_empty_calendar(plan: Plan, workspace: Path) -> None:
    code, out = run("--ics", "empty.ics", "--json")
    assert code == ExitCode.OK
    assert json.loads(out) == {"file": "empty.ics", "events": 0, "timezone": "America/Havana"}
    text = (workspace / "empty.ics").read_text(encoding="utf-8")
    assert text.startswith("BEGIN:VCALENDAR") and "VEVENT" not in text


def test_ics_unwritable_path_is_a_usage_error(plan: Plan, workspace: Path) -> None:
    code, out = run("--ics", str(workspace / "no-such-folder" / "plan.ics"))
    assert code == ExitCode.USAGE and "cannot write" in out


# -- the command in the root group ------------------------------------------------------------

def test_through_the_root_group(plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(COMMANDS, "calendar", REGISTRY_LINE)
    plan.add("p", local(2026, 11, 27))
    result = CliRunner().invoke(cli, ["calendar", "--json"])
    assert result.exit_code == 0, result.output
    assert [e["post_id"] for e in json.loads(result.output)] == ["p"]
    help_result = CliRunner().invoke(cli, ["calendar", "--help"])
    assert help_result.exit_code == 0 and "NO_COLOR" in help_result.output


PROBE = """
import sys
from bmnsocial.cli.main import main
from bmnsocial.cli.root import COMMANDS
COMMANDS["calendar"] = {line!r}
for args in (["--help"], ["calendar", "--help"], ["calendar"]):
    try:
        main(args)
    except SystemExit:
        pass
print("ICAL:" + ",".join(sorted(m for m in sys.modules if m.split(".")[0] == "icalendar")))
"""


def test_help_and_grid_do_not_import_icalendar(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(line=REGISTRY_LINE)], cwd=REPO,
                          capture_output=True, text=True, check=False,
                          env={"BMNSOCIAL_NOW": NOW.isoformat(),
                               "BMNSOCIAL_HOME": str(tmp_path), "PATH": ""},
                          preexec_fn=default_signals)
    assert "ICAL:\n" in proc.stdout, proc.stdout + proc.stderr
    assert re.search(r"Week \d{4}-W\d\d", proc.stdout), proc.stdout


def test_week_and_month_together_is_a_usage_error(plan: Plan) -> None:
    code, out = run("--week", "--month")
    assert code == ExitCode.USAGE and "give --week or --month, not both." in out
