"""A lost, emptied, truncated or corrupted ledger is never silently replaced: exit 7 for every
command, with the real cause and the real fix; `ledger recover` rebuilds it from the newest
backup and the platforms' recent posts without sending anything twice; backups are daily."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import load_config
from bmnsocial.errors import ConfigError
from tests.helpers import REPO


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture
def published(workspace: Path, tmp_path: Path) -> Path:
    """Every sample published on the sandbox; the sandbox's ledger path."""
    for post in (REPO / "posts").glob("*.yaml"):
        shutil.copy(post, workspace / "posts")
    code, out = run("--sandbox", "post", str(workspace / "posts"), "--now", "--yes")
    assert code == ExitCode.OK, out
    return tmp_path / "state" / "sandbox" / "ledger.sqlite3"


def sent() -> int:
    return len(json.loads(run("sandbox", "show", "--json")[1]))


COMMANDS = (("history",), ("queue",), ("run-due",), ("status",), ("sync",),
            ("post", "posts/pregunta-lecturas.yaml", "--now", "--yes"))


def assert_every_command_refuses(expected: str) -> None:
    before = sent()
    for command in COMMANDS:
        code, out = run("--sandbox", *command)
        assert code == ExitCode.STATE_UNUSABLE, (command, out)
        assert expected in out and "bmnsocial ledger recover" in out, (command, out)
        assert "writable and not full" not in out
    assert sent() == before, "nothing was sent again"


def test_an_empty_ledger_file_is_exit_7_for_every_command(published: Path) -> None:
    published.write_bytes(b"")
    assert_every_command_refuses("is damaged: the file is empty (0 bytes)")
    assert published.read_bytes() == b"", "left as it was"


def test_a_truncated_ledger_is_exit_7_for_every_command(published: Path) -> None:
    data = published.read_bytes()
    published.write_bytes(data[:len(data) // 2])
    assert_every_command_refuses("is damaged: database disk image is malformed")


def _page_of(path: Path, table: str) -> tuple[int, int]:
    db = sqlite3.connect(path)
    try:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                             (table,)).fetchone()
    finally:
        db.close()
    return root, size


def test_a_corrupted_ledger_is_exit_7_and_an_unhealthy_status(published: Path) -> None:
    root, size = _page_of(published, "publications")
    with published.open("r+b") as f:  # the table's first page, scribbled over
        f.seek((root - 1) * size)
        f.write(b"\xa5" * size)
    assert_every_command_refuses("is damaged: ")
    code, out = run("--sandbox", "status", "--json")
    assert code == ExitCode.STATE_UNUSABLE
    report = json.loads(out[:out.rindex("}") + 1])
    assert report["healthy"] is False and report["problem_codes"] == ["ledger-damaged"]


def test_a_missing_ledger_is_exit_7_until_a_person_starts_afresh(published: Path) -> None:
    published.unlink()
    assert_every_command_refuses("is missing, but this state directory had one")
    _code, out = run("--sandbox", "history")
    assert f"delete {published.parent / 'ledger.expected'}" in out
    code, out = run("--sandbox", "validate")  # its checks against the ledger cannot be made
    assert code == ExitCode.STATE_UNUSABLE and "is missing" in out, out
    (published.parent / "ledger.expected").unlink()
    assert run("--sandbox", "history") == (ExitCode.OK, "No publications yet.\n")


def test_a_ledger_that_lost_its_write_ahead_log_is_exit_7(published: Path) -> None:
    """What a deleted WAL and a power cut leave: a ledger from before the last writes."""
    older = published.with_name("older.sqlite3")
    shutil.copy(published, older)
    Path("posts/encuesta.yaml").write_text(
        "category: invitar-comentarios\ntext: ¿Qué libro nos recomienda leer?\n"
        "schedule:\n  at: 2026-12-18 12:30\n", encoding="utf-8")
    assert run("--sandbox", "post", "posts/encuesta.yaml", "--now", "--yes")[0] == ExitCode.OK
    shutil.copy(older, published)
    assert_every_command_refuses("-wal, was deleted or lost in a power cut")


def test_recover_rebuilds_what_was_published_and_sends_nothing_twice(
        published: Path) -> None:
    before = sent()
    code, out = run("--sandbox", "ledger", "recover")
    assert code == ExitCode.USAGE and "is healthy: there is nothing to recover" in out
    published.write_bytes(b"")
    code, out = run("--sandbox", "ledger", "recover")
    assert code == ExitCode.OK, out
    assert "No backup found: started from an empty ledger." in out
    assert "publications found on the platforms, recorded as published" in out
    kept = list(published.parent.glob("ledger.sqlite3.damaged-*"))
    assert [p.read_bytes() for p in kept] == [b""], "the damaged file is kept"
    code, history = run("--sandbox", "history", "--json")
    rows = json.loads(history)
    assert code == ExitCode.OK and rows
    assert all(r["status"] == "published" for r in rows), rows
    for command in (("run-due",), ("post", "posts", "--now", "--yes")):
        assert run("--sandbox", *command)[0] == ExitCode.OK
    assert sent() == before, "a lost ledger never means re-sending"


def test_recover_starts_from_the_newest_backup(published: Path) -> None:
    code, out = run("--sandbox", "ledger", "backup")
    assert code == ExitCode.OK, out
    (made,) = (published.parent / "backups").iterdir()
    assert made.name == f"ledger-{datetime.now(UTC).date().isoformat()}.sqlite3"
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    run("--sandbox", "cancel", "coleccion-historica", "--yes")  # before the loss, recorded
    published.unlink()
    code, out = run("--sandbox", "ledger", "recover")
    assert code == ExitCode.OK and f"Started from the backup {made}" in out, out
    assert run("--sandbox", "history")[0] == ExitCode.OK


def test_backups_are_daily_and_kept_backup_days(published: Path, workspace: Path) -> None:
    with (workspace / "config.yaml").open("a", encoding="utf-8") as config:
        config.write("\nledger:\n  backup_days: 3\n")
    folder = published.parent / "backups"
    folder.mkdir()
    today = datetime.now(UTC).date()
    old = [folder / f"ledger-{today - timedelta(days=n)}.sqlite3" for n in (1, 2, 3, 9)]
    for path in old:
        path.write_bytes(b"")
    assert run("--sandbox", "run-due")[0] == ExitCode.OK  # cron's run backs up once a day
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"ledger-{today - timedelta(days=n)}.sqlite3" for n in (0, 1, 2))
    db = sqlite3.connect(folder / f"ledger-{today}.sqlite3")
    try:
        assert db.execute("SELECT COUNT(*) FROM publications").fetchone()[0] > 0
    finally:
        db.close()


def test_recover_finds_what_went_out_after_the_backup(published: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    Path("posts/encuesta.yaml").write_text(
        "category: invitar-comentarios\ntext: ¿Qué libro nos recomienda leer?\n"
        "schedule:\n  at: 2026-12-18 12:30\n", encoding="utf-8")
    assert run("--sandbox", "post", "posts/encuesta.yaml", "--yes")[0] == ExitCode.OK
    assert run("--sandbox", "ledger", "backup")[0] == ExitCode.OK  # it is queued there
    assert run("--sandbox", "post", "posts/encuesta.yaml", "--now", "--yes")[0] == ExitCode.OK
    published.unlink()
    code, out = run("--sandbox", "ledger", "recover")
    assert code == ExitCode.OK and "Started from the backup" in out, out
    rows = json.loads(run("--sandbox", "history", "--json", "--post", "encuesta")[1])
    assert [(r["platform"], r["status"]) for r in sorted(rows, key=lambda r: r["platform"])] \
        == [("facebook", "published"), ("twitter", "published")]
    monkeypatch.setenv("BMNSOCIAL_NOW", "2026-12-18T12:31:00-05:00")  # its time has come
    code, out = run("--sandbox", "run-due")
    assert code == ExitCode.OK, out
    shown = json.loads(run("sandbox", "show", "--json")[1])
    assert sum("recomienda" in json.dumps(r, ensure_ascii=False) for r in shown) == 2, \
        "once on each platform"


def test_the_commented_ledger_example_in_config_yaml_is_valid(tmp_path: Path) -> None:
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    example = "# ledger:\n#   backup_days: 14"
    assert example in text
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(example, "ledger:\n  backup_days: 30"), encoding="utf-8")
    assert load_config(path).ledger.backup_days == 30
    path.write_text(text.replace(example, "ledger:\n  backup_days: 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match="backup_days"):
        load_config(path)
