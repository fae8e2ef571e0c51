"""Numbers as the reader writes them: a decimal comma and spaced thousands in Spanish."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bmnsocial import i18n
from bmnsocial.cli.root import cli
from tests.helpers import WritePost


def test_number_and_percent_in_each_language() -> None:
    i18n.install("en")
    assert (i18n.number(63206), i18n.number(8.44, 1), i18n.percent(0.2111)) == (
        "63,206", "8.4", "21.1%")
    i18n.install("es")
    try:
        assert (i18n.number(63206), i18n.number(8.44, 1), i18n.percent(0.2111)) == (
            "63\u00a0206", "8,4", "21,1\u00a0%")
    finally:
        i18n.install("en")


def test_spanish_preview_writes_sizes_with_a_decimal_comma(workspace: Path,
                                                          write_post: WritePost) -> None:
    path = write_post("a.yaml", "category: 9\ntext: Hola.\nmedia:\n"
                                "  - {path: jornada-cientifica-cartel.jpg, alt: Cartel.}\n")
    spanish = CliRunner().invoke(cli, ["--lang", "es", "preview", str(path)]).output
    english = CliRunner().invoke(cli, ["preview", str(path)]).output
    assert "20,4 KiB" in spanish and "20.4 KiB" in english
