"""Facebook's HTML mock-up: a Page post as the feed shows it (the ``mockup`` capability)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bmnsocial.i18n import _
from bmnsocial.platforms.mockup import (
    SCHEME,
    Scene,
    count,
    e,
    grid,
    icon,
    initials,
    lang,
    rich_text,
)
from bmnsocial.platforms.rendered import Rendered

LOGO = '<span class="fb-logo">f</span>'

_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre")
_LIKE = ("M7 10v11H3V10h4zm0 0 4-7.5c1.6 0 2.7 1.1 2.7 2.6V9h5.3c1.3 0 2.2 1.2 1.9 2.4l-1.8 "
         "7.9c-.2.9-1 1.7-2 1.7H7")
_COMMENT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
_SHARE = "M14 5l7 7-7 7v-4.2C8.5 14.8 5 16.4 3 20c.6-5.8 4-10.4 11-11.2z"
_GLOBE = ("M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm-9 9h18M12 3c2.5 2.6 3.8 5.6 3.8 9s-1.3 6.4-3.8 "
          "9c-2.5-2.6-3.8-5.6-3.8-9S9.5 5.6 12 3z")


def _page_name(account: Any) -> str:
    return (account.page_name if account and account.page_name else "") or "Página de Facebook"


def heading(account: Any) -> str:
    """How the page's heading names the account."""
    return _("Facebook Page “{page}”").format(page=_page_name(account))


def _time(moment: datetime | None) -> str:
    if moment is None:
        return "Ahora"
    return (f"{moment.day} de {_MONTHS[moment.month - 1]} de {moment.year} a las "
            f"{moment.hour}:{moment.minute:02d}")


def _link_box(link: str) -> str:
    host = (urlsplit(link).hostname or link) if SCHEME.match(link) else link
    host = host[4:] if host.lower().startswith("www.") else host
    return (f'<a class="fb-link" href="{e(link)}" rel="noopener noreferrer" target="_blank">'
            f'<span class="fb-link-mark">{icon(_GLOBE, 30)}</span>'
            f'<span class="fb-link-body"><span class="fb-link-domain">{e(host.upper())}</span>'
            f'<span class="fb-link-url">{e(link)}</span>'
            f'<span class="fb-link-note" lang="{lang()}">'
            + e(_("Link preview card: Facebook fills in the title and picture from the page."))
            + "</span></span></a>")


def _behind(rest: int) -> str:
    return _("Facebook shows these behind the “+{count}”").format(count=rest)


def draw(rendered: Rendered, scene: Scene) -> str:
    page_name = _page_name(scene.accounts.get(rendered.platform))
    cards = []
    for part in rendered.body:
        link = _link_box(rendered.link) if rendered.link else ""
        cards.append(
            '<div class="fb-card">'
            f'<div class="fb-head"><div class="avatar fb-avatar">{e(initials(page_name))}'
            f'</div><div class="fb-who"><div class="fb-name">{e(page_name)}</div>'
            f'<div class="fb-time">{e(_time(scene.when))} · {icon(_GLOBE, 12)}</div></div>'
            '<div class="fb-dots">···</div></div>'
            f'<div class="text fb-text">{rich_text(part.text)}</div>'
            f'{grid(part.media, scene.embed, overlay=True, beyond=_behind)}{link}'
            '<div class="fb-actions">'
            f"<span>{icon(_LIKE)}Me gusta</span><span>{icon(_COMMENT)}Comentar</span>"
            f"<span>{icon(_SHARE)}Compartir</span></div></div>"
            + count(part, _("characters")))
    comment = rendered.comment
    if comment is not None:
        label = _("first comment")
        cards.append(
            f'<div class="fb-card fb-comment" data-part="comment">'
            f'<div class="fb-head"><div class="avatar fb-avatar">{e(initials(page_name))}'
            f'</div><div class="fb-who"><div class="fb-name">{e(page_name)}</div>'
            f'<div class="fb-time" lang="{lang()}">{e(label)}</div></div></div>'
            f'<div class="text fb-text">{rich_text(comment.text)}</div></div>'
            + count(comment, _("characters")))
    return "".join(cards)
