"""`history`: each row's own time and when its status changed, --since/--today, unknown ids."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from tests.helpers import NOW, WritePost

SERIES = """\
category: 9
text: Boletín semanal de nuevas adquisiciones.
platforms: [facebook]
schedule: {cron: "0 9 * * 1", start: 2026-12-01, count: 4}
"""


def run(*args: str, now: str | None = None) -> tuple[int, str]:
    env = {"BMNSOCIAL_NOW": now} if now else {}
    result = CliRunner().invoke(cli, ["--sandbox", *args], env=env)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture
def cancelled_series(workspace: Path, write_post: WritePost) -> None:
    write_post("boletin.yaml", SERIES)
    assert run("post", "posts/boletin.yaml", "--yes")[0] == ExitCode.OK
    assert run("cancel", "boletin")[0] == ExitCode.OK


def test_a_cancelled_series_shows_each_date(cancelled_series: None) -> None:
    code, out = run("history")
    assert code == ExitCode.OK
    lines = out.strip().splitlines()
    assert len(lines) == 4 and len(set(lines)) == 4
    for day in ("2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"):
        assert sum(f"{day} 09:00" in line for line in lines) == 1
    changed = {datetime.fromisoformat(r["changed_at"])
               for r in json.loads(run("history", "--json")[1])}
    assert all(any(f"({c:%Y-%m-%d %H:%M})" in line for c in changed) for line in lines)


def test_json_has_the_occurrence_and_the_change(cancelled_series: None) -> None:
    rows = json.loads(run("history", "--json")[1])
    assert {r["due"][:10] for r in rows} == {"2026-12-07", "2026-12-14", "2026-12-21",
                                             "2026-12-28"}
    changed = [datetime.fromisoformat(r["changed_at"]) for r in rows]
    assert all(NOW <= c < NOW + timedelta(hours=1) for c in changed)  # when it was cancelled


def test_since_and_today(cancelled_series: None) -> None:
    later = (NOW + timedelta(days=2)).isoformat()
    assert len(json.loads(run("history", "--json", "--today")[1])) == 4
    assert json.loads(run("history", "--json", "--today", now=later)[1]) == []
    assert len(json.loads(run("history", "--json", "--since", NOW.date().isoformat(),
                              now=later)[1])) == 4
    code, out = run("history", "--since", (NOW + timedelta(days=1)).date().isoformat())
    assert code == ExitCode.OK and out.strip() == "No publications match."
    code, out = run("history", "--today", "--since", "2026-01-01")
    assert code == ExitCode.USAGE and "not both" in out


def test_an_unknown_post_is_an_error_with_a_suggestion(cancelled_series: None) -> None:
    code, out = run("history", "--post", "boletn")
    assert code == ExitCode.USAGE
    assert "no post 'boletn'" in out and "did you mean 'boletin'?" in out
    code, out = run("history", "--post", "boletin")
    assert code == ExitCode.OK and len(out.strip().splitlines()) == 4
