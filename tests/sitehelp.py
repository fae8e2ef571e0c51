"""A bmnsocial installation in a temp folder, driven through real processes: `sandbox serve`
for the fake platforms, and the CLI (daemon, run-due, post) as separate processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from bmnsocial.schedule.sync import SETTLE_SECONDS
from tests.helpers import ANSWER_TIMEOUT, REPO, default_signals

# A normal answer of the fakes may take as long as a loaded machine needs: a client timeout
# here is a safety net, never a window (a test that wants timeouts sets its own).
EXTRA_CONFIG = f"""
publish:
  timeout_seconds: {int(ANSWER_TIMEOUT)}
  retry_base_seconds: 1
daemon:
  poll_seconds: 1
  late_after_minutes: 600
  max_catchup_per_hour: 100
"""
# How long a test waits for a process to do something: only a safety net against a hang.
PATIENCE = 120.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = PATIENCE,
             step: float = 0.1) -> Any:
    """Polls ``condition`` until it is true: waits for an event, however slow the machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Child:
    """A running bmnsocial process whose stderr is collected as it comes."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def send(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout: float = PATIENCE) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=PATIENCE)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return code

    def stop(self, sig: int = signal.SIGTERM, timeout: float = PATIENCE) -> int:
        self.send(sig)
        return self.wait(timeout)


@dataclass
class Site:
    root: Path
    env: dict[str, str]
    server: subprocess.Popen[str] | None = None
    routes: dict[str, str] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path, extra_config: str = EXTRA_CONFIG) -> Site:
        work = root / "work"
        (work / "posts").mkdir(parents=True)
        config = (REPO / "config.yaml").read_text(encoding="utf-8") + extra_config
        (work / "config.yaml").write_text(config, encoding="utf-8")
        shutil.copytree(REPO / "posts" / "media", work / "posts" / "media")
        env = {**os.environ, "BMNSOCIAL_HOME": str(root / "home"), "PYTHONUNBUFFERED": "1",
               "BMNSOCIAL_SANDBOX": "1"}
        env.pop("BMNSOCIAL_NOW", None)
        return cls(work, env)

    @property
    def home(self) -> Path:
        return Path(self.env["BMNSOCIAL_HOME"]) / "sandbox"

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bmnsocial", *args]

    def serve(self) -> None:
        server = self.server = subprocess.Popen(
            self.command("sandbox", "serve"), cwd=self.root, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=default_signals)
        endpoints = self.home / "platforms" / "endpoints.json"
        wait_for(lambda: endpoints.exists() or server.poll() is not None, "sandbox serve")
        assert server.poll() is None, server.communicate(timeout=PATIENCE)
        self.routes = json.loads(endpoints.read_text())["routes"]

    def run(self, *args: str, timeout: float = PATIENCE,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), cwd=self.root, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout, check=False,
                              preexec_fn=default_signals)

    def spawn(self, *args: str, env: dict[str, str] | None = None,
              preexec_fn: Callable[[], None] = default_signals) -> Child:
        child = Child(subprocess.Popen(self.command(*args), cwd=self.root,
                                       env={**self.env, **(env or {})},
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       text=True, preexec_fn=preexec_fn))
        self.children.append(child)
        return child

    def fake_url(self, platform: str) -> str:
        return self.routes[{"twitter": "https://api.x.com",
                            "telegram": "https://api.telegram.org"}.get(
            platform, "https://graph.facebook.com")]

    def published(self, platform: str) -> list[dict[str, Any]]:
        r = requests.get(f"{self.fake_url(platform)}/__sandbox__/published",
                         timeout=ANSWER_TIMEOUT)
        r.raise_for_status()
        return list(r.json()["data"])

    def fault(self, platform: str, **plan: Any) -> None:
        requests.post(f"{self.fake_url(platform)}/__sandbox__/faults", json=plan,
                      timeout=ANSWER_TIMEOUT).raise_for_status()

    def clear_faults(self) -> None:
        for platform in ("twitter", "facebook", "telegram"):
            requests.delete(f"{self.fake_url(platform)}/__sandbox__/faults",
                            timeout=ANSWER_TIMEOUT).raise_for_status()

    def rows(self) -> list[dict[str, Any]]:
        path = self.home / "ledger.sqlite3"
        if not path.exists():
            return []
        db = sqlite3.connect(path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute("SELECT * FROM publications ORDER BY id")]
        except sqlite3.OperationalError:
            return []
        finally:
            db.close()

    def write_post(self, name: str, text: str, at: datetime | None = None,
                   platforms: str = "[facebook, twitter]") -> Path:
        schedule = f"schedule: {{at: '{at.isoformat(timespec='seconds')}'}}\n" if at else ""
        path = self.root / "posts" / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"category: 9\ntext: {json.dumps(text, ensure_ascii=False)}\n"
                       f"platforms: {platforms}\n{schedule}", encoding="utf-8")
        tmp.replace(path)  # like git: the file appears whole
        # ...and settled: a sync queues a file only once it has not changed for SETTLE_SECONDS
        settled = time.time() - SETTLE_SECONDS - 1
        os.utime(path, (settled, settled))
        return path

    def close(self) -> None:
        for child in self.children:
            child.stop(signal.SIGKILL)
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            self.server.communicate(timeout=PATIENCE)


@contextmanager
def served(root: Path, extra_config: str = EXTRA_CONFIG) -> Iterator[Site]:
    """A site with its fakes served (``sandbox serve``), closed afterwards."""
    site = Site.create(root, extra_config)
    site.serve()
    try:
        yield site
    finally:
        site.close()
