"""Vendor the part of the Telegram Bot API description that bmnsocial uses.

Run from the project root after updating /work/shared/reference:

    python tests/contract/vendor_telegram.py [REFERENCE_DIR]

Writes, beside this script, ``telegram-bot-api.subset.json`` (the methods the fake
Telegram serves and every type they mention, transitively, unchanged) with the
LICENSE/SOURCE notes, and ``bmnsocial/sandbox/telegram_spec.py``: the fields, types
and required flags the fake enforces (tests check it against the subset).
"""

from __future__ import annotations

import json
import pprint
import re
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_REFERENCE = Path("/work/shared/reference")
SUBSET = HERE / "telegram-bot-api.subset.json"
GENERATED = ROOT / "bmnsocial" / "sandbox" / "telegram_spec.py"

METHODS = (
    "getMe", "getChat", "getChatMember", "getChatAdministrators", "sendMessage", "sendPhoto",
    "sendMediaGroup", "forwardMessage", "copyMessage", "deleteMessage", "editMessageText",
    "editMessageCaption",
)
# Types the fake builds answers from; the methods' own parameter types come on their own.
ANSWER_TYPES = (
    "User", "Chat", "ChatFullInfo", "Message", "MessageId", "PhotoSize", "MessageEntity",
    "ChatMemberAdministrator", "ChatMemberOwner", "ChatMemberMember", "ChatMemberLeft",
    "LinkPreviewOptions", "MessageOriginChannel", "ResponseParameters",
)
_TYPE_NAME = re.compile(r"[A-Z][A-Za-z]+")
_PRIMITIVES = {"Integer", "String", "Boolean", "Float", "True", "InputFile"}


def _mentioned(types: list[str]) -> set[str]:
    found: set[str] = set()
    for text in types:
        found |= {n for n in _TYPE_NAME.findall(text) if n not in _PRIMITIVES | {"Array", "of"}}
    return found


def subset(api: dict[str, Any]) -> dict[str, Any]:
    methods = {name: api["methods"][name] for name in METHODS}
    wanted: set[str] = set(ANSWER_TYPES)
    for method in methods.values():
        wanted |= _mentioned(method["returns"])
        for field in method.get("fields", []):
            wanted |= _mentioned(field["types"])
    types: dict[str, Any] = {}
    pending = set(wanted)
    while pending:
        name = pending.pop()
        if name in types or name not in api["types"]:
            continue
        node = api["types"][name]
        types[name] = node
        for field in node.get("fields", []):
            pending |= _mentioned(field["types"])
        pending |= set(node.get("subtypes", []))
    return {
        "version": api["version"],
        "release_date": api["release_date"],
        "methods": methods,
        "types": dict(sorted(types.items())),
    }


def _fields(node: dict[str, Any]) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(f["name"], tuple(f["types"]), bool(f["required"])) for f in node.get("fields", [])]


def generated(sub: dict[str, Any]) -> str:
    methods = {
        name: {"returns": tuple(node["returns"]), "fields": _fields(node)}
        for name, node in sub["methods"].items()
    }
    types = {name: _fields(node) for name, node in sub["types"].items()}
    return (
        '"""What the fake Telegram enforces, from the Bot API description.\n\n'
        "GENERATED, do not edit. Regenerate with ``python tests/contract/vendor_telegram.py``;\n"
        "the contract tests fail when this file drifts from\n"
        "tests/contract/telegram-bot-api.subset.json.\n\n"
        f"{sub['version']} ({sub['release_date']}), as described machine-readably by\n"
        "PaulSonOfLars/telegram-bot-api-spec. Copyright (c) 2020 Paul Larsen, MIT License\n"
        "(full text in tests/contract/telegram-bot-api.LICENSE).\n"
        '"""\n\n'
        "from typing import Any\n\n"
        f"VERSION = {sub['version']!r}\n\n"
        f"METHODS: dict[str, Any] = {pprint.pformat(methods, width=100, sort_dicts=True)}\n\n"
        f"TYPES: dict[str, Any] = {pprint.pformat(types, width=100, sort_dicts=True)}\n"
    )


def main(argv: list[str]) -> None:
    reference = Path(argv[1]) if len(argv) > 1 else DEFAULT_REFERENCE
    source = reference / "telegram-bot-api"
    sub = subset(json.loads((source / "api.json").read_text(encoding="utf-8")))
    SUBSET.write_text(json.dumps(sub, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                      encoding="utf-8")
    shutil.copyfile(source / "LICENSE", HERE / "telegram-bot-api.LICENSE")
    shutil.copyfile(source / "SOURCE.md", HERE / "telegram-bot-api.SOURCE.md")
    GENERATED.write_text(generated(sub), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv)
