"""Make the screenshots under docs/img/ (needs Debian's chromium and Pillow: pip install pillow).

Run from anywhere: python scripts/make_screenshots.py

- docs/img/preview-html.png: `bmnsocial preview --html` of three sample posts, in headless
  Chromium, the whole page. The clock is fixed (BMNSOCIAL_NOW) so that the dates do not move.
- docs/img/calendar-terminal.png: `bmnsocial calendar --month` of the sample posts on the
  sandbox, in colour, rendered from the terminal's own escape codes.
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

from bmnsocial.reports.html_preview import find_chromium, run_chromium

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img"
NOW = "2026-11-26T10:00-05:00"
WIDTH = 1280
MAX_BYTES = 400 * 1024
PREVIEW_POSTS = ("posts/jornada-cientifica-2027.yaml", "posts/hilo-busqueda-evidencia.yaml",
                 "posts/fotos-taller-alfabetizacion.yaml")


def bmnsocial(*args: str, extra_env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BMNSOCIAL_NOW": NOW}
    for name in ("BMNSOCIAL_CONFIG", "BMNSOCIAL_SANDBOX"):
        env.pop(name, None)
    env.update(extra_env or {})
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
_BASIC = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd",
          "#e5e5e5", "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6",
          "#29b8db", "#ffffff"]


def xterm_colour(n: int) -> str:
    if n < 16:
        return _BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return f"#{steps[n // 36]:02x}{steps[n // 6 % 6]:02x}{steps[n % 6]:02x}"
    grey = 8 + (n - 232) * 10
    return f"#{grey:02x}{grey:02x}{grey:02x}"


def ansi_to_html(text: str) -> str:
    """Terminal output with SGR colour codes as HTML spans, for a faithful screenshot."""
    import html

    out: list[str] = []
    style: dict[str, str] = {}
    for chunk in re.split(r"(\x1b\[[0-9;]*m)", text):
        if not chunk.startswith("\x1b["):
            if chunk:
                css = ";".join(f"{k}:{v}" for k, v in style.items())
                out.append(f'<span style="{css}">{html.escape(chunk)}</span>' if css
                           else html.escape(chunk))
            continue
        codes = [int(c) for c in chunk[2:-1].split(";") if c] or [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                style = {}
            elif c == 1:
                style["font-weight"] = "bold"
            elif c == 2:
                style["opacity"] = "0.7"
            elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                style["color" if c == 38 else "background"] = xterm_colour(codes[i + 2])
                i += 2
            elif 30 <= c <= 37 or 90 <= c <= 97:
                style["color"] = _BASIC[c - 30 if c < 90 else c - 82]
            elif c == 39:
                style.pop("color", None)
            i += 1
    body = "".join(out)
    return ("<!doctype html><meta charset='utf-8'><body style='margin:0;background:#1e1e1e'>"
            "<pre style='margin:0;padding:16px;color:#d4d4d4;font:15px/1.35 \"DejaVu Sans "
            f"Mono\",monospace'>{body}</pre>")


def terminal_calendar(chromium: str, work: Path) -> None:
    """docs/img/calendar-terminal.png: `bmnsocial calendar --month` of January 2027 with the
    sample posts on the sandbox, those due by the 14th at 09:00 already published, as a
    colour terminal shows it."""
    config = work / "config.yaml"
    # Publish the rehearsal's late posts rather than skip them, so the picture shows both.
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("posts_dir: posts", f"posts_dir: {REPO / 'posts'}")
    text = text.replace("media_root: posts/media", f"media_root: {REPO / 'posts' / 'media'}")
    config.write_text(text + "daemon: {grace_minutes: 20000, max_catchup_per_hour: 100}\n",
                      encoding="utf-8")
    env = {"BMNSOCIAL_HOME": str(work / "home"), "COLUMNS": "128",
           "BMNSOCIAL_CONFIG": str(config)}
    steps = ((NOW, ("--sandbox", "sync")),
             ("2027-01-14T09:00:30-05:00", ("--sandbox", "run-due")),
             ("2027-01-14T09:00:30-05:00", ("--sandbox", "calendar", "--month", "--from",
                                            "2027-01-01", "--color")))
    for now, args in steps:
        proc = bmnsocial(*args, extra_env={**env, "BMNSOCIAL_NOW": now})
        if proc.returncode != 0:
            raise SystemExit(f"bmnsocial {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        raise SystemExit(f"bmnsocial calendar failed:\n{proc.stdout}{proc.stderr}")
    page = work / "calendar.html"
    page.write_text(ansi_to_html(proc.stdout), encoding="utf-8")
    shot = work / "calendar.png"
    lines = proc.stdout.count("\n") + 2
    result = run_chromium(chromium, page, f"--window-size=1500,{lines * 21 + 40}",
                          f"--screenshot={shot}")
    if result.returncode != 0 or not shot.exists():
        raise SystemExit(f"chromium took no screenshot:\n{result.stderr[-2000:]}")
    save_small(shot, OUT / "calendar-terminal.png")


def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no chromium on PATH: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="bmnsocial-screenshots-") as tmp:
        preview_html(chromium, Path(tmp))
        terminal_calendar(chromium, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
