"""The sample posts in posts/ are realistic, varied and valid against the real config.yaml."""

from __future__ import annotations

import pytest

from bmnsocial.config import load_config
from bmnsocial.render.validation import validate_paths
from tests.helpers import NOW, REPO


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    config = load_config(REPO / "config.yaml")
    return validate_paths([config.posts_dir], config, NOW)


def test_all_samples_valid_without_warnings(result) -> None:  # type: ignore[no-untyped-def]
    assert [d.format() for d in result.diagnostics] == []


def test_samples_cover_what_the_issue_asks(result) -> None:  # type: ignore[no-untyped-def]
    posts = [c.post for c in result.posts]
    assert len(posts) >= 8
    slugs = {p.category.slug for p in posts}
    assert {"eventos-biblioteca", "fotos-eventos", "servicios-productos", "colecciones"} <= slugs
    assert any(p.schedule.cron is not None for p in posts)
    assert any(p.content("twitter").thread for p in posts)
    assert any(p.media for p in posts)
    assert all(p.text and any(c in p.text for c in "áéíóúñ¿¡") for p in posts)
