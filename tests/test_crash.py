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
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from tests.helpers import REPO

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
    env = {**os.environ, "BMNSOCIAL_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("BMNSOCIAL_NOW", None)
    server = subprocess.Popen(bmnsocial("sandbox", "serve"), cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    endpoints = home / "sandbox" / "platforms" / "endpoints.json"
    for _ in range(200):
        if endpoints.exists():
            break
        time.sleep(0.05)
    else:
        server.kill()
        pytest.fail("sandbox serve did not start: " + (server.stderr.read() if server.stderr
                                                         else ""))
    x_url = json.loads(endpoints.read_text())["routes"]["https://api.x.com"]
    try:
        yield work, env, x_url
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=10)
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
        "kind": "slow_response", "path": "/2/tweets", "method": "POST", "delay": 30},
        timeout=5).raise_for_status()
    command = bmnsocial("-vv", "--sandbox", "post", "posts/pregunta-lecturas.yaml", "--now",
                        "--yes", "--platform", "twitter")
    victim = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        published = requests.get(f"{x_url}/__sandbox__/published", timeout=5).json()["data"]
        if published:
            break
        time.sleep(0.05)
    else:
        victim.kill()
        pytest.fail("the post never reached the fake")
    victim.kill()  # SIGKILL: no cleanup, no ledger update
    out1, err1 = victim.communicate(timeout=10)
    (row,) = ledger_rows(home)
    assert row["status"] == "sending" and row["platform_post_id"] is None

    requests.delete(f"{x_url}/__sandbox__/faults", timeout=5).raise_for_status()
    again = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True,
                           timeout=60, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "published https://x.com/BMN_Cuba/status/" in again.stdout

    tweets = requests.get(f"{x_url}/__sandbox__/published", timeout=5).json()["data"]
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
