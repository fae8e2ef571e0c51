"""Whatever is in a post file, validation answers with diagnostics, never an exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmnsocial.config import Config, load_config
from bmnsocial.posts.model import parse_post, top_keys
from bmnsocial.render.renderer import MediaCache
from bmnsocial.render.validation import check_post, cross_checks, validate_paths
from bmnsocial.yamlsafe import Document, load_bytes
from tests.helpers import NOW, REPO

CONFIG: Config = load_config(REPO / "config.yaml")
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=40))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(top_keys()), st.text(max_size=8)), inner,
                    max_size=4)), max_leaves=20)
field_values = {
    "category": st.one_of(st.integers(-3, 20), st.sampled_from(["colecciones", "x", ""]),
                          values),
    "text": st.one_of(st.text(), values),
    "media": st.one_of(st.lists(st.fixed_dictionaries({"path": st.text(max_size=30),
                                                       "alt": st.text(max_size=30)}),
                                max_size=5), values),
    "schedule": st.one_of(
        st.fixed_dictionaries({"at": st.text(max_size=25)}),
        st.fixed_dictionaries({"cron": st.text(max_size=25), "count": values,
                               "start": st.text(max_size=12)}),
        values),
}
posts = st.fixed_dictionaries({}, optional={k: field_values.get(k, values) for k in top_keys()})


def validate_document(doc: Document | Any) -> None:
    if not isinstance(doc, Document):
        return
    post, _ = parse_post(doc, CONFIG, "p")
    if post is not None:
        checked, _ = check_post(post, CONFIG, NOW, MediaCache(CONFIG))
        list(cross_checks([checked, checked]))


@SETTINGS
@given(posts)
def test_arbitrary_fields_only_produce_diagnostics(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    validate_document(load_bytes(text.encode("utf-8"), "p.yaml"))


@SETTINGS
@given(values)
def test_arbitrary_yaml_documents(data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    validate_document(load_bytes(text.encode("utf-8"), "p.yaml"))


@SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_arbitrary_bytes(raw: bytes) -> None:
    validate_document(load_bytes(raw, "p.yaml"))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=200), min_size=1, max_size=4))
def test_whole_directory_runs(tmp_path: Path, files: list[bytes]) -> None:
    folder = tmp_path / "posts"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for i, raw in enumerate(files):
        (folder / f"{i}.yaml").write_bytes(raw)
    result = validate_paths([folder], CONFIG, NOW)
    assert len(result.files) == len(files)
