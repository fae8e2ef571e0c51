"""One rule for times given on the command line: a time given with --at holds until the
file's own schedule changes; then the file wins, and sync says so. `post FILE` without --at
queues by the file. A post without a schedule queued with --at is never cancelled by sync."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from tests.helpers import WritePost

AT = "2027-01-05 10:30"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--sandbox", *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def queued(post_id: str = "aviso") -> set[str]:
    rows = json.loads(run("queue", "--json")[1])
    return {r["due"][:16] for r in rows if r["post_id"] == post_id}


def test_an_unscheduled_post_queued_with_at_survives_every_sync(workspace: Path,
                                                                write_post: WritePost) -> None:
    write_post("aviso.yaml", "category: 9\ntext: Hola.\n")
    assert run("post", "posts/aviso.yaml", "--at", AT, "--yes")[0] == ExitCode.OK
    for command in (["sync"], ["run-due"], ["sync"]):
        assert run(*command)[0] == ExitCode.OK
    assert queued() == {"2027-01-05T10:30"}


def test_the_at_time_holds_until_the_file_schedule_changes(workspace: Path,
                                                           write_post: WritePost) -> None:
    path = write_post("aviso.yaml", "category: 9\ntext: Hola.\n"
                                    "schedule: {at: 2027-01-10 09:00}\n")
    assert run("post", "posts/aviso.yaml", "--at", AT, "--yes")[0] == ExitCode.OK
    assert run("sync")[0] == ExitCode.OK
    assert queued() == {"2027-01-05T10:30"}, "the --at time holds while the file is unchanged"
    path.write_text(path.read_text().replace("2027-01-10 09:00", "2027-01-12 09:00"))
    code, out = run("sync")
    assert code == ExitCode.OK and "follows its file again" in out
    assert queued() == {"2027-01-12T09:00"}
    assert run("sync")[0] == ExitCode.OK
    assert queued() == {"2027-01-12T09:00"}


def test_post_without_at_queues_by_the_file_again(workspace: Path,
                                                   write_post: WritePost) -> None:
    write_post("aviso.yaml", "category: 9\ntext: Hola.\nschedule: {at: 2027-01-10 09:00}\n")
    assert run("post", "posts/aviso.yaml", "--at", AT, "--yes")[0] == ExitCode.OK
    assert queued() == {"2027-01-05T10:30"}
    assert run("post", "posts/aviso.yaml", "--yes")[0] == ExitCode.OK
    assert queued() == {"2027-01-10T09:00"}
    assert run("sync")[0] == ExitCode.OK
    assert queued() == {"2027-01-10T09:00"}


def test_queue_preview_and_status_say_the_time_came_from_at(workspace: Path,
                                                            write_post: WritePost) -> None:
    write_post("aviso.yaml", "category: 9\ntext: Hola.\nschedule: {at: 2027-01-10 09:00}\n")
    assert run("post", "posts/aviso.yaml", "--at", AT, "--yes")[0] == ExitCode.OK
    assert "(time given with --at" in run("queue")[1]
    assert "(time given with --at)" in run("status")[1]
    shown = run("preview", "posts/aviso.yaml")[1]
    assert "a time given with --at" in shown and "2027-01-05 10:30" in shown
    (post,) = json.loads(run("preview", "--json", "posts/aviso.yaml")[1])["posts"]
    assert [p["due"][:16] for p in post["pinned"]] == ["2027-01-05T10:30"] * 2
    assert {r["pinned"] for r in json.loads(run("queue", "--json")[1])} == {True}


def test_an_id_is_owned_by_the_file_the_ledger_holds_it_from(workspace: Path,
                                                             write_post: WritePost) -> None:
    write_post("aviso.yaml", "category: 9\ntext: Hola.\nschedule: {at: 2027-01-10 09:00}\n")
    assert run("sync")[0] == ExitCode.OK
    write_post("copia.yaml", "id: aviso\ncategory: 9\ntext: Otra cosa.\n"
                             "schedule: {at: 2027-02-01 09:00}\n")
    code, out = run("sync")
    assert code == ExitCode.INVALID
    (line,) = [line for line in out.splitlines() if "ID-DUPLICATE" in line]
    assert line.startswith("posts/copia.yaml:1:") and "belongs to posts/aviso.yaml:" in line
    assert queued() == {"2027-01-10T09:00"}, "the owner's queue is untouched"
    code, out = run("validate")
    assert [line.split(":")[0] for line in out.splitlines() if "ID-DUPLICATE" in line] == [
        "posts/copia.yaml"]


def test_without_a_ledger_both_files_of_an_id_are_named(workspace: Path,
                                                        write_post: WritePost) -> None:
    write_post("aviso.yaml", "category: 9\ntext: Hola.\n")
    write_post("copia.yaml", "id: aviso\ncategory: 9\ntext: Otra cosa.\n")
    code, out = run("validate")
    lines = [line for line in out.splitlines() if "ID-DUPLICATE" in line]
    assert code == ExitCode.INVALID and len(lines) == 2
    assert any(line.startswith("posts/aviso.yaml") and "posts/copia.yaml" in line
               for line in lines)
    assert any(line.startswith("posts/copia.yaml") and "posts/aviso.yaml" in line
               for line in lines)


def test_preview_of_a_slot_post_shows_the_slot_the_queue_gives(workspace: Path,
                                                               write_post: WritePost) -> None:
    write_post("primero.yaml", "category: 9\ntext: El primero.\nschedule: {slot: next}\n")
    write_post("segundo.yaml", "category: 9\ntext: El segundo.\nschedule: {slot: next}\n")
    shown = run("preview", "--json", "posts/segundo.yaml")[1]
    (alone,) = json.loads(shown)["posts"]
    assert "no ledger here" in alone["occurrences"][0]["note"]
    assert run("post", "posts/primero.yaml", "--yes")[0] == ExitCode.OK  # takes that slot
    (before,) = json.loads(run("preview", "--json", "posts/segundo.yaml")[1])["posts"]
    promised = before["occurrences"][0]["due"]
    assert promised != alone["occurrences"][0]["due"], "the first free slot is taken now"
    assert "no ledger" not in before["occurrences"][0]["note"]
    assert run("post", "posts/segundo.yaml", "--yes")[0] == ExitCode.OK
    assert queued("segundo") == {promised[:16]}, "the queue gives the slot preview showed"
    (after,) = json.loads(run("preview", "--json", "posts/segundo.yaml")[1])["posts"]
    assert after["occurrences"][0]["due"] == promised
    assert after["occurrences"][0]["note"] == "its slot in the queue"
