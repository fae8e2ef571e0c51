"""Telegram's HTML mock-up: a channel post, one bubble per message (the ``mockup``
capability)."""

from __future__ import annotations

from urllib.parse import urlsplit

from bmnsocial.i18n import _
from bmnsocial.platforms.mockup import Scene, count, e, grid, lang, rich_text
from bmnsocial.platforms.rendered import Rendered

LOGO = ""


def draw(rendered: Rendered, scene: Scene) -> str:
    """A channel post: one bubble per message (a thread's replies quote the one before)."""
    account = scene.accounts.get(rendered.platform)
    channel = account.chat if account else "@canal"
    channel_name = scene.name or channel
    when = scene.when
    bubbles = []
    for i, part in enumerate(rendered.parts):
        quote = (f'<div class="tg-reply">{e(channel_name)}</div>' if i else "")
        note = _("Telegram shows a preview of the link.")
        link = (f'<div class="tg-link"><span class="tg-link-host">'
                f'{e(urlsplit(rendered.link).hostname or rendered.link)}</span>'
                f'<span lang="{lang()}">{e(note)}</span></div>'
                if rendered.link and i == 0 and not part.media else "")
        hour = f"{when.hour}:{when.minute:02d}" if when else ""
        bubbles.append(
            f'<div class="tg-post" data-part="{i + 1}">'
            f'<div class="tg-name">{e(channel_name)}</div>{quote}'
            f'{grid(part.media, scene.embed)}'
            f'<div class="text tg-text">{rich_text(part.text)}</div>{link}'
            f'<div class="tg-meta">{e(channel)} · {e(hour)}</div></div>'
            + count(part, _("characters")))
    return f'<div class="tg-card">{"".join(bubbles)}</div>'
