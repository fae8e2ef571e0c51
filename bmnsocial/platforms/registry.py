"""Platforms, found by short name: the one list of them. Each is one module that declares its
``PLATFORM`` (``platforms.base.Platform``: account schema, rules, adapter, URL shape, display
name, and the optional capabilities only some platforms have); a new platform is one module
and one line in ``MODULES``. The rest of the code asks here what a platform does, never for a
platform by name (tests/test_architecture.py).

Every stage may ask the registry, the config reader too (for each platform's account schema),
so it imports no platform module until one is asked for, and platform modules import neither
the config nor the post model at run time (tests/test_architecture.py)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import re
    from datetime import datetime

    import requests

    from bmnsocial.config import Config
    from bmnsocial.graphversions import VersionState
    from bmnsocial.platforms.base import Adapter, Platform, PlatformSpec, PublishedRows

#: Short name -> the module that declares it, in the order platforms are listed everywhere.
MODULES: dict[str, str] = {
    "facebook": "bmnsocial.platforms.facebook",
    "twitter": "bmnsocial.platforms.twitter",
    "telegram": "bmnsocial.platforms.telegram",
}
_loaded: dict[str, Platform] = {}
_specs: dict[str, PlatformSpec] = {}


def names() -> tuple[str, ...]:
    return tuple(MODULES)


def get(name: str) -> Platform:
    """The platform called ``name`` (its short name; ``KeyError`` for any other)."""
    if name not in _loaded:
        found: Platform = import_module(MODULES[name]).PLATFORM
        _loaded[name] = found
    return _loaded[name]


def register(name: str, module: str) -> None:
    """Add a platform declared in ``module`` (a plug-in, or a test's dummy platform)."""
    MODULES[name] = module
    _loaded.pop(name, None)
    _specs.pop(name, None)


def unregister(name: str) -> None:
    MODULES.pop(name, None)
    _loaded.pop(name, None)
    _specs.pop(name, None)


def having(capability: str) -> tuple[str, ...]:
    """The platforms that declare ``capability`` (an optional field of ``Platform``:
    ``pricing``, ``native``, ``conversations``…), in the registry's order."""
    return tuple(name for name in MODULES if getattr(get(name), capability))


def capability(name: str, capability: str) -> Any:
    """Platform ``name``'s ``capability``, None when it has none or no platform has that
    name (an old ledger row)."""
    return getattr(get(name), capability) if name in MODULES else None


def aliases() -> dict[str, str]:
    """Other names people use for a platform (``x``), accepted wherever a platform is named."""
    return {alias: name for name in MODULES for alias in get(name).aliases}


def aliases_of(name: str) -> tuple[str, ...]:
    return get(name).aliases


def canonical(text: str) -> str:
    """The platform's own name for what a person wrote (``X`` -> ``twitter``); anything else
    comes back lower-cased, for the caller to refuse."""
    folded = text.strip().lower()
    return aliases().get(folded, folded)


def label(name: str) -> str:
    """The display name; a name no platform has (an old ledger row) as it is."""
    return get(name).label if name in MODULES else name


def thread_kind(name: str, count: int) -> str:
    """'thread of 3 tweets': several messages of one post, in the reader's language."""
    from bmnsocial.i18n import N_, _

    kind = get(name).thread_kind if name in MODULES else N_("thread of {count} messages")
    return _(kind).format(count=count)


def abbreviation(name: str) -> str:
    return get(name).abbreviation if name in MODULES else name[:2]


def order(name: str) -> tuple[int, str]:
    """Sort key: the registry's order, unknown names last."""
    known = names()
    return (known.index(name) if name in known else len(known), name)


def get_spec(name: str) -> PlatformSpec:
    if name not in _specs:
        _specs[name] = get(name).spec()
    return _specs[name]


def post_url_pattern(name: str) -> re.Pattern[str]:
    """The shape of a post's public address on platform ``name``: group "id" (or the first
    group that matched) is the post's id, group "user" the account it names, if any."""
    return get(name).url


def api_version(config: Config, now: datetime) -> VersionState | None:
    """The state of the API version a configured platform's account is set to, the first that
    has something to say (Facebook's Graph version); an account published by hand calls no
    API, so its version is beside the point."""
    for name in having("api_version"):
        check = get(name).api_version
        account = config.account(name)
        if check is None or account is None or name in config.manual_platforms:
            continue
        state = check(account, now)
        if state is not None:
            return state
    return None


def person_account(name: str, config: Config) -> tuple[str, str]:
    """The account a person publishes with by hand on ``name``: its name and address."""
    platform = get(name)
    account = config.account(name)
    if platform.person is None or account is None:
        return platform.label, ""
    return platform.person(account)


def build_adapter(name: str, config: Config, secrets: Mapping[str, str],
                  session: requests.Session,
                  published: PublishedRows = lambda: []) -> Adapter:
    """The publishing adapter of platform ``name`` for the account in ``config``.

    ``secrets`` maps environment-variable NAMES (as the config names them) to their values;
    ``session`` should come from :func:`bmnsocial.platforms.http.build_session` (it carries the
    default timeouts, and the sandbox routes when there are any); ``published``: what the
    ledger knows this platform published (ids and URLs). A missing account or credential
    raises ``AuthError`` naming what to set, never a value.
    """
    from bmnsocial.platforms.base import AuthError
    from bmnsocial.reasons import Reason

    if name not in MODULES:
        raise KeyError(f"unknown platform {name!r}")
    platform = get(name)
    account = config.account(name)
    if account is None:
        raise AuthError(Reason("no-account-section", platform=platform.label, name=name,
                               file=str(config.source)), sent=False)
    options = ({} if platform.adapter_options is None
               else platform.adapter_options(account, published))
    adapter: Adapter = platform.adapter(account, secrets, session,
                                        timeout=config.publish.timeout_seconds, **options)
    return adapter
