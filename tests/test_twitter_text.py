"""Tests for bmnsocial.posts.twitter_text against twitter-text's conformance data.

Conformance files are vendored in tests/conformance/twitter-text/ (Apache-2.0, see LICENSE
there). Every case of the sections used runs; none is skipped: validate.yml's
WeightedTweetsWithDiscountedEmojiCounterTest (the v3 config) and
UnicodeDirectionalMarkerCounterTest, and extract.yml's urls, urls_with_indices,
urls_with_directional_markers and tco_urls_with_params. Not used: validate.yml's `tweets`
(the legacy 140 rule), WeightedTweetsCounterTest (v2, no emoji parsing), `urls` and
`urls_without_protocol` (isValidUrl on a lone URL, not extraction), and the mention, hashtag
and cashtag sections.

Expected values marked "twitter-text 3.1.0" come from running the JavaScript reference
(npm twitter-text 3.1.0) on the same text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import emoji
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bmnsocial.posts import twitter_text as tt
from bmnsocial.posts.twitter_text import (
    MAX_WEIGHTED_LENGTH,
    URL_WEIGHT,
    TweetLength,
    extract_urls,
    extract_urls_with_indices,
    parse_tweet,
    weighted_length,
)
from tests.helpers import default_signals

CONFORMANCE = Path(__file__).parent / "conformance" / "twitter-text"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(name: str) -> dict[str, list[dict[str, Any]]]:
    with open(CONFORMANCE / name, encoding="utf-8") as f:
        tests: dict[str, list[dict[str, Any]]] = yaml.load(f, Loader=_LOADER)["tests"]
    return tests


VALIDATE = _load("validate.yml")
EXTRACT = _load("extract.yml")

FIELDS = {
    "weightedLength": "weighted_length",
    "valid": "valid",
    "permillage": "permillage",
    "validRangeStart": "valid_range_start",
    "validRangeEnd": "valid_range_end",
    "displayRangeStart": "display_range_start",
    "displayRangeEnd": "display_range_end",
}


def _cases(tests: dict[str, list[dict[str, Any]]], *sections: str) -> list[Any]:
    return [
        pytest.param(case, id=f"{section}: {case['description']}")
        for section in sections
        for case in tests[section]
    ]


# --- conformance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    _cases(
        VALIDATE,
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        "UnicodeDirectionalMarkerCounterTest",
    ),
)
def test_parse_tweet_conformance(case: dict[str, Any]) -> None:
    expected = case["expected"]
    assert set(expected) <= set(FIELDS), "a field this test does not check"
    result = parse_tweet(case["text"])
    assert {k: getattr(result, FIELDS[k]) for k in expected} == expected
    assert weighted_length(case["text"]) == expected["weightedLength"]


@pytest.mark.parametrize("case", _cases(EXTRACT, "urls", "tco_urls_with_params"))
def test_extract_urls_conformance(case: dict[str, Any]) -> None:
    assert extract_urls(case["text"]) == case["expected"]


@pytest.mark.parametrize(
    "case", _cases(EXTRACT, "urls_with_indices", "urls_with_directional_markers")
)
def test_extract_urls_with_indices_conformance(case: dict[str, Any]) -> None:
    # The data is BMP-only, where our code point indices equal twitter-text's UTF-16 ones.
    got = [
        {"url": u.url, "indices": [u.start, u.end]} for u in extract_urls_with_indices(case["text"])
    ]
    assert got == case["expected"]


def test_constants_match_config_v3() -> None:
    config = json.loads((CONFORMANCE / "config-v3.json").read_text(encoding="utf-8"))
    assert config["version"] == 3
    assert config["emojiParsingEnabled"] is True
    assert config["maxWeightedTweetLength"] == MAX_WEIGHTED_LENGTH
    assert config["transformedURLLength"] == URL_WEIGHT
    assert config["defaultWeight"] == 2 * config["scale"]

    def config_weight(cp: int) -> int:
        for r in config["ranges"]:
            if r["start"] <= cp <= r["end"]:
                return int(r["weight"]) // int(config["scale"])
        return int(config["defaultWeight"]) // int(config["scale"])

    # Every code point (surrogates aside) against the config's ranges.
    mismatches = [
        hex(cp)
        for cp in range(0x110000)
        if not 0xD800 <= cp <= 0xDFFF
        and (2 if tt._HEAVY_RE.match(chr(cp)) else 1) != config_weight(cp)
    ]
    assert mismatches == []
    # And at the range edges through the public API.
    for r in config["ranges"]:
        for cp in {max(r["start"] - 1, 0), r["start"], r["end"], r["end"] + 1}:
            ch = chr(cp)
            if unicodedata.normalize("NFC", ch) == ch:
                assert weighted_length(ch) == config_weight(cp), hex(cp)


# --- emoji ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🫶🏽", 2),  # Emoji 15.0 with a skin tone
        ("🧑‍🧑‍🧒", 2),  # Emoji 15.1 family
        ("🙂‍↔️", 2),  # Emoji 15.1 head shaking
        ("🐦‍🔥", 2),  # Emoji 15.1 phoenix
        ("🇪🇸🇨🇺", 4),  # two flags
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", 2),  # tag sequence
        ("#️⃣1⃣", 4),  # keycaps, with and without U+FE0F
        ("10 #BMN 1️⃣", 10),  # digits and '#' before a keycap: only the keycap counts 2
        ("https://bmn.cu/2 #⃣ *️⃣ 9", 31),
        ("Sala 3 📚 #SaludCuba 4", 22),  # no keycap: its digits and '#' are plain text
        ("👩‍⚕️👨🏾‍⚕️", 4),
        ("❤️❤", 4),
        ("©", 1),  # text-default symbols stay text without U+FE0F, as in twitter-text
        ("®", 1),
        ("©️", 2),
        ("Hola 🫶🏽", 7),
        ("ñandú 中文 ü 📚 — “sí” ‼", 25),  # heavy after Latin-1; light punctuation
        ("🫶🏽" * 140, 280),
    ],
)
def test_emoji_sequences_count_two(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


def test_modern_emoji_fill_the_tweet() -> None:
    assert parse_tweet("🧑‍🧑‍🧒" * 140).valid
    over = parse_tweet("🧑‍🧑‍🧒" * 141)
    assert (over.weighted_length, over.valid) == (282, False)
    assert over.valid_range_end == 140 * len("🧑‍🧑‍🧒".encode("utf-16-le")) // 2 - 1


def test_every_emoji_in_the_data_counts_two() -> None:
    wrong = {
        k: n for k in emoji.EMOJI_DATA if (n := weighted_length(k)) != (1 if k in ("©", "®") else 2)
    }
    assert wrong == {}


# --- edge cases, checked against twitter-text 3.1.0 -------------------------------------------

EDGE_CASES = [
    # text, (weighted_length, valid, permillage, valid_range_end, display_range_end), urls
    ("", (0, False, 0, 0, 0), []),
    ("a\r\nb", (4, True, 14, 3, 3), []),  # CRLF counts 2 (twitter-text-parser makes it 1)
    ("\ufffe", (2, False, 7, 0, 0), []),
    ("abc\ufeffdef", (8, False, 28, 2, 6), []),
    ("😀\uffff", (4, False, 14, 1, 2), []),
    ("e\u0301", (1, True, 3, 1, 1), []),  # NFC: é; ranges index the original text
    ("A\u030a", (1, True, 3, 1, 1), []),
    ("® 2024", (6, True, 21, 5, 5), []),
    ("👍🏽👍", (4, True, 14, 5, 5), []),
    ("x.om/🇦.x.co", (49, True, 175, 11, 11), ["x.om/", "x.co"]),  # split surrogate pair
    ('ex.com-abc"ex.com" y más', (41, True, 146, 23, 23), ["ex.com"]),  # indexOf quirk
    ("x.col𠀀x.co/a", (31, True, 110, 12, 12), ["x.co/a"]),  # both at once
    (
        "https://e.org/w.(h) y https://e.org/w/(d)(h)",
        (53, True, 189, 43, 43),
        ["https://e.org/w", "https://e.org/w/(d)(h)"],
    ),
    (
        "Visite bmn.sld.cu/catalogo o https://t.co/AbC123xyz hoy",
        (60, True, 214, 54, 54),
        ["bmn.sld.cu/catalogo", "https://t.co/AbC123xyz"],
    ),
    ("user@mail.com y #tag.com y $cash.com", (36, True, 128, 35, 35), []),
    ("http://t.co/abcdefghijklmnopqrstuvwxyz01234567890123456789", (58, True, 207, 57, 57), []),
    (
        "(https://es.wikipedia.org/wiki/Salud_(desambiguación))",
        (25, True, 89, 53, 53),
        ["https://es.wikipedia.org/wiki/Salud_(desambiguación)"],
    ),
    ("Ver ELPAÍS.com/ciencia — artículo", (38, True, 135, 32, 32), ["ELPAÍS.com/ciencia"]),
    ("https://example.com/path.........", (32, True, 114, 32, 32), ["https://example.com/path"]),
    ("e\u0301" * 281, (281, False, 1003, 560, 561), []),
    ("a" * 279 + "😀", (281, False, 1003, 278, 280), []),
    ("a" * 279 + "😀b", (282, False, 1007, 278, 281), []),
    ("a" * 270 + " https://example.com/x", (294, False, 1050, 270, 291), ["https://example.com/x"]),
    ("a" * 300 + "\ufffe", (302, False, 1078, 279, 300), []),
    ("ab\ufffe" + "c" * 300, (304, False, 1085, 1, 302), []),
    ("😀" * 141, (282, False, 1007, 279, 281), []),
    ("ñ" * 280, (280, True, 1000, 279, 279), []),
    ("n\u0303" * 280 + "x", (281, False, 1003, 559, 560), []),
]


@pytest.mark.parametrize(("text", "expected", "urls"), EDGE_CASES)
def test_edge_cases_as_twitter_text(
    text: str, expected: tuple[int, bool, int, int, int], urls: list[str]
) -> None:
    result = parse_tweet(text)
    assert result == TweetLength(
        weighted_length=expected[0],
        valid=expected[1],
        permillage=expected[2],
        valid_range_start=0,
        valid_range_end=expected[3],
        display_range_start=0,
        display_range_end=expected[4],
    )
    assert extract_urls(text) == urls


def test_permillage_uses_float_arithmetic_like_twitter_text() -> None:
    # 2261 / 280 * 1000 is 8074.999... in IEEE doubles; twitter-text floors that to 8074.
    assert parse_tweet("a" * 2261).permillage == 8074


def test_url_entities_index_the_str() -> None:
    text = "😀 Ver https://bmn.sld.cu/a y infomed.sld.cu"
    entities = extract_urls_with_indices(text)
    assert [(u.url, text[u.start : u.end]) for u in entities] == [
        ("https://bmn.sld.cu/a", "https://bmn.sld.cu/a"),
        ("infomed.sld.cu", "infomed.sld.cu"),
    ]
    assert weighted_length(text) == 2 + 5 + URL_WEIGHT + 3 + URL_WEIGHT


def test_tld_file_read_as_yaml_would() -> None:
    path = Path(tt.__file__).parents[1] / "data" / "twitter-text-tld_lib.yml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    assert tt._load_tlds() == data["generic"] + data["country"]
    assert len(data["generic"]) == 1259
    assert len(data["country"]) == 315


def test_tld_list_decides_bare_domains() -> None:
    assert extract_urls("bmn.sld.cu notatld.zzzz foo.jp http://x.xn--p1ai") == [
        "bmn.sld.cu",
        "foo.jp",
        "http://x.xn--p1ai",
    ]
    assert extract_urls("MLB.TV y EJEMPLO.COM") == ["MLB.TV", "EJEMPLO.COM"]


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("EXAMPLE.COM/Path", ["EXAMPLE.COM/Path"]),
        ("http://пример.РФ/путь", ["http://пример.РФ/путь"]),  # JS /i folds Cyrillic too
        ("http://foo.ΕΛ", ["http://foo.ΕΛ"]),
        ("foo.ſe x", []),  # ...but not "ſ" to "s" (Python's re.IGNORECASE would)
        ("x.\u212aim y", []),  # nor the Kelvin sign to "k"
    ],
)
def test_tld_case_as_twitter_text(text: str, urls: list[str]) -> None:
    assert extract_urls(text) == urls


def test_the_emoji_table_is_needed_only_for_sequences() -> None:
    """A text is weighed without the emoji table unless it holds what continues a sequence:
    true of every emoji in the data (their second code point), and every emoji of one code
    point weighs 2 as a character too."""
    firsts_of_one = [k for k in emoji.EMOJI_DATA if len(k) == 1 and k not in ("©", "®")]
    assert [k for k in firsts_of_one if tt._heavy_count(k) != 1] == []
    assert [k for k in emoji.EMOJI_DATA if len(k) > 1 and not tt._IN_SEQUENCE.match(k, 1)] == []


@pytest.mark.parametrize("text", [
    "Sala 3 📚 #SaludCuba 4", "📚https://bmn.cu/x📚 y", "https://📚.com/a 📚", "☀ ‼ ⁉ ™ ℹ ↔ ©",
    "© ® ©️ ❤️❤", "🇪🇸 🇨", "👍🏽 👍", "1️⃣ 1⃣ #⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 🏴", "🧑‍🧑‍🧒", "🙂" * 141,
    "a" * 279 + "📚📚", "📚" * 139 + "\ufeff 📚", "x.com/📚 📚 @BMN 🙂",
])
def test_weighed_without_the_emoji_table_as_with_it(text: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    without = parse_tweet(text)
    monkeypatch.setattr(tt, "_IN_SEQUENCE", re.compile(""))  # the table for every text
    assert parse_tweet(text) == without


# --- implementation checks -------------------------------------------------------------------


def test_import_is_cheap() -> None:
    code = (
        "import sys, bmnsocial.posts.twitter_text as t;"
        "print(sorted(m for m in ('emoji', 'yaml') if m in sys.modules),"
        " t._url_regexes.cache_info().currsize, t._emoji_table.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        preexec_fn=default_signals,
    ).stdout
    assert out.split() == ["[]", "0", "0"]


def test_domain_character_classes_agree() -> None:
    # twitter-text's domain-character group, spelt as in its source, against the classes
    # the module derives from it for speed.
    import re

    punct = r"!'#%&()*+,\\\-./:;<=>?@\[\]\^_{|}~$"
    spaces = r"\x09-\x0D\x20\x85\xA0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    others = r"\uFFFE\uFEFF\uFFFF\u202A-\u202E\u061C\u200E\u200F\u2066\u2067\u2068\u2069"
    original = re.compile(f"[^{punct}{spaces}{others}]")
    derived = {
        tt._DOMAIN_CHAR: "",
        tt._DOMAIN_CHAR_DASH_UNDERSCORE: "_-",
        tt._DOMAIN_CHAR_DASH: "-",
    }
    for pattern, extra in derived.items():
        rx = re.compile(pattern)
        assert all(
            bool(rx.match(chr(cp))) == (bool(original.match(chr(cp))) or chr(cp) in extra)
            for cp in range(0x10000)
        ), pattern
    not_in_domain = re.compile(tt._NOT_IN_DOMAIN)
    assert all(
        bool(not_in_domain.match(chr(cp))) == (not original.match(chr(cp)) and chr(cp) not in "._-")
        for cp in range(0x10000)
    )


# No '.', so no URL; nothing at or above U+203C, so no emoji.
_PLAIN = st.text(alphabet=st.characters(max_codepoint=0x203B, exclude_characters="."))


@given(_PLAIN)
def test_plain_text_weighs_per_code_point(text: str) -> None:
    norm = unicodedata.normalize("NFC", text)
    light = ((0, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
    expected = sum(1 if any(a <= ord(c) <= b for a, b in light) else 2 for c in norm)
    result = parse_tweet(text)
    assert result.weighted_length == weighted_length(text) == expected
    assert result.valid == (0 < expected <= MAX_WEIGHTED_LENGTH)
    assert result.display_range_end == max(len(text.encode("utf-16-le")) // 2 - 1, 0)


@given(st.text(max_size=400))
def test_parse_tweet_is_consistent(text: str) -> None:
    result = parse_tweet(text)
    assert result.weighted_length == weighted_length(text) >= 0
    # Not ">= 0": NFC can lengthen a text ("\u0344"), and twitter-text then goes below 0 too.
    assert result.valid_range_end <= result.display_range_end
    if result.valid:
        assert result.valid_range_end == result.display_range_end
