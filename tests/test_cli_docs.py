"""Every command has help, appears in docs/cli.md, and docs/cli.md is current."""

from __future__ import annotations

import os
import subprocess
import sys

from bmnsocial.cli import cli
from bmnsocial.cli.docs import render, walk
from tests.helpers import REPO


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
    code = ("import sys; from bmnsocial.cli import cli; from bmnsocial.cli.docs import render;"
            " sys.stdout.write(render(cli))")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "BMNSOCIAL_LANG": "en"}, check=True).stdout
    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == fresh, "run: python scripts/make_cli_docs.py"
    assert render(cli).count("## `bmnsocial") == fresh.count("## `bmnsocial")
