"""SIGKILL after the platform received the post but before the ledger heard back: on restart
the row is reconciled, the post exists exactly once and the ledger says 'published'. The same
run checks that nothing secret reaches the output or any file, at DEBUG level."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from tests.helpers import ANSWER_TIMEOUT, HOLD, REPO, default_signals
from tests.sitehelp import PATIENCE, wait_for

SECRETS = [v for creds in SANDBOX_CREDENTIALS.values() for k, v in creds.items()
           if k != "page_id"]


def bmnsocial(*args: str) -> list[str]:
    return [sys.executable, "-m", "bmnsocial", *args]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], str]]:
    home = tmp_path / "home"
    work = tmp_path / "work"
    (work / "posts").mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", work)
    shutil.copytree(REPO / "posts" / "media", work / "posts" / "media")
    shutil.copy(REPO / "posts" / "pregunta-lecturas.yaml", work / "posts")
    # The victim waits for the fake's answer until the test kills it, however slow the
    # machine: only the kill may end that request.
    with (work / "config.yaml").open("a", encoding="utf-8") as config:
        config.write("\npublish:\n  timeout_seconds: 600\n")
    env = {**os.environ, "BMNSOCIAL_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("BMNSOCIAL_NOW", None)
    server = subprocess.Popen(bmnsocial("sandbox", "serve"), cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              preexec_fn=default_signals)
    endpoints = home / "sandbox" / "platforms" / "endpoints.json"
    try:
        wait_for(lambda: endpoints.exists() or server.poll() is not None, "sandbox serve")
    finally:
        if server.poll() is not None or not endpoints.exists():
            server.kill()
            pytest.fail("sandbox serve did not start: " + server.communicate()[1])
    x_url = json.loads(endpoints.read_text())["routes"]["https://api.x.com"]
    try:
        yield work, env, x_url
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=PATIENCE)
        assert server.returncode == 0, err
        assert not any(s in out + err for s in SECRETS), "serve printed a secret"


def ledger_rows(home: Path) -> list[dict[str, object]]:
    db = sqlite3.connect(home / "sandbox" / "ledger.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM publications")]
    finally:
        db.close()


def test_sigkill_between_the_platform_and_the_ledger(
        served: tuple[Path, dict[str, str], str]) -> None:
    work, env, x_url = served
    home = Path(env["BMNSOCIAL_HOME"])
    requests.post(f"{x_url}/__sandbox__/faults", json={
        "kind": "slow_response", "path": "/2/tweets", "method": "POST", "delay": HOLD},
        timeout=ANSWER_TIMEOUT).raise_for_status()
    command = bmnsocial("-vv", "--sandbox", "post", "posts/pregunta-lecturas.yaml", "--now",
                        "--yes", "--platform", "twitter")
    victim = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)

    def published() -> list[dict[str, object]]:
        return list(requests.get(f"{x_url}/__sandbox__/published",
                                 timeout=ANSWER_TIMEOUT).json()["data"])

    try:
        wait_for(lambda: published() or victim.poll() is not None, "the post at the fake")
    finally:
        victim.kill()  # SIGKILL: no cleanup, no ledger update
    out1, err1 = victim.communicate(timeout=PATIENCE)
    assert published(), "the post never reached the fake: " + err1[-2000:]
    (row,) = ledger_rows(home)
    assert row["status"] == "sending" and row["platform_post_id"] is None

    requests.delete(f"{x_url}/__sandbox__/faults", timeout=ANSWER_TIMEOUT).raise_for_status()
    again = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True,
                           timeout=PATIENCE, check=False, preexec_fn=default_signals)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "published https://x.com/BMN_Cuba/status/" in again.stdout

    tweets = published()
    assert len(tweets) == 1
    (row,) = ledger_rows(home)
    assert row["status"] == "published" and row["platform_post_id"] == tweets[0]["id"]
    assert row["attempts"] == 1, "reconciled, never sent a second time"

    everything = out1 + err1 + again.stdout + again.stderr
    assert "DEBUG" in everything, "the run really logged at DEBUG"
    for secret in SECRETS:
        assert secret not in everything
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in data, f"{secret[:6]}… in {path}"
