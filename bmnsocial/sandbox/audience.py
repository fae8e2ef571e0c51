"""The fakes' followers: `bmnsocial sandbox audience` makes them act on what the fakes
published, so that `metrics pull` and `report engagement` have something to read.

Each kind of action is a function of its own (reactions, shares, views here; comments and
replies beside them). What followers did is kept in each item's ``audience`` in the fakes'
store, which the fakes read when asked for a post's figures. The same seed on the same posts
does the same: each post's numbers come from a generator seeded with the seed, the action and
the post's id, whatever the order or number of posts. Every run adds one round.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bmnsocial.sandbox.store import Item, Store

if TYPE_CHECKING:
    from bmnsocial.config import Config

# Facebook's reaction types, with how often followers choose each.
REACTION_WEIGHTS = {"LIKE": 60, "LOVE": 20, "CARE": 6, "HAHA": 4, "WOW": 6, "SAD": 3,
                    "ANGRY": 1}


def _rng(seed: int, action: str, item: Item) -> random.Random:
    return random.Random(f"{seed}:{action}:{item.platform}:{item.id}")


def own_posts_of(store: Store, config: Config) -> list[Item]:
    """What the fakes published for the accounts ``config`` has (Page posts, our tweets)."""
    from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS

    facebook = config.account("facebook")
    return own_posts(store, facebook.page_id if facebook is not None else None,
                     SANDBOX_ACCOUNTS["x"]["user_id"] if config.account("twitter") else None)


def own_posts(store: Store, page_id: str | None, x_user_id: str | None) -> list[Item]:
    """What the fakes published for our accounts (Page posts, our tweets)."""
    found: list[Item] = []
    if page_id:
        found += [i for i in store.items("facebook", ["post"], page_id) if i.published]
    if x_user_id:
        found += store.items("x", ["tweet"], x_user_id)
    return found


def _act(store: Store, items: list[Item], seed: int, action: str,
         change: Callable[[random.Random, Item, dict[str, Any]], int]) -> int:
    """Apply ``change`` to each item's audience, all in one transaction; the total it added."""
    added = 0
    with store.transaction():
        for item in items:
            fresh = store.get(item.platform, item.id) or item
            audience: dict[str, Any] = fresh.data.setdefault("audience", {})
            added += change(_rng(seed, action, fresh), fresh, audience)
            store.update(fresh)
    return added


def react(store: Store, items: list[Item], seed: int) -> int:
    """Reactions by type on Facebook, likes and bookmarks on X."""
    def change(rng: random.Random, item: Item, audience: dict[str, Any]) -> int:
        if item.platform == "facebook":
            count = rng.randint(0, 14)
            kinds = rng.choices(list(REACTION_WEIGHTS), list(REACTION_WEIGHTS.values()),
                                k=count)
            reactions: dict[str, int] = audience.setdefault("reactions", {})
            for kind in kinds:
                reactions[kind] = reactions.get(kind, 0) + 1
            return count
        likes, bookmarks = rng.randint(0, 12), rng.randint(0, 2)
        audience["like"] = audience.get("like", 0) + likes
        audience["bookmark"] = audience.get("bookmark", 0) + bookmarks
        return likes + bookmarks

    return _act(store, items, seed, "react", change)


def share(store: Store, items: list[Item], seed: int) -> int:
    """Shares on Facebook; reposts and quotes on X."""
    def change(rng: random.Random, item: Item, audience: dict[str, Any]) -> int:
        if item.platform == "facebook":
            shares = rng.randint(0, 4)
            audience["shares"] = audience.get("shares", 0) + shares
            return shares
        reposts, quotes = rng.randint(0, 3), rng.randint(0, 1)
        audience["repost"] = audience.get("repost", 0) + reposts
        audience["quote"] = audience.get("quote", 0) + quotes
        return reposts + quotes

    return _act(store, items, seed, "share", change)


def view(store: Store, items: list[Item], seed: int) -> int:
    """Impressions (and, on Facebook, the people reached: fewer than the impressions)."""
    def change(rng: random.Random, item: Item, audience: dict[str, Any]) -> int:
        views = rng.randint(20, 240)
        if item.platform == "facebook":
            audience["views"] = audience.get("views", 0) + views
            audience["reach"] = audience.get("reach", 0) + views * rng.randint(55, 90) // 100
        else:
            audience["impression"] = audience.get("impression", 0) + views
        return views

    return _act(store, items, seed, "view", change)
