"""The fake X's own judge of tweet length, written from twitter-text's ``config-v3.json``.

It is deliberately not ``bmnsocial.posts.twitter_text``: the fake must not pass a text
because our own counter has the same bug (issue 11). The rules (twitter-text v3): the text is
NFC-normalised; a URL counts ``transformedURLLength``; an emoji sequence counts
``defaultWeight``; every other code point counts the weight of the range it falls in, else
``defaultWeight``; the sum divided by ``scale`` is at most ``maxWeightedTweetLength``.

URLs are found by a plain scan (a scheme, or a bare domain ending in a top-level domain of
twitter-text's list), emoji by the ``emoji`` package. twitter-text-parser was not used: it
imports ``pkg_resources``, gone from the setuptools our locks carry (docs/sandbox.md).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import emoji

__all__ = ["MAX_WEIGHTED", "tweet_length", "url_spans"]

# config-v3.json (twitter-text 3.1.0, Apache-2.0), as published.
MAX_WEIGHTED = 280
_SCALE = 100
_DEFAULT_WEIGHT = 200
_URL_LENGTH = 23
_RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))
# Characters a URL does not end with when they close a sentence around it.
_TRAILING = ".,:;!?'\")]}"
# Symbols that Unicode lists as emoji but twitter-text counts as plain characters.
_TEXT_SYMBOLS = frozenset("©®#*0123456789")


@cache
def _url_pattern() -> re.Pattern[str]:
    text = resources.files("bmnsocial.data").joinpath("twitter-text-tld_lib.yml").read_text()
    tlds = sorted({line[2:].strip().lower() for line in text.splitlines()
                   if line.startswith("- ")}, key=len, reverse=True)
    tld = "|".join(re.escape(t) for t in tlds)
    label = r"[^\W_](?:[\w-]{0,61}[^\W_])?(?![\w-])"
    ascii_label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    return re.compile(
        r"(?<![\w@#$./-])"
        rf"(?:https?://(?:{label}\.)*{label}(?::\d+)?(?:[/?#]\S*)?"
        rf"|(?:{ascii_label}\.)+(?:{tld})(?![\w-])(?::\d+)?(?:[/?#]\S*)?)",
        re.IGNORECASE,
    )


def url_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each URL in ``text`` (code point indices)."""
    spans: list[tuple[int, int]] = []
    for found in _url_pattern().finditer(text):
        start, end = found.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def _weight(char: str) -> int:
    point = ord(char)
    for low, high, weight in _RANGES:
        if low <= point <= high:
            return weight
    return _DEFAULT_WEIGHT


def tweet_length(text: str) -> int:
    """The weighted length X counts for ``text``."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    marks: list[tuple[int, int, int]] = [(s, e, _URL_LENGTH * _SCALE) for s, e in url_spans(text)]
    for found in emoji.emoji_list(text):
        start, end = found["match_start"], found["match_end"]
        if text[start:end].rstrip("\ufe0f") in _TEXT_SYMBOLS:
            continue
        if not any(s <= start < e for s, e, _ in marks):
            marks.append((start, end, _DEFAULT_WEIGHT))
    for start, end, weight in sorted(marks):
        if start < position:
            continue
        total += sum(_weight(c) for c in text[position:start]) + weight
        position = end
    total += sum(_weight(c) for c in text[position:])
    return total // _SCALE
