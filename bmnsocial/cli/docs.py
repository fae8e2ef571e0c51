"""docs/cli.md, generated from the commands' own help (scripts/make_cli_docs.py writes it;
tests/test_cli_docs.py checks it is current)."""

from __future__ import annotations

import click

from bmnsocial.cli.exitcodes import DESCRIPTIONS, ExitCode
from bmnsocial.i18n import _

HEADER = """# Command-line reference

Generated from the commands' own `--help` by `python scripts/make_cli_docs.py`; do not edit by
hand. Every command also answers `--help`.
"""


def walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found.extend(walk(sub, [*path, name]))
    return found


def render(root: click.Command) -> str:
    parts = [HEADER]
    for path, command in walk(root, ["bmnsocial"]):
        ctx = click.Context(command, info_name=" ".join(path), terminal_width=80,
                            max_content_width=80, help_option_names=["-h", "--help"])
        parts.append(f"## `{' '.join(path)}`\n")
        parts.append("```\n" + command.get_help(ctx).rstrip() + "\n```\n")
    parts.append("## Exit codes\n")
    parts.append("| code | name | meaning |\n|---|---|---|")
    for code in ExitCode:
        parts.append(f"| {int(code)} | `{code.name}` | {_(DESCRIPTIONS[code])} |")
    parts.append("")
    parts.append("## Shell completion\n")
    parts.append("bmnsocial uses click's completion. For bash, add to `~/.bashrc`:\n\n"
                 "```sh\neval \"$(_BMNSOCIAL_COMPLETE=bash_source bmnsocial)\"\n```\n\n"
                 "zsh: `eval \"$(_BMNSOCIAL_COMPLETE=zsh_source bmnsocial)\"` in `~/.zshrc`; "
                 "fish: `_BMNSOCIAL_COMPLETE=fish_source bmnsocial | source` in "
                 "`~/.config/fish/completions/bmnsocial.fish`. Commands, options and file "
                 "names complete.\n")
    return "\n".join(parts)
