"""A progress bar for long work on a terminal only: never in pipes, logs or cron mail."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import NOW, default_signals


def many_posts(workspace: Path, n: int) -> None:
    for i in range(n):
        (workspace / "posts" / f"p{i:04d}.yaml").write_text(
            f"category: 9\ntext: Aviso número {i}\nplatforms: [facebook]\n", encoding="utf-8")


def run(workspace: Path, *, tty: bool) -> tuple[int, str]:
    env = {**os.environ, "BMNSOCIAL_NOW": NOW.isoformat(), "COLUMNS": "100"}
    command = [sys.executable, "-m", "bmnsocial", "validate"]
    if not tty:
        proc = subprocess.run(command, cwd=workspace, env=env, capture_output=True, text=True,
                              check=False, preexec_fn=default_signals)
        return proc.returncode, proc.stdout + proc.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, cwd=workspace, env=env, stdin=follower, stdout=follower,
                            stderr=follower, close_fds=True, preexec_fn=default_signals)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_bar_on_a_terminal_only(workspace: Path) -> None:
    many_posts(workspace, 250)
    code, shown = run(workspace, tty=True)
    assert code == 0 and "Validating" in shown and "100%" in shown
    code, piped = run(workspace, tty=False)
    assert code == 0 and "Validating" not in piped
    assert piped.strip().endswith("250 files checked: 250 valid, 0 invalid; 0 errors, 0 warnings.")


def test_no_bar_for_a_few_files(workspace: Path) -> None:
    many_posts(workspace, 5)
    code, shown = run(workspace, tty=True)
    assert code == 0 and "Validating" not in shown


IN_PROCESS = """
import sys
from bmnsocial.cli.main import main
try:
    main(sys.argv[1:])
finally:
    print("AFTER", flush=True)
"""


@pytest.mark.parametrize("args", [[], ["--format", "json"], ["posts/p0001.yaml"]])
def test_validate_as_a_program_says_and_exits_as_when_called(workspace: Path,
                                                             args: list[str]) -> None:
    """As the program, validate leaves without the interpreter's teardown (for speed): what
    it prints and its exit code are those of the same command called from Python, which
    goes on after it (a pipe's buffer full of output is flushed first)."""
    many_posts(workspace, 400)
    (workspace / "posts" / "p0001.yaml").write_text("category: 99\ntext: [\n", encoding="utf-8")
    for i in range(2, 400):  # a warning for each: ~100 KB of output, more than a pipe holds
        (workspace / "posts" / f"p{i:04d}.yaml").write_text(
            "category: servicios-productos\ntext: Aviso\nplatforms: [facebook]\n",
            encoding="utf-8")
    env = {**os.environ, "BMNSOCIAL_NOW": NOW.isoformat()}

    def run(command: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *command, *args], cwd=workspace, env=env,
                              capture_output=True, text=True, check=False,
                              preexec_fn=default_signals)

    program = run(["-m", "bmnsocial", "validate"])
    called = run(["-c", IN_PROCESS, "validate"])
    assert program.returncode == called.returncode == 1
    assert program.stdout + "AFTER\n" == called.stdout
    assert program.stderr == called.stderr
    assert len(program.stdout) > 65536 or args
