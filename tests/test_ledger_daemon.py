"""The daemon and a ledger that cannot record or was lost, with real processes: a full disk
(a file-size limit put on the running daemon, so every write that grows the ledger fails as
on a full disk) and a write-ahead log deleted under the daemon before a power cut (SIGKILL)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers import ANSWER_TIMEOUT, HOLD, REPO, default_signals
from tests.sitehelp import PATIENCE, wait_for


def bmnsocial(*args: str) -> list[str]:
    return [sys.executable, "-m", "bmnsocial", *args]


def no_core_on_a_full_file() -> None:
    """A write past the file-size limit fails with EFBIG, as on a full disk, instead of
    killing the process (SIGXFSZ)."""
    default_signals()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.home = tmp_path / "home"
        self.work = tmp_path / "work"
        (self.work / "posts").mkdir(parents=True)
        shutil.copy(REPO / "config.yaml", self.work)
        shutil.copy(REPO / "posts" / "pregunta-lecturas.yaml", self.work / "posts")
        # X only: recovery asks each platform with queued rows what it published, and the
        # sample config's Telegram channel has no check_chat to read it with (docs/telegram.md).
        with (self.work / "posts" / "pregunta-lecturas.yaml").open("a", encoding="utf-8") as post:
            post.write("platforms: [twitter]\n")
        with (self.work / "config.yaml").open("a", encoding="utf-8") as config:
            config.write("\npublish:\n  timeout_seconds: 600\ndaemon:\n  poll_seconds: 1\n")
        self.env = {**os.environ, "BMNSOCIAL_HOME": str(self.home), "PYTHONUNBUFFERED": "1"}
        self.env.pop("BMNSOCIAL_NOW", None)
        self.server: subprocess.Popen[str] | None = None
        self.x_url = ""
        self.ledger = self.home / "sandbox" / "ledger.sqlite3"

    def serve(self) -> None:
        endpoints = self.home / "sandbox" / "platforms" / "endpoints.json"
        endpoints.unlink(missing_ok=True)
        self.server = subprocess.Popen(bmnsocial("sandbox", "serve"), cwd=self.work,
                                       env=self.env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True,
                                       preexec_fn=default_signals)
        server = self.server
        wait_for(lambda: endpoints.exists() or server.poll() is not None, "sandbox serve")
        assert server.poll() is None, server.communicate()[1]
        self.x_url = json.loads(endpoints.read_text())["routes"]["https://api.x.com"]

    def stop_serving(self) -> None:
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            self.server.communicate(timeout=PATIENCE)
            self.server = None

    def tweets(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.x_url}/__sandbox__/published",
                                 timeout=ANSWER_TIMEOUT).json()["data"])

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(bmnsocial("--sandbox", *args), cwd=self.work, env=self.env,
                              capture_output=True, text=True, timeout=PATIENCE, check=False,
                              preexec_fn=default_signals)

    def queue_due_now(self) -> None:
        """The sample queued for a moment from now (told to a CLI run an hour earlier), so
        the daemon on the real clock finds it due at once."""
        due = datetime.now(UTC) + timedelta(seconds=2)
        queued = subprocess.run(
            bmnsocial("--sandbox", "post", "posts/pregunta-lecturas.yaml", "--platform",
                      "twitter", "--at", due.isoformat(timespec="seconds"), "--yes"),
            cwd=self.work, env={**self.env, "BMNSOCIAL_NOW": (due - timedelta(hours=1))
                                .isoformat()}, capture_output=True, text=True,
            timeout=PATIENCE, check=False, preexec_fn=default_signals)
        assert queued.returncode == 0, queued.stdout + queued.stderr

    def daemon(self) -> subprocess.Popen[str]:
        return subprocess.Popen(bmnsocial("--sandbox", "daemon"), cwd=self.work, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=no_core_on_a_full_file)

    def rows(self) -> list[dict[str, Any]]:
        """The rows of the occurrence queued with --at (the daemon's sync queues the file's
        own later one too)."""
        db = sqlite3.connect(f"file:{self.ledger}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute("SELECT * FROM publications WHERE pinned")]
        finally:
            db.close()

    def heartbeat(self) -> dict[str, Any]:
        try:
            data = json.loads((self.home / "sandbox" / "heartbeat.json").read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    s = Setup(tmp_path)
    s.serve()
    try:
        yield s
    finally:
        s.stop_serving()


def test_a_full_disk_stops_the_daemon_once_and_a_restart_reconciles(setup: Setup) -> None:
    requests.post(f"{setup.x_url}/__sandbox__/faults", json={
        "kind": "slow_response", "path": "/2/tweets", "method": "POST", "delay": HOLD},
        timeout=ANSWER_TIMEOUT).raise_for_status()
    setup.queue_due_now()
    daemon = setup.daemon()
    try:
        wait_for(lambda: setup.tweets() or daemon.poll() is not None, "the tweet at the fake")
        # The disk fills while X holds its answer: the ledger's log cannot grow any more.
        wal = setup.ledger.with_name("ledger.sqlite3-wal")
        limit = wal.stat().st_size
        assert limit > 8192, "the heartbeat (a small file) can still be written"
        resource.prlimit(daemon.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        setup.stop_serving()  # X's answer never comes: the outcome must be recorded
        first = wait_for(lambda: (setup.heartbeat().get("problem") or daemon.poll() is not None),
                         "the daemon to say it stopped publishing")
        assert first["code"] == "ledger-full", first
        said = setup.heartbeat()["at"]
        wait_for(lambda: setup.heartbeat().get("at") != said, "the next poll")
        status = setup.run("status", "--json")
        assert status.returncode == 5, status.stdout + status.stderr
        health = json.loads(status.stdout)
        assert "ledger-full" in health["problem_codes"]
        assert any("cannot record what happens" in p and str(setup.home / "sandbox") in p
                   for p in health["problems"]), health
    finally:
        daemon.send_signal(signal.SIGTERM)
        _out, err = daemon.communicate(timeout=PATIENCE)
    assert daemon.returncode == 0, err
    assert err.count("cannot record what happens") == 1, err  # said once, no log flood
    assert "Traceback" not in err
    (row,) = setup.rows()
    assert row["status"] == "sending", "published, not recorded"

    setup.serve()
    again = setup.run("run-due")
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(setup.tweets()) == 1, "reconciled, never sent twice"
    (row,) = setup.rows()
    assert row["status"] == "published" and row["attempts"] == 1


def test_a_log_deleted_under_the_daemon_then_a_power_cut_is_exit_7(setup: Setup) -> None:
    setup.queue_due_now()
    daemon = setup.daemon()
    try:
        wait_for(lambda: any(r["status"] == "published" for r in setup.rows())
                 or daemon.poll() is not None, "the daemon to publish")
        seen = datetime.now(UTC)
        wait_for(lambda: datetime.fromisoformat(setup.heartbeat().get("at") or
                                                "2000-01-01T00:00:00+00:00") > seen,
                 "a poll after the publication")
        setup.ledger.with_name("ledger.sqlite3-wal").unlink()
        problem = wait_for(lambda: setup.heartbeat().get("problem") or daemon.poll() is not None,
                           "the daemon to notice")
        assert problem["code"] == "ledger-replaced", problem
    finally:
        daemon.kill()  # the power cut: what only the deleted log held is gone
        _out, err = daemon.communicate(timeout=PATIENCE)
    assert "was deleted or replaced while bmnsocial had it open" in err
    assert len(setup.tweets()) == 1
    again = setup.run("run-due")
    assert again.returncode == 7, again.stdout + again.stderr
    assert "was deleted or lost in a power cut" in again.stderr
    assert "bmnsocial ledger recover" in again.stderr
    assert len(setup.tweets()) == 1, "nothing sent again"

    # The daemon saved what it saw as today's backup: recovery starts from it.
    recovered = setup.run("ledger", "recover")
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert "Started from the backup" in recovered.stdout
    (row,) = setup.rows()
    assert row["status"] == "published"
    assert setup.run("run-due").returncode == 0
    assert len(setup.tweets()) == 1
