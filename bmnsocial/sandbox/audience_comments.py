"""`bmnsocial sandbox audience`, comments and replies: the fakes' followers comment on the Page's
posts and reply to the account's tweets, the same way for the same seed.

The n-th post published (and its text) gets what its own seeded draw says, so adding a post
changes nothing for the others, at times between the post and now. Ids are drawn too, so
running the command again adds nothing new.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from bmnsocial.sandbox.fake_graph_comments import add_comment
from bmnsocial.sandbox.fake_x_mentions import add_reply
from bmnsocial.sandbox.ids import TWITTER_EPOCH_MS
from bmnsocial.sandbox.store import Item, Store

FOLLOWERS = (
    ("Yanelis Pérez", "yane_perez"), ("Osmany Rodríguez", "osmanyrod"),
    ("Dra. Marta Quintana", "martaq_med"), ("Ernesto Fajardo", "efajardo"),
    ("Lisandra Gómez", "lisagomez_cu"), ("Raúl Betancourt", "rbetanc"),
    ("Dayana Hechavarría", "dayanah"), ("Frank Ledesma", "frankled"),
)
SAYINGS = (
    "¿A qué hora abren el sábado?",
    "¿Se puede acceder a la base de datos desde fuera del hospital?",
    "Muy útil, gracias por compartir.",
    "¿Dónde puedo consultar el boletín completo?",
    "¿Hace falta inscribirse para el taller?",
    "Excelente iniciativa de la BMN.",
    "¿Tienen el libro en formato digital?",
    "Felicidades al equipo de la biblioteca.",
)
_MAX_PER_POST = 3


def _draw(seed: int, *parts: str) -> random.Random:
    return random.Random(f"{seed}:{':'.join(parts)}")


def _number(seed: int, *parts: str, digits: int = 15) -> int:
    digest = hashlib.sha256(f"{seed}:{':'.join(parts)}".encode()).hexdigest()
    return int(digest, 16) % int(10 ** digits)


def _in_order(items: list[Item]) -> list[Item]:
    """Oldest first: the n-th post draws the same whatever its id (ids follow the clock)."""
    return sorted(items, key=lambda i: (i.created_epoch, len(i.id), i.id))


def _times(rng: random.Random, start: float, now: float) -> list[float]:
    """Up to three moments between ``start`` and ``now``, in order."""
    span = max(0.0, now - start)
    return sorted(start + rng.random() * span for _k in range(rng.randint(0, _MAX_PER_POST)))


def comment_and_reply(store_path: Path, seed: int, now: float) -> dict[str, int]:
    """Followers' comments (Facebook) and replies (X) on what the fakes published; how many
    were added of each."""
    store = Store(store_path)
    try:
        return {"comments": _comments(store, seed, now), "replies": _replies(store, seed, now)}
    finally:
        store.close()


def _comments(store: Store, seed: int, now: float) -> int:
    added = 0
    for index, post in enumerate(_in_order(store.items("facebook", ["post"]))):
        if not post.published:
            continue
        rng = _draw(seed, "facebook", str(index), post.text or "")
        for k, when in enumerate(_times(rng, post.created_epoch, now)):
            name, _handle = rng.choice(FOLLOWERS)
            own = post.id.partition("_")[2] or post.id
            comment_id = f"{own}_{_number(seed, post.id, str(k))}"
            if store.get("facebook", comment_id) is not None:
                continue
            author_id = str(10 ** 14 + _number(seed, name, digits=14))
            add_comment(store, post.account_id, comment_id, post.id, author_id, name,
                        rng.choice(SAYINGS), when)
            added += 1
    return added


def _replies(store: Store, seed: int, now: float) -> int:
    added = 0
    roots = [t for t in _in_order(store.items("x", ["tweet"]))
             if not t.data.get("reply_to")]  # not a thread's later parts, nor our answers
    for index, tweet in enumerate(roots):
        account = (tweet.url or "").split("/")[3] if (tweet.url or "").count("/") >= 4 else ""
        rng = _draw(seed, "x", str(index), tweet.text or "")
        base = (int(tweet.created_epoch * 1000) - TWITTER_EPOCH_MS) << 22
        for k, when in enumerate(_times(rng, tweet.created_epoch, now)):
            _name, handle = rng.choice(FOLLOWERS)
            # Above the tweet's own id, as X's time-ordered ids are (since_id relies on it).
            tweet_id = str(base + ((k + 1) << 16) + _number(seed, tweet.id, str(k), digits=4))
            if store.get("x", tweet_id) is not None:
                continue
            author_id = str(10 ** 9 + _number(seed, handle, digits=9))
            add_reply(store, tweet_id, tweet, author_id, handle,
                      f"@{account} {rng.choice(SAYINGS)}", when)
            added += 1
    return added

