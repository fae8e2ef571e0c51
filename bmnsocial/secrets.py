"""Secrets: read only from the environment (or a 0600 secrets file), never shown anywhere.

Every secret value read is registered with the redactor; a log-record factory installed once
masks registered values and well-known token shapes in every log line before any handler sees
it, and error messages built from library exceptions pass through ``redact`` too.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from bmnsocial.errors import BmnError
from bmnsocial.i18n import _

MASK = "***"
_PATTERNS = [
    re.compile(r"((?:access_token|appsecret_proof)=)[^&\s\"']+", re.I),
    re.compile(r"(oauth_(?:token|signature|consumer_key|nonce)=\")[^\"]+", re.I),
    # The same parameters unquoted or percent-encoded, as oauthlib's DEBUG lines show them.
    re.compile(r"(oauth_(?:token|signature|consumer_key|nonce)(?:=|%3D|%253D))[^&\s\"',)]+",
               re.I),
    re.compile(r"((?:Authorization|authorization)['\"]?:\s*['\"]?(?:Bearer|OAuth)\s+)[^\s'\",}]+"),
    re.compile(r"(Bearer\s+)[A-Za-z0-9%._~+/=-]{16,}"),
]
_lock = threading.Lock()
_known: set[str] = set()
_ordered: tuple[str, ...] = ()  # _known, longest first: a secret inside another is masked last
_installed = False


def _spellings(value: str) -> set[str]:
    """The value as it may appear in messages: itself, escaped by repr(), percent-encoded once
    or twice (URLs, OAuth base strings)."""
    once = quote(value, safe="")
    return {value, repr(value)[1:-1], once, quote(once, safe=""), quote_plus(value)}


def register(*values: str | None) -> None:
    """Remember secret values so they are masked wherever they would appear."""
    global _ordered
    with _lock:
        for value in values:
            if value and len(value) >= 4:
                _known.update(_spellings(value))
        _ordered = tuple(sorted(_known, key=len, reverse=True))


def redact(text: str) -> str:
    for secret in _ordered:  # a snapshot: register() may run in another thread meanwhile
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def install_log_redaction() -> None:
    """Mask secrets in every log record, whichever library or handler produces it."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; still mask the raw msg
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        # Tracebacks are formatted by the handler, after this factory: format them here.
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)


class MalformedSecret(BmnError):
    """A credential variable holds something no token looks like (spaces, control characters
    inside): refused, naming the variable and never showing the value."""


def clean(name: str, value: str) -> str:
    """The value without surrounding whitespace (a trailing newline from a file is common);
    refused if whitespace or control characters remain inside it."""
    value = value.strip()
    if any(c.isspace() or not c.isprintable() for c in value):
        raise MalformedSecret(_(
            "the value of {variable} has spaces or control characters inside it; a token never "
            "does. Set it again with the token alone (in a secrets file: KEY=value, with no "
            "comment after the value). See docs/configuration.md.").format(variable=name))
    return value


def read_secrets_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blank lines ignored); refused unless only its owner can
    read it (mode 0600 or stricter)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise BmnError(_("cannot read the secrets file {file}: {reason}.").format(
            file=path, reason=exc.strerror)) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BmnError(_("the secrets file {file} can be read by others (mode {mode}); run: "
                         "chmod 600 {file}").format(file=path, mode=f"{stat.S_IMODE(mode):o}"))
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _sep, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def resolve(names: list[str], environ: Mapping[str, str] | None = None,
            secrets_file: Path | None = None) -> dict[str, str]:
    """The values of the named variables: the environment first, then the secrets file.
    Every value found is registered for redaction."""
    env = os.environ if environ is None else environ
    from_file = read_secrets_file(secrets_file) if secrets_file else {}
    found = {n: env.get(n) or from_file.get(n, "") for n in names}
    # Before any check, as read and as it will be used, so even a refused value stays masked.
    register(*found.values(), *(v.strip() for v in found.values()))
    return {n: v for n, v in ((n, clean(n, v)) for n, v in found.items()) if v}


def write_secrets_file(path: Path, values: Mapping[str, str]) -> None:
    """Set ``values`` (variable name -> value) in the KEY=VALUE file at ``path``: each line
    that sets one of them is replaced, every other line kept as it was, the rest appended.
    Written whole or not at all, mode 0600 (created so, folder 0700 when it is new)."""
    from bmnsocial.files import write_atomic

    for name, value in values.items():
        register(value)
        clean(name, value)
    try:
        old = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    except OSError as exc:
        raise BmnError(_("cannot read the secrets file {file}: {reason}.").format(
            file=path, reason=exc.strerror)) from None
    todo = dict(values)
    lines: list[str] = []
    for line in old:
        key = line.strip().partition("=")[0].strip().removeprefix("export ").strip()
        if "=" in line and not line.lstrip().startswith("#") and key in values:
            if key in todo:
                lines.append(f"{key}={todo.pop(key)}")
            continue  # a second line for the same name would override the new value
        lines.append(line)
    lines.extend(f"{key}={value}" for key, value in todo.items())
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BmnError(_("cannot write the secrets file {file}: {reason}.").format(
            file=path, reason=exc.strerror)) from None
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"), permissions=0o600)
