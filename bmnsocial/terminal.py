"""Characters that make a terminal (or a calendar) show something other than the text itself:
C0 and C1 controls, DEL and the bidi embeddings, overrides and isolates. Post files may not
carry them (``first_control``); whatever is printed from a post, a file name or the ledger
goes through ``visible``, so a reviewer sees ``\\x1b`` or ``\\u202e`` instead of their effect."""

from __future__ import annotations

import re

# U+202A..U+202E embed and override, U+2066..U+2069 isolate: Unicode's "Trojan Source" set.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
# What the terminal escapes besides: tabs, and the marks and separators that reorder or break
# lines in some terminals (a post may keep these).
_SHOWN = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u061c\u200e\u200f\u2028\u2029]")


# The controls but newline and tab: what a post's values may not carry (one search, in C).
_FORBIDDEN = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def first_control(text: str, keep: str = "\n\t") -> int:
    """The index of the first character post files may not carry (``keep`` aside), or -1."""
    if keep == "\n\t":
        found = _FORBIDDEN.search(text)
        return found.start() if found else -1
    for found in _CONTROLS.finditer(text):
        if found.group() not in keep:
            return found.start()
    return -1


def escape_char(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    """``text`` with every control shown as an escape (``\\x1b``, ``\\u202e``); the characters
    in ``keep`` (e.g. newline and tab in a post's text) are left as they are."""
    if not _SHOWN.search(text):
        return text
    return _SHOWN.sub(lambda m: m.group() if m.group() in keep else escape_char(m.group()), text)


def json_visible(text: str) -> str:
    """JSON text (``json.dumps`` with ``ensure_ascii=False``) with the controls JSON leaves
    as they are (DEL, C1, bidi, separators) written as ``\\uXXXX``: the same data once
    parsed, and nothing a terminal obeys. (Inside strings json.dumps escapes C0 itself; the
    line breaks left are the indentation's.)"""
    return _SHOWN.sub(lambda m: m.group() if m.group() == "\n" else f"\\u{ord(m.group()):04x}",
                      text)
