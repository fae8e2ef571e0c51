"""validate away from the server: a past time is history unless the file is new or changed,
and the same rule as the daemon's says how late a post still goes out."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from tests.helpers import NOW, WritePost, default_signals


def post_at(moment: str) -> str:
    return f"category: 9\ntext: Aviso del {moment}.\nschedule: {{at: {moment}}}\n"


def local(delta: timedelta) -> str:
    return f"{NOW + delta:%Y-%m-%d %H:%M}"


def validate(*args: str) -> tuple[int, dict[str, tuple[str, str]]]:
    result = CliRunner().invoke(cli, ["validate", "--json", *args])
    assert "Traceback" not in result.output, result.output
    found = {Path(d["file"]).name: (d["severity"], d["message"])
             for d in json.loads(result.stdout) if d["code"] == "SCHED-PAST"}
    return result.exit_code, found


def git(*args: str) -> None:
    subprocess.run(["git", "-c", "user.email=bmn@example.cu", "-c", "user.name=BMN", *args],
                   check=True, capture_output=True, preexec_fn=default_signals)


def test_without_a_ledger_a_past_post_is_history(workspace: Path,
                                                 write_post: WritePost) -> None:
    write_post("viejo.yaml", post_at(local(-timedelta(days=30))))
    code, found = validate()
    assert code == ExitCode.OK
    severity, message = found["viejo.yaml"]
    assert severity == "warning" and "no ledger here" in message


def test_changed_since_judges_only_new_and_changed_files(workspace: Path,
                                                         write_post: WritePost) -> None:
    write_post("viejo.yaml", post_at(local(-timedelta(days=30))))
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "posts as published")
    write_post("hace-un-rato.yaml", post_at(local(-timedelta(minutes=40))))
    write_post("anteayer.yaml", post_at(local(-timedelta(days=2))))
    code, found = validate("--changed-since", "HEAD")
    assert code == ExitCode.INVALID
    assert found["viejo.yaml"][0] == "warning" and "no ledger here" in found["viejo.yaml"][1]
    assert found["hace-un-rato.yaml"][0] == "warning"
    assert "publishes it late, at once" in found["hace-un-rato.yaml"][1]
    assert found["anteayer.yaml"][0] == "error" and "skipped" in found["anteayer.yaml"][1]
    # An old file edited since REF is judged too.
    viejo = workspace / "posts" / "viejo.yaml"
    viejo.write_text(viejo.read_text(encoding="utf-8").replace("Aviso", "Aviso corregido"),
                     encoding="utf-8")
    assert validate("--changed-since", "HEAD")[1]["viejo.yaml"][0] == "error"


def test_on_the_server_a_late_new_post_is_a_warning(workspace: Path,
                                                    write_post: WritePost) -> None:
    write_post("otro.yaml", post_at(local(timedelta(days=3))))
    assert CliRunner().invoke(cli, ["sync"]).exit_code == ExitCode.OK  # the ledger exists now
    write_post("hace-un-rato.yaml", post_at(local(-timedelta(minutes=40))))
    write_post("anteayer.yaml", post_at(local(-timedelta(days=2))))
    code, found = validate()
    assert code == ExitCode.INVALID
    assert found["hace-un-rato.yaml"][0] == "warning"
    assert found["anteayer.yaml"][0] == "error"


def test_a_revision_git_does_not_know_is_a_usage_error(workspace: Path,
                                                        write_post: WritePost) -> None:
    write_post("a.yaml", post_at(local(timedelta(days=3))))
    git("init", "-q")
    result = CliRunner().invoke(cli, ["validate", "--changed-since", "no-such-branch"])
    assert result.exit_code == ExitCode.USAGE and "no-such-branch" in result.output


@pytest.mark.skipif(os.name != "posix", reason="pre-commit hooks run on POSIX here")
def test_the_pre_commit_hook_runs_validate_on_the_posts(workspace: Path) -> None:
    import yaml

    from tests.helpers import REPO

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["entry"].split()[:2] == ["bmnsocial", "validate"]
    assert "--changed-since" in hook["entry"] and hook["pass_filenames"] is False


def test_the_ci_example_reviews_what_the_merge_request_changed() -> None:
    import yaml

    from tests.helpers import REPO

    job = yaml.safe_load((REPO / "deploy" / "ci" / "review-posts.gitlab-ci.yml").read_text(
        encoding="utf-8"))["validate-posts"]
    assert job["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert any("requirements/runtime.lock" in line for line in job["before_script"])
    (command,) = [line for line in job["script"] if line.startswith("bmnsocial")]
    assert command.startswith("bmnsocial validate --changed-since ")


def test_copying_a_published_post_months_later_keeps_the_server_healthy(
        workspace: Path, write_post: WritePost) -> None:
    text = "category: 9\ntext: Visite la Biblioteca Médica Nacional.\nplatforms: [twitter]\n"
    write_post("original.yaml", text)
    sandbox = ["--sandbox"]
    assert CliRunner().invoke(cli, [*sandbox, "post", "posts/original.yaml", "--now",
                                    "--yes"]).exit_code == ExitCode.OK
    later = (NOW + timedelta(days=120)).isoformat()
    write_post("de-nuevo.yaml", text + f"schedule: {{at: {local(timedelta(days=121))}}}\n")
    env = {"BMNSOCIAL_NOW": later}
    synced = CliRunner().invoke(cli, [*sandbox, "sync"], env=env)
    assert synced.exit_code == ExitCode.OK, synced.output
    status = json.loads(CliRunner().invoke(cli, [*sandbox, "status", "--json"], env=env).stdout)
    assert "not-queued" not in status["problem_codes"]
    checked = CliRunner().invoke(cli, [*sandbox, "validate", "--json"], env=env)
    assert checked.exit_code == ExitCode.OK
    assert {(Path(d["file"]).name, d["severity"]) for d in json.loads(checked.stdout)
            if d["code"] == "X-DUPLICATE"} == {("de-nuevo.yaml", "warning")}
