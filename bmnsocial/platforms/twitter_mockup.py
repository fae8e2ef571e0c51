"""X's HTML mock-up: a post, or a thread, as the timeline shows it (the ``mockup``
capability)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bmnsocial.i18n import _
from bmnsocial.platforms.mockup import SCHEME as _SCHEME
from bmnsocial.platforms.mockup import Scene, count, e, grid, icon, initials, lang, rich_text
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.posts.twitter_mentions import mention_spans

# X shows a link without its scheme and "www.", cut after this many characters with "…".
X_DISPLAY_URL_CHARS = 25
_MONTHS_SHORT = ("ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sept.",
                 "oct.", "nov.", "dic.")
_REPLY = ("M9 4h6a7 7 0 0 1 0 14h-2l-5 3.5V17.6A7 7 0 0 1 9 4z")
_REPOST = "M4 9l3-3 3 3M7 6v9a3 3 0 0 0 3 3h5M20 15l-3 3-3-3M17 18V9a3 3 0 0 0-3-3H9"
_HEART = ("M12 20s-7.5-4.6-9.2-9.2C1.7 7.6 3.7 4.5 7 4.5c2 0 3.3 1.1 5 3 1.7-1.9 3-3 5-3 3.3 0 "
          "5.3 3.1 4.2 6.3C19.5 15.4 12 20 12 20z")
_VIEWS = "M5 20V11M10 20V4M15 20v-7M20 20V8"
_BOOKMARK = "M6 3h12v18l-6-4.5L6 21z"
_X_LOGO = ("M18.24 2.25h3.31l-7.23 8.26 8.5 11.24h-6.66l-5.21-6.82-5.97 6.82H1.68l7.73-8.84L1.25 "
           "2.25h6.83l4.71 6.23zm-1.16 17.52h1.83L7.08 4.13H5.12z")
LOGO = icon(_X_LOGO, 16, fill=True)


def x_display_url(url: str) -> str:
    """How X shows a link in a post: no scheme, no "www.", long ones cut with "…"."""
    shown = _SCHEME.sub("", url)
    if shown[:4].lower() == "www.":
        shown = shown[4:]
    if len(shown) > X_DISPLAY_URL_CHARS + 1:
        shown = shown[:X_DISPLAY_URL_CHARS] + "…"
    return shown


def _username(account: Any) -> str:
    return account.username if account and account.username else "usuario"


def heading(account: Any) -> str:
    """How the page's heading names the account."""
    return _("X @{user}").format(user=_username(account))


def _time(moment: datetime | None) -> str:
    if moment is None:
        return "ahora"
    return f"{moment.day} {_MONTHS_SHORT[moment.month - 1]} {moment.year}"


def draw(rendered: Rendered, scene: Scene) -> str:
    username = _username(scene.accounts.get(rendered.platform))
    name = scene.name or username
    parts = rendered.parts
    tweets = []
    for i, part in enumerate(parts, 1):
        number = (f'<span class="x-num" lang="{lang()}">{i}/{len(rendered.body)}</span>'
                  if len(rendered.body) > 1 else "")
        if part.comment:
            number = f'<span class="x-num" lang="{lang()}">{e(_("first comment"))}</span>'
        line = '<div class="x-line"></div>' if i < len(parts) else ""
        tweets.append(
            f'<article class="tweet" data-part="{i}">'
            f'<div class="x-left"><div class="avatar x-avatar">{e(initials(name))}</div>'
            f"{line}</div>"
            '<div class="x-body"><div class="x-head">'
            f'<span class="x-name">{e(name)}</span> '
            f'<span class="x-handle">@{e(username)} · {e(_time(scene.when))}</span>'
            f"{number}</div>"
            '<div class="text x-text">'
            f'{rich_text(part.text, x_display_url, mention_spans(part.text))}</div>'
            f'{grid(part.media, scene.embed)}'
            '<div class="x-actions">'
            f"{icon(_REPLY)}{icon(_REPOST)}{icon(_HEART)}{icon(_VIEWS)}"
            f"{icon(_BOOKMARK)}</div>"
            + count(part, _("weighted characters")) + "</div></article>")
    return f'<div class="x-card">{"".join(tweets)}</div>'
