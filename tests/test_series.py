"""Issue 14, items 5-7 on the sandbox, end to end: one date of a series cancelled or retried
(`cancel/retry POST_ID --date`), evergreen posts (`recycle:`) and drafts (`draft: true`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from tests.helpers import WritePost

WEEKLY = """\
category: 9
text: Boletín semanal de nuevas adquisiciones.
platforms: [facebook]
schedule: {cron: "0 9 * * 1", start: 2026-12-01}
"""


def run(*args: str, now: str = "2026-11-26T10:00-05:00") -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--sandbox", *args], env={"BMNSOCIAL_NOW": now})
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def queue(now: str = "2026-11-26T10:00-05:00") -> list[tuple[str, str, str]]:
    code, out = run("queue", "--json", "--limit", "500", now=now)
    assert code == ExitCode.OK, out
    return [(r["due"][:16], r["platform"], r["status"]) for r in json.loads(out)]


def sent() -> list[dict[str, object]]:
    return list(json.loads(run("sandbox", "show", "--json")[1]))


def between(posts: Path, when: str) -> None:
    """Another post in between: Facebook refuses a post identical to the Page's last one."""
    (posts / "horario.yaml").write_text(
        f"category: 9\ntext: Horario de fin de año.\nplatforms: [facebook]\n"
        f"schedule: {{at: {when}}}\n", encoding="utf-8")
    code, out = run("run-due", now=when.replace(" ", "T") + ":30-05:00")
    assert code == ExitCode.OK, out


@pytest.fixture
def weekly(workspace: Path, write_post: WritePost) -> Path:
    path = write_post("boletin.yaml", WEEKLY)
    assert run("sync")[0] == ExitCode.OK
    return path


# -- one date of a series
def test_cancel_one_date_leaves_a_gap_that_sync_keeps_and_run_due_respects(
        weekly: Path) -> None:
    code, out = run("cancel", "boletin", "--date", "2026-12-14")
    assert code == ExitCode.OK, out
    assert "Cancelled 'boletin' on Monday 2026-12-14 09:00 (-05:00) (facebook)" in out
    assert run("sync")[0] == ExitCode.OK  # a sync does not bring it back
    rows = queue()
    assert ("2026-12-07T09:00", "facebook", "queued") in rows
    assert ("2026-12-14T09:00", "facebook", "cancelled") in rows  # the gap, shown
    assert ("2026-12-21T09:00", "facebook", "queued") in rows
    text = run("queue")[1]
    gap = next(line for line in text.splitlines() if "2026-12-14" in line)
    assert "cancelled" in gap and "(cancelled by a person)" in gap

    assert run("run-due", now="2026-12-07T09:01-05:00")[0] == ExitCode.OK
    assert len(sent()) == 1
    assert run("run-due", now="2026-12-14T09:01-05:00")[0] == ExitCode.OK
    assert len(sent()) == 1  # the cancelled date stayed a gap
    between(weekly.parent, "2026-12-15 09:00")
    assert run("run-due", now="2026-12-21T09:01-05:00")[0] == ExitCode.OK
    assert [str(item["text"])[:14] for item in sent() if item["platform"] == "facebook"] == [
        "Boletín semana", "Horario de fin", "Boletín semana"]


def test_retry_one_date_brings_only_that_date_back(weekly: Path) -> None:
    assert run("cancel", "boletin", "--date", "2026-12-14")[0] == ExitCode.OK
    assert run("cancel", "boletin", "--date", "2026-12-21")[0] == ExitCode.OK
    code, out = run("retry", "boletin", "--date", "2026-12-14")
    assert code == ExitCode.OK and "boletin: queued again." in out
    rows = queue()
    assert ("2026-12-14T09:00", "facebook", "queued") in rows
    assert ("2026-12-21T09:00", "facebook", "cancelled") in rows
    code, out = run("retry", "boletin", "--date", "2026-12-28")
    assert code == ExitCode.INVALID and "on 2026-12-28" in out


def test_a_day_with_two_occurrences_is_said_and_a_time_picks_one(
        workspace: Path, write_post: WritePost) -> None:
    write_post("boletin.yaml", WEEKLY.replace('"0 9 * * 1"', '"0 9,17 * * 1"'))
    assert run("sync")[0] == ExitCode.OK
    code, out = run("cancel", "boletin", "--date", "2026-12-07")
    assert code == ExitCode.USAGE
    assert "'boletin' has 2 occurrences on 2026-12-07 (at 09:00, 17:00)" in out
    assert "--date '2026-12-07 09:00'" in out
    code, out = run("--lang", "es", "cancel", "boletin", "--date", "2026-12-07")
    assert code == ExitCode.USAGE and "'boletin' sale 2 veces el 2026-12-07" in out
    assert ("2026-12-07T17:00", "facebook", "queued") in queue()  # nothing was cancelled
    code, out = run("cancel", "boletin", "--date", "2026-12-07 17:00")
    assert code == ExitCode.OK, out
    rows = queue()
    assert ("2026-12-07T09:00", "facebook", "queued") in rows
    assert ("2026-12-07T17:00", "facebook", "cancelled") in rows


def test_a_date_beyond_the_horizon_is_cancelled_ahead_and_never_queued(
        weekly: Path, tmp_path: Path) -> None:
    assert ("2027-03-01T09:00", "facebook", "queued") not in queue()  # beyond 60 days
    code, out = run("cancel", "boletin", "--date", "2027-03-01")
    assert code == ExitCode.OK, out
    assert "not queued yet, it never will be" in out
    later = "2027-02-10T10:00-05:00"
    assert run("sync", now=later)[0] == ExitCode.OK
    rows = queue(later)
    assert ("2027-02-22T09:00", "facebook", "queued") in rows
    assert ("2027-03-01T09:00", "facebook", "cancelled") in rows
    assert ("2027-03-08T09:00", "facebook", "queued") in rows

    code, out = run("calendar", "--from", "2027-03-01", "--json", now=later)
    entries = {e["due"][:10]: e["platforms"] for e in json.loads(out)}
    assert entries["2027-03-01"] == {"facebook": "cancelled"}  # the gap, without --all
    ics = tmp_path / "bmn.ics"
    assert run("calendar", "--ics", str(ics), now=later)[0] == ExitCode.OK
    events = ics.read_text().split("BEGIN:VEVENT")[1:]
    cancelled = [e for e in events if "boletin-2027-03-01T14:00Z" in e]
    assert len(cancelled) == 1 and "STATUS:CANCELLED" in cancelled[0]


def test_a_date_without_an_occurrence_is_an_error(weekly: Path) -> None:
    code, out = run("cancel", "boletin", "--date", "2026-12-08")
    assert code == ExitCode.INVALID and "'boletin' has no occurrence on 2026-12-08." in out
    code, out = run("cancel", "boletin", "--date", "8/12/2026")
    assert code == ExitCode.USAGE and "write it like 2027-01-14" in out
    assert run("sync")[0] == ExitCode.OK
    assert all(status == "queued" for _due, _p, status in queue())


def test_a_published_date_cannot_be_cancelled(weekly: Path) -> None:
    assert run("run-due", now="2026-12-07T09:01-05:00")[0] == ExitCode.OK
    code, out = run("cancel", "boletin", "--date", "2026-12-07", now="2026-12-07T10:00-05:00")
    assert code == ExitCode.INVALID
    assert "Nothing queued for 'boletin' on 2026-12-07 (facebook published)." in out


# -- drafts
DRAFT = """\
category: 9
text: Nuevas adquisiciones de diciembre.
platforms: [facebook, twitter]
schedule: {at: 2026-12-02 09:00}
"""


def test_a_draft_is_checked_but_never_queued(workspace: Path, write_post: WritePost) -> None:
    path = write_post("adquisiciones.yaml", DRAFT + "draft: true\n")
    code, out = run("validate")
    assert code == ExitCode.OK and "warning[POST-DRAFT]" in out
    code, out = run("preview", str(path), "--json")
    assert code == ExitCode.OK and json.loads(out)["posts"][0]["draft"] is True
    assert "Draft: checked and previewed here" in run("preview", str(path))[1]
    code, out = run("post", str(path), "--yes")
    assert code == ExitCode.INVALID and "is a draft ('draft: true')" in out
    assert run("sync")[0] == ExitCode.OK
    assert queue() == []
    assert run("run-due", now="2026-12-02T09:01-05:00")[0] == ExitCode.OK
    assert sent() == []


def test_a_queued_post_made_a_draft_is_withdrawn_and_comes_back_when_it_is_not(
        workspace: Path, write_post: WritePost) -> None:
    write_post("adquisiciones.yaml", DRAFT)
    assert run("sync")[0] == ExitCode.OK
    assert len(queue()) == 2
    write_post("adquisiciones.yaml", DRAFT + "draft: true\n")
    code, out = run("sync")
    assert code == ExitCode.OK and "2 cancelled" in out
    assert queue() == []
    rows = json.loads(run("history", "--json")[1])
    assert {(r["status"], r["error"]) for r in rows} == {
        ("cancelled", "the post is a draft ('draft: true'): it is not published until that "
                      "line is removed")}
    assert run("run-due", now="2026-12-02T09:01-05:00")[0] == ExitCode.OK
    assert sent() == []
    write_post("adquisiciones.yaml", DRAFT)
    assert run("sync")[0] == ExitCode.OK
    assert len(queue()) == 2


def test_a_draft_made_ready_after_its_time_is_said_to_have_been_a_draft(
        workspace: Path, write_post: WritePost) -> None:
    write_post("adquisiciones.yaml", DRAFT)
    assert run("sync")[0] == ExitCode.OK
    write_post("adquisiciones.yaml", DRAFT + "draft: true\n")
    assert run("sync")[0] == ExitCode.OK
    write_post("adquisiciones.yaml", DRAFT)
    code, out = run("sync", now="2026-12-03T10:00-05:00")
    assert code == ExitCode.INVALID
    assert "POST-BACK-LATE" in out and "was a draft when its time came" in out, out
    assert "file was gone" not in out
    assert sent() == []


def test_review_forbid_drafts_makes_validate_fail(workspace: Path,
                                                  write_post: WritePost) -> None:
    write_post("adquisiciones.yaml", DRAFT + "draft: true\n")
    config = workspace / "config.yaml"
    config.write_text(config.read_text() + "review:\n  forbid_drafts: true\n")
    code, out = run("validate")
    assert code == ExitCode.INVALID
    assert "error[POST-DRAFT]" in out and "review.forbid_drafts" in out
    code, out = run("sync")  # the server still withdraws a draft rather than refuse the file
    assert code == ExitCode.OK, out


# -- evergreen posts
EVERGREEN = """\
category: 9
text: ¿Sabía que la BMN presta libros a domicilio? Pregunte en el mostrador.
platforms: [facebook, twitter]
schedule: {at: 2026-11-30 09:00}
"""


def test_an_evergreen_post_comes_back_every_n_days_until_its_end(
        workspace: Path, write_post: WritePost) -> None:
    # (Facebook only: the fake X judges its 24 h by the real clock, not BMNSOCIAL_NOW)
    write_post("domicilio.yaml", EVERGREEN.replace("facebook, twitter", "facebook")
               + "recycle: {every_days: 7, until: 2026-12-10}\n")
    assert run("sync")[0] == ExitCode.OK
    assert queue() == [("2026-11-30T09:00", "facebook", "queued")]
    first = "2026-11-30T09:01-05:00"
    assert run("run-due", now=first)[0] == ExitCode.OK
    assert len(sent()) == 1
    assert run("sync", now=first)[0] == ExitCode.OK
    assert queue(first) == [("2026-12-07T09:00", "facebook", "queued")]
    between(workspace / "posts", "2026-12-03 09:00")
    second = "2026-12-07T09:01-05:00"
    code, out = run("run-due", now=second)
    assert code == ExitCode.OK, out
    assert len(sent()) == 3
    assert run("sync", now=second)[0] == ExitCode.OK
    assert queue(second) == []  # the 14th is after 'until'

    code, out = run("report", "mix", "--json", "--since", "2026-11-01", "--until",
                    "2026-12-31", now=second)
    assert code == ExitCode.OK, out
    counts = {c["rank"]: c["published"] for c in json.loads(out)["categories"]}
    assert counts[9] == 3  # the evergreen post each time it went out (2), and the one between


def test_a_return_keeps_clear_of_the_duplicate_window(workspace: Path,
                                                      write_post: WritePost) -> None:
    write_post("domicilio.yaml", EVERGREEN + "recycle: {every_days: 1}\n")
    assert run("sync")[0] == ExitCode.OK
    late = "2026-11-30T11:00-05:00"  # two hours late: X's last copy went out at 11:00
    code, out = run("run-due", now=late)
    assert code == ExitCode.OK, out
    assert len(sent()) == 2
    assert run("sync", now=late)[0] == ExitCode.OK
    # A day after its time would be Tuesday 09:00, within X's 24 h: the next slot after it.
    assert queue(late) == [("2026-12-01T12:30", "facebook", "queued"),
                           ("2026-12-01T12:30", "twitter", "queued")]


def test_recycle_needs_a_first_time(workspace: Path, write_post: WritePost) -> None:
    write_post("boletin.yaml", WEEKLY + "recycle: {every_days: 30}\n")
    code, out = run("validate")
    assert code == ExitCode.INVALID and "error[RECYCLE-SCHEDULE]" in out


def test_the_commented_review_example_in_config_yaml_is_valid(tmp_path: Path) -> None:
    from bmnsocial.config import load_config
    from tests.helpers import REPO

    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    example = "# review:\n#   forbid_drafts: true\n"
    assert example in text
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(example, "review:\n  forbid_drafts: true\n"), encoding="utf-8")
    assert load_config(path).review.forbid_drafts is True
    assert load_config(REPO / "config.yaml").review.forbid_drafts is False


def test_recycling_closer_than_a_platforms_duplicate_window_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bmnsocial.platforms import registry

    registry.register("dummy", "tests.slow_dummy_platform")
    try:
        (tmp_path / "posts").mkdir()
        (tmp_path / "config.yaml").write_text(
            "version: 1\ntimezone: America/Havana\naccounts:\n  dummy:\n    handle: bmn\n"
            "    token_env: DUMMY_TOKEN\nslots:\n  monday: ['09:00']\n", encoding="utf-8")
        post = ("category: 9\ntext: La sala de lectura abre a las 8:30.\n"
                "schedule: {slot: next}\nrecycle: {every_days: %d}\n")
        (tmp_path / "posts" / "sala.yaml").write_text(post % 7, encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        code, out = run("validate")
        assert code == ExitCode.INVALID and "error[RECYCLE-TOO-OFTEN]" in out
        assert "refuses the same text again within 240 h, and this post comes back every 7" in out
        (tmp_path / "posts" / "sala.yaml").write_text(post % 10, encoding="utf-8")
        code, out = run("validate")
        assert code == ExitCode.OK, out
    finally:
        registry.unregister("dummy")
