"""Platforms, found by short name. A third platform is one new module and one line in each
registry here."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import re

    import requests

    from bmnsocial.config import Config
    from bmnsocial.platforms.base import Adapter, PlatformSpec

REGISTRY = {
    "facebook": "bmnsocial.platforms.facebook:FacebookSpec",
    "twitter": "bmnsocial.platforms.twitter:TwitterSpec",
}
ADAPTERS = {
    "facebook": "bmnsocial.platforms.facebook:FacebookAdapter",
    "twitter": "bmnsocial.platforms.twitter:TwitterAdapter",
}
LABELS = {"facebook": "Facebook", "twitter": "X (Twitter)"}
_specs: dict[str, PlatformSpec] = {}


def _load(reference: str) -> Any:
    module_name, _sep, attr = reference.partition(":")
    return getattr(import_module(module_name), attr)


def get_spec(name: str) -> PlatformSpec:
    if name not in _specs:
        module_name, _sep, attr = REGISTRY[name].partition(":")
        _specs[name] = getattr(import_module(module_name), attr)()
    return _specs[name]


def _module(name: str) -> Any:
    return import_module(REGISTRY[name].partition(":")[0])


def post_url_pattern(name: str) -> re.Pattern[str]:
    """The shape of a post's public address on platform ``name`` (its module's POST_URL):
    group "id" (or the first group that matched) is the post's id."""
    pattern: re.Pattern[str] = _module(name).POST_URL
    return pattern


def person_account(name: str, config: Config) -> tuple[str, str]:
    """The account a person publishes with by hand on ``name``: its name and address."""
    found: tuple[str, str] = _module(name).person_account(getattr(config, name))
    return found


def build_adapter(name: str, config: Config, secrets: Mapping[str, str],
                  session: requests.Session) -> Adapter:
    """The publishing adapter of platform ``name`` for the account in ``config``.

    ``secrets`` maps environment-variable NAMES (as the config names them) to their values;
    ``session`` should come from :func:`bmnsocial.platforms.http.build_session` (it carries the
    default timeouts, and the sandbox routes when there are any). A missing account or credential
    raises ``AuthError`` naming what to set, never a value.
    """
    from bmnsocial.platforms.base import AuthError
    from bmnsocial.reasons import Reason

    if name not in ADAPTERS:
        raise KeyError(f"unknown platform {name!r}")
    account = getattr(config, name)
    if account is None:
        raise AuthError(Reason("no-account-section", platform=LABELS[name], name=name,
                               file=str(config.source)), sent=False)
    adapter: Adapter = _load(ADAPTERS[name])(account, secrets, session,
                                             timeout=config.publish.timeout_seconds)
    return adapter
