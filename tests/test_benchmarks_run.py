"""The benchmarks keep running as the code under them changes. Nothing here is timed: a
benchmark that is over its target exits 1, and that is its verdict to give, not a test's;
a traceback (an import or a call the code no longer has) is a broken benchmark."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import default_signals

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

# The smallest run of each benchmark that still goes through every side it compares.
TINY_RUNS = {
    "bench_publish.py": ["3", "--rounds", "1"],
    "bench_validate.py": ["30", "--rounds", "1"],
    "bench_sync.py": ["--sizes", "20", "--rounds", "1"],
    "bench_tweet_count.py": ["--texts", "20", "--repeats", "1"],
}


def _run(script: str, args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600,
                          preexec_fn=default_signals)


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("bench_*.py")))
def test_every_benchmark_starts(script: str, tmp_path: Path) -> None:
    done = _run(script, ["--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


@pytest.mark.parametrize("script", sorted(TINY_RUNS))
def test_a_tiny_run_goes_through_every_side(script: str, tmp_path: Path) -> None:
    done = _run(script, TINY_RUNS[script], tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stdout + done.stderr
