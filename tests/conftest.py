from __future__ import annotations

import shutil
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bmnsocial import i18n, timeutil
from bmnsocial.config import Config, load_config
from tests.helpers import NOW, REPO, WritePost

# Property tests judge results, never speed: a loaded machine must not fail them (Hypothesis's
# default 200 ms deadline per example, its "data generation too slow" health check).
settings.register_profile("bmnsocial", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bmnsocial")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # BMNSOCIAL_NOW runs on from when the process started, and in-process commands share the
    # test run's process: each test starts at the time it sets, however long the run so far.
    monkeypatch.setattr(timeutil, "_started", time.monotonic())
    for var in ("BMNSOCIAL_CONFIG", "BMNSOCIAL_HOME", "BMNSOCIAL_NOW", "BMNSOCIAL_SANDBOX"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BMNSOCIAL_HOME", str(tmp_path / "state"))
    # The suite asserts English messages, whatever the machine's LANG; subprocesses inherit it.
    monkeypatch.setenv("BMNSOCIAL_LANG", "en")
    i18n.install("en")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's config, posts and media in a temp dir, as the cwd."""
    root = tmp_path / "ws"
    root.mkdir()
    # The suite's flows were written for two platforms: posts go to Telegram only when they
    # name it (tests/test_platform_contract.py runs the sample config as it is).
    (root / "config.yaml").write_text((REPO / "config.yaml").read_text(encoding="utf-8").replace(
        "platforms: [facebook, twitter, telegram]", "platforms: [facebook, twitter]"),
        encoding="utf-8")
    (root / "posts").mkdir()
    shutil.copytree(REPO / "posts" / "media", root / "posts" / "media")
    monkeypatch.chdir(root)
    monkeypatch.setenv("BMNSOCIAL_NOW", NOW.isoformat())
    return root


@pytest.fixture
def config(workspace: Path) -> Config:
    return load_config(workspace / "config.yaml")


@pytest.fixture
def write_post(workspace: Path) -> WritePost:
    def write(name: str, body: str | bytes) -> Path:
        path = workspace / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def no_leaked_threads() -> Iterator[None]:
    """After the test, no fake platform server thread is left running."""
    yield
    for thread in threading.enumerate():
        if "-fake-" in thread.name:
            thread.join(timeout=60)  # one ending its last request may end; a leaked one never
    leaked = [t.name for t in threading.enumerate() if "-fake-" in t.name]
    assert leaked == []
