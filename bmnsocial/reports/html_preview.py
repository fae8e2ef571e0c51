"""The HTML preview: one self-contained page with a Facebook and an X mock-up of each post.

Built from the same objects as the terminal preview (:mod:`bmnsocial.reports.preview`): the
texts are the renderer's exact texts, never recomposed; links and hashtags are only *found* in
them (twitter-text's URL extraction, ``posts.hashtags.HASHTAG_IN_TEXT``) and wrapped. Every
text from a post is untrusted and escaped. The page makes no request of its own: CSS is
inline, images are ``data:`` URIs, and a Content-Security-Policy forbids anything else, so the
file can be mailed.

The end of the module runs the page in headless Chromium (tests, docs screenshots).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic
from bmnsocial.hashtags import HASHTAG_IN_TEXT
from bmnsocial.i18n import _, current, ngettext, number
from bmnsocial.platforms import registry
from bmnsocial.platforms.rendered import Part, Rendered, RenderedMedia
from bmnsocial.posts.media import MediaProblem, human_size, open_queued, video_summary
from bmnsocial.posts.twitter_text import extract_urls_with_indices
from bmnsocial.reports.preview import Preview, cost_lines, schedule_text
from bmnsocial.timeutil import describe

__all__ = ["find_chromium", "render_page", "run_chromium", "write_page", "x_display_url"]

# X shows a link without its scheme and "www.", cut after this many characters with "…".
X_DISPLAY_URL_CHARS = 25
# Images larger than this are not embedded (the page would be too heavy to mail).
MAX_EMBED_BYTES = 20 * 1024 * 1024
GRID_CELLS = 4  # both platforms show at most four photos in the grid

_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre")
_MONTHS_SHORT = ("ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sept.",
                 "oct.", "nov.", "dic.")
_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _lang() -> str:
    """The language of the page's own words (the posts' texts are Spanish: lang="es")."""
    return current()


# --- text: links and hashtags found in the renderer's exact text ----------------------------

def x_display_url(url: str) -> str:
    """How X shows a link in a post: no scheme, no "www.", long ones cut with "…"."""
    shown = _SCHEME.sub("", url)
    if shown[:4].lower() == "www.":
        shown = shown[4:]
    if len(shown) > X_DISPLAY_URL_CHARS + 1:
        shown = shown[:X_DISPLAY_URL_CHARS] + "…"
    return shown


def _entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, "url" | "tag") spans of ``text``, in order, never overlapping."""
    spans = [(u.start, u.end, "url") for u in extract_urls_with_indices(text)]
    if "#" in text or "＃" in text:
        for m in HASHTAG_IN_TEXT.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _kind in spans):
                spans.append((m.start(), m.end(), "tag"))
    return sorted(spans)


def rich_text(text: str, platform: str) -> str:
    """``text`` as escaped HTML with its links and hashtags wrapped; nothing else changes."""
    out: list[str] = []
    pos = 0
    for start, end, kind in _entities(text):
        out.append(_e(text[pos:start]))
        piece = text[start:end]
        if kind == "tag":
            out.append(f'<span class="tag">{_e(piece)}</span>')
        else:
            href = piece if _SCHEME.match(piece) else "https://" + piece
            shown = x_display_url(piece) if platform == "twitter" else piece
            out.append(f'<a class="url" href="{_e(href)}" title="{_e(piece)}" '
                       f'rel="noopener noreferrer" target="_blank">{_e(shown)}</a>')
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


# --- dates and names ------------------------------------------------------------------------

def _fb_time(moment: datetime | None) -> str:
    if moment is None:
        return "Ahora"
    return (f"{moment.day} de {_MONTHS[moment.month - 1]} de {moment.year} a las "
            f"{moment.hour}:{moment.minute:02d}")


def _x_time(moment: datetime | None) -> str:
    if moment is None:
        return "ahora"
    return f"{moment.day} {_MONTHS_SHORT[moment.month - 1]} {moment.year}"


def initials(name: str) -> str:
    """'Biblioteca Médica Nacional' → 'BMN': the capitals that start words, at most three."""
    letters = [w[0] for w in name.split() if w[:1].isupper()]
    return "".join(letters[:3]) or name[:2].upper() or "?"


class _Accounts:
    def __init__(self, config: Config) -> None:
        fb, tw, tg = (config.account(p) for p in ("facebook", "twitter", "telegram"))
        self.page_name = (fb.page_name if fb and fb.page_name else "") or "Página de Facebook"
        self.username = tw.username if tw and tw.username else "usuario"
        self.x_name = fb.page_name if fb and fb.page_name else self.username
        self.channel = tg.chat if tg else "@canal"
        self.channel_name = fb.page_name if fb and fb.page_name else self.channel


# --- media ----------------------------------------------------------------------------------

class _Embedder:
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


def _figure(media: RenderedMedia, embed: _Embedder, more: int = 0) -> str:
    info = media.info
    alt = media.alt or ""
    uri = embed.uri(media)
    if uri is not None:
        visual = f'<img src="{uri}" alt="{_e(alt)}" title="{_e(info.relative)}">'
    else:
        why = (_("video: not embedded") if info.kind == "video"
               else _("not embedded: too large or unreadable"))
        visual = (f'<div class="placeholder" lang="{_lang()}"><span class="play">▶</span>'
                  f'{_e(info.relative)}<br>{_e(info.mime)}, {_e(human_size(info.size))}'
                  f'{", " + _e(video_summary(info.video)) if info.video else ""} '
                  f"({_e(why)})</div>")
    badge = '<span class="alt-badge">ALT</span>' if alt else ""
    overlay = f'<span class="more">+{more}</span>' if more else ""
    alt_label, no_alt = _("Alt text:"), _("NO ALT TEXT")
    caption = (f'<figcaption class="alt"><b lang="{_lang()}">{_e(alt_label)}</b> '
               f"{_e(alt)}</figcaption>" if alt else
               f'<figcaption class="alt missing" lang="{_lang()}">{_e(no_alt)}</figcaption>')
    return (f'<figure class="ph"><div class="frame">{visual}{badge}{overlay}</div>'
            f"{caption}</figure>")


def _grid(media: Sequence[RenderedMedia], embed: _Embedder, platform: str) -> str:
    if not media:
        return ""
    shown = media[:GRID_CELLS]
    rest = media[GRID_CELLS:]
    more = len(rest) if platform == "facebook" else 0
    cells = [_figure(m, embed, more if i == len(shown) - 1 else 0)
             for i, m in enumerate(shown)]
    html = f'<div class="grid n{len(shown)}">{"".join(cells)}</div>'
    if rest:
        note = (_("Facebook shows these behind the “+{count}”").format(count=len(rest))
                if platform == "facebook" else _("beyond X's four: X refuses the post"))
        more_text = _("{count} more ({note}):").format(count=len(rest), note=note)
        html += (f'<div class="extra"><p class="extra-note" lang="{_lang()}">{_e(more_text)}'
                 '</p><div class="grid extra-grid">'
                 + "".join(_figure(m, embed) for m in rest) + "</div></div>")
    return html


# --- icons (inline SVG: no fonts or files needed) -------------------------------------------

def _icon(path: str, size: int = 18, fill: bool = False) -> str:
    paint = 'fill="currentColor" stroke="none"' if fill else (
        'fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" '
        'stroke-linecap="round"')
    return (f'<svg class="icon" width="{size}" height="{size}" viewBox="0 0 24 24" '
            f'aria-hidden="true" {paint}><path d="{path}"/></svg>')


_LIKE = ("M7 10v11H3V10h4zm0 0 4-7.5c1.6 0 2.7 1.1 2.7 2.6V9h5.3c1.3 0 2.2 1.2 1.9 2.4l-1.8 "
         "7.9c-.2.9-1 1.7-2 1.7H7")
_COMMENT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
_SHARE = "M14 5l7 7-7 7v-4.2C8.5 14.8 5 16.4 3 20c.6-5.8 4-10.4 11-11.2z"
_GLOBE = ("M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm-9 9h18M12 3c2.5 2.6 3.8 5.6 3.8 9s-1.3 6.4-3.8 "
          "9c-2.5-2.6-3.8-5.6-3.8-9S9.5 5.6 12 3z")
_REPLY = ("M9 4h6a7 7 0 0 1 0 14h-2l-5 3.5V17.6A7 7 0 0 1 9 4z")
_REPOST = "M4 9l3-3 3 3M7 6v9a3 3 0 0 0 3 3h5M20 15l-3 3-3-3M17 18V9a3 3 0 0 0-3-3H9"
_HEART = ("M12 20s-7.5-4.6-9.2-9.2C1.7 7.6 3.7 4.5 7 4.5c2 0 3.3 1.1 5 3 1.7-1.9 3-3 5-3 3.3 0 "
          "5.3 3.1 4.2 6.3C19.5 15.4 12 20 12 20z")
_VIEWS = "M5 20V11M10 20V4M15 20v-7M20 20V8"
_BOOKMARK = "M6 3h12v18l-6-4.5L6 21z"
_X_LOGO = ("M18.24 2.25h3.31l-7.23 8.26 8.5 11.24h-6.66l-5.21-6.82-5.97 6.82H1.68l7.73-8.84L1.25 "
           "2.25h6.83l4.71 6.23zm-1.16 17.52h1.83L7.08 4.13H5.12z")


# --- the two mock-ups -----------------------------------------------------------------------

def _count(part: Part, unit: str) -> str:
    over = part.length > part.limit
    pct = min(100, round(100 * part.length / part.limit)) if part.limit else 100
    note = (" — " + _("{count} over the limit").format(count=part.length - part.limit)
            if over else "")
    return (f'<div class="count{" over" if over else ""}" lang="{_lang()}">'
            f'<span class="bar"><span style="width:{pct}%"></span></span>'
            f"{number(part.length)}/{number(part.limit)} {_e(unit)}{_e(note)}</div>")


def _link_box(link: str) -> str:
    host = (urlsplit(link).hostname or link) if _SCHEME.match(link) else link
    host = host[4:] if host.lower().startswith("www.") else host
    return (f'<a class="fb-link" href="{_e(link)}" rel="noopener noreferrer" target="_blank">'
            f'<span class="fb-link-mark">{_icon(_GLOBE, 30)}</span>'
            f'<span class="fb-link-body"><span class="fb-link-domain">{_e(host.upper())}</span>'
            f'<span class="fb-link-url">{_e(link)}</span>'
            f'<span class="fb-link-note" lang="{_lang()}">'
            + _e(_("Link preview card: Facebook fills in the title and picture from the page."))
            + "</span></span></a>")


def _facebook(rendered: Rendered, who: _Accounts, when: datetime | None,
              embed: _Embedder) -> str:
    cards = []
    for part in rendered.body:
        link = _link_box(rendered.link) if rendered.link else ""
        cards.append(
            '<div class="fb-card">'
            f'<div class="fb-head"><div class="avatar fb-avatar">{_e(initials(who.page_name))}'
            f'</div><div class="fb-who"><div class="fb-name">{_e(who.page_name)}</div>'
            f'<div class="fb-time">{_e(_fb_time(when))} · {_icon(_GLOBE, 12)}</div></div>'
            '<div class="fb-dots">···</div></div>'
            f'<div class="text fb-text">{rich_text(part.text, "facebook")}</div>'
            f'{_grid(part.media, embed, "facebook")}{link}'
            '<div class="fb-actions">'
            f"<span>{_icon(_LIKE)}Me gusta</span><span>{_icon(_COMMENT)}Comentar</span>"
            f"<span>{_icon(_SHARE)}Compartir</span></div></div>"
            + _count(part, _("characters")))
    comment = rendered.comment
    if comment is not None:
        label = _("first comment")
        cards.append(
            f'<div class="fb-card fb-comment" data-part="comment">'
            f'<div class="fb-head"><div class="avatar fb-avatar">{_e(initials(who.page_name))}'
            f'</div><div class="fb-who"><div class="fb-name">{_e(who.page_name)}</div>'
            f'<div class="fb-time" lang="{_lang()}">{_e(label)}</div></div></div>'
            f'<div class="text fb-text">{rich_text(comment.text, "facebook")}</div></div>'
            + _count(comment, _("characters")))
    return "".join(cards)


def _twitter(rendered: Rendered, who: _Accounts, when: datetime | None,
             embed: _Embedder) -> str:
    parts = rendered.parts
    tweets = []
    for i, part in enumerate(parts, 1):
        number = (f'<span class="x-num" lang="{_lang()}">{i}/{len(rendered.body)}</span>'
                  if len(rendered.body) > 1 else "")
        if part.comment:
            label = _("first comment")
            number = f'<span class="x-num" lang="{_lang()}">{_e(label)}</span>'

        line = '<div class="x-line"></div>' if i < len(parts) else ""
        tweets.append(
            f'<article class="tweet" data-part="{i}">'
            f'<div class="x-left"><div class="avatar x-avatar">{_e(initials(who.x_name))}</div>'
            f"{line}</div>"
            '<div class="x-body"><div class="x-head">'
            f'<span class="x-name">{_e(who.x_name)}</span> '
            f'<span class="x-handle">@{_e(who.username)} · {_e(_x_time(when))}</span>'
            f"{number}</div>"
            f'<div class="text x-text">{rich_text(part.text, "twitter")}</div>'
            f'{_grid(part.media, embed, "twitter")}'
            '<div class="x-actions">'
            f"{_icon(_REPLY)}{_icon(_REPOST)}{_icon(_HEART)}{_icon(_VIEWS)}"
            f"{_icon(_BOOKMARK)}</div>"
            + _count(part, _("weighted characters")) + "</div></article>")
    return f'<div class="x-card">{"".join(tweets)}</div>'


def _telegram(rendered: Rendered, who: _Accounts, when: datetime | None,
              embed: _Embedder) -> str:
    """A channel post: one bubble per message (a thread's replies quote the one before)."""
    bubbles = []
    for i, part in enumerate(rendered.parts):
        quote = (f'<div class="tg-reply">{_e(who.channel_name)}</div>' if i else "")
        note = _("Telegram shows a preview of the link.")
        link = (f'<div class="tg-link"><span class="tg-link-host">'
                f'{_e(urlsplit(rendered.link).hostname or rendered.link)}</span>'
                f'<span lang="{_lang()}">{_e(note)}</span></div>'
                if rendered.link and i == 0 and not part.media else "")
        hour = f"{when.hour}:{when.minute:02d}" if when else ""
        bubbles.append(
            f'<div class="tg-post" data-part="{i + 1}">'
            f'<div class="tg-name">{_e(who.channel_name)}</div>{quote}'
            f'{_grid(part.media, embed, "telegram")}'
            f'<div class="text tg-text">{rich_text(part.text, "telegram")}</div>{link}'
            f'<div class="tg-meta">{_e(who.channel)} · {_e(hour)}</div></div>'
            + _count(part, _("characters")))
    return f'<div class="tg-card">{"".join(bubbles)}</div>'


def _generic(rendered: Rendered, who: _Accounts, when: datetime | None,
             embed: _Embedder) -> str:
    return "".join(f'<div class="fb-card"><div class="text fb-text">'
                   f'{rich_text(p.text, rendered.platform)}</div>'
                   f'{_grid(p.media, embed, rendered.platform)}</div>'
                   + _count(p, _("characters"))
                   for p in rendered.parts)


def _platform(rendered: Rendered, who: _Accounts, when: datetime | None,
              embed: _Embedder, cost: str = "") -> str:
    name = rendered.platform
    label = registry.label(name)
    n = len(rendered.body)
    kind = registry.thread_kind(name, n) if n > 1 else _("1 message")
    if rendered.comment is not None:
        kind = _("{kind} and a first comment").format(kind=kind)
    logo = (_icon(_X_LOGO, 16, fill=True) if name == "twitter"
            else '<span class="fb-logo">f</span>' if name == "facebook" else "")
    build = {"facebook": _facebook, "twitter": _twitter, "telegram": _telegram}.get(
        name, _generic)
    return (f'<section class="platform {_e(name)}" data-platform="{_e(name)}">'
            f'<h3 lang="{_lang()}">{logo}{_e(label)} <span class="kind">· {_e(kind)}</span></h3>'
            f"{build(rendered, who, when, embed)}{cost}</section>")


def _cost(rendered: Rendered, config: Config) -> str:
    lines = cost_lines(rendered, config)
    if not lines:
        return ""
    head, *items = lines
    return (f'<div class="cost" lang="{_lang()}"><strong>{_e(head)}</strong><ul>'
            + "".join(f"<li>{_e(line.strip())}</li>" for line in items) + "</ul></div>")


# --- per post -------------------------------------------------------------------------------

def _diagnostics(diagnostics: Sequence[Diagnostic]) -> str:
    if not diagnostics:
        return (f'<p class="diags ok" lang="{_lang()}">'
                + _e(_("✓ No errors or warnings.")) + "</p>")
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    title = ", ".join(x for x in (
        ngettext("1 error", "{n} errors", errors).format(n=errors) if errors else "",
        ngettext("1 warning", "{n} warnings", warnings).format(n=warnings) if warnings
        else "") if x)
    items = "".join(
        f'<li class="diag {d.severity.value}"><span class="sev">{d.severity.value}</span> '
        f"<code>{_e(d.code)}</code> <span class=\"loc\">{_e(d.file)}:{d.line}:{d.column}"
        f"</span> {_e(d.message)}"
        + (' <span class="hint">' + _e(_("Hint: {hint}").format(hint=d.hint)) + "</span>"
           if d.hint else "") + "</li>"
        for d in diagnostics)
    kind = "has-errors" if errors else "has-warnings"
    return (f'<section class="diags {kind}" lang="{_lang()}"><h3>{_e(title)}</h3>'
            f"<ul>{items}</ul></section>")


def _post(preview: Preview, config: Config, who: _Accounts, embed: _Embedder) -> str:
    post = preview.checked.post
    cat = post.category
    tz = config.timezone
    first = preview.occurrences[0].due.astimezone(tz) if preview.occurrences else None
    occ = "".join(
        f'<li>{_e(describe(o.due, tz))}'
        + (f' <span class="note">{_e(o.note)}</span>' if o.note else "") + "</li>"
        for o in preview.occurrences)
    if occ:
        when = f'<ul class="occ">{occ}</ul>'
    else:
        when = ("<p>" + _e(_("none ahead")) + "</p>" if post.schedule.kind != "none"
                else "<p>—</p>")
    event = ""
    if post.event is not None:
        ev = post.event
        bits = [b for b in (ev.name, describe(ev.starts, tz) if ev.starts else None, ev.place)
                if b]
        event = ("<dt>" + _e(_("Event")) + f"</dt><dd lang=\"es\">{_e(' · '.join(bits))}</dd>"
                 if bits else "")
    errors = any(d.is_error for d in preview.diagnostics)
    status = ("invalid" if errors else "warnings" if preview.diagnostics else "valid")
    shown_status = {"invalid": _("invalid"), "warnings": _("warnings"),
                    "valid": _("valid")}[status]
    rank_title = _("rank {rank} of 17").format(rank=cat.rank)
    next_title = _("Next ({zone})").format(zone=config.timezone_name)
    schedule_title = _("Schedule")
    platforms = "".join(_platform(r, who, first, embed, _cost(r, config))
                        for r in preview.checked.rendered)
    # The category's label is the seed's Spanish, verbatim, in every language.
    return (
        f'<article class="post {status}" id="post-{_e(post.id)}" data-post-id="{_e(post.id)}">'
        f'<header class="post-head" lang="{_lang()}">'
        f'<div class="title"><h2><span class="file">{_e(post.file)}</span> '
        f'<span class="id">{_e(post.id)}</span></h2>'
        f'<span class="status">{_e(shown_status)}</span></div>'
        f'<p class="cat"><span class="rank" title="{_e(rank_title)}">{cat.rank}</span>'
        f'<span class="label" lang="es">{_e(cat.label_es)}</span> '
        f"<code>{_e(cat.slug)}</code></p>"
        f"<dl><dt>{_e(schedule_title)}</dt><dd>{_e(schedule_text(preview))}</dd>"
        f"<dt>{_e(next_title)}</dt><dd>{when}</dd>{event}</dl></header>"
        f"{_diagnostics(preview.diagnostics)}"
        f'<div class="platforms">{platforms}</div></article>')


# --- the page -------------------------------------------------------------------------------

# Writes what the browser decoded, for tests and the screenshot script: each image's
# naturalWidth (0 = not decoded), the page's height, and its width (wider than the window
# means a phone must scroll sideways).
_SCRIPT = ('addEventListener("load",function(){var b=document.body,d=document.documentElement;'
           'b.dataset.images=Array.prototype.map.call(document.images,function(i){'
           'return i.naturalWidth}).join(",");'
           'b.dataset.height=String(Math.ceil(d.scrollHeight));'
           'b.dataset.width=String(Math.ceil(d.scrollWidth))});')
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'")

_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#e9ebee;color:#1c1e21;overflow-wrap:anywhere;
 font:14px/1.4 system-ui,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",Arial,sans-serif}
.page-head{background:#1f2a37;color:#fff;padding:14px 28px}
.page-head h1{margin:0;font-size:19px;font-weight:600}
.page-head p{margin:2px 0 0;color:#c7d0db;font-size:13px}
main{max-width:1260px;margin:0 auto;padding:18px 20px 30px}
@media (max-width:480px){main{padding:12px 8px 24px}.post{padding:12px 10px 14px}
 .page-head{padding:12px 14px}}
.post{background:#f7f8fa;border:1px solid #d5d9de;border-radius:12px;margin:0 0 22px;
 padding:16px 18px 18px}
.post.invalid{border-color:#e0a3a3}
.post-head .title{display:flex;align-items:baseline;gap:10px}
.post-head h2{margin:0;font-size:16px;font-weight:600;flex:1}
.post-head .file{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:14px}
.post-head .id{color:#6b7280;font-weight:400;margin-left:6px}
.status{font-size:12px;font-weight:600;text-transform:uppercase;border-radius:10px;
 padding:1px 9px;background:#dcfce7;color:#166534}
.invalid .status{background:#fee2e2;color:#b91c1c}.warnings .status{background:#fef3c7;
 color:#92400e}
.cat{margin:8px 0 6px;display:flex;align-items:center;gap:8px}
.rank{display:inline-flex;width:24px;height:24px;border-radius:50%;background:#1f2a37;
 color:#fff;font-weight:700;font-size:12px;align-items:center;justify-content:center}
.cat .label{font-weight:600}.cat code{color:#6b7280;font-size:12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;font-size:13px}
dt{color:#6b7280}dd{margin:0}
.occ{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 8px}
.occ li{background:#fff;border:1px solid #d5d9de;border-radius:6px;padding:0 7px}
.note{color:#6b7280}
.diags{margin:12px 0 0;font-size:13px;border-radius:8px}
.diags.ok{color:#166534}
.diags h3{margin:0 0 4px;font-size:13px}
.diags ul{margin:0;padding:0;list-style:none}
.diag{padding:6px 10px;border-left:4px solid;border-radius:4px;margin:4px 0;background:#fff}
.diag.error{border-color:#dc2626;background:#fef2f2;color:#7f1d1d}
.diag.warning{border-color:#d97706;background:#fffbeb;color:#78350f}
.diag .sev{font-weight:700;text-transform:uppercase;font-size:11px}
.diag.error .sev{color:#dc2626}.diag.warning .sev{color:#b45309}
.diag .loc{color:#6b7280;font-family:"DejaVu Sans Mono",monospace;font-size:12px}
.diag .hint{display:block;color:#4b5563;margin-top:2px}
.platforms{display:grid;gap:22px;margin-top:14px;align-items:start;
 grid-template-columns:repeat(auto-fit,minmax(min(380px,100%),1fr))}
.platform{max-width:600px;width:100%;justify-self:center}
.platform h3{margin:0 0 8px;font-size:13px;font-weight:600;color:#4b5563;display:flex;
 align-items:center;gap:6px}
.platform h3 .kind{font-weight:400}
.cost{font-size:13px;color:#536471;margin:6px 0 14px}.cost ul{margin:4px 0;padding-left:18px}
.fb-logo{display:inline-flex;width:16px;height:16px;border-radius:50%;background:#1877f2;
 color:#fff;font:700 13px/1 Arial,"Liberation Sans",sans-serif;align-items:flex-end;
 justify-content:center;overflow:hidden}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.avatar{flex:none;border-radius:50%;color:#fff;font-weight:700;display:flex;
 align-items:center;justify-content:center;letter-spacing:.5px}
.fb-card{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.2);color:#050505;
 font:15px/1.34 "Segoe UI",Helvetica,Arial,"Liberation Sans",sans-serif;overflow:hidden}
.fb-head{display:flex;align-items:center;gap:8px;padding:12px 16px 0}
.fb-avatar{width:40px;height:40px;background:#0b4f8a;font-size:13px}
.fb-who{flex:1}.fb-name{font-weight:600;font-size:15px}
.fb-time{color:#65676b;font-size:13px;display:flex;align-items:center;gap:3px}
.fb-dots{color:#65676b;font-weight:700;letter-spacing:1px}
.fb-text{padding:8px 16px 12px}
.fb-text .url{color:#0064d1;text-decoration:none}
.fb-text .tag{color:#0064d1;font-weight:600}
.fb-link{display:flex;background:#f0f2f5;border-top:1px solid #dadde1;
 border-bottom:1px solid #dadde1;text-decoration:none;color:#050505}
.fb-link-mark{width:120px;flex:none;display:flex;align-items:center;justify-content:center;
 background:#e4e6eb;color:#8a8d91}
.fb-link-body{padding:10px 12px;display:flex;flex-direction:column;gap:2px;min-width:0}
.fb-link-domain{color:#65676b;font-size:12px}
.fb-link-url{font-weight:600;font-size:15px;overflow-wrap:anywhere}
.fb-link-note{color:#65676b;font-size:12px;font-style:italic}
.fb-actions{display:flex;justify-content:space-around;border-top:1px solid #ced0d4;
 margin:0 16px;padding:6px 0;color:#65676b;font-weight:600;font-size:14px}
.fb-actions span{display:flex;align-items:center;gap:6px}
.grid{display:grid;gap:2px;grid-template-columns:1fr 1fr}
.grid.n1{grid-template-columns:1fr}
.grid.n3 .ph:first-child{grid-column:1/3}
.ph{margin:0;background:#fff;min-width:0}
.frame{position:relative;background:#e4e6eb;overflow:hidden}
.frame img{display:block;width:100%;object-fit:cover}
.n1 .frame img{height:auto;max-height:560px}
.n2 .frame img,.n4 .frame img,.n3 .ph+.ph .frame img{aspect-ratio:1/1;height:auto}
.n3 .ph:first-child .frame img{aspect-ratio:16/9;height:auto}
.alt-badge{position:absolute;left:8px;bottom:8px;background:rgba(0,0,0,.75);color:#fff;
 font:700 11px/1 Arial,"Liberation Sans",sans-serif;padding:3px 5px;border-radius:4px}
.more{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;
 background:rgba(0,0,0,.45);color:#fff;font-size:32px;font-weight:600}
.alt{font:12px/1.35 system-ui,"Liberation Sans","DejaVu Sans",sans-serif;color:#4b5563;
 padding:4px 8px 6px;background:#f7f8fa;border-top:1px solid #e5e7eb}
.alt b{color:#374151}.alt.missing{color:#b91c1c;font-weight:700;background:#fef2f2}
.placeholder{display:flex;flex-direction:column;align-items:center;justify-content:center;
 min-height:160px;padding:12px;text-align:center;color:#374151;font-size:12px;
 background:repeating-linear-gradient(45deg,#e5e7eb 0 10px,#f3f4f6 10px 20px)}
.play{font-size:34px;color:#111827}
.extra{padding:6px 0 0}.extra-note{margin:0 12px 4px;font-size:12px;color:#6b7280}
.grid.extra-grid{grid-template-columns:repeat(4,1fr)}
.extra-grid .frame img{aspect-ratio:1/1;height:auto}
.extra-grid .alt{font-size:11px}
.count{display:flex;align-items:center;gap:8px;justify-content:flex-end;margin:6px 2px 0;
 font-size:12px;color:#6b7280}
.count .bar{width:70px;height:5px;border-radius:3px;background:#dfe3e8;overflow:hidden}
.count .bar span{display:block;height:100%;background:#1d9bf0}
.count.over{color:#dc2626;font-weight:700}.count.over .bar span{background:#dc2626}
.x-card{background:#fff;border:1px solid #cfd9de;border-radius:16px;color:#0f1419;
 font:15px/1.3125 "Segoe UI",Roboto,Helvetica,Arial,"Liberation Sans",sans-serif}
.tweet{display:flex;gap:10px;padding:12px 16px 4px}
.tweet+.tweet{padding-top:0}
.x-left{display:flex;flex-direction:column;align-items:center;flex:none;width:40px}
.x-avatar{width:40px;height:40px;background:#0f1419;font-size:13px}
.x-line{flex:1;width:2px;background:#cfd9de;margin-top:4px;min-height:12px}
.x-body{flex:1;min-width:0;padding-bottom:8px}
.tweet+.tweet .x-body{padding-top:4px}
.x-head{display:flex;align-items:baseline;gap:4px;white-space:nowrap}
.x-name{font-weight:700}.x-handle{color:#536471;overflow:hidden;text-overflow:ellipsis}
.x-num{margin-left:auto;color:#536471;font-size:13px;background:#eff3f4;border-radius:9px;
 padding:0 7px}
.x-text{margin-top:2px}
.x-text .url,.x-text .tag{color:#1d9bf0;text-decoration:none}
.x-card .grid{margin-top:12px;border:1px solid #cfd9de;border-radius:16px;overflow:hidden;
 gap:2px;background:#cfd9de}
.x-card .extra .grid{border-radius:12px}
.x-actions{display:flex;justify-content:space-between;max-width:420px;color:#536471;
 margin-top:10px}
.tg-card{background:#dfe7c9;border-radius:12px;padding:14px;max-width:520px}
.tg-post{background:#fff;border-radius:12px;padding:8px 12px 6px;margin:8px 0;color:#000;
 box-shadow:0 1px 1px rgba(0,0,0,.12)}
.tg-name{color:#3390ec;font-weight:600;font-size:14px}
.tg-reply{border-left:3px solid #3390ec;padding-left:6px;margin:4px 0;color:#3390ec;font-size:13px}
.tg-text{margin-top:4px}
.tg-text .url,.tg-text .tag{color:#3390ec;text-decoration:none}
.tg-link{border-left:3px solid #3390ec;padding-left:8px;margin-top:6px;font-size:13px;
 display:flex;flex-direction:column;color:#707579}
.tg-link-host{color:#3390ec;font-weight:600}
.tg-meta{text-align:right;color:#a0acb6;font-size:12px}
.tg-card .grid{border-radius:8px;overflow:hidden;margin:4px 0}
.icon{flex:none;vertical-align:middle}
.broken{background:#fff;border:1px solid #e0a3a3;border-radius:12px;padding:14px 18px}
.broken h2{margin:0 0 6px;font-size:16px}
footer{color:#6b7280;font-size:12px;text-align:center;padding:0 0 20px}
"""


def render_page(previews: Sequence[Preview], config: Config,
                errors: Iterable[Diagnostic] = ()) -> str:
    """One self-contained HTML5 page with a Facebook and an X mock-up of each post.

    ``errors`` are diagnostics of files that could not be read as posts at all (their posts
    have no preview); they are listed at the end.
    """
    who = _Accounts(config)
    embed = _Embedder()
    posts = "".join(_post(p, config, who, embed) for p in previews)
    broken = list(errors)
    broken_html = (
        f'<section class="broken" lang="{_lang()}">'
        "<h2>" + _e(_("Files that could not be read as posts")) + "</h2>"
        + _diagnostics(broken) + "</section>") if broken else ""
    n = len(previews)
    invalid = sum(any(d.is_error for d in p.diagnostics) for p in previews)
    unreadable = len({d.file for d in broken})
    summary = ngettext("{count} post", "{count} posts", n).format(count=n)
    if invalid:
        # English says "invalid" either way; other languages agree it with the count.
        summary += ", " + ngettext("{count} invalid", "{count} invalid", invalid).format(
            count=invalid)
    if unreadable:
        summary += ", " + ngettext("{count} unreadable file", "{count} unreadable files",
                                   unreadable).format(count=unreadable)
    accounts = _("Facebook Page “{page}” · X @{user} · times in {zone}").format(
        page=who.page_name, user=who.username, zone=config.timezone_name)
    title = _("bmnsocial preview")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="es">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)} — {_e(summary)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header class="page-head" lang="{_lang()}"><h1>{_e(title)}</h1>'
        f"<p>{_e(summary)} · {_e(accounts)}</p></header>\n"
        f"<main>\n{posts}{broken_html}\n</main>\n"
        f'<footer lang="{_lang()}">'
        + _e(_("Mock-ups: what each platform receives, drawn the way it shows it. Counts are "
               "the platforms' own (X: weighted, links 23).")) + "</footer>\n"
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n")


def write_page(path: Path, page: str) -> None:
    """Write ``page`` to ``path`` whole or not at all (bmnsocial.files.write_atomic)."""
    from bmnsocial.files import write_atomic

    write_atomic(path, page.encode("utf-8"))


# --- looking at the page in headless Chromium (tests, docs/img screenshots) -----------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# Without the background-networking flags Chromium tries to reach Google's services, which a
# closed network refuses; the page itself needs no network at all.
HEADLESS_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--force-device-scale-factor=1")


def find_chromium() -> str | None:
    """The first Chromium-like browser on PATH, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(chromium: str, page: Path, *args: str,
                 timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Open ``page`` in headless Chromium with ``args`` (e.g. ``--dump-dom``) and a throwaway
    profile; the whole process group is killed if it takes longer than ``timeout``."""
    with tempfile.TemporaryDirectory(prefix="bmnsocial-chromium-") as profile:
        command = [chromium, *HEADLESS_FLAGS, f"--user-data-dir={profile}", *args,
                   Path(page).resolve().as_uri()]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True, errors="replace",
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        return subprocess.CompletedProcess(command, proc.returncode, out, err)
