"""Make the screenshots under docs/img/ (needs Debian's chromium and Pillow: pip install pillow).

Run from anywhere: python scripts/make_screenshots.py

- docs/img/preview-html.png: `bmnsocial preview --html` of three sample posts, in headless
  Chromium, the whole page. The clock is fixed (BMNSOCIAL_NOW) so that the dates do not move.
  Emoji show in colour where fonts-noto-color-emoji is installed.

Screenshots are reduced to 256 colours to keep them small (each must stay under MAX_BYTES).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bmnsocial.html_preview import find_chromium, run_chromium

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img"
NOW = "2026-11-26T10:00-05:00"
WIDTH = 1280
MAX_BYTES = 400 * 1024
PREVIEW_POSTS = ("posts/jornada-cientifica-2027.yaml", "posts/hilo-busqueda-evidencia.yaml",
                 "posts/fotos-taller-alfabetizacion.yaml")


def bmnsocial(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BMNSOCIAL_NOW": NOW}
    for name in ("BMNSOCIAL_CONFIG", "BMNSOCIAL_SANDBOX"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bmnsocial", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def save_small(png: Path, target: Path) -> None:
    """``png`` reduced to 256 colours, written to ``target``; refuses one over MAX_BYTES."""
    from PIL import Image

    with Image.open(png) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    small.save(tmp, format="PNG", optimize=True)
    size = tmp.stat().st_size
    if size > MAX_BYTES:
        tmp.unlink()
        raise SystemExit(f"{target.name} would be {size} bytes, over {MAX_BYTES}: show less")
    os.replace(tmp, target)
    print(f"wrote {target.relative_to(REPO)} ({size // 1024} KiB)")


def page_height(chromium: str, page: Path) -> int:
    """The page's full height, as its own script reports it (body data-height)."""
    dom = run_chromium(chromium, page, f"--window-size={WIDTH},200", "--dump-dom")
    found = re.search(r'<body[^>]*\bdata-height="(\d+)"', dom.stdout)
    if dom.returncode != 0 or not found:
        raise SystemExit(f"chromium could not load {page}:\n{dom.stderr[-2000:]}")
    return int(found.group(1))


def preview_html(chromium: str, work: Path) -> None:
    """docs/img/preview-html.png: the HTML preview of three sample posts, the whole page."""
    page = work / "preview.html"
    proc = bmnsocial("preview", *PREVIEW_POSTS, "--html", str(page))
    if proc.returncode != 0:
        raise SystemExit(f"bmnsocial preview failed:\n{proc.stdout}{proc.stderr}")
    shot = work / "preview-html.png"
    height = page_height(chromium, page)
    proc_shot = run_chromium(chromium, page, f"--window-size={WIDTH},{height}",
                             f"--screenshot={shot}")
    if proc_shot.returncode != 0 or not shot.exists():
        raise SystemExit(f"chromium took no screenshot:\n{proc_shot.stderr[-2000:]}")
    save_small(shot, OUT / "preview-html.png")


# ─── Second screenshot: the terminal calendar (`bmnsocial calendar`) ─────────────────────────
# Being built by another engineer, who adds it here: a function beside preview_html() that
# writes docs/img/ (through save_small), and its call in main() at the marked line.


def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no chromium on PATH: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="bmnsocial-screenshots-") as tmp:
        preview_html(chromium, Path(tmp))
        # ← the terminal calendar's screenshot is called here (see the section above).
    return 0


if __name__ == "__main__":
    sys.exit(main())
