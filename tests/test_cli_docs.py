"""Every command has help, appears in docs/cli.md, and docs/cli.md is current."""

from __future__ import annotations

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
    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == render(cli), "run: python scripts/make_cli_docs.py"
