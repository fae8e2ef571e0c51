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
    assert len(commands) >= 21
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


LISTING = """
import sys
import click
from bmnsocial.i18n import install
install({lang!r})
from bmnsocial.cli.root import COMMANDS, HELP, cli

assert set(HELP) == set(COMMANDS), sorted(set(HELP) ^ set(COMMANDS))
WIDTHS = (40, 60, 80, 120)


def listing(width, format_commands):
    ctx = click.Context(cli, info_name="bmnsocial", terminal_width=width)
    formatter = click.HelpFormatter(width=width)
    format_commands(cli, ctx, formatter)
    return formatter.getvalue()


ours = [listing(width, type(cli).format_commands) for width in WIDTHS]  # from HELP
assert not [m for m in sys.modules if m.startswith("bmnsocial.cli.")
            and m.rpartition(".")[2] not in ("root", "exitcodes")], "the listing imported a command"
clicks = [listing(width, click.Group.format_commands) for width in WIDTHS]  # imports them all
assert ours == clicks, (ours, clicks)
print("SAME", {lang!r}, len(ours[-1].splitlines()))
"""


def test_the_help_listing_without_imports_matches_the_commands_own_help() -> None:
    # `bmnsocial --help` lists the commands with bmnsocial.cli.root.HELP instead of importing
    # them; each entry must be its command's help text (msgid), so the line is the same in
    # both languages. Fresh processes: commands translate their help when imported.
    for lang in ("en", "es"):
        proc = subprocess.run([sys.executable, "-c", LISTING.format(lang=lang)], cwd=REPO,
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "BMNSOCIAL_LANG": lang},
                              preexec_fn=default_signals)
        assert proc.returncode == 0 and f"SAME {lang} 24" in proc.stdout, (
            "bmnsocial.cli.root.HELP must hold each command's own help text:\n"
            + proc.stdout + proc.stderr)
