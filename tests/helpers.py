from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
HAVANA = ZoneInfo("America/Havana")
# A fixed "now" for every test that does not set its own: tests control time.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=HAVANA)

WritePost = Callable[..., Path]


class FakeClock:
    """The fakes' clock (epoch seconds), set by the test."""

    def __init__(self, now: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.now = now

    def __call__(self) -> float:
        return self.now
