"""Platforms, found by short name. A third platform is one new module and one line here."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bmnsocial.platforms.base import PlatformSpec

REGISTRY = {
    "facebook": "bmnsocial.platforms.facebook:FacebookSpec",
    "twitter": "bmnsocial.platforms.twitter:TwitterSpec",
}
LABELS = {"facebook": "Facebook", "twitter": "X (Twitter)"}
_specs: dict[str, PlatformSpec] = {}


def get_spec(name: str) -> PlatformSpec:
    if name not in _specs:
        module_name, _, attr = REGISTRY[name].partition(":")
        _specs[name] = getattr(import_module(module_name), attr)()
    return _specs[name]
