"""The HTML preview: one self-contained page with each platform's mock-up of each post (its
``mockup`` capability, drawn with platforms/mockup.py; a plain card for a platform without).

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
import dataclasses
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from importlib import import_module
from pathlib import Path
from types import ModuleType

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic
from bmnsocial.i18n import _, current, ngettext
from bmnsocial.platforms import registry
from bmnsocial.platforms.mockup import Scene, plain
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.reports.preview import Preview, cost_lines, schedule_text
from bmnsocial.timeutil import WEEKDAY_NAMES, describe

__all__ = ["find_chromium", "render_page", "run_chromium", "scene_of", "write_page"]


def _e(text: str) -> str:
    return escape(text, quote=True)


def _lang() -> str:
    """The language of the page's own words (the posts' texts are Spanish: lang="es")."""
    return current()


# --- the mock-ups: each platform's own (its ``mockup`` capability), or a plain card -----------

def _mockup(name: str) -> ModuleType | None:
    path = registry.capability(name, "mockup")
    return import_module(path) if path else None


def scene_of(config: Config) -> Scene:
    """The configured accounts, and the name the institution shows people: the first
    account's ``display_name`` that has one (the Facebook Page's name)."""
    accounts = {name: config.account(name) for name in config.platforms_configured}
    name = next((shown for platform, account in accounts.items()
                 if (show := registry.capability(platform, "display_name")) is not None
                 and (shown := show(account))), None)
    return Scene(accounts, name)


def _platform(rendered: Rendered, scene: Scene, cost: str = "") -> str:
    name = rendered.platform
    label = registry.label(name)
    n = len(rendered.body)
    kind = registry.thread_kind(name, n) if n > 1 else _("1 message")
    if rendered.comment is not None:
        kind = _("{kind} and a first comment").format(kind=kind)
    mockup = _mockup(name)
    logo: str = mockup.LOGO if mockup is not None else ""
    drawn: str = (mockup.draw if mockup is not None else plain)(rendered, scene)
    return (f'<section class="platform {_e(name)}" data-platform="{_e(name)}">'
            f'<h3 lang="{_lang()}">{logo}{_e(label)} <span class="kind">· {_e(kind)}</span></h3>'
            f"{drawn}{cost}</section>")


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


def _post(preview: Preview, config: Config, scene: Scene, anchor: str) -> str:
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
    status, shown_status = _status(preview)
    rank_title = _("rank {rank} of 17").format(rank=cat.rank)
    next_title = _("Next ({zone})").format(zone=config.timezone_name)
    schedule_title = _("Schedule")
    at = dataclasses.replace(scene, when=first)
    platforms = "".join(_platform(r, at, _cost(r, config))
                        for r in preview.checked.rendered)
    # The category's label is the seed's Spanish, verbatim, in every language.
    return (
        f'<article class="post {status}" id="{_e(anchor)}" data-post-id="{_e(post.id)}">'
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


def _status(preview: Preview) -> tuple[str, str]:
    """The post's state as a CSS class, and in words."""
    if any(d.is_error for d in preview.diagnostics):
        return "invalid", _("invalid")
    return ("warnings", _("warnings")) if preview.diagnostics else ("valid", _("valid"))


def _anchors(previews: Sequence[Preview]) -> list[str]:
    """Each post's place on the page: ``post-ID``, and ``post-ID-2``… for an id used again."""
    seen: dict[str, int] = {}
    out = []
    for p in previews:
        post_id = p.checked.post.id
        seen[post_id] = seen.get(post_id, 0) + 1
        out.append(f"post-{post_id}" + (f"-{seen[post_id]}" if seen[post_id] > 1 else ""))
    return out


def _contents(previews: Sequence[Preview], anchors: Sequence[str], config: Config) -> str:
    """The table of contents by date: each post under the day of its next occurrence, in time
    order; posts with no occurrence ahead last."""
    tz = config.timezone
    dated: list[tuple[datetime, int]] = []
    undated: list[int] = []
    for i, p in enumerate(previews):
        if p.occurrences:
            dated.append((p.occurrences[0].due.astimezone(tz), i))
        else:
            undated.append(i)
    dated.sort()

    def entry(i: int, when: datetime | None) -> str:
        p = previews[i]
        status, shown = _status(p)
        time = f'<span class="toc-time">{when:%H:%M}</span> ' if when is not None else ""
        return (f'<li class="{status}">{time}<a href="#{_e(anchors[i])}">{_e(p.checked.post.id)}'
                f'</a> <span class="file">{_e(p.checked.post.file)}</span>'
                + (f' <span class="status">{_e(shown)}</span>' if status != "valid" else "")
                + "</li>")

    days: list[str] = []
    current_day = None
    items: list[str] = []
    for when, i in dated:
        day = f"{_(WEEKDAY_NAMES[when.weekday()])} {when:%Y-%m-%d}"
        if day != current_day:
            if items:
                days.append(_toc_day(current_day, items))
            current_day, items = day, []
        items.append(entry(i, when))
    if items:
        days.append(_toc_day(current_day, items))
    if undated:
        days.append(_toc_day(_("No date ahead"), [entry(i, None) for i in undated]))
    return (f'<nav class="toc" lang="{_lang()}"><h2>' + _e(_("Contents by date ({zone})").format(
        zone=config.timezone_name)) + f'</h2><ol>{"".join(days)}</ol></nav>')


def _toc_day(day: str | None, items: list[str]) -> str:
    return f'<li><span class="toc-day">{_e(day or "")}</span><ul>{"".join(items)}</ul></li>'


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
.x-text .url,.x-text .tag,.x-text .mention{color:#1d9bf0;text-decoration:none}
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
.toc{background:#fff;border:1px solid #d5d9de;border-radius:12px;padding:12px 18px;
 margin:0 0 22px}
.toc h2{margin:0 0 6px;font-size:16px}
.toc ol,.toc ul{list-style:none;margin:0;padding:0}
.toc ul{margin:2px 0 8px 18px}
.toc-day{font-weight:600}
.toc-time{font-variant-numeric:tabular-nums;color:#4b5563}
.toc .file{color:#6b7280;font-size:12px}
.toc .invalid .status{color:#b42318}
.toc .warnings .status{color:#9a6700}
.broken{background:#fff;border:1px solid #e0a3a3;border-radius:12px;padding:14px 18px}
.broken h2{margin:0 0 6px;font-size:16px}
footer{color:#6b7280;font-size:12px;text-align:center;padding:0 0 20px}
"""


def render_page(previews: Sequence[Preview], config: Config,
                errors: Iterable[Diagnostic] = ()) -> str:
    """One self-contained HTML5 page with each platform's mock-up of each post.

    ``errors`` are diagnostics of files that could not be read as posts at all (their posts
    have no preview); they are listed at the end.
    """
    scene = scene_of(config)
    anchors = _anchors(previews)
    posts = "".join(_post(p, config, scene, a) for p, a in zip(previews, anchors, strict=True))
    contents = _contents(previews, anchors, config) if len(previews) > 1 else ""
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
    # Each platform whose mock-up names its account, configured or not, then the zone.
    accounts = " · ".join([
        *(mockup.heading(config.account(name)) for name in registry.names()
          if (mockup := _mockup(name)) is not None and hasattr(mockup, "heading")),
        _("times in {zone}").format(zone=config.timezone_name)])
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
        f"<main>\n{contents}{posts}{broken_html}\n</main>\n"
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
