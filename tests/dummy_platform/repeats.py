"""Mastodummy declaring one optional capability: it refuses the same text again within a
day (tests/test_platform_contract.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from tests.dummy_platform.platform import PLATFORM as PLAIN

PLATFORM = dataclasses.replace(PLAIN, duplicate_window=timedelta(hours=24))
