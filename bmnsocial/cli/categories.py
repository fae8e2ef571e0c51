from __future__ import annotations

import click

from bmnsocial.categories import CATEGORIES, RULE_NAMES
from bmnsocial.cli.common import echo_json, json_option
from bmnsocial.i18n import _, current


@click.command(help=_("List the 17 BMN categories (rank 1 = most important) and their rules."))
@json_option
def categories(as_json: bool) -> None:
    if as_json:
        echo_json([{"rank": c.rank, "slug": c.slug, "label_es": c.label_es,
                    "label_en": c.label_en, "rules": [r.value for r in c.rules]}
                   for c in CATEGORIES])
        return
    width = max(len(c.slug) for c in CATEGORIES)
    spanish = current() == "es"
    # In Spanish only the seed's own labels; in English each with its translation below.
    heading = _("label") if spanish else "label (es) / label (en)"
    click.echo(f"{'#':>2}  {'slug':<{width}}  {heading}")
    for c in CATEGORIES:
        click.echo(f"{c.rank:>2}  {c.slug:<{width}}  {c.label_es}")
        rules = f"  [{', '.join(_(RULE_NAMES[r]) for r in c.rules)}]" if c.rules else ""
        if spanish:
            if rules:
                click.echo(f"{'':>2}  {'':<{width}}{rules}")
        else:
            click.echo(f"{'':>2}  {'':<{width}}  {c.label_en}{rules}")
