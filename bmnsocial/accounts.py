"""What every account section of config.yaml is made of, whatever its platform: the credentials
it names, the keys every section shares, and the readers a platform's own keys are checked
with. Each platform declares its section as an ``AccountSchema`` (its ``ACCOUNT``), which the
config reader applies through the registry (docs/architecture.md, "The platform contract")."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from bmnsocial.i18n import _
from bmnsocial.schema import Reader, out_of_bounds, type_name
from bmnsocial.yamlsafe import PathKey

#: How a post's link goes to a platform that may charge for it (accounts.twitter.links and a
#: post's twitter.links): in the text, or left out.
LINK_POLICIES = ("inline", "omit")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Credential:
    platform: str
    role: str  # English, marked with N_: shown translated, with _(role)
    env_var: str
    required: bool = True


class Account(Protocol):
    """A platform's account as config.yaml describes it."""

    def credentials(self) -> list[Credential]: ...

    def base_urls(self) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class AccountSchema:
    """One platform's section under ``accounts:``: its own keys (besides ``SHARED_KEYS``),
    those it cannot do without, and how a checked mapping becomes its account."""

    keys: tuple[str, ...]
    read: Callable[[Reader, dict[str, Any], PathKey], Account]
    required: tuple[str, ...] = ()
    # Each key as a person reads it (marked with N_): an editor's hover, `bmnsocial schema config`.
    help: Mapping[str, str] = field(default_factory=dict)


#: Keys every account section takes, whatever its platform (read by ``read_shared``).
SHARED_KEYS: tuple[str, ...] = ("mode",)
#: accounts.<platform>.mode: 'api' publishes through the platform's API, 'manual' writes a
#: publishing sheet for a person at the due time (docs/publishing.md, "Hand-off by hand").
ACCOUNT_MODES = ("api", "manual")


@dataclass(frozen=True, slots=True)
class SharedSettings:
    """What every account section says besides its platform's own keys."""

    mode: str = "api"  # ACCOUNT_MODES


def read_shared(r: Reader, m: dict[str, Any], path: PathKey) -> SharedSettings:
    return SharedSettings(
        mode=r.choice(m.get("mode", "api"), (*path, "mode"), ACCOUNT_MODES) or "api")


def env_name(r: Reader, value: Any, path: PathKey) -> str:
    """The NAME of an environment variable (never its value)."""
    name = r.text(value, path)
    if name is None:
        r.error(path, "SCHEMA-REQUIRED", _("{where} is required.").format(where=r.label(path)),
                _("Name the environment variable that holds this credential."), key=True)
        return ""
    if not _ENV_NAME.match(name):
        r.error(path, "CONFIG-SECRET-IN-FILE", _(
            "{where} must be the NAME of an environment variable (capitals, digits, _), not a "
            "token.").format(where=r.label(path)),
            _("Put the token in the environment, e.g. in the systemd unit's EnvironmentFile, "
              "and write its variable name here."))
        return ""
    return name


def base_url(r: Reader, value: Any, path: PathKey, default: str) -> str:
    """An http(s) base URL with a host and nothing after its path."""
    text = r.text(value, path) or ""
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (parts.scheme not in ("http", "https") or not parts.hostname or not port_ok
            or parts.query or parts.fragment or parts.username or parts.password):
        r.error(path, "CONFIG-VALUE", _("'{url}' is not a base URL.").format(url=text),
                _("Write a scheme and a host, and a port and path if the server needs them, "
                  "such as https://api.x.com or https://graph.facebook.com (no query, no user "
                  "or password)."))
        return default
    return text.rstrip("/")


def number(r: Reader, value: Any, path: PathKey, *, maximum: float | None,
           hint: str) -> float | None:
    """A finite number >= 0 (whole or decimal), at most ``maximum``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        r.error(path, "SCHEMA-TYPE", _("{where} must be a number, not {actual}.").format(
            where=r.label(path), actual=type_name(value)), hint)
        return None
    if not math.isfinite(value) or value < 0 or (maximum is not None and value > maximum):
        r.error(path, "SCHEMA-VALUE", out_of_bounds(
            r.label(path), value, 0, f"{maximum:g}" if maximum is not None else None), hint)
        return None
    return float(value)
