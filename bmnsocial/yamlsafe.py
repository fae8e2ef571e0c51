"""Load one YAML document from an untrusted file into plain data, remembering where each value was.

Post files come from many hands. Nothing here constructs arbitrary objects: the document is
composed into nodes (libyaml when available), then converted by our own code, which refuses
custom tags, anchors/aliases (alias bombs), duplicate keys and absurd nesting, and records the
line and column of every key and value so later checks can point at them.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from bmnsocial.diagnostics import Diagnostic, Severity
from bmnsocial.i18n import _
from bmnsocial.terminal import escape_char, first_control

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_NODES = 20_000

PathKey: TypeAlias = tuple[str | int, ...]

#: Quotes a word processor puts in place of YAML's straight ones (“ ” ‘ ’ « » „ ‚).
CURLY_QUOTES = frozenset("“”‘’«»„‚")

_STD = "tag:yaml.org,2002:"
_STR = _STD + "str"
_SEQ = _STD + "seq"
_MAP = _STD + "map"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

# PyYAML's implicit tags ('yes' → bool, '12' → int, '~' → null, …): the resolvers that
# Resolver.resolve tries for a scalar, by its first character, in the same order. Resolver
# concatenates these lists again for every scalar; here they are built once.
_Resolvers: TypeAlias = list[tuple[str, re.Pattern[str]]]
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_ANY_FIRST: _Resolvers = list(_IMPLICIT.get(None, []))
_BY_FIRST: dict[str, _Resolvers] = {
    first: found + _ANY_FIRST for first, found in _IMPLICIT.items() if first is not None}
_DEFAULT_TAGS = {yaml.ScalarNode: _STR, yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}
_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode


if yaml.__with_libyaml__:
    from yaml._yaml import CParser  # what yaml.CSafeLoader is built on

    class _Composer(CParser):
        """libyaml composing the node tree, with the tags yaml.CSafeLoader would give, ~20%
        faster than CSafeLoader composes (benchmarks/README.md). No constructor: _Converter
        below turns the nodes into data."""

        def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
            """The tag of an untagged node, as yaml.resolver.Resolver.resolve gives it."""
            if kind is yaml.ScalarNode and implicit[0]:
                for tag, pattern in _BY_FIRST.get(value[:1], _ANY_FIRST):
                    if pattern.match(value):
                        return tag
            return _DEFAULT_TAGS[kind]

        # Only PyYAML's path resolvers use these two hooks, and we register none.
        def descend_resolver(self, current_node: yaml.Node | None, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    def _compose(text: str) -> yaml.Node | None:
        return _Composer(text).get_single_node()
else:  # pragma: no cover - PyYAML built without libyaml

    def _compose(text: str) -> yaml.Node | None:
        return yaml.SafeLoader(text).get_single_node()


@dataclass(frozen=True, slots=True)
class CommentCut:
    """What YAML read as a comment right after a value: most likely part of the value."""

    text: str
    line: int
    column: int
    empty: bool  # nothing before the '#': the whole value was lost (hashtags: #Salud)


@dataclass(slots=True)
class Document:
    """Plain data (dict/list/str/int/float/bool/None) plus source positions by path."""

    file: str
    data: Any
    value_pos: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_pos: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    source_text: dict[PathKey, str] = field(default_factory=dict)
    # Plain values followed on their line by ' #word': YAML read a comment there, and the
    # person most likely wrote a hashtag (text: Visite la BMN #SaludCuba, hashtags: #Salud,
    # - #Salud). The comment's text and where its '#' is (line, column, 1-based).
    comment_after: dict[PathKey, CommentCut] = field(default_factory=dict)
    # Plain (unquoted) values and keys that begin and end with a curly quote: pasted from a
    # word processor, where YAML's straight quotes were meant. (path, whether it is the key)
    curly: list[tuple[PathKey, bool]] = field(default_factory=list)

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of a value, or of its key; the nearest parent if unknown."""
        table = self.key_pos if key else self.value_pos
        probe = path
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.value_pos:
                return self.value_pos[probe]
            probe = probe[:-1]
        return self.value_pos.get((), (1, 1))

    def diag(self, path: PathKey, code: str, message: str, hint: str = "", *,
             key: bool = False, severity: Severity = Severity.ERROR) -> Diagnostic:
        line, col = self.position(path, key=key)
        return Diagnostic(self.file, line, col, severity, code, message, hint)


class YamlProblem(Exception):
    def __init__(self, line: int, column: int, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line, self.column, self.code, self.message, self.hint = (
            line, column, code, message, hint)


def load_file(path: Path | str, display: str | None = None, *,
              max_bytes: int = MAX_FILE_BYTES) -> Document | Diagnostic:
    """Read and parse ``path``; a problem comes back as one diagnostic, never as an exception."""
    name = display or str(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return Diagnostic(name, 1, 1, Severity.ERROR, "FILE-NOT-REGULAR",
                                  _("this is not a regular file (a pipe, a device or a socket), "
                                    "so it is not read."),
                                  _("Remove it from the posts folder, or give it a name that "
                                    "does not end in .yaml."))
            # Ask for what the file holds (+1 to see its end), not for max_bytes + 1: a
            # buffer of 256 KiB per file cost more than reading the post did. Plain
            # os.read: a buffered file object per post cost a few percent of validating it.
            want = min(info.st_size, max_bytes) + 1
            raw = _read(fd, want)
            if len(raw) == want and want <= max_bytes:  # it grew since
                raw += _read(fd, max_bytes + 1 - want)
        finally:
            os.close(fd)
    except OSError as exc:
        return Diagnostic(name, 1, 1, Severity.ERROR, "FILE-UNREADABLE",
                          _("cannot read the file: {reason}.").format(
                              reason=exc.strerror or exc),
                          _("Check that it exists and that you may read it."))
    return load_bytes(raw, name, max_bytes=max_bytes)


def _read(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the file (os.read may return less)."""
    data = os.read(fd, size)
    if len(data) == size or not data:
        return data
    chunks = [data]
    size -= len(data)
    while size > 0 and (data := os.read(fd, size)):
        chunks.append(data)
        size -= len(data)
    return b"".join(chunks)


def load_bytes(raw: bytes, name: str, *, max_bytes: int = MAX_FILE_BYTES) -> Document | Diagnostic:
    def problem(code: str, message: str, hint: str, line: int = 1, col: int = 1) -> Diagnostic:
        return Diagnostic(name, line, col, Severity.ERROR, code, message, hint)

    if len(raw) > max_bytes:
        return problem("FILE-TOO-LARGE",
                       _("the file is larger than {kib} KiB.").format(kib=max_bytes // 1024),
                       _("A post file holds one post; put images in the media folder."))
    nul = raw.find(b"\0")
    if nul >= 0:
        return problem("FILE-BINARY", _("the file is binary, not YAML text."),
                       _("Post files are UTF-8 text; was an image saved with a .yaml name?"),
                       raw.count(b"\n", 0, nul) + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return problem("FILE-ENCODING",
                       _("the file is not valid UTF-8 (byte {byte}).").format(byte=exc.start),
                       _("Save it as UTF-8 (in most editors: 'Save with encoding' → UTF-8)."),
                       line, col)
    # Raw controls (a CR on its own too: terminals return to the line's start) are found here,
    # where their position is exact; those written as escapes ("\e", "\u202e") by _Converter.
    flat = text.replace("\r\n", "\n") if "\r" in text else text
    raw_control = first_control(flat)
    if raw_control >= 0:
        line = flat.count("\n", 0, raw_control) + 1
        col = raw_control - (flat.rfind("\n", 0, raw_control) + 1) + 1
        return problem("TEXT-CONTROL", *_control_words(flat[raw_control]), line, col)
    if not text.strip():
        return problem("FILE-EMPTY", _("the file is empty."),
                       _("Write a post (see docs/post-format.md) or delete the file."))
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if (exc.context_mark is not None and exc.problem_mark is not None
                and exc.problem_mark.index >= len(text.rstrip())):
            mark = exc.context_mark  # "found unexpected end of stream": point at what opened
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        # PyYAML's own words ("mapping values are not allowed here") stay in English.
        what = " ".join(filter(None, [exc.context, exc.problem])) or _("invalid YAML")
        if "nesting depth" in what:
            return problem("YAML-DEPTH", _("the YAML is nested too deeply."),
                           _("A post needs only a few levels of indentation."), line, col)
        lines = text.splitlines()
        cut = _flow_comment(lines, line)
        if cut is not None:
            cut_line, cut_col, rest = cut
            return problem("YAML-COMMENT-CUT", _(
                "YAML read '{rest}' as a comment: after '[', '{{' or ',' a '#' starts one, so "
                "the list is never closed.").format(rest=rest[:40]),
                _("Write hashtags without '#': hashtags: [SaludCuba, BMN]."), cut_line, cut_col)
        here = lines[line - 1] if 0 < line <= len(lines) else ""
        if "\t" in here[:max(col, 1)] or "'\\t'" in what:
            hint = _("This line is indented with a tab: YAML needs spaces.")
        elif any(q in here for q in CURLY_QUOTES):
            hint = _("This line has curly quotes (“ ” ‘ ’ « »), as a word processor writes them: "
                     "YAML does not read them as quotes, so a ':' or '#' inside ends the value. "
                     "Use straight quotes: text: \"…\"")
        elif "expected a single document" in what:
            hint = _("A post file holds one post: remove the second '---' and what follows, or "
                     "move it to a file of its own.")
        else:
            hint = _("Check indentation and quoting around this place "
                     "(text with ':' or '#' needs quotes).")
        return problem("YAML-SYNTAX", _("YAML syntax error: {problem}.").format(problem=what),
                       hint, line, col)
    except yaml.YAMLError as exc:
        return problem("YAML-SYNTAX", _("YAML syntax error: {problem}.").format(problem=exc),
                       _("Check the file's syntax."))
    except RecursionError:
        return problem("YAML-DEPTH", _("the YAML is nested too deeply."),
                       _("A post needs only a few levels of indentation."))
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value == ""
                        and node.tag.endswith(":null")):  # nothing but '---' or comments
        return problem("FILE-EMPTY", _("the file is empty."),
                       _("Write a post (see docs/post-format.md) or delete the file."))
    doc = Document(name, None)
    try:
        doc.data = _Converter(doc, "&" in text, text.splitlines() if "#" in text else None,
                              "\\" in text).convert(node, (), 0)
    except YamlProblem as p:
        return problem(p.code, p.message, p.hint, p.line, p.column)
    return doc


def _curly(text: str) -> bool:
    return len(text) > 1 and text[0] in CURLY_QUOTES and text[-1] in CURLY_QUOTES


def _control_words(char: str) -> tuple[str, str]:
    return (_("a control character ({char}) is here: it changes what a terminal shows, or how "
              "the text reads, without being seen.").format(char=escape_char(char)),
            _("Delete it (retype the text around it); only line breaks and tabs are kept."))


_HASHTAG_COMMENT = re.compile(r"\s+(#\w[^\n]*)")
# '[#A, #B]' or '[A, #B]': in flow context a '#' after '[', '{' or ',' starts a comment.
_FLOW_COMMENT = re.compile(r"[\[{,]\s*(#\w[^\n]*)")


def _flow_comment(lines: list[str], up_to: int) -> tuple[int, int, str] | None:
    """Where a '#' inside '[...]' or '{...}' on lines 1..up_to made YAML read the rest of its
    line as a comment (line, column, the comment), the first one; None if there is none."""
    for number, line in enumerate(lines[:up_to], start=1):
        stripped = line.lstrip()
        if stripped.startswith("#") or ("[" not in line and "{" not in line):
            continue
        found = _FLOW_COMMENT.search(line)
        if found and not _in_quotes(line, found.start(1)):
            return number, found.start(1) + 1, found.group(1).strip()
    return None


def _in_quotes(line: str, index: int) -> bool:
    quote = ""
    for ch in line[:index]:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
    return bool(quote)


# Every post of a folder has its keys and values at nearly the same places: one tuple per
# place, shared, instead of two per value per post kept for as long as the posts are.
_POSITIONS: dict[int, tuple[int, int]] = {}
_SHARED_LINES = _SHARED_COLUMNS = 128


def _position(line: int, col: int) -> tuple[int, int]:
    if line >= _SHARED_LINES or col >= _SHARED_COLUMNS:
        return line, col
    key = line * _SHARED_COLUMNS + col
    found = _POSITIONS.get(key)
    if found is None:
        found = _POSITIONS[key] = (line, col)
    return found


class _Converter:
    def __init__(self, doc: Document, may_alias: bool, lines: list[str] | None,
                 may_escape: bool) -> None:
        self.doc = doc
        self.lines = lines  # the source, when it has a '#' at all
        # The raw text has no control (checked before): only an escape ("\e", "\u202e") in a
        # quoted value can make one, and without a backslash there is none to look for.
        self.may_escape = may_escape
        # Without an anchor ('&') there can be no alias; skipping the check keeps loading fast.
        self.seen: set[int] | None = set() if may_alias else None
        self.count = 0

    def convert(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        mark = node.start_mark
        line, col = mark.line + 1, mark.column + 1
        if self.seen is not None:
            if id(node) in self.seen:
                raise YamlProblem(line, col, "YAML-ALIAS", _("YAML anchors and aliases (& and *) "
                                  "are not allowed in post files."),
                                  _("Write the value out in full."))
            self.seen.add(id(node))
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(line, col, "YAML-TOO-BIG", _("the document has too many values."),
                              _("A post file holds one post."))
        if depth > MAX_DEPTH:
            raise YamlProblem(line, col, "YAML-DEPTH", _("the YAML is nested too deeply."),
                              _("A post needs only a few levels of indentation."))
        self.doc.value_pos[path] = _position(line, col)
        tag = node.tag
        if isinstance(node, _ScalarNode):
            if self.may_escape and (at := first_control(node.value)) >= 0:
                raise YamlProblem(line, col, "TEXT-CONTROL", *_control_words(node.value[at]))
            if self.lines is not None and not node.style:  # plain: neither quoted nor a block
                end = node.end_mark
                found = _HASHTAG_COMMENT.match(self.lines[end.line], end.column) \
                    if end.line < len(self.lines) else None
                if found:
                    self.doc.comment_after[path] = CommentCut(
                        found.group(1).strip(), end.line + 1, found.start(1) + 1,
                        node.value == "")
            if not node.style and _curly(node.value):
                self.doc.curly.append((path, False))
            if tag == _STR:
                return node.value
            if tag not in _SCALAR_TAGS:
                raise self._bad_tag(tag, line, col)
            return self._scalar(node, path)
        if isinstance(node, _SequenceNode):
            if tag != _SEQ:
                raise self._bad_tag(tag, line, col)
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, _MappingNode):
            if tag != _MAP:
                raise self._bad_tag(tag, line, col)
            result: dict[str, Any] = {}
            key_pos = self.doc.key_pos
            for key_node, value_node in node.value:
                kmark = key_node.start_mark
                kline, kcol = kmark.line + 1, kmark.column + 1
                if key_node.tag != _STR:
                    if key_node.tag == _STD + "merge":
                        raise YamlProblem(kline, kcol, "YAML-ALIAS", _("YAML merge keys (<<) "
                                          "are not allowed in post files."),
                                          _("Write the values out in full."))
                    if not isinstance(key_node, yaml.ScalarNode) or (
                            key_node.tag not in _SCALAR_TAGS):
                        raise YamlProblem(kline, kcol, "YAML-KEY", _("a key must be plain text."),
                                          _("Write keys like 'text:' or 'media:'."))
                # Interned: the same few keys in every post share one string, and finding
                # them in the data is an identity check.
                key = sys.intern(str(key_node.value))
                if self.may_escape and (at := first_control(key)) >= 0:
                    raise YamlProblem(kline, kcol, "TEXT-CONTROL", *_control_words(key[at]))
                if key in result:
                    raise YamlProblem(kline, kcol, "YAML-DUPLICATE-KEY",
                                      _("the key '{key}' appears twice in the same mapping."
                                        ).format(key=key),
                                      _("Keep one of them; YAML would silently drop the "
                                        "first."))
                child = (*path, key)
                key_pos[child] = _position(kline, kcol)
                if not key_node.style and _curly(key):
                    self.doc.curly.append((child, True))
                result[key] = self.convert(value_node, child, depth + 1)
            return result
        raise YamlProblem(line, col, "YAML-SYNTAX", _("unsupported YAML node."), "")

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        tag = node.tag
        self.doc.source_text[path] = node.value
        try:
            if tag == _STD + "int":
                return _CONSTRUCTOR.construct_yaml_int(node)
            if tag == _STD + "float":
                return _CONSTRUCTOR.construct_yaml_float(node)
            if tag == _STD + "bool":
                return _CONSTRUCTOR.construct_yaml_bool(node)
            if tag == _STD + "null":
                return None
        except (ValueError, LookupError, yaml.YAMLError):
            # e.g. '!!int' on an empty value, or '!!bool maybe': keep the text as written.
            return node.value
        return node.value  # timestamps stay text: we parse dates with timezone rules of our own

    @staticmethod
    def _bad_tag(tag: str, line: int, col: int) -> YamlProblem:
        shown = "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag
        return YamlProblem(line, col, "YAML-TAG",
                           _("the YAML tag '{tag}' is not allowed.").format(tag=shown),
                           _("Remove the '!' tag; post files hold only text, numbers, lists and "
                             "mappings."))
