"""The bmnsocial command line: one root group, one module per noun, loaded on demand."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

from bmnsocial import __version__
from bmnsocial.cli.common import AppContext

COMMANDS = {
    "categories": "bmnsocial.cli.categories:categories",
    "config": "bmnsocial.cli.config_cmd:config_group",
    "validate": "bmnsocial.cli.validate:validate",
    "preview": "bmnsocial.cli.preview:preview",
    "post": "bmnsocial.cli.post:post",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        command: click.Command = getattr(import_module(module_name), attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              envvar="BMNSOCIAL_CONFIG", show_envvar=True,
              help="Configuration file (default: ./config.yaml, else the embedded default).")
@click.version_option(__version__, prog_name="bmnsocial")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Plan, check and publish the BMN's Facebook and X posts from YAML files.

    Posts live in posts/ as YAML files, one post each; see docs/post-format.md.
    """
    ctx.obj = AppContext(config_path=config_path)


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="bmnsocial", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
