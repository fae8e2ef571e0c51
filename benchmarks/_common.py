"""Helpers shared by the publishing and daemon benchmarks (not a benchmark itself)."""

from __future__ import annotations

import statistics
from datetime import datetime
from pathlib import Path

from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish.ledger import ONCE, Ledger, Row
from bmnsocial.render.payload import content_hash, dumps

REPO = Path(__file__).resolve().parents[1]
LIMITS = {"twitter": 280, "facebook": 63_206}
_FILLER = ("La Biblioteca Médica Nacional ofrece servicios de referencia, préstamo y "
           "búsqueda de información científica en salud para profesionales y estudiantes. ")


def text_of(tag: str, length: int) -> str:
    """A unique text of exactly ``length`` characters (Latin-1 only: X counts each as 1)."""
    head = f"[{tag}] "
    body = (_FILLER * (length // len(_FILLER) + 1))[: max(0, length - len(head))]
    return (head + body).rstrip().ljust(length, ".")[:length]


def enqueue_text(ledger: Ledger, *, post_id: str, platform: str, text: str, due: datetime,
                 now: datetime, occurrence: str = ONCE, source_file: str | None = None,
                 pin: bool = False) -> Row:
    """A one-part text post queued the way the CLI queues one: a frozen ``Rendered`` payload.
    ``pin`` with an existing ``source_file`` outside the posts folder: as `post --at` or
    `--now` from a draft elsewhere queues it, which a sync of the posts folder leaves alone."""
    payload = dumps(Rendered(post_id, platform,
                             (Part(text, ("text",), len(text), LIMITS[platform]),)))
    return ledger.upsert(post_id=post_id, platform=platform, occurrence=occurrence, due=due,
                         payload=payload, content_hash=content_hash(payload),
                         source_file=source_file or f"{post_id}.yaml", now=now, pin=pin)[0]


def verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "OVER TARGET"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)
