from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import REPO, default_signals

UNIT = REPO / "deploy" / "bmnsocial.service"
POSTS_UNIT = REPO / "deploy" / "bmnsocial-posts.service"
POSTS_TIMER = REPO / "deploy" / "bmnsocial-posts.timer"


def test_unit_runs_the_daemon_with_a_clean_stop() -> None:
    text = UNIT.read_text()
    assert "ExecStart=/srv/bmnsocial/.venv/bin/bmnsocial daemon" in text
    assert "KillSignal=SIGTERM" in text and "Restart=always" in text
    assert "EnvironmentFile=" in text and "TOKEN" not in text


def test_systemd_analyze_verify() -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here")
    proc = subprocess.run([tool, "verify", str(UNIT), str(POSTS_UNIT), str(POSTS_TIMER)],
                          capture_output=True, text=True, check=False,
                          preexec_fn=default_signals)
    # The server's virtual environment does not exist on a test machine; nothing else may fail.
    expected = "Command /srv/bmnsocial/.venv/bin/bmnsocial is not executable"
    problems = [line for line in proc.stderr.splitlines()
                if line.strip() and expected not in line]
    assert problems == [], proc.stderr


@pytest.mark.parametrize("unit", [UNIT, POSTS_UNIT])
def test_units_are_hardened(unit: Path) -> None:
    """`systemd-analyze security` rates each unit OK or better (it rated the first unit 8.5
    EXPOSED): the daemon cannot write outside its state directory, gain privileges or reach
    the kernel's settings."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here")
    proc = subprocess.run([tool, "security", "--offline=true", str(unit)], capture_output=True,
                          text=True, check=False, preexec_fn=default_signals)
    found = re.search(r"Overall exposure level for [\w.-]+: ([\d.]+) (\w+)", proc.stdout)
    assert found, proc.stdout + proc.stderr
    assert float(found.group(1)) <= 2.0 and found.group(2) in ("OK", "SAFE", "PERFECT")


def test_fetching_posts_runs_apart_from_publishing() -> None:
    service = POSTS_UNIT.read_text()
    assert "ExecStart=/usr/bin/git pull -q --ff-only" in service
    assert re.search(r"^TimeoutStartSec=\d+$", service, re.M), "a stalled pull must be killed"
    assert "Type=oneshot" in service
    assert "OnUnitInactiveSec=" in POSTS_TIMER.read_text()
    assert not re.search(r"^Exec\w*=.*\bgit\b", UNIT.read_text(), re.M)  # never waits for git


def test_the_unit_waits_long_enough_for_a_request_in_flight() -> None:
    """The daemon stops after the request in flight, media uploads included (at most
    publish.timeout_seconds + 5 s): systemd must not kill it before (docs/deploy.md)."""
    from bmnsocial.config import PublishSettings

    (stop,) = re.findall(r"^TimeoutStopSec=(\d+)$", UNIT.read_text(), re.M)
    assert int(stop) >= PublishSettings().timeout_seconds + 5
