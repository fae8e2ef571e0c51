"""Typed reading of a loaded YAML document, collecting diagnostics instead of raising."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from bmnsocial.diagnostics import Diagnostic, Severity
from bmnsocial.i18n import N_, _
from bmnsocial.yamlsafe import CURLY_QUOTES, CommentCut, Document, PathKey

_TYPE_NAMES = {dict: N_("a mapping (key: value lines)"), list: N_("a list"), str: N_("text"),
               int: N_("a whole number"), bool: N_("true or false"), float: N_("a number")}


def type_name(value: Any) -> str:
    if value is None:
        return _("empty")
    name = _TYPE_NAMES.get(type(value))
    return _(name) if name else type(value).__name__


# Words an editor may write for a key or value, in Spanish or from habit, and what they meant.
SYNONYMS = {
    "texto": "text", "enlace": "link", "url": "link", "etiquetas": "hashtags",
    "hashtag": "hashtags", "categoria": "category", "categoría": "category",
    "imagen": "media", "imagenes": "media", "imágenes": "media", "fotos": "media",
    "plataformas": "platforms", "redes": "platforms", "programacion": "schedule",
    "programación": "schedule", "fecha": "schedule", "at": "schedule", "cron": "schedule",
    "every": "schedule", "cada": "every", "repetir": "every", "frecuencia": "every",
    "evento": "event", "hilo": "thread", "inicio": "starts", "fin": "ends",
    "lugar": "place", "nombre": "name", "consentimiento": "consent",
}


# Keys that live inside another one: found beside it, they lost their indentation.
_NESTED: dict[str, tuple[str, ...]] = {"schedule": ("at", "cron", "every")}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = _close_choices(word.casefold(), tuple(choices))
    if not close:
        return ""
    if len(close) == 1:
        return _("did you mean '{choice}'?").format(choice=close[0])
    return _("did you mean one of: {choices}?").format(
        choices=", ".join(f"'{c}'" for c in close[:4]))


@functools.lru_cache(maxsize=256)
def _close_choices(folded: str, options: tuple[str, ...]) -> tuple[str, ...]:
    """The choices ``folded`` was probably meant to be. Cached: difflib is slow, and a folder
    of posts tends to repeat the same slip (10,000 posts with one misspelt category)."""
    import difflib  # only when there is something to suggest

    meant = SYNONYMS.get(folded)
    if meant in options:
        return (meant,)
    # A part of a name ("eventos") suggests every name that contains it; a misspelt part
    # ("eventoz") every name with a word close to it; then close spellings of whole names.
    close = [c for c in options if len(folded) >= 3 and folded in c.casefold()]
    if len(folded) >= 4:
        close += [c for c in options if c not in close and any(
            difflib.SequenceMatcher(None, folded, part).ratio() >= 0.8
            for part in re.split(r"[-_]", c.casefold()))]
    if not close:  # only the close spellings that are nearly as close as the best one
        scored = sorted(((difflib.SequenceMatcher(None, folded, c.casefold()).ratio(), c)
                         for c in options), reverse=True)
        best = scored[0][0] if scored else 0.0
        close = [c for score, c in scored[:3] if score >= max(0.6, best - 0.1)]
    return tuple(close)


# How list items are named where a person reads them, counted from 1.
ITEM_WORDS = {
    "media": N_("image {n}"),
    "thread": N_("part {n} of the thread"),
    "hashtags": N_("hashtag {n}"),
    "platforms": N_("platform {n}"),
    "slots": N_("slot {n}"),
}


class Reader:
    """Reads typed values out of ``doc`` by path and records what is wrong with them."""

    def __init__(self, doc: Document, prefix: str = "",
                 reference: str = "docs/post-format.md") -> None:
        self.doc = doc
        self.prefix = prefix
        self.reference = reference  # where a person reads the format of each field
        self.diagnostics: list[Diagnostic] = []

    # -- reporting
    def error(self, path: PathKey, code: str, message: str, hint: str = "", *,
              key: bool = False) -> None:
        self.diagnostics.append(self.doc.diag(path, code, message, hint, key=key))

    def warning(self, path: PathKey, code: str, message: str, hint: str = "", *,
                key: bool = False) -> None:
        self.diagnostics.append(
            self.doc.diag(path, code, message, hint, key=key, severity=Severity.WARNING))

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    def label(self, path: PathKey) -> str:
        """Where a value is, as a person counts: ``media[0].alt`` reads "image 1, alt",
        ``twitter.thread[2]`` "twitter, part 3 of the thread"."""
        chunks: list[str] = [self.prefix] if self.prefix else []
        keys: list[str] = []
        parts = list(path)
        for i, part in enumerate(parts):
            if isinstance(part, int):
                continue  # said with the key before it
            following = parts[i + 1] if i + 1 < len(parts) else None
            if not isinstance(following, int):
                keys.append(part)
                continue
            if keys:
                chunks.append(".".join(keys))
                keys = []
            item = ITEM_WORDS.get(part)
            chunks.append(_(item).format(n=following + 1) if item else
                          _("{key}, item {n}").format(key=part, n=following + 1))
        if keys:
            chunks.append(".".join(keys))
        if parts and isinstance(parts[0], int):
            chunks.insert(0, _("item {n}").format(n=parts[0] + 1))
        return ", ".join(chunks) or _("the document")

    # -- typed getters
    def mapping(self, value: Any, path: PathKey, allowed: Iterable[str],
                required: Iterable[str] = ()) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self._wrong_type(value, path, _("a mapping (key: value lines)"))
            return None
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                parent = SYNONYMS.get(str(key).casefold())
                if parent is not None and parent in value and key in _NESTED.get(parent, ()):
                    # 'schedule:' is there and 'at:' below it lost its indentation
                    hint = _("'{key}' belongs inside '{parent}:': indent it by two spaces "
                             "under that line.").format(key=key, parent=parent)
                else:
                    hint = did_you_mean(key, allowed) or _("allowed keys: {keys}.").format(
                        keys=", ".join(allowed))
                self.error((*path, key), "SCHEMA-UNKNOWN-KEY",
                           _("unknown key '{key}' in {where}.").format(
                               key=key, where=self.label(path)), hint, key=True)
        for key in required:
            if value.get(key) is None:
                self.error(path, "SCHEMA-REQUIRED",
                           _("{where} needs '{key}'.").format(where=self.label(path), key=key),
                           _("Add a line '{key}: …'.").format(key=key), key=bool(path))
        return value

    def text(self, value: Any, path: PathKey, *, allow_empty: bool = False) -> str | None:
        """Text fields take any scalar as written, so ``id: 2027`` or ``text: yes`` stay text."""
        if value is None:
            return None
        if not isinstance(value, str):  # checked first: text is the common case
            if isinstance(value, bool | int | float):
                value = self.doc.source_text.get(path, str(value))
            if not isinstance(value, str):
                self._wrong_type(value, path, _("text"))
                return None
        if not allow_empty and not value.strip():
            self.error(path, "SCHEMA-EMPTY", _("{where} is empty.").format(where=self.label(path)),
                       _("Write something or remove the line."))
            return None
        cut = self.doc.comment_after.get(path)
        if cut is not None:
            self.comment_cut(path, cut, curly=value[:1] in CURLY_QUOTES)
        return value

    def comment_cut(self, path: PathKey, cut: CommentCut, *, curly: bool = False) -> None:
        """An error at the '#' where YAML started a comment that was part of the value."""
        if cut.empty:
            message = _("{where} is empty: YAML read '{rest}' as a comment (in YAML a space "
                        "and '#' start one).").format(where=self.label(path), rest=cut.text[:40])
            hint = _("Write hashtags without '#' (hashtags: [SaludCuba]), or put the value in "
                     "quotes.")
        else:
            message = _(
                "{where} ends before '{rest}': in YAML a space and '#' start a comment, so the "
                "rest of the line is not part of the text.").format(
                    where=self.label(path), rest=cut.text[:40])
            hint = (_("The curly quotes (“ ” ‘ ’ « ») a word processor writes are not YAML "
                      "quotes: put the whole text in straight quotes (text: \"…\"), or write it "
                      "on the next lines after 'text: |'.") if curly else
                    _("Put the whole text in quotes, or write it on the next lines after "
                      "'text: |'."))
        self.diagnostics.append(Diagnostic(self.doc.file, cut.line, cut.column, Severity.ERROR,
                                           "YAML-COMMENT-CUT", message, hint))

    def empty_values_cut_by_comments(self) -> None:
        """Values YAML lost whole to a comment (``hashtags: #Salud``, ``- #Salud``): nothing
        else sees them, since they read as missing."""
        for path, cut in self.doc.comment_after.items():
            if cut.empty:
                self.comment_cut(path, cut)

    def curly_quotes(self, prose: Callable[[PathKey], bool]) -> None:
        """Values and keys written in curly quotes instead of YAML's straight ones. In free
        text (``prose``) the quotes are published: a warning, silenced by straight quotes
        around them. Anywhere else the value cannot be what was meant: an error that takes
        the place of what else was said of that value ('“9”' is no category)."""
        for path, is_key in self.doc.curly:
            line, col = self.doc.position(path, key=is_key)
            if is_key:
                bare = str(path[-1])[1:-1]
                self.diagnostics = [d for d in self.diagnostics
                                    if (d.line, d.column) != (line, col)]
                self.error(path, "YAML-CURLY-QUOTES", _(
                    "the key '{key}' is in curly quotes, which YAML does not read as quotes."
                ).format(key=path[-1]), _("Write it without them: '{bare}:'.").format(bare=bare),
                    key=True)
                continue
            value = _value_at(self.doc.data, path)
            if prose(path):
                self.warning(path, "YAML-CURLY-QUOTES", _(
                    "{where} begins and ends with curly quotes (“ ” ‘ ’ « »), which are "
                    "published as part of the text: YAML's own quotes are straight.").format(
                        where=self.label(path)),
                    _("Pasted from a word processor? Remove them. A quotation keeps them when "
                      "the whole value is in straight quotes: {value}.").format(
                          value=f'"{value}"' if "'" in value else f"'{value}'"))
                continue
            self.diagnostics = [d for d in self.diagnostics if (d.line, d.column) != (line, col)]
            self.error(path, "YAML-CURLY-QUOTES", _(
                "{where} is in curly quotes (“ ” ‘ ’ « »), which YAML does not read as quotes: "
                "they became part of the value {value}.").format(where=self.label(path),
                                                                 value=value),
                _("Remove them, or use straight quotes: \"{bare}\".").format(bare=value[1:-1]))

    def text_list(self, value: Any, path: PathKey) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self._wrong_type(value, path, _("a list of text"))
            return None
        out: list[str] = []
        for i, item in enumerate(value):
            text = self.text(item, (*path, i))
            if text is not None:
                out.append(text)
        return out

    def integer(self, value: Any, path: PathKey, *, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(value, path, _("a whole number"))
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(path, "SCHEMA-VALUE", out_of_bounds(self.label(path), value, minimum,
                                                           maximum))
            return None
        return value

    def boolean(self, value: Any, path: PathKey) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self._wrong_type(value, path, _("true or false"))
            return None
        return value

    def choice(self, value: Any, path: PathKey, choices: Iterable[str]) -> str | None:
        text = self.text(value, path)
        if text is None:
            return None
        choices = tuple(choices)
        if text not in choices:
            hint = did_you_mean(text, choices) or _("use one of: {choices}.").format(
                choices=", ".join(choices))
            self.error(path, "SCHEMA-VALUE", _("'{value}' is not valid for {where}.").format(
                value=text, where=self.label(path)), hint)
            return None
        return text

    def _wrong_type(self, value: Any, path: PathKey, expected: str) -> None:
        self.error(path, "SCHEMA-TYPE",
                   _("{where} must be {expected}, not {actual}.").format(
                       where=self.label(path), expected=expected, actual=type_name(value)),
                   _("See {reference} for the format of each field.").format(
                       reference=self.reference))


def _value_at(data: Any, path: PathKey) -> str:
    for step in path:
        data = data[step]
    return str(data)


def out_of_bounds(where: str, value: object, minimum: object, maximum: object | None) -> str:
    """'WHERE must be between MIN and MAX, not VALUE.' (or '>= MIN' without a maximum)."""
    if maximum is None:
        return _("{where} must be >= {minimum}, not {value}.").format(
            where=where, minimum=minimum, value=value)
    return _("{where} must be between {minimum} and {maximum}, not {value}.").format(
        where=where, minimum=minimum, maximum=maximum, value=value)
