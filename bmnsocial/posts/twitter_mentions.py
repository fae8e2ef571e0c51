"""X mentions (``@usuario``): where X links an account in a text, and what a person meant as
one that X would not link as written.

Extraction follows twitter-text (js/src/extractMentionsOrListsWithIndices.js and its
regexp/validMentionOrList.js, endMentionMatch.js); checked against its conformance data
(tests/conformance/twitter-text/extract.yml). X's rule for a username is the X API's own
(OpenAPI, /2/users/by/username/{username}: ``^[A-Za-z0-9_]{1,15}$``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bmnsocial.posts.twitter_text import _LATIN_ACCENTS, extract_urls_with_indices

MAX_USERNAME = 15
USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}\Z")

_AT_SIGNS = "@＠"
_PRECEDING = r"(?:^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
_MENTION_OR_LIST = re.compile(
    rf"({_PRECEDING})[{_AT_SIGNS}]([a-zA-Z0-9_]{{1,20}})(/[a-zA-Z][a-zA-Z0-9_\-]{{0,24}})?")
_END_MENTION = re.compile(rf"[{_AT_SIGNS}{_LATIN_ACCENTS}]|://")
# What a person writes after '@' meaning a username: Latin letters (accented too), digits,
# '_', and '-' or '.' inside it ("@bib-med", "@bmn.cuba"). A '.' or '-' at its end ends a
# sentence.
_INTENDED = re.compile(rf"({_PRECEDING})[{_AT_SIGNS}]([A-Za-z0-9_{_LATIN_ACCENTS}.\-]+)")


@dataclass(frozen=True, slots=True)
class Mention:
    """``@name`` at ``text[start:end]`` (``str`` indices, the at sign included)."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MisshapenMention:
    """What a person wrote as a mention (``written``, without the at sign) that is no X
    username; ``linked`` is the account X would link instead (None: it links nothing)."""

    written: str
    start: int
    linked: str | None


def extract_mentions_or_lists_with_indices(text: str) -> list[tuple[Mention, str]]:
    """twitter-text's ``extractMentionsOrListsWithIndices``: each with its list slug ('' for
    a plain mention)."""
    if "@" not in text and "＠" not in text:
        return []
    found = []
    for m in _MENTION_OR_LIST.finditer(text):
        if _END_MENTION.match(text, m.end()):
            continue
        start = m.start() + len(m.group(1))
        found.append((Mention(m.group(2), start, m.end()), m.group(3) or ""))
    return found


def _outside_urls(text: str, mentions: list[Mention]) -> list[Mention]:
    """X's entities never overlap: a URL wins over an '@' inside it ("medium.com/@bmn")."""
    if not mentions:
        return mentions
    urls = [(u.start, u.end) for u in extract_urls_with_indices(text)]
    return [m for m in mentions if not any(s < m.end and m.start < e for s, e in urls)]


def extract_mentions_with_indices(text: str) -> list[Mention]:
    """The accounts X links in ``text``, in order (twitter-text's
    ``extractMentionsWithIndices``, with the URLs of ``extractEntitiesWithIndices`` first)."""
    plain = [m for m, slug in extract_mentions_or_lists_with_indices(text) if not slug]
    return _outside_urls(text, plain)


def mention_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names an account X links: (start, end) of each '@name'."""
    return [(m.start, m.end) for m in extract_mentions_with_indices(text)]


def misshapen_mentions(text: str) -> list[MisshapenMention]:
    """Every '@name' in ``text`` (outside URLs) that is not an X username as written: longer
    than 15 characters, or holding an accent, a 'ñ', a '-' or a '.' inside it."""
    if "@" not in text and "＠" not in text:
        return []
    linked = {m.start: m.name for m in extract_mentions_with_indices(text)}
    urls = [(u.start, u.end) for u in extract_urls_with_indices(text)]
    out = []
    for m in _INTENDED.finditer(text):
        written = m.group(2).rstrip(".-")
        start = m.start() + len(m.group(1))
        if not written or USERNAME.match(written) or any(
                s < m.end() and start < e for s, e in urls):
            continue
        out.append(MisshapenMention(written, start, linked.get(start)))
    return out
