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
from bmnsocial.sandbox.fake_telegram import SANDBOX_BOT_TOKEN, SANDBOX_CHECK_CHAT
from tests.helpers import ANSWER_TIMEOUT, HOLD, REPO, default_signals
from tests.sitehelp import PATIENCE, wait_for

SECRETS = [v for creds in SANDBOX_CREDENTIALS.values() for k, v in creds.items()
           if k != "page_id"] + [SANDBOX_BOT_TOKEN]


def bmnsocial(*args: str) -> list[str]:
    return [sys.executable, "-m", "bmnsocial", *args]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], dict[str, str]]]:
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
    # Telegram confirms a send through the administrator's chat (the fake's, in the sandbox).
    text = (work / "config.yaml").read_text(encoding="utf-8")
    (work / "config.yaml").write_text(text.replace(
        '# check_chat: "123456789"', f'check_chat: "{SANDBOX_CHECK_CHAT["id"]}"'),
        encoding="utf-8")
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
    routes = json.loads(endpoints.read_text())["routes"]
    try:
        yield work, env, routes
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


# platform -> (its public origin, the path of a publication, the start of a post's URL)
VICTIMS = {
    "twitter": ("https://api.x.com", "/2/tweets", "https://x.com/BMN_Cuba/status/"),
    "telegram": ("https://api.telegram.org", "/bot*/sendMessage", "https://t.me/bmn_cuba/"),
}


@pytest.mark.parametrize("platform", sorted(VICTIMS))
def test_sigkill_between_the_platform_and_the_ledger(
        served: tuple[Path, dict[str, str], dict[str, str]], platform: str) -> None:
    work, env, routes = served
    origin, path, url = VICTIMS[platform]
    x_url = routes[origin]
    home = Path(env["BMNSOCIAL_HOME"])
    requests.post(f"{x_url}/__sandbox__/faults", json={
        "kind": "slow_response", "path": path, "method": "POST", "delay": HOLD},
        timeout=ANSWER_TIMEOUT).raise_for_status()
    command = bmnsocial("-vv", "--sandbox", "post", "posts/pregunta-lecturas.yaml", "--now",
                        "--yes", "--platform", platform)
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
    assert f"published {url}" in again.stdout

    tweets = published()
    assert len(tweets) == 1
    (row,) = ledger_rows(home)
    assert row["status"] == "published" and row["url"] == tweets[0]["url"]
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
