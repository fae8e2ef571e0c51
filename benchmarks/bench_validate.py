"""Validating N generated posts vs only parsing the same files with yaml.CSafeLoader.

Target (issue 2): validation costs at most 3x the parse. Run: python benchmarks/bench_validate.py
[N]. Both sides read the same files from disk in the same run, in alternating rounds; the best of
5 rounds of each is kept.
"""

from __future__ import annotations

import gc
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

from bmnsocial.config import load_config
from bmnsocial.render.validation import validate_paths
from bmnsocial.timeutil import now

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")
CATEGORIES = ["interes-local", "servicios-productos", "colecciones", "noticias-cultura",
              "fotos-eventos", "referencias-asesoramiento"]


def generate(folder: Path, n: int) -> None:
    posts = folder / "posts"
    (posts / "media").mkdir(parents=True)
    shutil.copy(REPO / "posts" / "media" / "jornada-cientifica-cartel.jpg", posts / "media")
    config = (REPO / "config.yaml").read_text(encoding="utf-8")
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    for i in range(n):
        cat = CATEGORIES[i % len(CATEGORIES)]
        media = ("media:\n  - path: jornada-cientifica-cartel.jpg\n"
                 f"    alt: Foto número {i} de la biblioteca.\n") if i % 3 == 0 or cat == \
            "fotos-eventos" else ""
        (posts / f"post-{i:05d}.yaml").write_text(
            f"category: {cat}\n"
            f"text: >\n  Publicación número {i} de la Biblioteca Médica Nacional sobre "
            f"servicios, colecciones y actividades. ¿Nos visita? 📚\n"
            f"link: https://www.bmns.sld.cu/noticias/{i}\n"
            f"hashtags: [SaludCuba, BMN{i}]\n{media}"
            f"schedule:\n  at: 2027-0{1 + i % 9}-1{i % 10} 09:{i % 60:02d}\n",
            encoding="utf-8")


def parse_only(folder: Path) -> int:
    count = 0
    for path in sorted((folder / "posts").glob("*.yaml")):
        with path.open("rb") as fh:
            yaml.load(fh.read().decode("utf-8"), Loader=yaml.CSafeLoader)
        count += 1
    return count


ROUNDS = 5


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    gc.collect()  # every round starts from the same clean heap: no earlier garbage to collect
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, n)
        config = load_config(folder / "config.yaml")
        moment = now(config.timezone)
        # The two sides take turns, so a busy moment of the machine hits both alike; the best
        # round of each is kept.
        t_parse = t_validate = float("inf")
        parsed, result = 0, None
        for _ in range(ROUNDS):
            result = None  # the previous round's posts are freed outside the timed part
            t, parsed = timed(lambda: parse_only(folder))
            t_parse = min(t_parse, t)
            t, result = timed(lambda: validate_paths([config.posts_dir], config, moment))
            t_validate = min(t_validate, t)
        assert result is not None
        assert parsed == n and len(result.posts) == n, result.summary()
        assert result.ok, result.errors[:3]
        print(f"posts: {n}")
        print(f"yaml.CSafeLoader parse only: {t_parse:.3f} s ({t_parse / n * 1e6:.0f} µs/post)")
        print(f"bmnsocial validate_paths:    {t_validate:.3f} s "
              f"({t_validate / n * 1e6:.0f} µs/post)")
        ratio = t_validate / t_parse
        print(f"ratio validate/parse: {ratio:.2f}x (target <= 3.00x) "
              f"{'OK' if ratio <= 3 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
