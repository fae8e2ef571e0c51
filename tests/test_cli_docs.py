"""Every command has help, appears in docs/cli.md, and docs/cli.md is current; every
diagnostic code is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from bmnsocial.cli.docs import render, walk
from bmnsocial.cli.root import cli
from tests.helpers import REPO, default_signals


def test_every_command_has_help_and_is_documented() -> None:
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = walk(cli, ["bmnsocial"])
    assert len(commands) >= 20
    for path, command in commands:
        assert (command.help or "").strip(), f"{' '.join(path)} has no help"
        assert f"## `{' '.join(path)}`" in doc, f"{' '.join(path)} missing from docs/cli.md"


def test_docs_cli_md_is_generated_from_the_current_help() -> None:
    # In a fresh process: click caches each command's help option after first use, so the
    # commands other tests ran on their own would render differently here.
    code = ("import sys; from bmnsocial.cli.root import cli; from bmnsocial.cli.docs import render;"
            " sys.stdout.write(render(cli))")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "BMNSOCIAL_LANG": "en"}, check=True,
                           preexec_fn=default_signals).stdout
    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == fresh, "run: python scripts/make_cli_docs.py"
    assert render(cli).count("## `bmnsocial") == fresh.count("## `bmnsocial")


def test_every_diagnostic_code_is_documented_in_english_and_spanish() -> None:
    codes = set()
    for source in (REPO / "bmnsocial").rglob("*.py"):
        if "sandbox" not in source.parts:  # the fakes' own codes are the platforms'
            codes.update(re.findall(r'"([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)"', source.read_text()))
    english = "".join((REPO / "docs" / name).read_text(encoding="utf-8")
                      for name in ("post-format.md", "configuration.md"))  # CONFIG-* there
    spanish = (REPO / "docs" / "es" / "codigos-de-error.md").read_text(encoding="utf-8")
    assert len(codes) > 60
    assert sorted(c for c in codes if f"| `{c}` |" not in english) == []
    assert sorted(c for c in codes if f"\n### {c}\n" not in spanish) == []
