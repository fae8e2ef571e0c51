from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from tests.helpers import REPO


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture
def samples(workspace: Path) -> Path:
    for post in (REPO / "posts").glob("*.yaml"):
        shutil.copy(post, workspace / "posts")
    return workspace / "posts"


def test_quick_start_publishes_every_sample_on_the_sandbox(samples: Path) -> None:
    code, out = run("--sandbox", "post", str(samples), "--now", "--yes")
    assert code == ExitCode.OK, out
    lines = out.strip().splitlines()
    expected = sum(2 if "platforms: [facebook]" not in p.read_text() else 1
                   for p in samples.glob("*.yaml"))
    assert len(lines) == expected
    assert all(": published https://" in line for line in lines)
    assert any("https://x.com/BMN_Cuba/status/" in line for line in lines)
    assert any("https://www.facebook.com/100064519523618/posts/" in line for line in lines)

    code, shown = run("sandbox", "show", "--json")
    received = json.loads(shown)
    assert len(received) == expected + 3  # the thread's three replies on X
    assert {r["platform"] for r in received} == {"facebook", "twitter"}  # as history says

    code, again = run("--sandbox", "post", str(samples), "--now", "--yes")
    assert code == ExitCode.OK and again.count("already published") == expected
    assert len(json.loads(run("sandbox", "show", "--json")[1])) == expected + 3


def test_history_json_fields(samples: Path) -> None:
    run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"), "--now", "--yes")
    code, out = run("--sandbox", "history", "--json")
    rows = json.loads(out)
    assert code == 0 and {r["platform"] for r in rows} == {"facebook", "twitter"}
    for r in rows:
        assert {"post_id", "platform", "status", "url", "published_at", "error"} <= set(r)
        assert r["status"] == "published" and r["url"].startswith("https://")
    assert run("history")[1].strip() == "No publications yet.", "sandbox has its own ledger"


def test_queue_by_schedule_without_now(samples: Path) -> None:
    code, out = run("--sandbox", "post", str(samples / "jornada-cientifica-2027.yaml"), "--yes")
    assert code == ExitCode.OK
    assert "queued for Thursday 2027-01-14 09:00 (-05:00)" in out
    assert json.loads(run("sandbox", "show", "--json")[1]) == []


def test_at_and_platform(samples: Path) -> None:
    code, out = run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"),
                    "--at", "2026-12-24 10:00", "--platform", "twitter", "--yes")
    assert code == 0 and out.strip() == (
        "twitter   pregunta-lecturas: queued for Thursday 2026-12-24 10:00 (-05:00)")
    assert run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"), "--at",
               "2026-01-01 10:00")[0] == ExitCode.USAGE
    assert run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"), "--at",
               "2027-03-14 00:30")[0] == ExitCode.USAGE
    assert run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"), "--at",
               "2026-12-24 10:00", "--now")[0] == ExitCode.USAGE


def test_invalid_post_is_not_queued(samples: Path, workspace: Path) -> None:
    bad = workspace / "posts" / "malo.yaml"
    bad.write_text("category: 99\ntext: hola\n")
    code, out = run("--sandbox", "post", str(bad), "--now", "--yes")
    assert code == ExitCode.INVALID and "CATEGORY-UNKNOWN" in out
    assert json.loads(run("--sandbox", "history", "--json")[1]) == []


def test_confirmation_on_a_terminal(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bmnsocial.cli.post as post_cli

    monkeypatch.setattr(post_cli, "stdout_is_tty", lambda: True)
    code, out = run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"), "--now",
                    input="n\n")
    assert code == 1 and "Publish these (SANDBOX)?" in out and "Aborted" in out
    assert json.loads(run("sandbox", "show", "--json")[1]) == []
    code, out = run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"), "--now",
                    input="y\n")
    assert code == 0 and "published https://" in out


def test_accounts_check(samples: Path) -> None:
    code, out = run("--sandbox", "accounts", "check")
    assert code == 0
    assert "facebook  OK, Biblioteca Médica Nacional (100064519523618)" in out
    assert "twitter   OK, BMN_Cuba" in out
    code, out = run("accounts", "check", "--json")
    report = json.loads(out)
    assert code == ExitCode.INVALID
    assert "$BMNSOCIAL_FACEBOOK_PAGE_TOKEN" in report[0]["problem"]


def test_retry_requeues_a_failed_row(samples: Path) -> None:
    assert run("--sandbox", "retry", "nada")[0] == ExitCode.INVALID


def test_validate_forgives_the_past_of_published_posts(samples: Path, workspace: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = samples / "pregunta-lecturas.yaml"
    assert run("--sandbox", "post", str(path), "--now", "--yes")[0] == 0
    monkeypatch.setenv("BMNSOCIAL_NOW", "2027-06-01T10:00-05:00")  # its time is long past
    code, out = run("validate", str(path))
    assert code == ExitCode.OK and "warning[SCHED-PAST]" in out, "no real ledger: history"
    code, out = run("--sandbox", "validate", str(path))
    assert code == ExitCode.OK and "SCHED-PAST" not in out


def test_at_pins_the_time_against_later_syncs(samples: Path) -> None:
    path = samples / "jornada-cientifica-2027.yaml"  # its own time: 2027-01-14 09:00
    assert run("--sandbox", "post", str(path), "--at", "2027-01-13 10:00", "--yes")[0] == 0
    assert run("--sandbox", "sync")[0] == 0
    rows = json.loads(run("--sandbox", "queue", "--json")[1])
    dues = {r["due"] for r in rows if r["post_id"] == "jornada-cientifica-2027"}
    assert dues == {"2027-01-13T10:00:00-05:00"}


def test_cancelled_one_off_can_be_queued_again(samples: Path) -> None:
    path = samples / "pregunta-lecturas.yaml"
    run("--sandbox", "post", str(path), "--yes")
    assert run("--sandbox", "cancel", "pregunta-lecturas")[0] == 0
    code, out = run("--sandbox", "post", str(path), "--yes")
    assert code == 0 and "bmnsocial retry pregunta-lecturas" in out
    assert run("--sandbox", "retry", "pregunta-lecturas")[0] == 0
    rows = json.loads(run("--sandbox", "queue", "--json")[1])
    assert {r["status"] for r in rows if r["post_id"] == "pregunta-lecturas"} == {"queued"}


def test_now_publishes_a_post_whose_own_time_has_passed(samples: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMNSOCIAL_NOW", "2027-06-01T10:00-05:00")
    path = samples / "pregunta-lecturas.yaml"  # 2026-12-17
    code, out = run("--sandbox", "validate", str(path))
    assert code == ExitCode.OK and "warning[SCHED-PAST]" in out  # no ledger yet: history
    code, out = run("--sandbox", "post", str(path), "--now", "--yes")
    assert code == 0 and out.count("published https://") == 2


def test_spanish_yes_confirms(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bmnsocial.cli.post as post_cli

    monkeypatch.setattr(post_cli, "stdout_is_tty", lambda: True)
    code, out = run("--sandbox", "post", str(samples / "pregunta-lecturas.yaml"), "--now",
                    input="sí\n")
    assert code == 0 and "published https://" in out


def test_status_shows_post_files_the_last_sync_could_not_queue(samples: Path) -> None:
    good = samples / "pregunta-lecturas.yaml"
    (samples / "roto.yaml").write_text("category: 9\ntext: Hola.\ntwiter: {text: x}\n")
    assert run("--sandbox", "sync")[0] == ExitCode.INVALID
    code, out = run("--sandbox", "status")
    assert code == ExitCode.UNHEALTHY
    assert "1 post file could not be queued" in out
    assert "NOT QUEUED (posts folder read " in out
    assert "roto.yaml:3:1: error[SCHEMA-UNKNOWN-KEY]" in out
    data = json.loads(run("--sandbox", "status", "--json")[1])
    (problem,) = data["not_queued"]["problems"]
    assert (problem["file"].endswith("roto.yaml"), problem["line"], problem["code"]) == (
        True, 3, "SCHEMA-UNKNOWN-KEY")
    assert data["not_queued"]["checked_at"] and not data["healthy"]
    assert "not-queued" in data["problem_codes"]
    assert len(data["problem_codes"]) == len(data["problems"])

    run("--sandbox", "post", str(good), "--yes")  # one file: says nothing of the folder
    assert json.loads(run("--sandbox", "status", "--json")[1])["not_queued"]["problems"]
    (samples / "roto.yaml").write_text("category: 9\ntext: Hola.\ntwitter: {text: x}\n")
    assert run("--sandbox", "sync")[0] == ExitCode.OK
    data = json.loads(run("--sandbox", "status", "--json")[1])
    assert data["not_queued"]["problems"] == []
    assert not any("could not be queued" in p for p in data["problems"])
    assert "not-queued" not in data["problem_codes"]


def test_status_lists_publications_skipped_in_the_last_week(
        samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = samples / "pregunta-lecturas.yaml"  # due 2026-12-17 12:30 in Havana
    assert run("--sandbox", "post", str(path), "--yes")[0] == ExitCode.OK
    monkeypatch.setenv("BMNSOCIAL_NOW", "2026-12-17T20:00-05:00")  # back 7.5 h late: beyond grace
    assert run("--sandbox", "run-due", "--no-sync")[0] == ExitCode.OK
    code, out = run("--sandbox", "status")
    assert code == ExitCode.OK, "a skip follows the configured policy: listed, not a fault"
    assert ("SKIPPED (last 7 days): twitter pregunta-lecturas, due Thursday 2026-12-17 12:30"
            in out)
    data = json.loads(run("--sandbox", "status", "--json")[1])
    assert {(r["platform"], r["status"]) for r in data["skipped_recently"]} == {
        ("facebook", "skipped"), ("twitter", "skipped")}
    monkeypatch.setenv("BMNSOCIAL_NOW", "2026-12-25T20:00-05:00")
    assert json.loads(run("--sandbox", "status", "--json")[1])["skipped_recently"] == []


def test_the_same_file_named_twice_is_one_post(samples: Path) -> None:
    path = str(samples / "pregunta-lecturas.yaml")
    code, out = run("validate", path, path, str(samples))
    assert code == ExitCode.OK, out
    assert "ID-DUPLICATE" not in out and "X-DUPLICATE" not in out


def test_queueing_a_file_outside_the_posts_folder_is_refused(samples: Path,
                                                             workspace: Path) -> None:
    draft = workspace / "borrador.yaml"
    shutil.copy(samples / "pregunta-lecturas.yaml", draft)
    code, out = run("--sandbox", "post", str(draft), "--yes")
    assert code == ExitCode.USAGE and "is not in the posts folder" in out
    assert run("--sandbox", "queue", "--json")[1].strip() == "[]"
    code, out = run("--sandbox", "post", str(draft), "--now", "--yes")
    assert code == ExitCode.OK and "published https://" in out


def test_dry_run_shows_what_the_real_command_would_do(samples: Path) -> None:
    path = str(samples / "jornada-cientifica-2027.yaml")  # its own time: 2027-01-14 09:00
    code, out = run("post", path, "--at", "2027-01-13 10:00", "--platform", "facebook",
                    "--dry-run")
    assert code == ExitCode.OK, out
    assert "Wednesday 2027-01-13 10:00 (-05:00)  [--at]" in out
    assert "2027-01-14 09:00" not in out.split("── Facebook")[0]
    assert "── Facebook" in out and "── X" not in out
    assert run("post", path, "--at", "mañana", "--dry-run")[0] == ExitCode.USAGE
    code, out = run("post", path, "--now", "--dry-run")
    assert code == ExitCode.OK and "[now (--now)]" in out
    assert not (Path(os.environ["BMNSOCIAL_HOME"]) / "ledger.sqlite3").exists()


def test_history_says_why_a_publication_was_cancelled(samples: Path) -> None:
    path = samples / "jornada-cientifica-2027.yaml"
    assert run("--sandbox", "post", str(path), "--yes")[0] == ExitCode.OK
    assert run("--sandbox", "cancel", "jornada-cientifica-2027")[0] == ExitCode.OK
    rows = json.loads(run("--sandbox", "history", "--json")[1])
    assert {(r["status"], r["error"]) for r in rows} == {("cancelled", "cancelled by a person")}


def test_retry_sends_the_file_as_it_is_now_or_says_why_not(samples: Path) -> None:
    from bmnsocial.publish.ledger import Ledger

    path = samples / "pregunta-lecturas.yaml"
    assert run("--sandbox", "post", str(path), "--yes")[0] == ExitCode.OK
    ledger = Ledger(Path(os.environ["BMNSOCIAL_HOME"]) / "sandbox" / "ledger.sqlite3")
    for row in ledger.rows():
        ledger.mark_failed(row.id, "X answered 403", "Rejected", row.due)
    old = {r.id: r.payload for r in ledger.rows()}
    path.write_text(path.read_text(encoding="utf-8").replace("¿", "¿De verdad, "),
                    encoding="utf-8")
    code, out = run("--sandbox", "retry", "pregunta-lecturas", "--platform", "twitter")
    assert code == ExitCode.OK and "Warning" not in out
    (fresh,) = ledger.rows(platform="twitter")
    assert fresh.status.value == "queued" and fresh.payload != old[fresh.id]
    assert "De verdad" in fresh.payload
    path.write_text("category: 99\n", encoding="utf-8")
    code, out = run("--sandbox", "retry", "pregunta-lecturas", "--platform", "facebook")
    assert code == ExitCode.OK and "has errors (bmnsocial validate" in out
    (kept,) = ledger.rows(platform="facebook")
    assert kept.status.value == "queued" and kept.payload == old[kept.id]
    ledger.close()


def test_retry_leaves_out_a_platform_the_file_no_longer_lists(samples: Path) -> None:
    from bmnsocial.publish.ledger import Ledger

    path = samples / "pregunta-lecturas.yaml"
    assert run("--sandbox", "post", str(path), "--yes")[0] == ExitCode.OK
    ledger = Ledger(Path(os.environ["BMNSOCIAL_HOME"]) / "sandbox" / "ledger.sqlite3")
    for row in ledger.rows():
        ledger.mark_failed(row.id, "Facebook answered 500", "Transient", row.due)
    text = path.read_text(encoding="utf-8")
    assert "platforms:" not in text
    path.write_text(text + "platforms: [facebook]\n", encoding="utf-8")
    code, out = run("--sandbox", "retry", "pregunta-lecturas")
    assert code == ExitCode.OK and "no longer lists twitter" in out
    assert {(r.platform, r.status.value) for r in ledger.rows()} == {
        ("facebook", "queued"), ("twitter", "failed")}
    ledger.close()


def test_post_refuses_a_renamed_published_post(samples: Path) -> None:
    path = samples / "pregunta-lecturas.yaml"
    assert run("--sandbox", "post", str(path), "--now", "--yes")[0] == ExitCode.OK
    renamed = path.with_name("preguntas-lecturas.yaml")
    path.rename(renamed)
    code, out = run("--sandbox", "post", str(renamed), "--now", "--yes")
    assert code == ExitCode.INVALID and "error[POST-RENAMED]" in out
    assert "add 'id: pregunta-lecturas'" in out
    for args in ([], [str(renamed)]):  # validate says it first, folder or file
        code, out = run("--sandbox", "validate", *args)
        assert code == ExitCode.INVALID and out.count("error[POST-RENAMED]") == 1, out
    assert run("validate", str(renamed))[0] == ExitCode.OK, "the real ledger never saw it"


def test_a_post_back_after_its_time_can_be_published_by_a_person(
        samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = samples / "pregunta-lecturas.yaml"  # due 2026-12-17 12:30
    assert run("--sandbox", "sync")[0] == ExitCode.OK
    body = path.read_text(encoding="utf-8")
    path.unlink()
    assert run("--sandbox", "sync")[0] == ExitCode.OK  # withdrawn
    path.write_text(body, encoding="utf-8")
    monkeypatch.setenv("BMNSOCIAL_NOW", "2026-12-18T10:00-05:00")
    code, out = run("--sandbox", "sync")
    assert code == ExitCode.INVALID and "error[POST-BACK-LATE]" in out
    code, out = run("--sandbox", "post", str(path), "--now", "--yes")
    assert code == ExitCode.OK and out.count("published https://") == 2


def test_post_refuses_an_id_changed_inside_the_same_file(samples: Path) -> None:
    path = samples / "pregunta-lecturas.yaml"
    assert run("--sandbox", "post", str(path), "--now", "--yes")[0] == ExitCode.OK
    path.write_text("id: lecturas-de-diciembre\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    code, out = run("--sandbox", "post", str(path), "--now", "--yes")
    assert code == ExitCode.INVALID and "add 'id: pregunta-lecturas'" in out


@pytest.mark.parametrize("name", ["x", "X", "twitter"])
def test_x_and_twitter_are_one_platform_on_the_command_line(samples: Path, name: str) -> None:
    post = str(samples / "pregunta-lecturas.yaml")
    code, out = run("--sandbox", "post", post, "--now", "--yes", "--platform", name)
    assert code == ExitCode.OK, out
    assert "https://x.com/" in out and "facebook.com" not in out
    code, listed = run("--sandbox", "history", "--json", "--platform", name)
    assert code == ExitCode.OK and {r["platform"] for r in json.loads(listed)} == {"twitter"}
