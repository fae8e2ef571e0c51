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
