"""Write docs/cli.md from the commands' help: python scripts/make_cli_docs.py"""

from __future__ import annotations

from pathlib import Path

from bmnsocial.cli.docs import render
from bmnsocial.cli.root import cli

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    target.write_text(render(cli), encoding="utf-8")
    print(target)
