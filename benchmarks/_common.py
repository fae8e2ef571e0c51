"""Helpers shared by the benchmarks (not a benchmark itself)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish.ledger import ONCE, Ledger, Row
from bmnsocial.render.payload import content_hash, dumps

REPO = Path(__file__).resolve().parents[1]
LIMITS = {"twitter": 280, "facebook": 63_206}
_FILLER = ("La Biblioteca Médica Nacional ofrece servicios de referencia, préstamo y "
           "búsqueda de información científica en salud para profesionales y estudiantes. ")


def text_of(tag: str, length: int) -> str:
    """A unique text of exactly ``length`` characters (Latin-1 only: X counts each as 1)."""
    head = f"[{tag}] "
    body = (_FILLER * (length // len(_FILLER) + 1))[: max(0, length - len(head))]
    return (head + body).rstrip().ljust(length, ".")[:length]


def enqueue_text(ledger: Ledger, *, post_id: str, platform: str, text: str, due: datetime,
                 now: datetime, occurrence: str = ONCE, source_file: str | None = None,
                 pin: bool = False) -> Row:
    """A one-part text post queued the way the CLI queues one: a frozen ``Rendered`` payload.
    ``pin`` with an existing ``source_file`` outside the posts folder: as `post --at` or
    `--now` from a draft elsewhere queues it, which a sync of the posts folder leaves alone."""
    payload = dumps(Rendered(post_id, platform,
                             (Part(text, ("text",), len(text), LIMITS[platform]),)))
    return ledger.upsert(post_id=post_id, platform=platform, occurrence=occurrence, due=due,
                         payload=payload, content_hash=content_hash(payload),
                         source_file=source_file or f"{post_id}.yaml", now=now, pin=pin)[0]


def verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "OVER TARGET"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


# -- whole processes, side by side -------------------------------------------------------------

def bmnsocial_command() -> list[str]:
    """How a person runs bmnsocial: the console script installed beside this Python (else
    ``python -m bmnsocial``)."""
    script = shutil.which("bmnsocial", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "bmnsocial"]


def clean_env(home: str, **extra: str) -> dict[str, str]:
    """This environment without any BMNSOCIAL_ setting, with BMNSOCIAL_HOME=``home``; Python
    may write and use its bytecode cache, as it does for users."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BMNSOCIAL_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["BMNSOCIAL_HOME"] = home
    env.update(extra)
    return env


@dataclass(frozen=True)
class Process:
    label: str
    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    exit_code: int = 0  # the one expected: a round that ends otherwise is an error


def run_timed(process: Process) -> float:
    """Wall time of one run, from spawn to exit; its output goes to /dev/null."""
    start = time.perf_counter()
    done = subprocess.run(process.argv, cwd=process.cwd, env=dict(process.env),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != process.exit_code:
        raise SystemExit(f"{process.label}: exit code {done.returncode}, expected "
                         f"{process.exit_code}\n{done.stderr.decode(errors='replace')}")
    return elapsed


def alternate(processes: Sequence[Process], rounds: int) -> list[list[float]]:
    """Each process's wall times over ``rounds`` rounds. One warm-up run each first (bytecode,
    page cache), then the processes take turns (A, B, A, B...), so that a busy moment of the
    machine hits all of them alike."""
    for p in processes:
        run_timed(p)
    times: list[list[float]] = [[] for _ in processes]
    for _ in range(rounds):
        for p, own in zip(processes, times, strict=True):
            own.append(run_timed(p))
    return times


def compare(name: str, subject: list[float], reference: list[float], target: float) -> bool:
    """Prints the ratio of the medians (and the range of the rounds' own ratios) with a
    PASS/FAIL verdict against ``target``; True when it passes."""
    ratio = median(subject) / median(reference)
    rounds = [s / r for s, r in zip(subject, reference, strict=True)]
    ok = ratio <= target
    print(f"{'PASS' if ok else 'FAIL'} {name}: {ratio:.2f}x (target <= {target:.2f}x; "
          f"medians of {len(subject)} rounds; the rounds' own ratios {min(rounds):.2f}-"
          f"{max(rounds):.2f}x)")
    return ok


def describe_times(label: str, times: list[float]) -> str:
    return (f"{label}: median {median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")


def settle(folder: Path, age_seconds: float = 60.0) -> None:
    """Every file below ``folder`` last changed ``age_seconds`` ago: a posts folder as it is
    on the server, pulled a while ago (a sync leaves a file changed in the last
    SETTLE_SECONDS for the next one)."""
    moment = time.time() - age_seconds
    for root, _dirs, files in os.walk(folder):
        for name in files:
            os.utime(os.path.join(root, name), (moment, moment))
