"""Import cost of the commands people run most: ``bmnsocial --help`` and ``bmnsocial validate``.

Not a test: run it by hand, ``python benchmarks/bench_imports.py [--runs N] [--rounds R]``.

1. What they import. Each command runs as ``python -X importtime -m bmnsocial ...`` in a fresh
   process, in the repository root, with BMNSOCIAL_HOME in a temporary directory. One warm-up
   run lets Python cache the bytecode (so the figures do not include compiling), then the run
   with the smallest total of N (3) is reported: the total import time, the ten imports with the
   largest cumulative time, and one OK/FAIL line per library of the publishing stack that these
   commands must not load.
2. How long ``bmnsocial --help`` takes, side by side with ``python -c "import click"``: whole
   processes (the installed console script, as people run it), in turns, R (20) rounds after a
   warm-up; the ratio of the medians, in English and with ``--lang es``. Target (issue 8): at
   most 1.5x.

Exits 1 on any FAIL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from _common import Process, alternate, bmnsocial_command, clean_env, compare, describe_times

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["validate"])
HEAVY = ("tweepy", "facebook", "apscheduler", "sqlalchemy", "requests")
HELP_TARGET = 1.5  # bmnsocial --help vs python -c "import click" (issue 8)


@dataclass(frozen=True)
class Import:
    name: str
    self_us: int
    cumulative_us: int
    depth: int  # 0: imported directly by the running code, not by another import


@dataclass(frozen=True)
class Run:
    returncode: int
    imports: list[Import]

    @property
    def total_us(self) -> int:
        return sum(i.cumulative_us for i in self.imports if i.depth == 0)


def parse_importtime(stderr: str) -> list[Import]:
    """The lines ``import time:  self |  cumulative | <2 spaces per level>name``."""
    imports = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        self_us, cumulative_us, name = fields
        indent = len(name) - len(name.lstrip(" ")) - 1
        imports.append(Import(name.strip(), int(self_us), int(cumulative_us), indent // 2))
    return imports


def run(args: list[str], home: str) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BMNSOCIAL_")}
    env["BMNSOCIAL_HOME"] = home
    # Let Python write and use its bytecode cache, as it does for users: we measure imports,
    # not compiling.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "bmnsocial", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return Run(proc.returncode, parse_importtime(proc.stderr))


def report(args: list[str], runs: int, home: str) -> bool:
    run(args, home)  # warm-up: writes the bytecode cache
    best = min((run(args, home) for _ in range(runs)), key=lambda r: r.total_us)
    command = "bmnsocial " + " ".join(args)
    print(f"== {command} (exit code {best.returncode}; best of {runs} runs)")
    print(f"total import time: {best.total_us / 1000:.1f} ms, {len(best.imports)} modules")
    print("top 10 cumulative imports:")
    for i in sorted(best.imports, key=lambda i: i.cumulative_us, reverse=True)[:10]:
        print(f"  {i.cumulative_us / 1000:7.1f} ms  (self {i.self_us / 1000:5.1f} ms)  {i.name}")
    ok = True
    loaded = {i.name for i in best.imports}
    for library in HEAVY:
        found = sorted(m for m in loaded if m == library or m.startswith(library + "."))
        if found:
            ok = False
            print(f"FAIL {library} is imported: {', '.join(found[:5])}")
        else:
            print(f"OK   {library} is not imported")
    if not best.imports:
        ok = False
        print("FAIL no import was reported: did the command start?")
    print()
    return ok


def help_vs_click(rounds: int, home: str) -> bool:
    env = clean_env(home)
    click = Process('python -c "import click"', [sys.executable, "-c", "import click"],
                    Path(home), env)
    helps = [Process(f"bmnsocial {' '.join(args)}", [*bmnsocial_command(), *args], Path(home),
                     env) for args in (["--help"], ["--lang", "es", "--help"])]
    print(f"== bmnsocial --help vs python -c \"import click\" ({rounds} rounds, in turns)")
    click_times, *help_times = alternate([click, *helps], rounds)
    print(describe_times(click.label, click_times))
    ok = True
    for process, times in zip(helps, help_times, strict=True):
        print(describe_times(process.label, times))
    for process, times in zip(helps, help_times, strict=True):
        ok = compare(f"{process.label} / {click.label}", times, click_times, HELP_TARGET) and ok
    print()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs, best kept (3)")
    parser.add_argument("--rounds", type=int, default=20,
                        help="rounds of --help vs import click, medians kept (20)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as home:
        results = [report(args, options.runs, home) for args in COMMANDS]
        results.append(help_vs_click(options.rounds, home))
    print("OK" if all(results) else "FAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
