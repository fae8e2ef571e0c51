"""What X charges (accounts.twitter.prices): before a post goes out, the requests its
rendering will take; after, each request X answered, heard on the session (docs/report-cost.md).

X bills writes per request and reads per resource returned (docs.x.com, "pricing"). A tweet
costs the with-URL price when its text holds anything X turns into a link: the same URLs the
length counter weighs 23, bare domains with a known TLD included (``bmn.sld.cu/x``). Media
uploads are not in X's price table (2026-02-06): they are counted, at ``media_upload`` ($0).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bmnsocial.i18n import N_, _, money
from bmnsocial.platforms.base import Charge, total
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.posts.twitter_text import extract_urls

__all__ = ["LABELS", "X_PRICES_DATE", "X_PRICES_SOURCE", "Charge", "XPrices", "answered_charge",
           "describe_charge", "has_url", "money", "publication_charges", "publication_cost",
           "total"]

if TYPE_CHECKING:
    from requests import Response

    from bmnsocial.posts.media import MediaInfo

#: X's pay-per-use prices in US dollars (docs.x.com, "pricing", in force since 2026-02-06):
#: accounts.twitter.prices overrides each one. Media uploads are not in X's price table.
X_PRICES_DATE = "2026-02-06"
X_PRICES_SOURCE = "https://docs.x.com/x-api/getting-started/pricing"


@dataclass(frozen=True, slots=True)
class XPrices:
    content_create: float = 0.015  # per tweet without a URL
    content_create_with_url: float = 0.200  # per tweet whose text X turns a URL into a link
    posts_read: float = 0.005  # per post a read returns
    user_read: float = 0.010  # per user a read returns (users/me)
    media_metadata: float = 0.005  # per alt-text request
    media_upload: float = 0.0  # per upload request: not priced by X on 2026-02-06


#: Each priced request, as X's price table names it.
LABELS = {
    "content_create": N_("Content: Create"),
    "content_create_with_url": N_("Content: Create (with URL)"),
    "posts_read": N_("Posts: Read"),
    "user_read": N_("User: Read"),
    "media_metadata": N_("Media Metadata (alt text)"),
    "media_upload": N_("media upload (not in X's price table)"),
    "other": N_("other request"),
}
# X's chunked upload (platforms/x_media.py): INIT, one APPEND per 4 MiB, FINALIZE.
_CHUNK_BYTES = 4 * 1024 * 1024
_TIMELINE = re.compile(r"/2/users/[^/]+/(?:tweets|mentions)$")  # both priced per post read
_ALT_TEXT_KINDS = ("image", "gif")  # X takes alt text for these only


def has_url(text: str) -> bool:
    return bool(extract_urls(text))


def _price(prices: XPrices, kind: str) -> float:
    return float(getattr(prices, kind, 0.0))


def _upload_requests(info: MediaInfo) -> int:
    if info.kind == "image":
        return 1
    return 2 + max(1, -(-info.size // _CHUNK_BYTES))


def publication_charges(rendered: Rendered, prices: XPrices, first_part: int = 0) -> list[
        Charge]:
    """The requests X bills for publishing ``rendered`` from part ``first_part`` on: per tweet
    one Content: Create (with URL when its text has one), per file its uploads and, with alt
    text, one Media Metadata."""
    charges: list[Charge] = []
    for index, part in enumerate(rendered.parts[first_part:], first_part):
        for media in part.media:
            uploads = _upload_requests(media.info)
            charges.append(Charge("media_upload", uploads, uploads * prices.media_upload, index))
            if media.alt and media.info.kind in _ALT_TEXT_KINDS:
                charges.append(Charge("media_metadata", 1, prices.media_metadata, index))
        kind = "content_create_with_url" if has_url(part.text) else "content_create"
        charges.append(Charge(kind, 1, _price(prices, kind), index))
    return charges


def publication_cost(rendered: Rendered, prices: XPrices, first_part: int = 0) -> float:
    return total(publication_charges(rendered, prices, first_part))


def describe_charge(charge: Charge) -> str:
    label = _(LABELS[charge.kind])
    times = f"{charge.units} × " if charge.units != 1 else ""
    return f"{times}{label}: {money(charge.usd)}"


def _body_text(body: Any) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        data = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        return ""
    text = data.get("text") if isinstance(data, dict) else None
    return text if isinstance(text, str) else ""


def _returned(response: Response) -> int:
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        return 0
    return len(data) if isinstance(data, list) else 0


def answered_charge(response: Response, prices: XPrices) -> Charge:
    """What X bills for a request it answered: only successful answers cost anything."""
    request = response.request
    path = urlsplit(request.url or "").path.rstrip("/")
    method = (request.method or "").upper()
    units = 1
    if method == "POST" and path.endswith("/2/tweets"):
        kind = ("content_create_with_url" if has_url(_body_text(request.body))
                else "content_create")
    elif method == "GET" and path.endswith("/2/users/me"):
        kind = "user_read"
    elif method == "GET" and (_TIMELINE.search(path) or path.endswith("/2/tweets")):
        # a timeline (reconciliation) or a lookup by ids (metrics pull): per post returned
        kind, units = "posts_read", _returned(response) if response.ok else 0
    elif method == "POST" and path.endswith("/2/media/metadata"):
        kind = "media_metadata"
    elif "/media/upload" in path:
        kind = "media_upload"
    else:
        kind = "other"
    usd = units * _price(prices, kind) if response.ok else 0.0
    return Charge(kind, units, usd)
