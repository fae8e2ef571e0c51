from __future__ import annotations

import click

from bmnsocial.categories import CATEGORIES
from bmnsocial.cli.common import echo_json, json_option


@click.command()
@json_option
def categories(as_json: bool) -> None:
    """List the 17 BMN categories (rank 1 = most important) and their rules."""
    if as_json:
        echo_json([{"rank": c.rank, "slug": c.slug, "label_es": c.label_es,
                    "label_en": c.label_en, "rules": [r.value for r in c.rules]}
                   for c in CATEGORIES])
        return
    width = max(len(c.slug) for c in CATEGORIES)
    click.echo(f"{'#':>2}  {'slug':<{width}}  label (es) / label (en)")
    for c in CATEGORIES:
        click.echo(f"{c.rank:>2}  {c.slug:<{width}}  {c.label_es}")
        rules = f"  [{', '.join(r.value for r in c.rules)}]" if c.rules else ""
        click.echo(f"{'':>2}  {'':<{width}}  {c.label_en}{rules}")
