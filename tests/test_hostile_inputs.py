"""Hostile or unlucky input (issue 10, cases 7 to 10): control characters, half-written
files, a FIFO among the posts, a cron every minute, a rename judged on time alone, a
late_after_minutes of 0, a busy port, a missing posts folder when the daemon starts."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import Config, load_config
from bmnsocial.errors import ConfigError
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.render.validation import validate_paths
from bmnsocial.reports.calendar import Entry, PlatformState
from bmnsocial.reports.ics import build_calendar
from bmnsocial.schedule.sync import SETTLE_SECONDS, sync
from bmnsocial.terminal import visible
from bmnsocial.yamlsafe import load_file
from tests.helpers import NOW, WritePost
from tests.sitehelp import PATIENCE
from tests.test_daemon import daemon_at

# What a terminal obeys: ESC (CSI, OSC), BEL, CR, a C1 CSI and a right-to-left override.
HOSTILE = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def ledger_for(config: Config) -> Ledger:
    return Ledger(config.state_dir / "ledger.sqlite3")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def codes_at(config: Config) -> list[tuple[str, str, int, int]]:
    result = validate_paths([config.posts_dir], config, NOW)
    return [(Path(d.file).name, d.code, d.line, d.column) for d in result.errors]


# --- 8. control characters ---------------------------------------------------------------

def test_control_characters_in_fields_are_errors_at_their_place(config: Config,
                                                                 write_post: WritePost) -> None:
    write_post("escape.yaml", 'category: 9\ntext: "Aviso \\e[8m oculto"\n')
    write_post("bidi.yaml", "category: 9\ntext: Pague ‮0001 pesos\n".encode())
    write_post("cr.yaml", b"category: 9\ntext: Abierto hoy\rCerrado\n")
    write_post("c1.yaml", 'category: 9\nhashtags: ["BMN\\x9b2J"]\ntext: hola\n')
    write_post("alt.yaml", "category: 9\ntext: hola\nmedia:\n  - path: "
                           "jornada-cientifica-cartel.jpg\n    alt: \"Cartel\\a\"\n")
    write_post("id.yaml", 'id: "aviso\\n"\ncategory: 9\ntext: hola\n')
    write_post("tab.yaml", 'category: 9\ntext: "Horario:\\tlunes\\nviernes"\n')  # kept
    assert sorted(codes_at(config)) == [
        ("alt.yaml", "TEXT-CONTROL", 5, 10),
        ("bidi.yaml", "TEXT-CONTROL", 2, 13),  # the character itself
        ("c1.yaml", "TEXT-CONTROL", 2, 12),
        ("cr.yaml", "TEXT-CONTROL", 2, 18),
        ("escape.yaml", "TEXT-CONTROL", 2, 7),
        ("id.yaml", "POST-ID", 1, 5),
    ]


def test_a_control_character_in_a_file_name_is_an_error(config: Config,
                                                        write_post: WritePost) -> None:
    write_post("aviso\x1b[2J.yaml", "id: aviso\ncategory: 9\ntext: hola\n")
    ((_name, code, _line, _col),) = codes_at(config)
    assert code == "FILE-NAME-CONTROL"
    code, out = invoke("validate")
    assert code == ExitCode.INVALID
    assert "aviso\\x1b[2J.yaml" in out and "\x1b" not in out
    write_post("otro\u202egpj.yaml", "id: otro\ncategory: 9\ntext: hola\n")
    code, out = invoke("validate", "--json")
    assert code == ExitCode.INVALID and "\u202e" not in out
    assert {Path(d["file"]).name for d in json.loads(out)} == {"aviso\x1b[2J.yaml",
                                                              "otro\u202egpj.yaml"}


def test_validate_and_preview_print_controls_escaped(config: Config,
                                                     write_post: WritePost) -> None:
    write_post("hostil.yaml", "id: \"x\\e]0;titulo\\a\"\ncategory: 9\ntext: hola\n")
    write_post("bidi-id.yaml", "category: 9\nid: \"a‮b\"\ntext: hola\n".encode())
    files = ["posts/hostil.yaml", "posts/bidi-id.yaml"]
    for command in (["validate"], ["preview", *files]):
        code, out = invoke(*command)
        assert code == ExitCode.INVALID, out
        assert not [c for c in HOSTILE if c in out], repr(out)
        assert "\\x1b" in out or "\\u202e" in out
    assert visible("a\x1b[2Jb\u202ec\td\ne", keep="\n\t") == "a\\x1b[2Jb\\u202ec\td\ne"


def test_the_ics_never_carries_control_characters() -> None:
    due = datetime(2027, 3, 15, 9, tzinfo=UTC)
    entry = Entry("aviso\x1b", "once", due, None,
                  (PlatformState("twitter", Status.FAILED, None, "refused: \x1b[31mno\x07"),),
                  "aviso\x1b-once@bmnsocial", text="Pague\u202e0001\rpesos\nmañana")
    raw = build_calendar([entry], NOW.tzinfo, NOW).decode()  # type: ignore[arg-type]
    body = raw.replace("\r\n", "")
    assert not [c for c in HOSTILE if c in body], repr(body)
    assert "\\\\x1b" in body or "\\x1b" in body


# --- 9. half-written files ---------------------------------------------------------------

def at(path: Path, moment: datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def test_a_file_still_being_written_is_queued_only_once_it_settles(
        config: Config, write_post: WritePost) -> None:
    ledger = ledger_for(config)
    kept = write_post("otro.yaml", "category: 9\ntext: Sigue en pie\n"
                                   "schedule: {at: 2026-12-01 09:00}\n")
    at(kept, NOW - timedelta(hours=1))
    assert sync([config.posts_dir], config, ledger, NOW, full=True).new == 2
    before = ledger.rows(post_id="otro")
    full = ("category: 9\ntext: La sala de lectura NO cierra el lunes\n"
            "schedule: {at: 2026-12-01 09:00}\n")
    half = write_post("aviso.yaml", full[:45])  # "...NO" cut after "La sala de lectura"
    at(half, NOW - timedelta(seconds=1))
    kept.write_text("category: 9\ntext: Sigue en p")  # an edit caught halfway
    at(kept, NOW - timedelta(seconds=1))
    report = sync([config.posts_dir], config, ledger, NOW, full=True)
    assert (report.new, report.updated, report.cancelled) == (0, 0, 0)
    assert report.ok and report.problems == []
    assert sorted(Path(f).name for f in report.unsettled) == ["aviso.yaml", "otro.yaml"]
    assert any("stopped changing" in note for note in report.notes)
    assert ledger.rows(post_id="aviso") == [] and ledger.rows(post_id="otro") == before
    half.write_text(full)  # the second half arrives
    kept.write_text("category: 9\ntext: Sigue en pie\nschedule: {at: 2026-12-01 09:00}\n")
    for path in (half, kept):
        at(path, NOW)
    later = NOW + timedelta(seconds=SETTLE_SECONDS)
    report = sync([config.posts_dir], config, ledger, later, full=True)
    assert report.ok and report.unsettled == [] and report.new == 2
    assert {"La sala de lectura NO cierra el lunes" in r.payload
            for r in ledger.rows(post_id="aviso")} == {True}


# --- 10. limits --------------------------------------------------------------------------

def test_a_fifo_among_the_posts_is_an_error_not_a_hang(config: Config,
                                                       write_post: WritePost) -> None:
    write_post("bueno.yaml", "category: 9\ntext: hola\n")
    fifo = config.posts_dir / "tuberia.yaml"
    os.mkfifo(fifo)
    found: list[object] = []
    reader = threading.Thread(target=lambda: found.append(load_file(fifo)), daemon=True)
    reader.start()
    reader.join(PATIENCE)  # a guard: on the old code, open() waits for a writer forever
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert getattr(found[0], "code", None) == "FILE-NOT-REGULAR"
    assert codes_at(config) == [("tuberia.yaml", "FILE-NOT-REGULAR", 1, 1)]


def test_a_cron_every_minute_is_refused_with_the_fix(config: Config,
                                                     write_post: WritePost) -> None:
    write_post("minuto.yaml", "category: 9\ntext: hola\nschedule: {cron: '* * * * *'}\n")
    write_post("hora.yaml", "category: 9\ntext: hola\nplatforms: [facebook]\n"
                            "schedule: {cron: '0 * * * *', count: 3, start: 2026-11-27}\n")
    assert codes_at(config) == [("minuto.yaml", "SCHED-TOO-OFTEN", 3, 18)]
    ledger = ledger_for(config)
    report = sync([config.posts_dir], config, ledger, NOW, full=True)
    assert report.new == 3 and ledger.rows(post_id="minuto") == []
    code, out = invoke("validate")
    assert code == ExitCode.INVALID and "1440 times a day" in out and "'0 * * * *'" in out


def test_the_rename_check_needs_more_than_the_same_time(config: Config,
                                                        write_post: WritePost) -> None:
    ledger = ledger_for(config)
    old = write_post("charla.yaml", "category: 9\ntext: Charla sobre revisiones sistemáticas "
                                    "en la sala 3.\nschedule: {at: 2026-12-01 09:00}\n")
    sync([config.posts_dir], config, ledger, NOW, full=True)
    sent = datetime(2026, 12, 1, 14, tzinfo=UTC)
    for row in ledger.rows(post_id="charla"):
        ledger.claim(row.id, "me", sent)
        ledger.mark_published(row.id, f"id-{row.platform}", "https://x", [], sent)
    old.unlink()
    # An unrelated post for the same hour, added while the server was down.
    write_post("donacion.yaml", "category: 9\ntext: Recibimos una donación de libros de "
                                "pediatría. ¡Gracias!\nschedule: {at: 2026-12-01 09:00}\n")
    report = sync([config.posts_dir], config, ledger, sent + timedelta(minutes=5), full=True)
    assert "POST-RENAMED" not in [d.code for d in report.problems]
    assert len(ledger.rows(post_id="donacion")) == 2


def test_late_after_minutes_zero_is_refused(workspace: Path) -> None:
    config_file = workspace / "config.yaml"
    config_file.write_text(config_file.read_text(encoding="utf-8")
                           + "\ndaemon:\n  late_after_minutes: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert "late_after_minutes" in str(caught.value.report())


def test_a_busy_port_is_a_usage_error(workspace: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--sandbox", "sandbox", "serve", "--port", str(port)])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "--port" in result.output and "Traceback" not in result.output


# --- 7. no posts folder when the daemon starts -------------------------------------------

def test_the_daemon_starts_without_a_posts_folder_and_still_publishes(
        config: Config, write_post: WritePost) -> None:
    due = NOW + timedelta(hours=2)
    write_post("aviso.yaml", "category: 9\ntext: Aviso puntual\nplatforms: [twitter]\n"
                             f"schedule: {{at: '{due:%Y-%m-%d %H:%M}'}}\n")
    code, out = invoke("--sandbox", "post", "posts/aviso.yaml", "--yes")
    assert code == 0, out
    shutil.rmtree(config.posts_dir)  # a mount that did not come back after a power cut
    with daemon_at(config) as (daemon, clock):
        runtime = daemon.runtime
        daemon.refresh()
        (row,) = runtime.ledger.rows(post_id="aviso")
        assert row.id in daemon._scheduled  # its job is placed
        assert (runtime.state_dir / "heartbeat.json").exists()
        clock.current = due
        daemon.run_row(row.id)
        assert runtime.ledger.get(row.id).status is Status.PUBLISHED
    status = CliRunner().invoke(cli, ["--sandbox", "status", "--json"])
    data = json.loads(status.stdout)
    assert "posts-folder-unreadable" in data["problem_codes"]
    assert any(str(config.posts_dir) in p for p in data["problems"])
