"""The HTML preview (`preview --html`): the page's HTML, the command, and the page in Chromium."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import Config, load_config
from bmnsocial.diagnostics import Diagnostic
from bmnsocial.platforms.twitter_mockup import x_display_url
from bmnsocial.render.validation import validate_paths
from bmnsocial.reports.html_preview import find_chromium, render_page, run_chromium
from bmnsocial.reports.preview import Preview, build
from bmnsocial.sandbox.testing import sample_mp4
from tests.helpers import NOW, REPO, WritePost, default_signals

MEDIA = REPO / "posts" / "media"
SAMPLES = ("jornada-cientifica-2027.yaml", "hilo-busqueda-evidencia.yaml",
           "fotos-taller-alfabetizacion.yaml")


def page_for(config: Config, *paths: Path) -> tuple[str, list[Preview], list[Diagnostic]]:
    result = validate_paths(list(paths), config, NOW)
    previews = [build(c, config, NOW, result.diagnostics) for c in result.posts]
    broken = [d for d in result.errors if d.file not in {c.post.file for c in result.posts}]
    return render_page(previews, config, broken), previews, broken


def blocks(page: str, css_class: str) -> list[str]:
    """The inner HTML of every `<div class="text CSS_CLASS">` (they hold no nested div)."""
    return re.findall(rf'<div class="text {css_class}">(.*?)</div>', page, re.DOTALL)


def visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def full_text(fragment: str) -> str:
    """The text with each link's full address (its title) in place of what X displays."""
    expanded = re.sub(r'<a class="url" [^>]*title="([^"]*)"[^>]*>.*?</a>', r"\1", fragment)
    return visible_text(expanded)


class TestPage:
    def test_self_contained_html5(self, config: Config, write_post: WritePost) -> None:
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: 9
            text: Hola https://www.bmns.sld.cu/
            media: [{path: jornada-cientifica-cartel.jpg, alt: Cartel.}]
        """))
        assert page.startswith("<!DOCTYPE html>\n<html lang=\"es\">")
        assert '<meta charset="utf-8">' in page and "<style>" in page
        assert "Content-Security-Policy" in page and "default-src &#x27;none&#x27;" in page
        # No request of its own: no stylesheet, script or frame from elsewhere; every src inline.
        assert not re.search(r"<(link|iframe|object|embed)\b", page)
        sources = re.findall(r'\ssrc="([^"]*)"', page)
        assert len(sources) == 2  # the photo, on Facebook and on X
        assert all(s.startswith("data:image/jpeg;base64,") for s in sources)
        assert "url(" not in page and "@import" not in page

    def test_post_texts_are_escaped(self, config: Config, write_post: WritePost) -> None:
        page, previews, _ = page_for(config, write_post("a.yaml", """
            category: 9
            text: "<script>alert('x')</script> & \\"comillas\\" <b>negrita</b>"
            media:
              - path: jornada-cientifica-cartel.jpg
                alt: '"><img src=x onerror=alert(1)>'
            twitter:
              thread: ["<script>alert(2)</script>", "</div><div>fin"]
        """))
        assert "<script>alert" not in page and "<b>negrita" not in page
        assert "onerror=alert(1)>" not in page and "</div><div>fin" not in page
        assert ("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;comillas&quot;"
                in page)
        assert 'alt="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page
        # The only script is the page's own.
        assert page.count("<script>") == 1
        (fb,) = blocks(page, "fb-text")
        assert visible_text(fb) == previews[0].checked.rendered[0].parts[0].text

    def test_exact_texts_with_links_and_hashtags_highlighted(
            self, config: Config, write_post: WritePost) -> None:
        text = ("Vea https://www.bmns.sld.cu/catalogo/busqueda-avanzada?q=salud&lang=es#r y "
                "bmns.sld.cu/x. #Salud & #LILACS, sin #4 ni &#amp; 🧵\nsegunda   línea")
        page, previews, _ = page_for(config, write_post("a.yaml", f"""
            category: 9
            text: {json.dumps(text, ensure_ascii=False)}
            hashtags: [SaludCuba]
        """))
        (fb,) = blocks(page, "fb-text")
        (x,) = blocks(page, "x-text")
        fb_part, x_part = (r.parts[0] for r in previews[0].checked.rendered)
        assert visible_text(fb) == fb_part.text  # Facebook shows the text as it is
        assert full_text(x) == x_part.text  # X only shortens what it displays of links
        assert '<span class="tag">#Salud</span>' in fb and '<span class="tag">#LILACS</span>' in x
        assert '<span class="tag">#SaludCuba</span> <span class="tag">#BMNCuba</span>' in fb
        assert '<span class="tag">#r</span>' not in fb  # a URL's fragment is part of the URL
        assert "#4" in fb and '<span class="tag">#4' in fb  # HASHTAG_IN_TEXT's own rule
        assert "&amp;#amp;" in fb and '<span class="tag">#amp' not in fb
        link = ('<a class="url" href="https://www.bmns.sld.cu/catalogo/busqueda-avanzada?'
                'q=salud&amp;lang=es#r" title="https://www.bmns.sld.cu/catalogo/'
                'busqueda-avanzada?q=salud&amp;lang=es#r" rel="noopener noreferrer" '
                'target="_blank">')
        assert link + ("https://www.bmns.sld.cu/catalogo/busqueda-avanzada?q=salud&amp;lang=es#r"
                       "</a>") in fb
        assert link + "bmns.sld.cu/catalogo/busq…</a>" in x
        assert 'href="https://bmns.sld.cu/x" title="bmns.sld.cu/x"' in fb
        assert "segunda   línea" in fb  # white-space: pre-wrap keeps it as written

    def test_x_display_url(self) -> None:
        assert x_display_url("https://www.bmns.sld.cu/") == "bmns.sld.cu/"
        assert x_display_url("HTTP://bmns.sld.cu/a") == "bmns.sld.cu/a"
        assert x_display_url("https://bmns.sld.cu/" + "a" * 7) == "bmns.sld.cu/aaaaaaa"
        assert x_display_url("https://bmns.sld.cu/" + "a" * 14) == "bmns.sld.cu/" + "a" * 14
        assert x_display_url("https://bmns.sld.cu/" + "a" * 15) == "bmns.sld.cu/" + "a" * 13 + "…"

    def test_images_embedded_with_alt_text(self, config: Config, write_post: WritePost) -> None:
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: fotos-eventos
            text: Fotos del taller.
            media:
              - {path: taller-alfabetizacion-1.jpg, alt: Estudiantes frente a computadoras.}
              - {path: dia-ciencia-cubana.png, alt: "Cartel rojo: Día de la Ciencia Cubana."}
        """))
        uris = re.findall(r'<img src="data:([^;]+);base64,([^"]+)" alt="([^"]*)"', page)
        assert len(uris) == 4  # two photos, on Facebook and on X
        expected = [("image/jpeg", MEDIA / "taller-alfabetizacion-1.jpg",
                     "Estudiantes frente a computadoras."),
                    ("image/png", MEDIA / "dia-ciencia-cubana.png",
                     "Cartel rojo: Día de la Ciencia Cubana.")] * 2
        for (mime, data, alt), (want_mime, path, want_alt) in zip(uris, expected, strict=True):
            assert mime == want_mime and html.unescape(alt) == want_alt
            assert base64.b64decode(data) == path.read_bytes()
        # The alt text is also visible under each image.
        assert page.count("<b lang=\"en\">Alt text:</b> Estudiantes frente a computadoras.") == 2
        assert page.count('<div class="grid n2">') == 2

    def test_missing_alt_text_is_visible(self, workspace: Path, write_post: WritePost) -> None:
        # With require_alt_text (the BMN's setting) a post without alt text is refused before
        # rendering; without it the page shows the gap.
        settings = workspace / "config.yaml"
        text = settings.read_text(encoding="utf-8")
        assert "require_alt_text: true" in text
        settings.write_text(text.replace("require_alt_text: true", "require_alt_text: false"),
                            encoding="utf-8")
        config = load_config(settings)
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: 9
            text: Sin texto alternativo.
            media: [{path: jornada-cientifica-cartel.jpg}]
        """))
        assert page.count('alt=""') == 2 and page.count("NO ALT TEXT") == 2
        assert page.count('<span class="alt-badge">') == 0

    def test_photo_grids(self, config: Config, write_post: WritePost) -> None:
        names = sorted(p.name for p in MEDIA.iterdir())[:5]
        media = "\n".join(f"  - {{path: {n}, alt: Foto {i}.}}" for i, n in enumerate(names, 1))
        page, _, _ = page_for(config, write_post(
            "a.yaml", f"category: 9\ntext: Cinco fotos.\nplatforms: [facebook]\nmedia:\n{media}\n"))
        assert '<div class="grid n4">' in page and '<span class="more">+1</span>' in page
        assert "1 more (Facebook shows these behind the “+1”)" in page
        assert page.count("<img ") == 5 and "Foto 5." in page

    def test_thread_numbering_and_counts(self, config: Config, write_post: WritePost) -> None:
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: 9
            text: Texto para Facebook.
            twitter:
              thread: [Primer tuit, Segundo tuit, Tercer tuit]
        """))
        assert "X (Twitter) <span class=\"kind\">· thread of 3 tweets</span>" in page
        assert re.findall(r'<span class="x-num" lang="en">(\d/\d)</span>', page) == [
            "1/3", "2/3", "3/3"]
        assert page.count('<div class="x-line"></div>') == 2  # the cards are connected
        assert "21/280 weighted characters" in page  # "Primer tuit\n\n#BMNCuba"
        assert "Biblioteca Médica Nacional" in page and "@BMN_Cuba" in page

    def test_over_the_limit_and_diagnostics(self, config: Config,
                                            write_post: WritePost) -> None:
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: invitar-comentarios
            text: Comenten lo que leen.
            twitter:
              text: "<i>%s</i>"
        """ % ("x" * 300)))
        assert '<div class="count over" lang="en">' in page
        assert "317/280 weighted characters — 37 over the limit" in page
        assert '<li class="diag error"><span class="sev">error</span> <code>X-LENGTH</code>' in page
        assert ('<li class="diag warning"><span class="sev">warning</span> '
                "<code>CATEGORY-SUGGESTS-QUESTION</code>") in page
        assert "1 error, 1 warning" in page and '<article class="post invalid"' in page

    def test_header_and_link_card(self, config: Config, write_post: WritePost) -> None:
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: servicios-productos
            text: Nuevo horario del sábado.
            link: https://www.bmns.sld.cu/horarios
            schedule: {cron: '0 9 * * mon', count: 2, start: 2026-12-01}
        """))
        assert '<span class="rank" title="rank 3 of 17">3</span>' in page
        assert "Compartir información sobre los servicios y productos de biblioteca." in page
        assert "recurring, cron &#x27;0 9 * * mon&#x27;, 2 times from 2026-12-01" in page
        assert "<li>Monday 2026-12-07 09:00 (-05:00)</li><li>Monday 2026-12-14" in page
        assert "7 de diciembre de 2026 a las 9:00" in page and "7 dic. 2026" in page
        # Facebook's separate link field becomes its preview card; X has the link in the text.
        assert '<a class="fb-link" href="https://www.bmns.sld.cu/horarios"' in page
        assert "BMNS.SLD.CU" in page and page.count('class="fb-link"') == 1
        # A recurring post warns that X refuses repeats: amber, and the post stays valid.
        assert '<li class="diag warning"><span class="sev">warning</span> <code>X-REPEAT</code>' \
            in page
        assert '<article class="post warnings"' in page and "<h3>1 warning</h3>" in page

    def test_platforms_not_in_the_post_are_omitted(self, config: Config,
                                                   write_post: WritePost) -> None:
        page, _, _ = page_for(config, write_post(
            "a.yaml", "category: 9\ntext: Solo en X.\nplatforms: [twitter]\n"))
        assert "✓ No errors or warnings." in page and '<article class="post valid"' in page
        assert 'data-platform="twitter"' in page and 'data-platform="facebook"' not in page
        assert "fb-card" not in page.split("</style>")[1]

    def test_video_is_a_placeholder(self, config: Config, write_post: WritePost,
                                    workspace: Path) -> None:
        (workspace / "posts" / "media" / "clip.mp4").write_bytes(
            sample_mp4(4096, seconds=42, width=1920, height=1080, rotation=90))
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: 9
            text: Un video.
            platforms: [twitter]
            media: [{path: clip.mp4, alt: Un video corto.}]
        """))
        assert "<img " not in page and ("clip.mp4<br>video/mp4, 4.0 KiB, 0:42.0, 1080×1920, "
                                        "30 fps, avc1 (video: not embedded)") in page
        assert "Un video corto." in page

    def test_what_x_will_charge_is_on_the_page(self, config: Config,
                                               write_post: WritePost) -> None:
        page, _, _ = page_for(config, write_post("a.yaml", """
            category: 9
            text: Una guía de búsqueda.
            twitter:
              thread:
                - Primera parte, con enlace https://www.bmns.sld.cu/guias
                - Segunda parte.
        """))
        x_section = page[page.index('data-platform="twitter"'):]
        cost = visible_text(re.search(r'<div class="cost".*?</div>', x_section, re.S).group(0))
        assert "[1/2]" in cost and "[2/2]" in cost
        assert "0,215" in cost or "0.215" in cost  # $0.200 with a link + $0.015 without
        facebook = page[page.index('data-platform="facebook"'):page.index(
            'data-platform="twitter"')]
        assert 'class="cost"' not in facebook

    def test_files_that_are_not_posts_are_listed(self, config: Config,
                                                 write_post: WritePost) -> None:
        page, previews, broken = page_for(config, write_post("a.yaml", "text: [sin cerrar\n"))
        assert not previews and broken
        assert "Files that could not be read as posts" in page
        assert f"<code>{broken[0].code}</code>" in page and "0 posts, 1 unreadable file" in page


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


class TestCommand:
    def test_writes_the_page_and_still_prints(self, workspace: Path,
                                              write_post: WritePost) -> None:
        path = write_post("a.yaml", "category: 9\ntext: 'Hola #Salud'\n")
        code, out, _ = run("preview", str(path), "--html", "out.html")
        assert code == ExitCode.OK
        assert "── Facebook ── 1 message" in out and "HTML preview written to out.html" in out
        page = (workspace / "out.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and '<span class="tag">#Salud</span>' in page
        assert sorted(p.name for p in workspace.iterdir()) == ["config.yaml", "out.html", "posts"]
        assert (workspace / "out.html").stat().st_mode & 0o777 == 0o666 & ~_umask()

    def test_json_stays_json(self, workspace: Path, write_post: WritePost) -> None:
        path = write_post("a.yaml", "category: 9\ntext: Hola\n")
        code, out, err = run("preview", "--json", "--html", "out.html", str(path))
        assert code == ExitCode.OK and json.loads(out)["posts"][0]["id"] == "a"
        assert "HTML preview written to out.html" in err
        assert (workspace / "out.html").exists()

    def test_invalid_post_exits_1_and_the_page_shows_the_errors(
            self, workspace: Path, write_post: WritePost) -> None:
        path = write_post("a.yaml", "category: 9\ntext: " + "x" * 300 + "\n")
        broken = write_post("b.yaml", "category: [\n")
        code, out, _ = run("preview", str(path), str(broken), "--html", "out.html")
        assert code == ExitCode.INVALID and "error[X-LENGTH]" in out
        page = (workspace / "out.html").read_text(encoding="utf-8")
        assert "<code>X-LENGTH</code>" in page and "Files that could not be read" in page

    @pytest.mark.parametrize(("body", "code"), [
        ("category: 9\ntext: Dibujada igual.\nmedia: [jornada-cientifica-cartel.jpg]\n",
         "MEDIA-ALT-MISSING"),
        ("category: eventos-bibliotek\ntext: Dibujada igual.\n", "CATEGORY-UNKNOWN"),
        ("category: 9\ntext: Dibujada igual.\nschedule: {at: 2027-01-14}\n", "SCHED-TIME"),
    ])
    def test_a_post_with_a_field_error_is_still_drawn(self, workspace: Path,
                                                      write_post: WritePost, body: str,
                                                      code: str) -> None:
        path = write_post("a.yaml", body)
        exit_code, out, _ = run("preview", str(path), "--html", "out.html")
        assert exit_code == ExitCode.INVALID
        assert "│ Dibujada igual." in out and f"error[{code}]" in out
        page = (workspace / "out.html").read_text(encoding="utf-8")
        assert "Dibujada igual." in page and f"<code>{code}</code>" in page
        assert "Files that could not be read" not in page
        exit_code, out, _ = run("preview", "--json", str(path))
        (post,) = json.loads(out)["posts"]
        assert post["valid"] is False and post["platforms"][0]["parts"][0]["text"].startswith(
            "Dibujada igual.")
        assert code in {d["code"] for d in post["diagnostics"]}
        # Never queued: a draft with errors is only drawn.
        assert run("sync")[0] == ExitCode.INVALID
        assert json.loads(run("queue", "--json")[1]) == []

    def test_replaces_an_existing_page(self, workspace: Path, write_post: WritePost) -> None:
        (workspace / "out.html").write_text("old", encoding="utf-8")
        run("preview", str(write_post("a.yaml", "category: 9\ntext: Nuevo\n")),
            "--html", "out.html")
        assert "Nuevo" in (workspace / "out.html").read_text(encoding="utf-8")

    def test_unwritable_destination_is_a_usage_error(self, workspace: Path,
                                                     write_post: WritePost) -> None:
        path = write_post("a.yaml", "category: 9\ntext: Hola\n")
        code, _, err = run("preview", str(path), "--html", "missing/out.html")
        assert code == ExitCode.USAGE and "cannot write missing/out.html" in err

    def test_help_does_not_load_the_html_module(self, tmp_path: Path) -> None:
        code = ("import sys\nfrom bmnsocial.cli.main import main\ntry:\n"
                "    main(['preview', '--help'])\nexcept SystemExit:\n    pass\nprint('LOADED' if "
                "'bmnsocial.reports.html_preview' in sys.modules else 'LAZY')")
        proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                              text=True, check=False,
                              env={"BMNSOCIAL_HOME": str(tmp_path), "PATH": ""},
                              preexec_fn=default_signals)
        assert proc.stdout.strip().endswith("LAZY"), proc.stdout + proc.stderr
        assert "--html OUT.html" in proc.stdout


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- the page in a real browser -------------------------------------------------------------

WIDTH, HEIGHT = 1280, 2000
CARTEL_BLUE = (0, 84, 147)  # the background of posts/media/jornada-cientifica-cartel.jpg


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium on CI")
        pytest.skip("no chromium, chromium-browser or google-chrome on PATH "
                    "(apt-get install chromium)")
    return found


def read_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows) of an 8-bit, non-interlaced RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, ihdr, idat = 8, b"", []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = body
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    prev, rows = bytearray(stride), []
    for y in range(height):
        start = y * (stride + 1)
        kind_, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind_ == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind_ == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif kind_ == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind_ == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def test_chromium_renders_the_text_and_images(chromium: str, workspace: Path) -> None:
    for name in SAMPLES:
        shutil.copy(REPO / "posts" / name, workspace / "posts" / name)
    code, _, _ = run("preview", *(f"posts/{n}" for n in SAMPLES), "--html", "preview.html")
    assert code == ExitCode.OK
    page = workspace / "preview.html"

    dom = run_chromium(chromium, page, f"--window-size={WIDTH},{HEIGHT}", "--dump-dom",
                       timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for text in ("Presentaremos investigaciones sobre gestión de la información en salud.",
                 "Cinco consejos para buscar evidencia científica en salud:",
                 "¡Gracias a todos por participar!", "#AlfabetizaciónInformacional",
                 "bmns.sld.cu/guias-de-busq…", "4/4", "Cartel azul de la Jornada Científica"):
        assert text in dom.stdout, text
    assert dom.stdout.count('<img src="data:image/jpeg;base64,') == 6  # 1 + 2 photos, FB and X
    # The page's own script ran (its CSP hash matches) and every image decoded.
    found = re.search(r'<body data-images="([\d,]*)" data-height="(\d+)"', dom.stdout)
    assert found, dom.stdout[:3000]
    assert [int(w) for w in found.group(1).split(",")] == [640] * 6
    assert int(found.group(2)) > HEIGHT  # three posts do not fit in one screen

    shot = workspace / "shot.png"
    proc = run_chromium(chromium, page, f"--window-size={WIDTH},{HEIGHT}",
                        f"--screenshot={shot}", timeout=120)
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    width, height, bpp, rows = read_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    pixels = [tuple(row[x:x + 3]) for row in rows[::8] for x in range(0, width * bpp, 8 * bpp)]
    assert len(set(pixels)) > 200, "the screenshot is (nearly) blank"
    # The cartel's blue, from the embedded JPEG, covers a good part of the first post.
    blue = sum(all(abs(p - q) <= 12 for p, q in zip(px, CARTEL_BLUE, strict=True))
               for px in pixels)
    assert blue > 0.03 * len(pixels), blue


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_page_fits_a_phone_screen(chromium: str, workspace: Path, lang: str) -> None:
    """At 390 CSS pixels (a common phone width) nothing needs scrolling sideways.

    Headless Chromium keeps its window at least 500 pixels wide, so the page is measured in a
    390-pixel frame of a page beside it (file pages may read each other with
    --allow-file-access-from-files)."""
    for name in SAMPLES:
        shutil.copy(REPO / "posts" / name, workspace / "posts" / name)
    code, _, _ = run("--lang", lang, "preview", *(f"posts/{n}" for n in SAMPLES),
                     "--html", "preview.html")
    assert code == ExitCode.OK
    phone = 390
    frame = workspace / "phone.html"
    frame.write_text(
        f'<!DOCTYPE html><body><iframe id="f" src="preview.html" width="{phone}" height="844" '
        'style="border:0"></iframe><script>document.getElementById("f").onload=function(){'
        'var d=this.contentDocument.documentElement;document.body.dataset.view=d.clientWidth;'
        'document.body.dataset.width=d.scrollWidth}</script></body>', encoding="utf-8")
    dom = run_chromium(chromium, frame, "--window-size=800,900", "--allow-file-access-from-files",
                       "--dump-dom", timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-view="(\d+)" data-width="(\d+)"', dom.stdout)
    assert found, dom.stdout[:3000]
    view, width = int(found.group(1)), int(found.group(2))
    assert view == phone  # the frame really is a phone's width (no scroll bar taken off)
    assert width <= phone
