"""Validating N generated posts vs only parsing the same files with yaml.CSafeLoader.

Run: python benchmarks/bench_validate.py [N] [--rounds R] [--only in-process|process|misspelt].
Three comparisons, each side by side in one run, the sides taking turns round by round:

1. in-process (issue 2): ``validate_paths`` vs reading and parsing the same files with
   ``yaml.load(..., Loader=yaml.CSafeLoader)``; the best of R (5) rounds of each. Target <= 3x.
2. process (issue 8): ``bmnsocial validate`` as a whole process (the installed console script,
   in the folder of the generated posts and config.yaml) vs a ``python`` process that only reads
   and parses the same files with CSafeLoader; medians of R rounds. Target <= 3x.
3. misspelt (issue 8): ``bmnsocial validate`` of the N posts with the same misspelt category
   (``coleciones``: each gets a "did you mean 'colecciones'?" hint, exit 1) vs the same posts
   spelt right (``colecciones``); medians of R rounds. Target <= 1.5x.

Prints a PASS/FAIL line for each and exits 1 on any FAIL.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import yaml
from _common import Process, alternate, bmnsocial_command, clean_env, compare, describe_times

from bmnsocial.config import load_config
from bmnsocial.render.validation import validate_paths
from bmnsocial.timeutil import now

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")
CATEGORIES = ["interes-local", "servicios-productos", "colecciones", "noticias-cultura",
              "fotos-eventos", "referencias-asesoramiento"]


def generate(folder: Path, n: int, category: str | None = None) -> None:
    """N posts in folder/posts (six categories in turn, or all ``category``), config.yaml."""
    posts = folder / "posts"
    (posts / "media").mkdir(parents=True)
    shutil.copy(REPO / "posts" / "media" / "jornada-cientifica-cartel.jpg", posts / "media")
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    for i in range(n):
        cat = category or CATEGORIES[i % len(CATEGORIES)]
        # Each post its own minute (twelve a day, from 08:00): a folder of valid posts, none
        # with the same-minute warning, which a real folder would not have thousands of.
        due = datetime(2027, 1, 1, 8) + timedelta(days=i // 12, hours=i % 12, minutes=i % 60)
        media = ("media:\n  - path: jornada-cientifica-cartel.jpg\n"
                 f"    alt: Foto número {i} de la biblioteca.\n") if i % 3 == 0 or cat == \
            "fotos-eventos" else ""
        (posts / f"post-{i:05d}.yaml").write_text(
            f"category: {cat}\n"
            f"text: >\n  Publicación número {i} de la Biblioteca Médica Nacional sobre "
            f"servicios, colecciones y actividades. ¿Nos visita? 📚\n"
            f"link: https://www.bmns.sld.cu/noticias/{i}\n"
            f"hashtags: [SaludCuba, BMN{i}]\n{media}"
            f"schedule:\n  at: {due:%Y-%m-%d %H:%M}\n",
            encoding="utf-8")


# The parse-only side as a process of its own, as lean as Python allows: no pathlib, which
# would add a few µs per file to the reference.
PARSE_ONLY = """
import os, sys
import yaml
folder = sys.argv[1]
for name in sorted(os.listdir(folder)):
    if name.endswith(".yaml"):
        with open(os.path.join(folder, name), "rb") as fh:
            yaml.load(fh.read().decode("utf-8"), Loader=yaml.CSafeLoader)
"""


def parse_only(folder: Path) -> int:
    count = 0
    for path in sorted((folder / "posts").glob("*.yaml")):
        with path.open("rb") as fh:
            yaml.load(fh.read().decode("utf-8"), Loader=yaml.CSafeLoader)
        count += 1
    return count


TARGET = 3.0  # validation vs parsing only, in process (issue 2) and as processes (issue 8)
MISSPELT_TARGET = 1.5  # the same posts with a misspelt category vs spelt right (issue 8)
MISSPELT, SPELT = "coleciones", "colecciones"


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    gc.collect()  # every round starts from the same clean heap: no earlier garbage to collect
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def in_process(folder: Path, n: int, rounds: int) -> bool:
    config = load_config(folder / "config.yaml")
    moment = now(config.timezone)
    # The two sides take turns, so a busy moment of the machine hits both alike; the best
    # round of each is kept.
    t_parse = t_validate = float("inf")
    parsed, result = 0, None
    for _ in range(rounds):
        result = None  # the previous round's posts are freed outside the timed part
        t, parsed = timed(lambda: parse_only(folder))
        t_parse = min(t_parse, t)
        t, result = timed(lambda: validate_paths([config.posts_dir], config, moment))
        t_validate = min(t_validate, t)
    assert result is not None
    assert parsed == n and len(result.posts) == n, result.summary()
    assert result.ok, result.errors[:3]
    print(f"== in process: validate_paths vs parsing only (best of {rounds} rounds)")
    print(f"yaml.CSafeLoader parse only: {t_parse:.3f} s ({t_parse / n * 1e6:.0f} µs/post)")
    print(f"bmnsocial validate_paths:    {t_validate:.3f} s "
          f"({t_validate / n * 1e6:.0f} µs/post)")
    ratio = t_validate / t_parse
    ok = ratio <= TARGET
    print(f"{'PASS' if ok else 'FAIL'} validate_paths / parse only: {ratio:.2f}x "
          f"(target <= {TARGET:.2f}x; best rounds)\n")
    return ok


def as_processes(folder: Path, home: str, rounds: int) -> bool:
    env = clean_env(home)
    parse = Process("python: parse only (CSafeLoader)",
                    [sys.executable, "-c", PARSE_ONLY, str(folder / "posts")], folder, env)
    validate = Process("bmnsocial validate", [*bmnsocial_command(), "validate"], folder, env)
    return in_turns(f"bmnsocial validate vs parsing only ({rounds} rounds, in turns)",
                    parse, validate, rounds, "bmnsocial validate / parse only", TARGET)


def in_turns(title: str, base: Process, other: Process, rounds: int, label: str,
             target: float) -> bool:
    """Both processes in turns; ``other`` against ``base``, judged on their medians."""
    print(f"== whole processes: {title}")
    t_base, t_other = alternate([base, other], rounds)
    print(describe_times(base.label, t_base))
    print(describe_times(other.label, t_other))
    ok = compare(label, t_other, t_base, target)
    print()
    return ok


def misspelt(n: int, tmp: Path, home: str, rounds: int) -> bool:
    right, wrong = tmp / "spelt", tmp / "misspelt"
    generate(right, n, SPELT)
    generate(wrong, n, MISSPELT)
    env = clean_env(home)
    spelt = Process(f"bmnsocial validate, category: {SPELT}", [*bmnsocial_command(), "validate"],
                    right, env)
    slip = Process(f"bmnsocial validate, category: {MISSPELT}",
                   [*bmnsocial_command(), "validate"], wrong, env, exit_code=1)
    return in_turns(f"{n} posts with a misspelt category vs spelt right ({rounds} rounds, in "
                    "turns)", spelt, slip, rounds, "misspelt / spelt right", MISSPELT_TARGET)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000, help="posts (10,000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each comparison (5)")
    parser.add_argument("--only", choices=["in-process", "process", "misspelt"],
                        help="run one comparison only")
    options = parser.parse_args()
    n, rounds = options.n, options.rounds
    results = []
    with tempfile.TemporaryDirectory() as tmp, \
            tempfile.TemporaryDirectory(prefix="bench-validate-home-") as home:
        folder = Path(tmp) / "posts-mixed"
        generate(folder, n)
        print(f"posts: {n}\n")
        if options.only in (None, "in-process"):
            results.append(in_process(folder, n, rounds))
        if options.only in (None, "process"):
            results.append(as_processes(folder, home, rounds))
        if options.only in (None, "misspelt"):
            results.append(misspelt(n, Path(tmp), home, rounds))
    print("PASS" if all(results) else "FAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
