"""Syncing a posts folder into the ledger as it grows: first and unchanged syncs vs validating.

Targets (issue 8): ``sync`` grows linearly with the posts folder. An unchanged sync (what the
daemon does every hour) of 8,000 posts costs at most 5x one of 2,000 posts, and at most 3x
``validate`` of the same folder. Run:
``python benchmarks/bench_sync.py [--sizes 1000,2000,4000,8000,10000] [--rounds 3]
[--profile N]``. Exits 1 when a target is missed.

For each size N a folder of N generated post files (``generate``: 97 % one-off posts with an
``at:`` time spread over the next ten months, 2 % weekly recurring posts (nine occurrences in
the 60-day horizon), 1 % ``slot: next`` posts; six categories, both platforms, an image on a
third of them) and a fresh sandbox-less ledger. Per size:

1. first sync: ``sync(..., full=True)`` on the empty ledger (every row new), once per round, each
   round on a new ledger (the folder is the same);
2. unchanged sync: the same call again on the filled ledger (nothing to write), and
   ``validate_paths`` on the same folder; the two take turns for ``--rounds`` rounds, each after a
   ``gc.collect()``; the medians are kept (the best rounds are shown too).

Every size is measured in the same run, so the ratios between sizes share the machine's load;
absolute times on a shared machine move with it. ``--profile N`` adds one cProfile'd unchanged
sync of N posts.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from _common import REPO, settle

from bmnsocial.config import Config, load_config
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.render.validation import validate_paths
from bmnsocial.schedule.sync import SyncReport, sync

T = TypeVar("T")
GROWTH_TARGET = 5.0  # unchanged sync, 8,000 posts vs 2,000
VALIDATE_TARGET = 3.0  # unchanged sync vs validate, same folder
CATEGORIES = ["interes-local", "servicios-productos", "colecciones", "noticias-cultura",
              "fotos-eventos", "referencias-asesoramiento"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def generate(folder: Path, n: int, now: datetime) -> None:
    """N post files in ``folder/posts`` and a config.yaml beside it."""
    posts = folder / "posts"
    (posts / "media").mkdir(parents=True)
    shutil.copy(REPO / "posts" / "media" / "jornada-cientifica-cartel.jpg", posts / "media")
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    start = now + timedelta(days=1)
    for i in range(n):
        cat = CATEGORIES[i % len(CATEGORIES)]
        media = ("media:\n  - path: jornada-cientifica-cartel.jpg\n"
                 f"    alt: Foto número {i} de la biblioteca.\n") if i % 3 == 0 or cat == \
            "fotos-eventos" else ""
        if i % 100 in (17, 67):  # 2 %: weekly, on Facebook only (X refuses repeats)
            schedule = (f"platforms: [facebook]\nschedule:\n  cron: \"{i % 60} "
                        f"{8 + i % 9} * * {WEEKDAYS[i % 5]}\"\n")
        elif i % 100 == 42:  # 1 %: the next free slot
            schedule = "schedule:\n  slot: next\n"
        else:
            # Office hours (no DST gap or fold), spread over the next ten months.
            day = start.date() + timedelta(days=i * 7 % 300)
            schedule = f"schedule:\n  at: {day} {8 + i % 11:02d}:{i % 60:02d}\n"
        (posts / f"post-{i:05d}.yaml").write_text(
            f"category: {cat}\n"
            f"text: >\n  Publicación número {i} de la Biblioteca Médica Nacional sobre "
            f"servicios, colecciones y actividades. ¿Nos visita? 📚\n"
            f"link: https://www.bmns.sld.cu/noticias/{i}\n"
            f"hashtags: [SaludCuba, BMN{i}]\n{media}{schedule}",
            encoding="utf-8")
    settle(posts)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    gc.collect()  # every round starts from a clean heap, not the previous round's garbage
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


class Case:
    """One folder of N posts, with the ledgers its first syncs filled."""

    def __init__(self, tmp: Path, n: int, now: datetime) -> None:
        self.n, self.now = n, now
        self.folder = tmp / f"site-{n}"
        generate(self.folder, n, now)
        self.config: Config = load_config(self.folder / "config.yaml")
        self.ledgers = 0
        self.ledger: Ledger | None = None
        self.first: list[float] = []
        self.unchanged: list[float] = []
        self.validate: list[float] = []
        self.report: SyncReport | None = None
        self.rows = 0

    def run_sync(self, ledger: Ledger) -> SyncReport:
        return sync([self.config.posts_dir], self.config, ledger, self.now, full=True)

    def first_sync(self) -> None:
        if self.ledger is not None:
            self.ledger.close()
        self.ledgers += 1
        self.ledger = Ledger(self.folder / f"state-{self.ledgers}" / "ledger.sqlite3")
        seconds, report = timed(lambda: self.run_sync(self.ledger))  # type: ignore[arg-type]
        assert report.ok and report.new > 0, [d.format() for d in report.problems[:3]]
        self.first.append(seconds)
        self.rows = len(self.ledger.rows(statuses=(Status.QUEUED,)))

    def unchanged_sync(self) -> None:
        assert self.ledger is not None
        seconds, report = timed(lambda: self.run_sync(self.ledger))  # type: ignore[arg-type]
        assert report.ok and report.new == report.updated == report.cancelled == 0, (
            report.summary())
        self.unchanged.append(seconds)
        self.report = report

    def validate_only(self) -> None:
        seconds, result = timed(lambda: validate_paths([self.config.posts_dir], self.config,
                                                       self.now))
        assert len(result.posts) == self.n
        self.validate.append(seconds)

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000,10000",
                        help="posts per folder, comma-separated (1000,2000,4000,8000,10000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (3)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile one unchanged sync of the folder of N posts")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        from bmnsocial.timeutil import now as clock_now

        cases = {}
        for n in sizes:
            began = time.perf_counter()
            cases[n] = case = Case(Path(tmp), n, clock_now(
                load_config(REPO / "config.yaml").timezone))
            print(f"generated {n} posts in {time.perf_counter() - began:.1f} s", flush=True)
        # Rounds go across sizes (1,000, 2,000, ... then again), so a busy moment of the machine
        # hits every size alike; within a size, validate and the unchanged sync alternate.
        for r in range(options.rounds):
            for case in cases.values():
                case.first_sync()
                case.validate_only()
                case.unchanged_sync()
            print(f"round {r + 1} of {options.rounds} done", flush=True)
        print(f"\nrounds: {options.rounds}; medians (best in brackets); µs per post in the "
              "last columns")
        print(f"{'posts':>7} {'rows':>7} {'validate':>18} {'first sync':>18} "
              f"{'unchanged sync':>18} {'unch/val':>9} {'val/post':>9} {'first/post':>11} "
              f"{'unch/post':>10}")
        med: dict[int, dict[str, float]] = {}
        for n, case in cases.items():
            m = med[n] = {k: statistics.median(v) for k, v in (
                ("validate", case.validate), ("first", case.first),
                ("unchanged", case.unchanged))}
            best = {k: min(v) for k, v in (("validate", case.validate), ("first", case.first),
                                           ("unchanged", case.unchanged))}
            print(f"{n:>7} {case.rows:>7} "
                  + " ".join(f"{ms(m[k]):>10} ({best[k] * 1000:>5.0f})"
                             for k in ("validate", "first", "unchanged"))
                  + f" {m['unchanged'] / m['validate']:>8.2f}x"
                  + "".join(f" {m[k] / n * 1e6:>9.0f}" for k in ("validate", "first"))
                  + f" {m['unchanged'] / n * 1e6:>10.0f}")
        smallest = sizes[0]
        print(f"\ngrowth against {smallest} posts (medians; linear = the size ratio):")
        for n in sizes[1:]:
            print(f"  {n:>6} posts ({n / smallest:.0f}x the posts): first sync "
                  f"{med[n]['first'] / med[smallest]['first']:.2f}x, unchanged sync "
                  f"{med[n]['unchanged'] / med[smallest]['unchanged']:.2f}x, validate "
                  f"{med[n]['validate'] / med[smallest]['validate']:.2f}x")
        if 2000 in med and 8000 in med:
            growth = med[8000]["unchanged"] / med[2000]["unchanged"]
            fine = growth <= GROWTH_TARGET
            ok &= fine
            print(f"unchanged sync, 8000 vs 2000 posts: {growth:.2f}x (target <= "
                  f"{GROWTH_TARGET:g}x; linear is 4x) {'OK' if fine else 'OVER TARGET'}")
        for n in sizes:
            ratio = med[n]["unchanged"] / med[n]["validate"]
            fine = ratio <= VALIDATE_TARGET
            if n == 8000 or 8000 not in med:
                ok &= fine
            print(f"unchanged sync vs validate, {n} posts: {ratio:.2f}x (target <= "
                  f"{VALIDATE_TARGET:g}x) {'OK' if fine else 'OVER TARGET'}")
        if options.profile:
            case = cases.get(options.profile) or Case(Path(tmp), options.profile,
                                                      next(iter(cases.values())).now)
            if case.ledger is None:
                case.first_sync()
            profile = cProfile.Profile()
            assert case.ledger is not None
            ledger = case.ledger
            profile.runcall(lambda: case.run_sync(ledger))
            print(f"\n== cProfile of one unchanged sync of {case.n} posts")
            stats: Any = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(25)
        for case in cases.values():
            case.close()
    print("all targets met" if ok else "OVER TARGET: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
