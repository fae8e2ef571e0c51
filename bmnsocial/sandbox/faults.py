"""Fault plans shared by the fake servers.

``server.faults.add(kind, times=1, path=None, method=None, delay=0.0)`` makes the
next ``times`` matching API calls fail in the given way. ``path`` is matched
against the request path without its query, with shell-style wildcards
(``"/2/media/upload/*/append"``, ``"/v*/*/feed"``); ``None`` matches every path.
``method`` is case-insensitive; ``None`` matches every method. Plans are used in
the order they were added. A fake may add kinds of its own (``extra_kinds``: the Graph
fake's ``graph_4`` … ``graph_190_492`` are Graph's error answers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal, get_args

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "FaultPlan"]

FaultKind = Literal[
    "http500", "http503", "http429", "timeout", "reset", "html", "latency", "lost_response",
    "slow_response",
    # X only: its monthly usage cap (429) and an app outside a Project (403)
    "usage_capped", "client_not_enrolled",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass
class Fault:
    """One planned fault.

    ``timeout`` holds the connection for ``delay`` seconds (0: until the server
    stops) and then closes it without an answer; ``latency`` waits ``delay``
    seconds and then answers normally; ``http429`` announces a reset ``delay``
    seconds ahead (0: 15 minutes); ``slow_response`` processes (and stores) the
    request at once, then waits ``delay`` seconds before answering — the window in
    which a client can die after the platform acted. The request is processed only
    for ``latency``, ``lost_response`` and ``slow_response``. ``usage_capped`` and
    ``client_not_enrolled`` are X's answers of those names (fake_x.py).
    """

    kind: FaultKind
    times: int = 1
    path: str | None = None
    method: str | None = None
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatchcase(path, self.path)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultPlan:
    """Thread-safe queue of planned faults."""

    def __init__(self, extra_kinds: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.kinds: tuple[str, ...] = (*FAULT_KINDS, *extra_kinds)

    def add(
        self,
        kind: FaultKind | str,
        times: int = 1,
        path: str | None = None,
        method: str | None = None,
        delay: float = 0.0,
    ) -> Fault:
        if kind not in self.kinds:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {self.kinds}")
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise ValueError("times must be a positive integer")
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
            raise ValueError("delay must be a non-negative number")
        if path is not None and not isinstance(path, str):
            raise ValueError("path must be a string")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        fault = Fault(kind, times, path, method, float(delay))  # type: ignore[arg-type]
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this call, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return Fault(fault.kind, 1, fault.path, fault.method, fault.delay)
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [Fault(f.kind, f.times, f.path, f.method, f.delay) for f in self._faults]

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)
