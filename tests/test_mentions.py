"""X mentions (`@usuario`): found as twitter-text finds them (its conformance data, vendored in
tests/conformance/twitter-text/), refused when X would link nobody or another account, and
shown by every preview."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import Config
from bmnsocial.posts.twitter_mentions import (
    MisshapenMention,
    extract_mentions_or_lists_with_indices,
    extract_mentions_with_indices,
    misshapen_mentions,
)
from bmnsocial.render.validation import validate_paths
from tests.helpers import NOW, WritePost

CONFORMANCE = Path(__file__).parent / "conformance" / "twitter-text"


def _section(name: str, section: str) -> list[Any]:
    with open(CONFORMANCE / name, encoding="utf-8") as f:
        cases: list[dict[str, Any]] = yaml.safe_load(f)["tests"][section]
    return [pytest.param(c, id=c["description"]) for c in cases]


@pytest.mark.parametrize("case", _section("extract.yml", "mentions"))
def test_extract_mentions(case: dict[str, Any]) -> None:
    assert [m.name for m in extract_mentions_with_indices(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", _section("extract.yml", "mentions_with_indices"))
def test_extract_mentions_with_indices(case: dict[str, Any]) -> None:
    assert [{"screen_name": m.name, "indices": [m.start, m.end]}
            for m in extract_mentions_with_indices(case["text"])] == case["expected"]


@pytest.mark.parametrize("case", _section("extract.yml", "mentions_or_lists_with_indices"))
def test_extract_mentions_or_lists_with_indices(case: dict[str, Any]) -> None:
    assert [{"screen_name": m.name, "list_slug": slug, "indices": [m.start, m.end]}
            for m, slug in extract_mentions_or_lists_with_indices(case["text"])] == \
        case["expected"]


@pytest.mark.parametrize("case", _section("validate.yml", "usernames"))
def test_valid_usernames(case: dict[str, Any]) -> None:
    """twitter-text's isValidUsername: the text is one mention, whole."""
    found = [m.name for m in extract_mentions_with_indices(case["text"])]
    assert (found == [case["text"][1:]]) is case["expected"]


def test_a_mention_inside_a_link_is_part_of_the_link() -> None:
    text = "Lea https://medium.com/@bib-med/nota y siga a @BMNCuba."
    assert [m.name for m in extract_mentions_with_indices(text)] == ["BMNCuba"]
    assert misshapen_mentions(text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Con @bib-med hoy", [MisshapenMention("bib-med", 4, "bib")]),
    ("Con @bmn.cuba hoy", [MisshapenMention("bmn.cuba", 4, "bmn")]),
    ("Con @Biblioteca_Médica", [MisshapenMention("Biblioteca_Médica", 4, None)]),
    ("Con @España", [MisshapenMention("España", 4, None)]),
    ("Con @BibliotecaMedicaCuba", [MisshapenMention("BibliotecaMedicaCuba", 4,
                                                    "BibliotecaMedicaCuba")]),
    # A sentence's end, an e-mail address, a handle of 15, Japanese around a mention: fine.
    ("Síguenos: @BMNCuba. Escriba a info@bmn.sld.cu o a @abcdefghij_1234-", []),
    ("の@usernameに到着を待っている", []),
])
def test_what_is_no_x_username(text: str, expected: list[MisshapenMention]) -> None:
    assert misshapen_mentions(text) == expected


def _check(config: Config, write_post: WritePost, text: str) -> Any:
    write_post("a.yaml", f"category: 9\ntext: \"{text}\"\n")
    return validate_paths([config.posts_dir], config, NOW)


def test_validate_refuses_a_mention_x_would_link_elsewhere(config: Config,
                                                          write_post: WritePost) -> None:
    result = _check(config, write_post, "Gracias a @bib-med y a @Biblioteca_Médica.")
    (d,) = result.errors
    assert (d.code, d.line) == ("X-MENTION", 2)
    assert "'@bib-med' (X would link '@bib', another account)" in d.message
    assert "'@Biblioteca_Médica' (X would link nobody)" in d.message
    assert "at most 15" in d.message and "x.com/" in d.hint
    # Good mentions pass, and only X's text is checked: Facebook links no account.
    assert _check(config, write_post, "Gracias a @MINSAPCuba y @BMNCuba.").ok
    write_post("a.yaml", "category: 9\ntext: Hola\nfacebook:\n  text: Gracias a @bib-med\n")
    assert validate_paths([config.posts_dir], config, NOW).ok




def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


def test_preview_shows_and_counts_the_mentions(workspace: Path, write_post: WritePost) -> None:
    path = write_post("a.yaml", "category: 9\ntext: \"Gracias a @MINSAPCuba y @BMNCuba. "
                                "info@bmn.sld.cu\"\n")
    code, out = run("preview", str(path))
    assert code == ExitCode.OK
    x_section = out[out.index("── X (Twitter)"):]
    assert "2 mentions: @MINSAPCuba, @BMNCuba" in x_section
    assert "mention" not in out[:out.index("── X (Twitter)")]  # Facebook links no account
    (post,) = json.loads(run("preview", "--json", str(path))[1])["posts"]
    facebook, twitter = post["platforms"]
    assert twitter["parts"][0]["mentions"] == ["MINSAPCuba", "BMNCuba"]
    assert facebook["parts"][0]["mentions"] == []
    run("preview", str(path), "--html", "out.html")
    page = (workspace / "out.html").read_text(encoding="utf-8")
    x_text = page[page.index('<div class="text x-text">'):]
    x_text = x_text[:x_text.index("</div>")]
    assert '<span class="mention">@MINSAPCuba</span>' in x_text
    assert '<span class="mention">@BMNCuba</span>' in x_text and "info@bmn" in x_text
