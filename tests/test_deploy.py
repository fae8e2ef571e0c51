from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.helpers import REPO, default_signals

UNIT = REPO / "deploy" / "bmnsocial.service"


def test_unit_runs_the_daemon_with_a_clean_stop() -> None:
    text = UNIT.read_text()
    assert "ExecStart=/srv/bmnsocial/.venv/bin/bmnsocial daemon" in text
    assert "KillSignal=SIGTERM" in text and "Restart=always" in text
    assert "EnvironmentFile=" in text and "TOKEN" not in text


def test_systemd_analyze_verify() -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here")
    proc = subprocess.run([tool, "verify", str(UNIT)], capture_output=True, text=True,
                          check=False, preexec_fn=default_signals)
    # The server's virtual environment does not exist on a test machine; nothing else may fail.
    expected = "Command /srv/bmnsocial/.venv/bin/bmnsocial is not executable"
    problems = [line for line in proc.stderr.splitlines()
                if line.strip() and expected not in line]
    assert problems == [], proc.stderr
