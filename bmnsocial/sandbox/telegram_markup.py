"""Telegram's message formatting, as the Bot API parses it ("Formatting options").

The fake Telegram uses this to turn ``text`` + ``parse_mode`` into the plain text
and entities of the message it stores, and to refuse what Telegram refuses
("can't parse entities"). Lengths and entity offsets are counted the way the Bot
API documents them: offsets and lengths in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EntityError", "Parsed", "auto_entities", "parse", "utf16_len"]


class EntityError(ValueError):
    """The text cannot be parsed in its parse mode: Telegram's 400 "can't parse entities"."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Parsed:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre", "a": "text_link",
    "blockquote": "blockquote", "span": "spoiler", "tg-emoji": "custom_emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ATTR = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_REF = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot);")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_html(source: str) -> Parsed:
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, Any]]] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "<":
            m = _TAG.match(source, i)
            if m is None:
                raise EntityError(f"Unsupported start tag \"{source[i + 1:i + 11]}\" at byte "
                                  f"offset {_byte_offset(source, i)}")
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in _HTML_TAGS:
                raise EntityError(f"Unsupported start tag \"{name}\" at byte offset "
                                  f"{_byte_offset(source, i)}")
            if closing:
                if not stack or stack[-1][0] != name:
                    raise EntityError(f"Unmatched end tag at byte offset "
                                      f"{_byte_offset(source, i)}, expected \"</"
                                      f"{stack[-1][0] if stack else ''}>\", found \"</{name}>\"")
                _, start, entity = stack.pop()
                length = utf16_len("".join(out)) - start
                if length > 0:
                    entity.update(offset=start, length=length)
                    entities.append(entity)
            else:
                entity = {"type": _HTML_TAGS[name]}
                values = {a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) or ""
                          for a in _ATTR.finditer(attrs)}
                if name == "a":
                    if not values.get("href"):
                        raise EntityError(f"Can't find href in <a> at byte offset "
                                          f"{_byte_offset(source, i)}")
                    entity["url"] = html.unescape(values["href"])
                if name == "span" and values.get("class") != "tg-spoiler":
                    raise EntityError(f"Tag \"span\" must have class \"tg-spoiler\" at byte "
                                      f"offset {_byte_offset(source, i)}")
                if name == "blockquote" and "expandable" in values:
                    entity["type"] = "expandable_blockquote"
                if name == "tg-emoji":
                    entity["custom_emoji_id"] = values.get("emoji-id", "")
                stack.append((name, utf16_len("".join(out)), entity))
            i = m.end()
        elif ch == "&":
            m = _ENTITY_REF.match(source, i)
            if m is None:
                raise EntityError(f"Can't find end of the entity starting at byte offset "
                                  f"{_byte_offset(source, i)}")
            out.append(html.unescape(m.group(0)))
            i = m.end()
        elif ch == ">":
            raise EntityError(f"Character '>' at byte offset {_byte_offset(source, i)} must be "
                              "escaped as &gt;")
        else:
            out.append(ch)
            i += 1
    if stack:
        raise EntityError(f"Can't find end tag corresponding to start tag \"{stack[-1][0]}\"")
    return Parsed("".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"])))


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKS = (("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"),
              ("~", "strikethrough"))


def _parse_markdown_v2(source: str) -> Parsed:
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    open_marks: list[tuple[str, str, int]] = []
    links: list[int] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            if i + 1 >= len(source) or not 1 <= ord(source[i + 1]) <= 126:
                raise EntityError(f"Character '\\' at byte offset {_byte_offset(source, i)} "
                                  "must be followed by an ASCII character")
            out.append(source[i + 1])
            i += 2
            continue
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end < 0:
                raise EntityError(f"Can't find end of Pre entity at byte offset "
                                  f"{_byte_offset(source, i)}")
            body = source[i + 3:end]
            language, newline, rest = body.partition("\n")
            code = rest if newline and language and " " not in language else body
            start = utf16_len("".join(out))
            out.append(code.replace("\\`", "`").replace("\\\\", "\\"))
            entity: dict[str, Any] = {"type": "pre", "offset": start,
                                      "length": utf16_len("".join(out)) - start}
            if code is rest:
                entity["language"] = language
            entities.append(entity)
            i = end + 3
            continue
        if ch == "`":
            end = source.find("`", i + 1)
            if end < 0:
                raise EntityError(f"Can't find end of Code entity at byte offset "
                                  f"{_byte_offset(source, i)}")
            start = utf16_len("".join(out))
            out.append(source[i + 1:end])
            entities.append({"type": "code", "offset": start,
                             "length": utf16_len("".join(out)) - start})
            i = end + 1
            continue
        if ch == "[":
            links.append(utf16_len("".join(out)))
            i += 1
            continue
        if ch == "]" and links:
            m = re.match(r"\]\(((?:[^()\\]|\\.)*)\)", source[i:])
            if m is None:
                raise EntityError("Character ']' is reserved and must be escaped with the "
                                  "preceding '\\'")
            start = links.pop()
            entities.append({"type": "text_link", "offset": start,
                             "length": utf16_len("".join(out)) - start,
                             "url": re.sub(r"\\(.)", r"\1", m.group(1))})
            i += m.end()
            continue
        for mark, kind in _MD2_MARKS:
            if source.startswith(mark, i):
                if open_marks and open_marks[-1][0] == mark:
                    _, _, start = open_marks.pop()
                    entities.append({"type": kind, "offset": start,
                                     "length": utf16_len("".join(out)) - start})
                else:
                    open_marks.append((mark, kind, utf16_len("".join(out))))
                i += len(mark)
                break
        else:
            if ch in _MD2_RESERVED:
                raise EntityError(f"Character '{ch}' is reserved and must be escaped with the "
                                  "preceding '\\'")
            out.append(ch)
            i += 1
    if open_marks or links:
        kind = open_marks[-1][1] if open_marks else "TextUrl"
        raise EntityError(f"Can't find end of {kind.capitalize()} entity")
    return Parsed("".join(out), sorted(
        (e for e in entities if e["length"] > 0), key=lambda e: (e["offset"], -e["length"])))


def parse(text: str, parse_mode: str | None) -> Parsed:
    """Plain text and entities of ``text``; ``EntityError`` where Telegram refuses it."""
    if not parse_mode:
        return Parsed(text, auto_entities(text))
    mode = parse_mode.lower()
    if mode == "html":
        parsed = _parse_html(text)
    elif mode == "markdownv2":
        parsed = _parse_markdown_v2(text)
    else:
        raise EntityError(f"unsupported parse_mode \"{parse_mode}\"")
    parsed.entities = sorted([*parsed.entities, *_outside(auto_entities(parsed.text),
                                                          parsed.entities)],
                             key=lambda e: (e["offset"], -e["length"]))
    return parsed


_AUTO = re.compile(
    r"(?P<url>https?://[^\s<>\"]+|www\.[^\s<>\"]+)"
    r"|(?P<email>[\w.+-]+@[\w-]+\.[\w.-]+)"
    r"|(?<![\w#])(?P<hashtag>#\w+)"
    r"|(?<![\w@])(?P<mention>@[A-Za-z][A-Za-z0-9_]{4,31})"
)


def auto_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram finds by itself in plain text: links, e-mails, hashtags, mentions."""
    found: list[dict[str, Any]] = []
    for m in _AUTO.finditer(text):
        kind = m.lastgroup or "url"
        value = m.group(0).rstrip(".,;:!?)")
        found.append({"type": kind, "offset": utf16_len(text[:m.start()]),
                      "length": utf16_len(value)})
    return found


def _outside(auto: list[dict[str, Any]], explicit: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def inside(e: dict[str, Any]) -> bool:
        return any(x["type"] in {"code", "pre", "text_link"}
                   and x["offset"] <= e["offset"] < x["offset"] + x["length"] for x in explicit)
    return [e for e in auto if not inside(e)]
