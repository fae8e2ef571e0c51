from __future__ import annotations

import json
import re

from click.testing import CliRunner

from bmnsocial.categories import BY_SLUG, CATEGORIES, lookup
from bmnsocial.cli.root import cli
from tests.helpers import REPO

# The numbered list of ../shared/seed/bmn-redes-sociales.txt, copied verbatim.
SEED = (REPO / "tests" / "data" / "bmn-usos-redes-sociales.txt").read_text(encoding="utf-8")


def test_seventeen_in_the_seed_order_with_verbatim_spanish_labels() -> None:
    seed = [(int(n), label) for n, label in re.findall(r"^(\d+)\. (.+)$", SEED, re.M)]
    assert len(seed) == 17
    assert [(c.rank, c.label_es) for c in CATEGORIES] == seed


def test_slugs_are_stable_ascii_and_unique() -> None:
    assert len(BY_SLUG) == 17
    for c in CATEGORIES:
        assert re.fullmatch(r"[a-z][a-z-]+[a-z]", c.slug), c.slug
        assert c.label_en


def test_lookup_by_slug_rank_and_text_rank() -> None:
    assert lookup("fotos-eventos") is lookup(2) is lookup("2") is lookup(" Fotos-Eventos ")
    assert lookup(0) is None and lookup(18) is None and lookup("fotos") is None
    assert lookup(True) is None


def test_seed_examples_have_their_rules() -> None:
    rules = {c.slug: {r.value for r in c.rules} for c in CATEGORIES}
    assert "needs-image" in rules["fotos-eventos"]
    assert "needs-hashtag" in rules["hashtags"]
    assert "needs-stream" in rules["transmisiones-en-vivo"]


def test_cli_json_and_table() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["categories", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [d["rank"] for d in data] == list(range(1, 18))
    assert {"rank", "slug", "label_es", "label_en"} <= set(data[0])
    assert data[15]["label_es"] == "Transmisiones en vivo."
    table = runner.invoke(cli, ["categories"])
    assert table.exit_code == 0
    assert "17  politica-publica" in table.output
    assert "Abogar por cuestiones de política pública." in table.output
