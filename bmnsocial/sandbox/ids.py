"""Time-ordered numeric ids shaped like the platforms' own."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

__all__ = ["IdGenerator", "fbtrace_id"]

TWITTER_EPOCH_MS = 1288834974657
_FB_EPOCH_MS = 1704067200000  # 2024-01-01
_FB_BASE = 122_000_000_000_000_000


class IdGenerator:
    """Strictly increasing ids; ``style`` is ``"snowflake"`` (X) or ``"facebook"``.

    X ids are Twitter snowflakes (milliseconds since the Twitter epoch shifted
    left by 22 bits), 19 digits today. Facebook object ids are 18-digit numbers
    starting with ``122``, like current Page post ids.
    """

    def __init__(self, style: str, clock: Callable[[], float], floor: int = 0) -> None:
        if style not in {"snowflake", "facebook"}:
            raise ValueError(style)
        self.style = style
        self.clock = clock
        self._last = floor
        self._lock = threading.Lock()

    def _raw(self) -> int:
        ms = int(self.clock() * 1000)
        if self.style == "snowflake":
            return (ms - TWITTER_EPOCH_MS) << 22
        return _FB_BASE + ((ms - _FB_EPOCH_MS) << 8)

    def next(self) -> str:
        with self._lock:
            value = max(self._raw(), self._last + 1)
            self._last = value
            return str(value)


def fbtrace_id() -> str:
    return secrets.token_urlsafe(8)[:11].replace("-", "A").replace("_", "B")
