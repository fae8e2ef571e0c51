"""Both fakes in a process of their own, for benchmarks that time a client (not a benchmark).

In production the platforms are remote: their work never competes with ours for the GIL. Fakes
served from the benchmark's own process would (their server threads run between the timed
code's bytecodes), so a benchmark that times the client starts them here, in a child process,
and talks to them over HTTP only: their routes, the admin API's reset and published list.

Run as a script it is that child: it serves until its stdin closes (the parent exits or closes
it), after printing the routes as one JSON line.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import requests

from bmnsocial.sandbox.fake_x import DEFAULT_RATE_LIMITS
from bmnsocial.sandbox.platforms import Sandbox

# X's real limit of 100 tweets per 15 min (which the fake enforces) would stop a round.
UNLIMITED_X = {**DEFAULT_RATE_LIMITS, "POST /2/tweets": 10**9}


def default_signals() -> None:
    """``preexec_fn``: SIGINT and SIGTERM as a fresh process has them, whatever the benchmark
    was started with (``python bench.py &`` ignores SIGINT), so Ctrl-C stops the fakes too."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class FakesProcess:
    """The fakes (in memory, X without its posting limit) served by a child process."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.routes: dict[str, str] = {}
        self.session = requests.Session()

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, preexec_fn=default_signals)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.__exit__(None, None, None)
            raise SystemExit("the fakes' process ended before serving")
        self.routes = json.loads(line)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.close()
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)

    def _bases(self) -> set[str]:
        return set(self.routes.values())

    def reset(self) -> None:
        for base in self._bases():
            self.session.post(f"{base}/__sandbox__/reset", timeout=10).raise_for_status()

    def published(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for base in self._bases():
            answer = self.session.get(f"{base}/__sandbox__/published", timeout=60)
            answer.raise_for_status()
            items.extend(answer.json()["data"])
        return items


def serve() -> None:
    with Sandbox(x_options={"rate_limits": UNLIMITED_X}) as sandbox:
        print(json.dumps(sandbox.routes), flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or exits)


if __name__ == "__main__":
    serve()
