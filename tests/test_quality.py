"""Lint and type checks are part of the suite: ruff on everything, mypy --strict on the library."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys

import pytest

from tests.helpers import REPO, default_signals


def tool(name: str) -> str:
    found = shutil.which(name, path=str(REPO.parent)) or shutil.which(
        name, path=str(__import__("pathlib").Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -r requirements/test.lock)")
    return found


def test_ruff_clean() -> None:
    proc = subprocess.run([tool("ruff"), "check", "bmnsocial", "tests", "benchmarks", "scripts"],
                          cwd=REPO, capture_output=True, text=True, check=False,
                          preexec_fn=default_signals)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True,
                          text=True, check=False, preexec_fn=default_signals)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_process_a_test_starts_gets_the_default_signals() -> None:
    """A child inherits ignored signals (a script's `pytest &` ignores SIGINT): a test that
    interrupts it would wait forever. Each process tests start passes preexec_fn (normally
    tests.helpers.default_signals)."""
    missing = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "subprocess"
                    and node.func.attr in ("run", "Popen", "call", "check_call", "check_output")
                    and not any(k.arg == "preexec_fn" for k in node.keywords)):
                missing.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert missing == []
