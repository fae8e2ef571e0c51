"""What every HTML mock-up is drawn with (reports/html_preview.py draws the page): escaping,
links and hashtags found in the renderer's exact text, photo grids with their alt text, the
length bar, inline icons. Each platform that has a mock-up declares it as its ``mockup``
capability: a module with ``draw(rendered, scene)``, ``LOGO`` and ``heading(account)``.

Every text from a post is untrusted and escaped; images are ``data:`` URIs, so the page makes
no request of its own."""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from bmnsocial.hashtags import HASHTAG_IN_TEXT
from bmnsocial.i18n import _, current, number
from bmnsocial.platforms.rendered import Part, Rendered, RenderedMedia
from bmnsocial.posts.media import MediaProblem, human_size, open_queued, video_summary
from bmnsocial.posts.twitter_text import extract_urls_with_indices

# Images larger than this are not embedded (the page would be too heavy to mail).
MAX_EMBED_BYTES = 20 * 1024 * 1024
GRID_CELLS = 4  # the platforms show at most four photos in the grid
SCHEME = re.compile(r"^https?://", re.IGNORECASE)


def e(text: str) -> str:
    return escape(text, quote=True)


def lang() -> str:
    """The language of the page's own words (the posts' texts are Spanish: lang="es")."""
    return current()


# --- text: links and hashtags found in the renderer's exact text ----------------------------

def _entities(text: str, mentions: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, "url" | "tag" | "mention") spans of ``text``, in order, never
    overlapping."""
    spans = [(u.start, u.end, "url") for u in extract_urls_with_indices(text)]
    if "#" in text or "＃" in text:
        for m in HASHTAG_IN_TEXT.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _kind in spans):
                spans.append((m.start(), m.end(), "tag"))
    for start, end in mentions:
        if not any(s < end and start < e for s, e, _kind in spans):
            spans.append((start, end, "mention"))
    return sorted(spans)


def rich_text(text: str, shown: Callable[[str], str] = lambda url: url,
              mentions: Iterable[tuple[int, int]] = ()) -> str:
    """``text`` as escaped HTML with its links (as ``shown`` writes them), hashtags and
    ``mentions`` (the spans of the accounts the platform links) wrapped; nothing else
    changes."""
    out: list[str] = []
    pos = 0
    for start, end, kind in _entities(text, mentions):
        out.append(e(text[pos:start]))
        piece = text[start:end]
        if kind in ("tag", "mention"):
            out.append(f'<span class="{kind}">{e(piece)}</span>')
        else:
            href = piece if SCHEME.match(piece) else "https://" + piece
            out.append(f'<a class="url" href="{e(href)}" title="{e(piece)}" '
                       f'rel="noopener noreferrer" target="_blank">{e(shown(piece))}</a>')
        pos = end
    out.append(e(text[pos:]))
    return "".join(out)


def initials(name: str) -> str:
    """'Biblioteca Médica Nacional' → 'BMN': the capitals that start words, at most three."""
    letters = [w[0] for w in name.split() if w[:1].isupper()]
    return "".join(letters[:3]) or name[:2].upper() or "?"


# --- media ----------------------------------------------------------------------------------

class Embedder:
    """Each media file read and encoded once per page."""

    def __init__(self) -> None:
        self._uris: dict[Path, str | None] = {}

    def uri(self, media: RenderedMedia) -> str | None:
        info = media.info
        if info.path not in self._uris:
            self._uris[info.path] = None
            if info.kind != "video" and info.size <= MAX_EMBED_BYTES:
                # Read as it would be sent: no link followed, only the file that was checked.
                with contextlib.suppress(OSError, MediaProblem), open_queued(info) as opened:
                    data = base64.b64encode(opened.read()).decode("ascii")
                    self._uris[info.path] = f"data:{info.mime};base64,{data}"
        return self._uris[info.path]


@dataclass
class Scene:
    """What a mock-up is drawn for: the configured accounts (by platform), the name the
    institution shows people (``display_name``), when the post goes out, and the page's
    images."""

    accounts: Mapping[str, Any]
    name: str | None = None
    when: datetime | None = None
    embed: Embedder = field(default_factory=Embedder)


def _figure(media: RenderedMedia, embed: Embedder, more: int = 0) -> str:
    info = media.info
    alt = media.alt or ""
    uri = embed.uri(media)
    if uri is not None:
        visual = f'<img src="{uri}" alt="{e(alt)}" title="{e(info.relative)}">'
    else:
        why = (_("video: not embedded") if info.kind == "video"
               else _("not embedded: too large or unreadable"))
        visual = (f'<div class="placeholder" lang="{lang()}"><span class="play">▶</span>'
                  f'{e(info.relative)}<br>{e(info.mime)}, {e(human_size(info.size))}'
                  f'{", " + e(video_summary(info.video)) if info.video else ""} '
                  f"({e(why)})</div>")
    badge = '<span class="alt-badge">ALT</span>' if alt else ""
    overlay = f'<span class="more">+{more}</span>' if more else ""
    alt_label, no_alt = _("Alt text:"), _("NO ALT TEXT")
    caption = (f'<figcaption class="alt"><b lang="{lang()}">{e(alt_label)}</b> '
               f"{e(alt)}</figcaption>" if alt else
               f'<figcaption class="alt missing" lang="{lang()}">{e(no_alt)}</figcaption>')
    return (f'<figure class="ph"><div class="frame">{visual}{badge}{overlay}</div>'
            f"{caption}</figure>")


def refused_beyond_four(count: int) -> str:
    return _("beyond X's four: X refuses the post")


def grid(media: Sequence[RenderedMedia], embed: Embedder, *, overlay: bool = False,
         beyond: Callable[[int], str] = refused_beyond_four) -> str:
    """The photos as the platforms lay them out: four in the grid, the rest listed after
    it with ``beyond(count)`` (``overlay``: a “+N” on the last cell, as Facebook does)."""
    if not media:
        return ""
    shown = media[:GRID_CELLS]
    rest = media[GRID_CELLS:]
    more = len(rest) if overlay else 0
    cells = [_figure(m, embed, more if i == len(shown) - 1 else 0)
             for i, m in enumerate(shown)]
    html = f'<div class="grid n{len(shown)}">{"".join(cells)}</div>'
    if rest:
        more_text = _("{count} more ({note}):").format(count=len(rest), note=beyond(len(rest)))
        html += (f'<div class="extra"><p class="extra-note" lang="{lang()}">{e(more_text)}'
                 '</p><div class="grid extra-grid">'
                 + "".join(_figure(m, embed) for m in rest) + "</div></div>")
    return html


# --- icons (inline SVG: no fonts or files needed) -------------------------------------------

def icon(path: str, size: int = 18, fill: bool = False) -> str:
    paint = 'fill="currentColor" stroke="none"' if fill else (
        'fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" '
        'stroke-linecap="round"')
    return (f'<svg class="icon" width="{size}" height="{size}" viewBox="0 0 24 24" '
            f'aria-hidden="true" {paint}><path d="{path}"/></svg>')


def count(part: Part, unit: str) -> str:
    """The part's length against its limit, as a bar."""
    over = part.length > part.limit
    pct = min(100, round(100 * part.length / part.limit)) if part.limit else 100
    note = (" — " + _("{count} over the limit").format(count=part.length - part.limit)
            if over else "")
    return (f'<div class="count{" over" if over else ""}" lang="{lang()}">'
            f'<span class="bar"><span style="width:{pct}%"></span></span>'
            f"{number(part.length)}/{number(part.limit)} {e(unit)}{e(note)}</div>")


def plain(rendered: Rendered, scene: Scene) -> str:
    """A platform without a mock-up of its own: a plain card per message."""
    return "".join(f'<div class="fb-card"><div class="text fb-text">'
                   f'{rich_text(p.text)}</div>'
                   f'{grid(p.media, scene.embed)}</div>'
                   + count(p, _("characters"))
                   for p in rendered.parts)
