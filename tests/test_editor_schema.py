"""`bmnsocial schema post|config`: the editors' JSON Schemas follow validation's own tables,
accept every sample, refuse what validation refuses where a schema can say it, and the
committed schemas/ files are the commands' output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bmnsocial import config as config_module
from bmnsocial.accounts import SHARED_KEYS
from bmnsocial.config import SECTION_KEYS, Config, load_config
from bmnsocial.errors import ConfigError
from bmnsocial.i18n import install
from bmnsocial.platforms import registry
from bmnsocial.posts import model
from bmnsocial.posts.editor_schema import config_schema, post_schema
from bmnsocial.render.validation import validate_paths
from bmnsocial.yamlsafe import load_bytes, load_file
from tests.helpers import NOW, REPO, default_signals

POST = jsonschema.Draft202012Validator(post_schema())
CONFIG = jsonschema.Draft202012Validator(config_schema())
SCHEMA_LINE = "# yaml-language-server: $schema="


def _data(text: str) -> Any:
    doc = load_bytes(text.encode("utf-8"), "case.yaml")
    assert not hasattr(doc, "code"), doc
    return doc.data  # type: ignore[union-attr]


def _validation_errors(tmp_path: Path, config: Config, text: str) -> list[str]:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return [d.code for d in validate_paths([path], config, NOW).errors]


@pytest.fixture(scope="module")
def repo_config() -> Config:
    return load_config(REPO / "config.yaml")


def test_both_schemas_are_draft_2020_12() -> None:
    for schema in (post_schema(), config_schema()):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_post_key_validation_accepts_has_a_schema_entry_in_both_languages() -> None:
    props = post_schema()["properties"]
    nested = {"schedule": model.SCHEDULE_KEYS, "event": model.EVENT_KEYS,
              "recycle": model.RECYCLE_KEYS}
    assert sorted(set(model.top_keys()) - set(props)) == []
    for key in model.top_keys():
        assert props[key].get("description"), key
        assert "\n\n" in props[key]["description"], f"{key}: one language only"
    for section, keys in nested.items():
        assert sorted(props[section]["properties"]) == sorted(keys)
        for key in keys:
            assert f"{section}.{key}" in model.KEY_HELP, f"{section}.{key} has no description"
    media = props["media"]["anyOf"][0]["anyOf"][1]["properties"]
    assert sorted(media) == sorted(model.MEDIA_KEYS)
    assert all(f"media.{k}" in model.KEY_HELP for k in model.MEDIA_KEYS)
    for name in registry.names():
        section = props[name]["properties"]
        assert sorted(section) == sorted((*registry.get(name).post_keys, *model.SECTION_KEYS))
        assert all(section[k].get("description") for k in section), name


def test_every_config_key_validation_accepts_has_a_schema_entry() -> None:
    props = config_schema()["properties"]
    assert list(props) == list(config_module._TOP_KEYS)
    for key in config_module._TOP_KEYS:
        assert key in config_module.KEY_HELP, f"{key} has no description"
    for section, keys in SECTION_KEYS.items():
        assert sorted(props[section]["properties"]) == sorted(keys)
        for key in keys:
            assert f"{section}.{key}" in config_module.KEY_HELP, f"{section}.{key}"
    for name in registry.names():
        account = props["accounts"]["properties"][name]["properties"]
        assert sorted(account) == sorted((*SHARED_KEYS, *registry.get(name).account.keys))
        assert [k for k, v in account.items() if "\n\n" not in v.get("description", "")] == [], name


def test_every_config_section_is_in_the_key_tables(tmp_path: Path) -> None:
    # A section validation reads as a mapping must list its keys in SECTION_KEYS (or be one
    # whose keys are the platforms or the weekdays), or the schema could not say them.
    for key in config_module._TOP_KEYS:
        path = tmp_path / "config.yaml"
        path.write_text(f"version: 1\n{key}: {{probe: 1}}\n", encoding="utf-8")
        try:
            load_config(path, environ={})
        except ConfigError as exc:
            if any(d.code == "SCHEMA-TYPE" for d in exc.diagnostics):
                continue  # not a mapping
        assert key in (*SECTION_KEYS, "accounts", "slots", "version"), key


SAMPLES = sorted((REPO / "posts").glob("*.yaml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_post_passes_the_schema_and_validate(path: Path,
                                                          repo_config: Config) -> None:
    assert path.read_text(encoding="utf-8").startswith(
        SCHEMA_LINE + "../schemas/post.schema.json\n")
    assert [e.message for e in POST.iter_errors(load_file(path).data)] == []  # type: ignore[union-attr]
    assert validate_paths([path], repo_config, NOW).errors == []


def test_the_config_passes_its_schema() -> None:
    for path in (REPO / "config.yaml", REPO / "bmnsocial" / "data" / "config.default.yaml"):
        data = load_file(path).data  # type: ignore[union-attr]
        assert [e.message for e in CONFIG.iter_errors(data)] == [], path
    assert (REPO / "config.yaml").read_text(encoding="utf-8").startswith(
        SCHEMA_LINE + "schemas/config.schema.json\n")


BASE = "category: colecciones\ntext: Nuestra colección histórica.\n"
REFUSED_POSTS = {
    "unknown key": BASE + "titulo: Hola\n",
    "no category": "text: Hola\n",
    "unknown category": "category: noticias\ntext: Hola\n",
    "rank out of range": "category: 18\ntext: Hola\n",
    "id with accents": BASE + "id: canción\n",
    "link not a web address": BASE + "link: www.sld.cu\n",
    "hashtag with a space": BASE + "hashtags: [Salud Pública]\n",
    "unknown platform": BASE + "platforms: [instagram]\n",
    "no platform": BASE + "platforms: []\n",
    "at and cron": BASE + "schedule:\n  at: 2027-01-14 09:30\n  cron: '0 9 * * mon'\n",
    "no kind": BASE + "schedule:\n  misfire: skip\n",
    "every and slot": BASE + "schedule:\n  every: lunes a las 09:00\n  slot: next\n",
    "start without a series": BASE + "schedule:\n  at: 2027-01-14 09:30\n  start: 2027-01-01\n",
    "draft not true or false": BASE + "draft: quizás\n",
    "recycle without every_days": BASE + "schedule: {slot: next}\nrecycle: {until: 2027-12-31}\n",
    "recycle every 0 days": BASE + "schedule: {slot: next}\nrecycle: {every_days: 0}\n",
    "blank first comment": BASE + "first_comment: '  '\n",
    "default_hashtags not true or false": BASE + "facebook:\n  default_hashtags: nunca\n",
    "date without time": BASE + "schedule:\n  at: 2027-01-14\n",
    "not a date": BASE + "schedule:\n  at: mañana\n",
    "count without start": BASE + "schedule:\n  cron: '0 9 * * mon'\n  count: 3\n",
    "count and until": BASE + ("schedule:\n  cron: '0 9 * * mon'\n  start: 2027-01-01\n"
                               "  count: 3\n  until: 2027-03-01\n"),
    "count zero": BASE + "schedule:\n  cron: '0 9 * * mon'\n  start: 2027-01-01\n  count: 0\n",
    "start with at": BASE + "schedule:\n  at: 2027-01-14 09:30\n  start: 2027-01-01\n",
    "slot later": BASE + "schedule:\n  slot: later\n",
    "misfire unknown": BASE + "schedule:\n  at: 2027-01-14 09:30\n  misfire: wait\n",
    "event starts wrong": BASE + "event:\n  starts: el jueves\n",
    "event unknown key": BASE + "event:\n  lugar: Vedado\n",
    "consent yes": BASE + "consent: si\n",
    "version 2": BASE + "version: 2\n",
    "media without path": BASE + "media:\n  - alt: Un libro antiguo\n",
    "media unknown key": BASE + "media:\n  - path: a.jpg\n    texto: Un libro\n",
    "text and thread": BASE + "twitter:\n  text: Hola\n  thread: [Uno, Dos]\n",
    "twitter and x": BASE + "twitter:\n  text: Hola\nx:\n  text: Hola\n",
    "facebook thread": BASE + "facebook:\n  thread: [Uno, Dos]\n",
    "links unknown": BASE + "twitter:\n  links: hide\n",
    "event without its start": "category: 1\ntext: Jornada\n",
    "stream without its url": ("category: transmisiones-en-vivo\ntext: En vivo\n"
                               "event:\n  starts: 2027-01-21 09:00\n"),
    "public policy without approval": "category: politica-publica\ntext: Defendamos\n",
    "empty text": "category: colecciones\ntext: '  '\n",
}


@pytest.mark.parametrize("text", REFUSED_POSTS.values(), ids=REFUSED_POSTS.keys())
def test_the_schema_refuses_what_validation_refuses(text: str, tmp_path: Path,
                                                     repo_config: Config) -> None:
    assert _validation_errors(tmp_path, repo_config, text) != []
    assert list(POST.iter_errors(_data(text))) != []


ACCEPTED_POSTS = {
    "rank as a number": "category: 4\ntext: Libros\n",
    "rank as text": "category: '4'\ntext: Libros\n",
    "number as text": "category: colecciones\ntext: 2027\nid: 2027\n",
    "one hashtag": BASE + "hashtags: '#SaludCuba'\n",
    "x alias and X": BASE + "platforms: [X, facebook]\nx:\n  thread: [Uno, Dos]\n",
    "cron series": BASE + ("schedule:\n  cron: '0 9 * * mon'\n  start: 2027-01-01\n"
                           "  until: 2027-03-01 18:00\n  misfire: next_slot\n"),
    "offset": BASE + "schedule:\n  at: 2027-01-14T09:30-05:00\n",
    "next slot": BASE + "schedule:\n  slot: next\n",
}


@pytest.mark.parametrize("text", ACCEPTED_POSTS.values(), ids=ACCEPTED_POSTS.keys())
def test_the_schema_accepts_what_validation_accepts(text: str, tmp_path: Path,
                                                     repo_config: Config) -> None:
    assert _validation_errors(tmp_path, repo_config, text) == []
    assert [e.message for e in POST.iter_errors(_data(text))] == []


def _integer_bounds() -> list[tuple[str, str, int, int]]:
    found = []
    props = config_schema()["properties"]
    for section in SECTION_KEYS:
        for key, schema in props[section]["properties"].items():
            if schema.get("type") == "integer":
                found.append((section, key, schema["minimum"], schema["maximum"]))
    found.append(("", "horizon_days", props["horizon_days"]["minimum"],
                  props["horizon_days"]["maximum"]))
    return found


@pytest.mark.parametrize(("section", "key", "low", "high"), _integer_bounds(),
                         ids=lambda v: str(v))
def test_config_bounds_are_validations_own(section: str, key: str, low: int, high: int,
                                           tmp_path: Path) -> None:
    def valid(value: int) -> bool:
        path = tmp_path / "config.yaml"
        line = f"{section}:\n  {key}: {value}\n" if section else f"{key}: {value}\n"
        path.write_text("version: 1\n" + line, encoding="utf-8")
        try:
            load_config(path)
        except ConfigError:
            return False
        return True

    assert valid(low) and valid(high)
    assert not valid(low - 1) and not valid(high + 1)


REFUSED_CONFIGS = {
    "unknown key": "version: 1\nzona: America/Havana\n",
    "misfire": "version: 1\ndaemon:\n  misfire: wait\n",
    "slot time": "version: 1\nslots:\n  monday: ['9am']\n",
    "weekday": "version: 1\nslots:\n  lunes: ['09:00']\n",
    "account key": "version: 1\naccounts:\n  facebook:\n    page_id: '1'\n    pagina: x\n",
    "account required": "version: 1\naccounts:\n  telegram:\n    token_env: T\n",
    "account mode": "version: 1\naccounts:\n  facebook:\n    page_id: '1'\n    mode: auto\n",
    "alt text": "version: 1\ndefaults:\n  require_alt_text: si\n",
    "metrics": "version: 1\nmetrics:\n  after_hours: [0]\n",
}


@pytest.mark.parametrize("text", REFUSED_CONFIGS.values(), ids=REFUSED_CONFIGS.keys())
def test_the_config_schema_refuses_what_the_config_reader_refuses(text: str,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)
    assert list(CONFIG.iter_errors(_data(text))) != []


def test_descriptions_come_in_the_readers_language_first() -> None:
    try:
        install("es")
        spanish = post_schema()["properties"]["text"]["description"]
    finally:
        install("en")
    english = post_schema()["properties"]["text"]["description"]
    assert spanish.split("\n\n") == english.split("\n\n")[::-1]
    assert spanish.startswith("Lo que dice")


@pytest.mark.parametrize("which", ["post", "config"])
def test_the_committed_schema_is_the_commands_output(which: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "bmnsocial", "--lang", "es", "schema", which],
                          capture_output=True, text=True, check=True, cwd=REPO,
                          env={**os.environ, "BMNSOCIAL_LANG": "es"},
                          preexec_fn=default_signals)
    committed = (REPO / "schemas" / f"{which}.schema.json").read_text(encoding="utf-8")
    assert committed == proc.stdout, (
        f"run: bmnsocial --lang es schema {which} > schemas/{which}.schema.json")
    assert json.loads(committed)["$schema"].endswith("2020-12/schema")


def test_vscode_maps_the_posts_and_the_config_to_their_schemas() -> None:
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapped = settings["yaml.schemas"]
    assert mapped["./schemas/post.schema.json"].startswith("posts/")
    assert mapped["./schemas/config.schema.json"] == "config.yaml"
    assert all((REPO / path).is_file() for path in mapped)
