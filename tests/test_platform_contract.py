"""The platform contract: a platform declared only in the test tree (tests/dummy_platform/)
goes through every stage by its module alone, and the sample config reaches Telegram."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.root import cli
from bmnsocial.platforms import registry
from tests.dummy_platform.fake import TOKEN, FakeDummy
from tests.helpers import REPO, default_signals


@pytest.fixture
def dummy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDummy]:
    registry.register("dummy", "tests.dummy_platform.platform")
    with FakeDummy("bmn") as fake:
        root = tmp_path / "ws"
        (root / "posts" / "media").mkdir(parents=True)
        (root / "config.yaml").write_text(
            "version: 1\ntimezone: America/Havana\naccounts:\n  dummy:\n    handle: bmn\n"
            f"    token_env: DUMMY_TOKEN\n    api_base_url: {fake.base_url}\n"
            "defaults:\n  platforms: [dummy]\n  hashtags: [BMNCuba]\n", encoding="utf-8")
        (root / "posts" / "aviso.yaml").write_text(
            "category: 9\ntext: La sala de lectura abre a las 8:30.\n", encoding="utf-8")
        (root / "posts" / "charla.yaml").write_text(
            "category: 9\ntext: Charla sobre búsqueda de evidencia.\n"
            "dummy:\n  text: Charla (versión para Mastodummy).\n", encoding="utf-8")
        monkeypatch.chdir(root)
        monkeypatch.setenv("DUMMY_TOKEN", TOKEN)
        monkeypatch.delenv("BMNSOCIAL_NOW", raising=False)
        try:
            yield fake
        finally:
            registry.unregister("dummy")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def test_a_platform_from_the_test_tree_goes_through_every_stage(dummy: FakeDummy) -> None:
    code, out = run("validate")
    assert code == 0 and "2 valid" in out, out
    code, out = run("preview", "posts/charla.yaml")
    assert code == 0 and "── Mastodummy ──" in out and "versión para Mastodummy" in out, out
    code, out = run("preview", "--json", "posts/aviso.yaml")
    (post,) = json.loads(out)["posts"]
    (rendered,) = post["platforms"]
    assert rendered["platform"] == "dummy"
    assert rendered["parts"][0]["text"].endswith("#BMNCuba")
    code, out = run("preview", "--html", "page.html", "posts/aviso.yaml")
    page = Path("page.html").read_text(encoding="utf-8")
    assert code == 0 and 'data-platform="dummy"' in page and "Mastodummy" in page

    later = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    code, out = run("post", "posts/charla.yaml", "--at", later.isoformat(), "--yes")
    assert code == 0, out
    [queued] = json.loads(run("queue", "--json")[1])
    assert (queued["post_id"], queued["platform"]) == ("charla", "dummy")

    code, out = run("post", "posts/aviso.yaml", "--now", "--yes")
    assert code == 0 and "https://dummy.example/@bmn/1" in out, out
    assert [p["text"] for p in dummy.posts] == [
        "La sala de lectura abre a las 8:30.\n\n#BMNCuba"]
    history = json.loads(run("history", "--json")[1])
    assert [(h["platform"], h["url"]) for h in history if h["post_id"] == "aviso"] == [
        ("dummy", "https://dummy.example/@bmn/1")]

    code, out = run("calendar", "--week", "--no-color")
    assert code == 0 and "md = Mastodummy" in out, out
    code, out = run("report", "mix", "--since", "2020-01-01")
    assert code == 0, out
    assert registry.get("dummy").url_matches("https://dummy.example/@bmn/1")
    assert not registry.get("dummy").url_matches("https://x.com/bmn/status/1")


def test_an_unregistered_platform_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("accounts:\n  dummy:\n    handle: bmn\n", encoding="utf-8")
    code, out = run("--config", str(path), "config", "check")
    assert code == 2 and "dummy" in out and "SCHEMA-UNKNOWN-KEY" in out, out


def test_the_sample_config_publishes_to_telegram_on_the_sandbox(tmp_path: Path) -> None:
    """The README's first Quick-start command, in a fresh HOME: the Telegram URLs too."""
    env = {**os.environ, "HOME": str(tmp_path), "BMNSOCIAL_LANG": "en"}
    for name in ("BMNSOCIAL_HOME", "BMNSOCIAL_NOW", "BMNSOCIAL_CONFIG"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "bmnsocial", "--sandbox", "post", "posts/",
                           "--now", "--yes"], cwd=REPO, env=env, capture_output=True,
                          text=True, check=False, timeout=600, preexec_fn=default_signals)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "telegram  pregunta-lecturas: published https://t.me/bmn_cuba/" in done.stdout
    shown = subprocess.run([sys.executable, "-m", "bmnsocial", "sandbox", "show", "--json"],
                           cwd=REPO, env=env, capture_output=True, text=True, check=False,
                           timeout=600, preexec_fn=default_signals)
    assert {i["platform"] for i in json.loads(shown.stdout)} == {
        "facebook", "twitter", "telegram"}


def test_a_capability_is_found_by_declaring_it(dummy: FakeDummy) -> None:
    """The core asks the registry what a platform does, never its name: the same text twice
    is nothing to a dummy without ``duplicate_window``, an error once it declares one."""
    Path("posts/otra.yaml").write_text(
        "category: 9\ntext: La sala de lectura abre a las 8:30.\n", encoding="utf-8")
    code, out = run("validate")
    assert code == 0 and "X-DUPLICATE" not in out, out
    registry.register("dummy", "tests.dummy_platform.repeats")
    code, out = run("validate")
    assert code == 1 and "X-DUPLICATE" in out, out
    assert registry.having("duplicate_window") == ("twitter", "dummy")
    assert registry.having("pricing") == ("twitter",)
    assert registry.capability("dummy", "pricing") is None
