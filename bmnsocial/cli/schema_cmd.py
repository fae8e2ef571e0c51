"""`bmnsocial schema post|config`: the JSON Schemas editors check YAML against while typing."""

from __future__ import annotations

import json

import click

from bmnsocial.i18n import _


@click.group(name="schema", help=_(
    "JSON Schemas (draft 2020-12) of the post files and of config.yaml, for editors that "
    "check YAML while it is typed (docs/post-format.md, \"Mistakes while typing\")."))
def schema_group() -> None:
    pass


@schema_group.command(name="post", help=_(
    "Print the JSON Schema of a post file, built from the rules 'validate' uses, with "
    "descriptions in both languages (yours first).\n\n"
    "Save it where the posts' first line points: '# yaml-language-server: "
    "$schema=../schemas/post.schema.json'."))
def post_command() -> None:
    from bmnsocial.posts.editor_schema import post_schema

    click.echo(dumps(post_schema()))


@schema_group.command(name="config", help=_(
    "Print the JSON Schema of config.yaml, built from the rules its reader uses, with "
    "descriptions in both languages (yours first)."))
def config_command() -> None:
    from bmnsocial.posts.editor_schema import config_schema

    click.echo(dumps(config_schema()))


def dumps(schema: dict[str, object]) -> str:
    """As committed in schemas/: two-space indents, accents as written."""
    return json.dumps(schema, ensure_ascii=False, indent=2)
