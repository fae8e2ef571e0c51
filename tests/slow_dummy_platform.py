"""The test tree's dummy platform (tests/dummy_platform/), refusing a repeated text for ten
days: what `recycle.every_days` is measured against."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tests.dummy_platform.platform import PLATFORM as DUMMY

PLATFORM = dataclasses.replace(DUMMY, duplicate_window=timedelta(days=10))
