"""Lint and type checks are part of the suite: ruff on everything, mypy --strict on the library."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.helpers import REPO


def tool(name: str) -> str:
    found = shutil.which(name, path=str(REPO.parent)) or shutil.which(
        name, path=str(__import__("pathlib").Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -r requirements/test.lock)")
    return found


def test_ruff_clean() -> None:
    proc = subprocess.run([tool("ruff"), "check", "bmnsocial", "tests", "benchmarks", "scripts"],
                          cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
