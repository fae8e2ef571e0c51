"""Each exit code in bmnsocial.cli.exitcodes, produced for real by a command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import click
import pytest
import requests
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import DESCRIPTIONS, ExitCode
from bmnsocial.cli.root import COMMANDS, cli
from bmnsocial.secrets import MASK, register
from tests.helpers import ANSWER_TIMEOUT, REPO, default_signals, ignored_signals
from tests.sitehelp import PATIENCE, Site, wait_for


def invoke(*args: str) -> int:
    return CliRunner().invoke(cli, list(args)).exit_code


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    s = Site.create(tmp_path)
    s.serve()
    (s.root / "posts" / "a.yaml").write_text(
        (REPO / "posts" / "pregunta-lecturas.yaml").read_text(encoding="utf-8"))
    try:
        yield s
    finally:
        s.close()


def ok(workspace: Path) -> int:
    return invoke("categories")


def invalid(workspace: Path) -> int:
    (workspace / "posts" / "a.yaml").write_text("category: 99\n")
    return invoke("validate")


def usage(workspace: Path) -> int:
    return invoke("validate", "--format", "xml")


def unhealthy(workspace: Path) -> int:
    return invoke("--sandbox", "status")


def state_unusable(workspace: Path) -> int:
    ledger = Path(os.environ["BMNSOCIAL_HOME"]) / "ledger.sqlite3"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    ledger.write_bytes(b"not a database, " * 512)
    return invoke("queue")


@click.command()
def explode() -> None:
    raise RuntimeError(f"bug while holding {SECRET}")


SECRET = "AAAAsecret-token-value-0123456789"


def internal_error(workspace: Path) -> int:
    # A command that fails the way a bug would, registered like any other (no command of
    # ours can be made to crash on purpose; that is the point of the fallback).
    register(SECRET)
    with mock.patch.dict(COMMANDS, {"explode": f"{__name__}:explode"}):
        result = CliRunner().invoke(cli, ["explode"])
    assert "Traceback" not in result.output and SECRET not in result.output, result.output
    assert f"internal error (RuntimeError: bug while holding {MASK})" in result.output
    return result.exit_code


CLI_CASES: dict[ExitCode, Callable[[Path], int]] = {
    ExitCode.OK: ok, ExitCode.INVALID: invalid, ExitCode.USAGE: usage,
    ExitCode.UNHEALTHY: unhealthy, ExitCode.STATE_UNUSABLE: state_unusable,
    ExitCode.INTERNAL_ERROR: internal_error,
}
PROCESS_CASES = {ExitCode.PUBLISH_FAILED, ExitCode.PENDING, ExitCode.ALREADY_RUNNING,
                 ExitCode.INTERRUPTED, ExitCode.BROKEN_PIPE}


def test_every_code_is_described_and_tested() -> None:
    assert set(DESCRIPTIONS) == set(ExitCode)
    assert set(CLI_CASES) | PROCESS_CASES == set(ExitCode)


@pytest.mark.parametrize("code", sorted(CLI_CASES))
def test_in_process(code: ExitCode, workspace: Path) -> None:
    assert CLI_CASES[code](workspace) == code


def test_publish_failed(site: Site) -> None:
    requests.post(f"{site.fake_url('twitter')}/__sandbox__/auth", json={"state": "expired"},
                  timeout=ANSWER_TIMEOUT).raise_for_status()
    done = site.run("post", "posts/a.yaml", "--now", "--yes")
    assert done.returncode == ExitCode.PUBLISH_FAILED, done.stdout + done.stderr
    assert "twitter" in done.stdout and "FAILED" in done.stdout


def test_pending(site: Site) -> None:
    site.fault("facebook", kind="http503", times=100)
    done = site.run("post", "posts/a.yaml", "--now", "--yes", "--wait", "0")
    assert done.returncode == ExitCode.PENDING, done.stdout + done.stderr
    assert "not yet published" in done.stdout


def test_already_running(site: Site) -> None:
    # Started with SIGINT and SIGTERM ignored (a script's background job, a careless init
    # script): the daemon still stops on SIGTERM, as a service manager expects.
    daemon = site.spawn("daemon", preexec_fn=ignored_signals)
    wait_for(lambda: "daemon started" in daemon.stderr, "the daemon")
    assert site.run("daemon").returncode == ExitCode.ALREADY_RUNNING
    assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr


def test_interrupted(site: Site) -> None:
    site.fault("facebook", kind="http503", times=100)
    # As when the test run is a script's background job (`pytest &`), which ignores SIGINT:
    # the child must not inherit that (tests.helpers.default_signals).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = site.spawn("-v", "post", "posts/a.yaml", "--now", "--yes", "--wait", "120")
    finally:
        signal.signal(signal.SIGINT, previous)
    wait_for(lambda: "retrying in" in child.stderr, "the first retry")
    assert child.stop(signal.SIGINT) == ExitCode.INTERRUPTED
    assert "Interrupted." in child.stderr and "Traceback" not in child.stderr


def test_broken_pipe(tmp_path: Path) -> None:
    # A pipe whose reader is already gone, like `bmnsocial categories | head -0`.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "bmnsocial", "categories"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=PATIENCE, cwd=tmp_path,
                              preexec_fn=default_signals)
    finally:
        os.close(write_end)
    assert done.returncode == ExitCode.BROKEN_PIPE
    assert done.stderr == ""
