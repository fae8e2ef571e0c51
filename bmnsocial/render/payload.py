"""A rendered post as stored in the ledger: exactly what will be sent, frozen at queue time."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bmnsocial.platforms.rendered import Part, Rendered, RenderedMedia
from bmnsocial.posts.media import MediaInfo


def to_payload(rendered: Rendered) -> dict[str, Any]:
    return {
        "post_id": rendered.post_id,
        "platform": rendered.platform,
        "link": rendered.link,
        "parts": [{
            "text": p.text, "length": p.length, "limit": p.limit,
            "media": [{"path": str(m.info.path), "relative": m.info.relative, "mime": m.info.mime,
                       "size": m.info.size, "mtime_ns": m.info.mtime_ns, "alt": m.alt}
                      for m in p.media],
            # only when set: the payloads (and content hashes) of posts without one stay as
            # they were, so a sync does not rewrite every queued row
            **({"comment": True} if p.comment else {}),
        } for p in rendered.parts],
    }


def from_payload(data: dict[str, Any]) -> Rendered:
    parts = tuple(
        Part(p["text"], (), p["length"], p["limit"], tuple(
            RenderedMedia(MediaInfo(Path(m["path"]), m["relative"], m["mime"], m["size"],
                                    m.get("mtime_ns")), m["alt"], ()) for m in p["media"]),
             bool(p.get("comment", False)))
        for p in data["parts"])
    return Rendered(data["post_id"], data["platform"], parts, data["link"])


def dumps(rendered: Rendered) -> str:
    return json.dumps(to_payload(rendered), ensure_ascii=False, sort_keys=True)


def content_hash(payload_json: str) -> str:
    return hashlib.sha256(payload_json.encode("utf-8")).hexdigest()[:16]
