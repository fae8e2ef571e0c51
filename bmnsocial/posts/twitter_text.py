"""Tweet length as X counts it: twitter-text v3 weighted length, and twitter-text's URL extraction.

The rules follow twitter-text's ``parseTweet`` and ``extractUrlsWithIndices`` (JavaScript
reference, v3.1.0): the text is NFC-normalised, every URL counts 23, every emoji sequence
counts 2, code points in U+0000-10FF, U+2000-200D, U+2010-201F and U+2032-2037 count 1 and
all others 2; at most 280. Range fields are UTF-16 indices, as in twitter-text.

Emoji sequences come from the ``emoji`` package's data (kept current with Unicode), so
sequences newer than twitter-text's own emoji data (e.g. 🫶🏽, 🧑‍🧑‍🧒) count 2 too, where
twitter-text would count each of their code points. Everything else, down to its quirks,
matches twitter-text 3.1.0. The TLD list is twitter-text's own
(``data/twitter-text-tld_lib.yml``, Apache-2.0).

Regexes are compiled on first use so that importing this module stays cheap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

__all__ = [
    "MAX_WEIGHTED_LENGTH",
    "URL_WEIGHT",
    "TweetLength",
    "UrlEntity",
    "extract_urls",
    "extract_urls_with_indices",
    "parse_tweet",
    "weighted_length",
]

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
_EMOJI_WEIGHT = 2

_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_DOMAIN_LABEL_LENGTH = 63
_DEFAULT_PROTOCOL = "https://"

# Code points that weigh 1 (config-v3.json "ranges"); everything else, astral included, weighs 2.
_HEAVY_RE = re.compile("[^\x00-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]+")
_INVALID_RE = re.compile("[\ufffe\ufeff\uffff]")
_BEYOND_LATIN_1 = re.compile("[^\x00-\xff]")


@dataclass(frozen=True, slots=True)
class TweetLength:
    """twitter-text's parseTweet result; range ends are inclusive UTF-16 indices into the text."""

    weighted_length: int
    valid: bool
    permillage: int
    valid_range_start: int
    valid_range_end: int
    display_range_start: int
    display_range_end: int


@dataclass(frozen=True, slots=True)
class UrlEntity:
    """A URL found by :func:`extract_urls_with_indices`; ``start``/``end`` index the ``str``."""

    url: str
    start: int
    end: int


# --- regular expressions (twitter-text js/src/regexp/*.js, ported) -------------------------

_LATIN_ACCENTS = (
    r"\xC0-\xD6\xD8-\xF6\xF8-\xFF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259\u025B\u0263"
    r"\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF"
)
_CYRILLIC = r"\u0400-\u04FF"
_DIRECTIONAL_MARKERS = r"\u202A-\u202E\u061C\u200E\u200F\u2066\u2067\u2068\u2069"
_INVALID_CHARS = r"\uFFFE\uFEFF\uFFFF"
_SPACES = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
# twitter-text's "punct" group; it has no '"' or '`', so those are domain characters there too.
_PUNCT_NOT_IN_DOMAIN = r"!'#%&()*+,\\/:;<=>?@\[\]\^{|}~$"
_NOT_DOMAIN = f"{_SPACES}{_INVALID_CHARS}{_DIRECTIONAL_MARKERS}"
# Characters that can be nowhere in a domain (the domain name's own punctuation is ".-_").
_NOT_IN_DOMAIN = f"[{_PUNCT_NOT_IN_DOMAIN}{_NOT_DOMAIN}]"
_IN_DOMAIN = f"[^{_PUNCT_NOT_IN_DOMAIN}{_NOT_DOMAIN}]"
_DOMAIN_CHAR = rf"[^{_PUNCT_NOT_IN_DOMAIN}\-._{_NOT_DOMAIN}]"
# twitter-text writes "(?:[_-]|domainChar)*": the same as one class, which `re` runs far faster.
_DOMAIN_CHAR_DASH_UNDERSCORE = rf"[^{_PUNCT_NOT_IN_DOMAIN}.{_NOT_DOMAIN}]"
_DOMAIN_CHAR_DASH = rf"[^{_PUNCT_NOT_IN_DOMAIN}._{_NOT_DOMAIN}]"
_SUBDOMAIN = rf"(?:(?:{_DOMAIN_CHAR}{_DOMAIN_CHAR_DASH_UNDERSCORE}*)?{_DOMAIN_CHAR}\.)"
_DOMAIN_NAME = rf"(?:(?:{_DOMAIN_CHAR}{_DOMAIN_CHAR_DASH}*)?{_DOMAIN_CHAR}\.)"
_PUNYCODE_TLD = r"(?:[xX][nN]--[\-0-9a-zA-Z]+)"
_PATH_CHAR = rf"[a-zA-Z{_CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN_ACCENTS}]"
_BALANCED_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END_CHAR = rf"[+\-a-zA-Z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]"
# twitter-text splices its path-ending pattern "endChar|(?:parens)" in ungrouped, so a path
# segment is "chars* (parens chars*)* endChar" or a lone "(parens)": "/w.(h)" stops at "/w".
_PATH = (
    rf"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_END_CHAR}"
    rf"|(?:{_BALANCED_PARENS}))|(?:@{_PATH_CHAR}+/))"
)
_QUERY_CHAR = r"[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-zA-Z0-9\-_&=#/]"
# JS regexes see UTF-16 code units: the high surrogate of an astral character can be the
# preceding character of a domain that starts with its low surrogate. The empty first
# alternative stands for that (tried first, as the high surrogate comes first there).
_ASTRAL = "\U00010000-\U0010ffff"
_PRECEDING = rf"(?:(?=[{_ASTRAL}])|[^A-Za-z0-9@＠$#＃{_INVALID_CHARS}]|[{_DIRECTIONAL_MARKERS}]|^)"
_PROTOCOL = r"[hH][tT][tT][pP][sS]?://"
_WITHOUT_PROTOCOL_BAD_PRECEDING = frozenset("-_./")


class _UrlRegexes:
    # Not a dataclass: building one costs import time.
    __slots__ = ("_ascii_domain", "_ascii_domain_source", "candidate", "not_domain", "tco", "url")

    def __init__(self, url: str, ascii_domain: str, tco: str, candidate: str) -> None:
        self.url = re.compile(url)
        # Holds the TLD list too, so compiling it costs as much as `url`; only links without
        # a protocol and "xn--" domains need it: compiled on first use.
        self._ascii_domain_source = ascii_domain
        self._ascii_domain: re.Pattern[str] | None = None
        self.tco = re.compile(tco)
        # A '.' followed by a character that can start a TLD: no URL without one.
        self.candidate = re.compile(candidate)
        self.not_domain = re.compile(_NOT_IN_DOMAIN)

    @property
    def ascii_domain(self) -> re.Pattern[str]:
        if self._ascii_domain is None:
            self._ascii_domain = re.compile(self._ascii_domain_source)
        return self._ascii_domain


def _case_variants(ch: str) -> str:
    # For the TLDs' characters, the same as JS's /i (without /u), which compares upper cases.
    variants = {ch} | {v for v in (ch.lower(), ch.upper()) if len(v) == 1}
    return "".join(sorted(variants))


class _Trie(dict[str, "_Trie"]):
    __slots__ = ()


def _trie_pattern(words: list[str]) -> str:
    """A regex for any of ``words`` in any case, longest first, as a trie (fast in ``re``)."""
    # ASCII letters are left to (?ai:), which unlike (?i:) leaves "ſ" and "K" (Kelvin) alone.
    end = ""
    root = _Trie()
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, _Trie())
        node[end] = _Trie()

    def variants(ch: str) -> str:
        return ch if ch.isascii() else _case_variants(ch)

    def atom(ch: str) -> str:
        chars = variants(ch)
        if len(chars) == 1:
            return re.escape(ch)
        return "[" + "".join(re.escape(v) for v in chars) + "]"

    def emit(node: _Trie) -> str:
        leaves: list[str] = []
        branches: list[str] = []
        for ch in sorted(k for k in node if k != end):
            rest = emit(node[ch])
            if rest:
                branches.append(atom(ch) + rest)
            else:
                leaves.append(variants(ch))
        if leaves:
            chars = "".join(leaves)
            branches.append(re.escape(chars) if len(chars) == 1 else "[" + re.escape(chars) + "]")
        if not branches:
            return ""
        if len(branches) == 1 and end not in node:
            # "(?:x)" matches what "x" does; without the group the pattern is a third
            # shorter, and `re` parses it (in each process that weighs a tweet) that much faster.
            return branches[0]
        group = "(?:" + "|".join(branches) + ")"
        # Greedy optional group: try the longer words first, fall back to this one.
        return group + "?" if end in node else group

    return "(?ai:" + emit(root) + ")"


def _load_tlds() -> list[str]:
    from importlib import resources

    text = (
        resources.files("bmnsocial")
        .joinpath("data/twitter-text-tld_lib.yml")
        .read_text(encoding="utf-8")
    )
    # A flat YAML mapping of lists ("country:", "- tld"): read without a YAML parser, which
    # would double the cost of the first call.
    lists: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            current.append(line[2:].strip().strip("'\""))
        elif line.endswith(":"):
            current = lists.setdefault(line[:-1], [])
    return lists["generic"] + lists["country"]


@cache
def _url_regexes() -> _UrlRegexes:
    tlds = _load_tlds()
    first_chars = {c for t in tlds for c in _case_variants(t[0])} | {"x", "X"}
    candidate = r"\.[" + re.escape("".join(sorted(first_chars))) + "]"
    tld = rf"(?:{_trie_pattern(tlds)})(?=[^0-9a-zA-Z@+\-]|\Z)"
    any_tld = rf"(?:{tld}|{_PUNYCODE_TLD})"
    domain = rf"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}{any_tld})"
    url = (
        rf"({_PRECEDING})"  # 1: preceding character
        # Not in twitter-text: a cheap test that a '.' + TLD start lies ahead in the domain.
        rf"(?=(?:{_PROTOCOL})?{_IN_DOMAIN}*?{candidate})"
        rf"(({_PROTOCOL})?"  # 2: URL, 3: protocol
        rf"({domain})"  # 4: domain
        r"(?::([0-9]+))?"  # 5: port
        rf"(/{_PATH}*)?"  # 6: path
        rf"(\?{_QUERY_CHAR}*{_QUERY_END})?)"  # 7: query
    )
    ascii_domain = rf"(?:(?:[\-a-zA-Z0-9{_LATIN_ACCENTS}]+)\.)+{any_tld}"
    tco = rf"{_PROTOCOL}[tT]\.[cC][oO]/([a-zA-Z0-9]+)(?:\?{_QUERY_CHAR}*{_QUERY_END})?"
    return _UrlRegexes(url, ascii_domain, tco, candidate)


# --- URL extraction ---------------------------------------------------------------------------

_NON_ASCII_RE = re.compile(r"[^\x00-\x7E]")
_IDNA_SEPARATORS_RE = re.compile("[.\u3002\uff0e\uff61]")


def _punycode_length(label: str) -> int:
    """Length of punycode.toASCII(label) (the JS ``punycode`` module, no nameprep)."""
    total = 0
    parts = _IDNA_SEPARATORS_RE.split(label)
    for part in parts:
        if _NON_ASCII_RE.search(part):
            total += 4 + len(part.encode("punycode"))
        else:
            total += len(part)
    return total + len(parts) - 1


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_valid_url(url: str, protocol: str, domain: str, rx: _UrlRegexes) -> bool:
    # twitter-text's idna.toAscii: it rejects an "xn--" domain with no ASCII domain in it
    # and any label whose punycode is empty or longer than 63, but keeps the domain as is.
    if domain.startswith("xn--") and not rx.ascii_domain.search(domain):
        return False
    labels = domain.split(".")
    if domain.isascii() and "\x7f" not in domain:
        if "" in labels or max(map(len, labels)) > _MAX_DOMAIN_LABEL_LENGTH:
            return False
        return len(protocol) + _utf16_len(url) <= _MAX_URL_LENGTH
    for label in labels:
        try:
            length = _punycode_length(label)
        except (UnicodeError, ValueError):
            return False
        if not 0 < length <= _MAX_DOMAIN_LABEL_LENGTH:
            return False
    return len(protocol) + _utf16_len(url) <= _MAX_URL_LENGTH


def _extract(text: str) -> list[UrlEntity]:
    if "." not in text:
        return []
    rx = _url_regexes()
    urls: list[UrlEntity] = []
    pos = 0
    # Same matches as rx.url.finditer(text), but the regex (slow: it is tried at every
    # position) starts only just before the run of domain characters that holds the next
    # '.' + TLD start: a match's domain lies in such a run, its protocol and preceding
    # character take at most 9 more characters before it.
    while dot := rx.candidate.search(text, pos):
        d = dot.start()
        stop = rx.not_domain.search(text[pos:d][::-1])
        run_start = d - stop.start() if stop else pos
        m = rx.url.search(text, max(pos, run_start - 9))
        if m is None:
            break
        pos = m.end()
        before, url, protocol, domain, path = m.group(1, 2, 3, 4, 6)
        start = m.start(2)
        end = m.end()
        js_url, js_domain = url, domain
        if not before and domain[0] >= "\U00010000":
            low = chr(0xDC00 + ((ord(domain[0]) - 0x10000) & 0x3FF))
            js_url, js_domain = low + url[1:], low + domain[1:]
        if not _is_valid_url(js_url, protocol or _DEFAULT_PROTOCOL, js_domain, rx):
            continue
        if not protocol:
            if before in _WITHOUT_PROTOCOL_BAD_PRECEDING:
                continue
            found: list[UrlEntity] = []
            ascii_end = 0
            for a in rx.ascii_domain.finditer(domain):
                # twitter-text places each one with indexOf(it, previousEnd), which can find
                # an earlier copy ('ex.com-x"ex.com' gives 0, not 9); do the same.
                ascii_start = domain.find(a.group(), ascii_end)
                ascii_end = ascii_start + len(a.group())
                found.append(UrlEntity(a.group(), start + ascii_start, start + ascii_end))
            if not found:
                continue
            if path:
                last = found[-1]
                found[-1] = UrlEntity(url.replace(domain, last.url, 1), last.start, end)
            urls.extend(found)
        else:
            tco = rx.tco.match(url)
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco.group()
                end = start + len(url)
            urls.append(UrlEntity(url, start, end))
    return urls


def extract_urls_with_indices(text: str) -> list[UrlEntity]:
    """URLs in ``text`` as twitter-text's ``extractUrlsWithIndices`` finds them.

    Bare domains count when their TLD is valid (``example.com``, ``t.co/x``). Indices are
    Python ``str`` indices (code points), not twitter-text's UTF-16 ones.
    """
    return _extract(text)


def extract_urls(text: str) -> list[str]:
    """URLs in ``text`` as twitter-text's ``extractUrls`` finds them."""
    return [u.url for u in _extract(text)]


# --- emoji -----------------------------------------------------------------------------------

# twitter-text (twemoji-parser) leaves these text-default symbols alone without U+FE0F.
_NOT_EMOJI_ALONE = frozenset({"\u00a9", "\u00ae"})


class _EmojiTable:
    # Longest-match lookup in a set: faster in CPython than one regex of 5,000 alternatives.
    __slots__ = ("first", "first_not_ascii", "keys", "lead", "lengths", "possible")

    def __init__(self, keys: list[str]) -> None:
        self.keys = frozenset(keys)
        # Lengths of the keys of two or more code points, by their first two.
        lengths: dict[str, set[int]] = {}
        for k in keys:
            if len(k) > 1:
                lengths.setdefault(k[:2], set()).add(len(k))
        self.lengths = {c: sorted(ns, reverse=True) for c, ns in lengths.items()}
        # A class of ~1,400 scattered code points (astral ones) is slow in `re`: find
        # candidates with a few merged ranges instead, then look them up.
        firsts = {ord(k[0]) for k in keys}
        self.first = re.compile(_merged_class(firsts))
        # Keycaps (#️⃣, 1️⃣…) are the emoji that start with an ASCII character, and each has a
        # U+20E3: in a text without one, the ASCII candidates (every digit, '.' and '/' of a
        # link, every '#') can be skipped.
        if all(_KEYCAP in k for k in keys if k[0].isascii()):
            self.first_not_ascii = re.compile(_merged_class({c for c in firsts if c >= 0x80}))
        else:
            self.first_not_ascii = self.first
        # Every emoji sequence has a code point at least this high, at most `lead` code points
        # from its start: a text without one has no emoji, and none starts much before it.
        low = min(max(k) for k in keys)
        self.possible = re.compile(f"[^\\x00-{re.escape(chr(ord(low) - 1))}]")  # compiles fast
        self.lead = max(next(i for i, c in enumerate(k) if c >= low) for k in keys)


_KEYCAP = "\u20e3"
# What follows the first code point of every emoji sequence (Unicode's UTS #51): a
# zero-width joiner, a keycap, U+FE0F, a skin tone, a second flag letter, a tag.
_IN_SEQUENCE = re.compile(
    "[\u200d\u20e3\ufe0f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
_FROM_ZWJ = re.compile("[^\x00-\u200c]")  # U+200D and above (this spelling compiles fast)


def _merged_class(code_points: set[int]) -> str:
    """A character class of ``code_points``, ranges less than 33 apart merged into one."""
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and cp - ranges[-1][1] <= 32:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]"


@cache
def _emoji_table() -> _EmojiTable:
    import emoji

    return _EmojiTable([k for k in emoji.EMOJI_DATA if k not in _NOT_EMOJI_ALONE])


def _emoji_spans(text: str) -> list[tuple[int, int]]:
    """Non-overlapping emoji sequences, leftmost and then longest first (as a regex would)."""
    table = _emoji_table()
    high = table.possible.search(text)
    if not high:
        return []
    spans: list[tuple[int, int]] = []
    keys = table.keys
    lengths = table.lengths
    search = (table.first if _KEYCAP in text else table.first_not_ascii).search
    pos = max(high.start() - table.lead, 0)
    while m := search(text, pos):
        i = m.start()
        pos = i + 1
        for n in lengths.get(text[i : i + 2], ()):
            if i + n <= len(text) and text[i : i + n] in keys:
                pos = i + n
                break
        else:
            if text[i] not in keys:
                continue
        spans.append((i, pos))
    return spans


# --- weighted length --------------------------------------------------------------------------


def _heavy_count(text: str) -> int:
    # Latin-1 text (Spanish included) weighs 1 throughout; encoding says so in C, some 20
    # times faster than the regex scans it.
    if len(text.encode("latin-1", "ignore")) == len(text):
        return 0
    # Nothing in Latin-1 is heavy: the regex starts at the first character beyond it.
    beyond = _BEYOND_LATIN_1.search(text)
    return sum(map(len, _HEAVY_RE.findall(text, beyond.start() if beyond else 0)))


_Entity = tuple[int, int, int, int]  # start, end, weight, UTF-16 units parseTweet skips


def _url_entity(norm: str, url: UrlEntity) -> tuple[_Entity, int]:
    """The URL as parseTweet skips it (url.length UTF-16 units), and where the walk resumes."""
    skip16 = _utf16_len(url.url)
    end = url.start + len(url.url)
    if norm[url.start : end] == url.url:
        return (url.start, end, URL_WEIGHT, skip16), end
    # The indexOf quirk above: the skipped text is not the URL and may hold astral characters.
    # If the skip ends inside one, its low surrogate is then counted alone (weight 2).
    units = 0
    end = url.start
    while units < skip16 and end < len(norm):
        units += 2 if norm[end] >= "\U00010000" else 1
        end += 1
    if units > skip16:
        return (url.start, end - 1, URL_WEIGHT, skip16), end
    return (url.start, end, URL_WEIGHT, skip16), end


def _entities(norm: str) -> list[_Entity]:
    """The URLs and emoji that parseTweet counts as a whole, in order."""
    urls = _extract(norm)
    # An emoji of one code point weighs 2, as the character does outside an emoji (none of
    # them is light): only a sequence changes the count, and the emoji table (slow to load)
    # is needed only for a text with what continues one.
    high = _FROM_ZWJ.search(norm)  # one range: quicker to scan the text with than the class
    emojis = _emoji_spans(norm) if high and _IN_SEQUENCE.search(norm, high.start()) else []
    out: list[_Entity] = []
    if not emojis:
        for u in urls:
            out.append(_url_entity(norm, u)[0])
        return out
    # parseTweet walks the text and takes whichever entity starts where it stands (a URL
    # first); an entity that starts inside one already taken is never seen.
    pos = 0
    ui = ei = 0
    while True:
        while ui < len(urls) and urls[ui].start < pos:
            ui += 1
        while ei < len(emojis) and emojis[ei][0] < pos:
            ei += 1
        if ui < len(urls) and (ei == len(emojis) or urls[ui].start <= emojis[ei][0]):
            entity, pos = _url_entity(norm, urls[ui])
        elif ei < len(emojis):
            start, pos = emojis[ei]
            entity = (start, pos, _EMOJI_WEIGHT, _utf16_len(norm[start:pos]))
        else:
            return out
        out.append(entity)


def _valid_display_index(norm: str, entities: list[_Entity]) -> int:
    """UTF-16 index of the last unit of the last item that is still valid (parseTweet's loop)."""
    invalid = _INVALID_RE.search(norm)
    stop = invalid.start() if invalid else len(norm)
    weight = 0
    index = 0  # code point position
    u16 = 0  # UTF-16 position of `index`
    last = 0
    ents = iter(entities)
    nxt = next(ents, None)
    while index < stop:
        if nxt is not None and nxt[0] == index:
            start, end, w, skip16 = nxt
            weight += w
            item_last = u16 + skip16 - 1
            u16 += _utf16_len(norm[start:end])
            index = end
            nxt = next(ents, None)
        else:
            ch = norm[index]
            weight += 2 if _HEAVY_RE.match(ch) else 1
            u16 += 2 if ch >= "\U00010000" else 1
            item_last = u16 - 1
            index += 1
        if weight > MAX_WEIGHTED_LENGTH:
            break
        last = item_last
    return last


def _weigh(text: str) -> tuple[str, list[_Entity], int]:
    norm = text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
    entities = _entities(norm)
    total = 0
    rest = norm
    if entities:
        parts = []
        prev = 0
        for start, end, weight, _ in entities:
            parts.append(norm[prev:start])
            prev = end
            total += weight
        parts.append(norm[prev:])
        rest = "".join(parts)
    return norm, entities, total + len(rest) + _heavy_count(rest)


def weighted_length(text: str) -> int:
    """twitter-text v3 weighted length of ``text`` (X allows at most 280)."""
    return _weigh(text)[2]


def parse_tweet(text: str) -> TweetLength:
    """twitter-text v3 ``parseTweet``: weighted length, validity and UTF-16 ranges."""
    norm, entities, weight = _weigh(text)
    has_invalid = _INVALID_RE.search(norm) is not None
    text_u16 = _utf16_len(text)
    norm_u16 = text_u16 if norm is text else _utf16_len(norm)
    if weight <= MAX_WEIGHTED_LENGTH and not has_invalid:
        valid_end = max(norm_u16 - 1, 0)
    else:
        valid_end = _valid_display_index(norm, entities)
    return TweetLength(
        weighted_length=weight,
        valid=not has_invalid and 0 < weight <= MAX_WEIGHTED_LENGTH,
        # twitter-text's float arithmetic, which floors e.g. 2261 to 8074, not 8075.
        permillage=math.floor(weight / MAX_WEIGHTED_LENGTH * 1000),
        valid_range_start=0,
        valid_range_end=valid_end + text_u16 - norm_u16,
        display_range_start=0,
        display_range_end=max(text_u16 - 1, 0),
    )
