from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bmnsocial.cli.common import AppContext, default_paths, echo_json, json_option, pass_app
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.i18n import _
from bmnsocial.render.validation import ValidationResult, validate_paths


def show_previews(app: AppContext, files: list[Path], as_json: bool,
                  html_out: Path | None = None) -> bool:
    """Print what each platform would receive, and when. Touches neither network nor state
    (except the HTML page written to ``html_out``, when given)."""
    result = validate_paths(files, app.config, app.now(), drafts=True,
                            published=app.x_published(), owners=app.owners())
    return print_previews(app, result, as_json, html_out)


def print_previews(app: AppContext, result: ValidationResult, as_json: bool,
                   html_out: Path | None = None, *, platforms: tuple[str, ...] = (),
                   when: datetime | None = None, when_note: str = "") -> bool:
    """``platforms`` keeps only those; ``when`` replaces each post's own schedule (what
    `post --now` or `--at` would do), shown with ``when_note``."""
    from bmnsocial.reports import preview

    config = app.config
    now = app.now()
    order = {name: i for i, name in enumerate(result.files)}
    shown = sorted([*result.posts, *result.drafts], key=lambda c: order.get(c.post.file, 0))
    pinned: dict[str, list[tuple[str, datetime]]] = {}
    if when is None and app.ledger_path.exists():
        from bmnsocial.publish.ledger import pinned_in

        pinned = pinned_in(app.ledger_path)
    slots = preview.SlotView(known=False)
    if when is None and app.ledger_path.exists() and any(c.post.schedule.slot for c in shown):
        from bmnsocial.publish.ledger import slots_in

        seen = slots_in(app.ledger_path)
        if seen is not None:
            slots = preview.SlotView(frozenset(seen[0]), seen[1])
    previews = [preview.build(c, config, now, result.diagnostics, platforms=platforms,
                              when=when, when_note=when_note, slots=slots) for c in shown]
    for p in previews:
        p.pinned.extend(pinned.get(p.checked.post.id, []))
    drawn = {c.post.file for c in shown}
    broken = [d for d in result.errors if d.file not in drawn]
    if html_out is not None:
        from bmnsocial.reports import html_preview

        html_preview.write_page(html_out, html_preview.render_page(previews, config, broken))
    if as_json:
        echo_json({"posts": [preview.to_json(p, config) for p in previews],
                   "errors": [d.to_json() for d in broken]})
    else:
        click.echo("\n\n".join(preview.format_text(p, config) for p in previews))
        for d in broken:
            click.echo(d.format())
        click.echo("\n" + result.summary())
    if html_out is not None:
        click.echo(_("HTML preview written to {file}").format(file=html_out), err=as_json)
    return result.ok


@click.command(name="preview", help=_(
    "Show exactly what each platform would receive, and when (a dry run; default: the posts "
    "folder).\n\n"
    "Exit 1 if any post is invalid (the --html page is written all the same, showing the "
    "errors)."))
@click.argument("files", nargs=-1, type=click.Path(exists=True))
@click.option("--html", "html_out", metavar="OUT.html",
              type=click.Path(dir_okay=False, path_type=Path),
              help=_("Also write one self-contained HTML page with a Facebook and an X mock-up "
                     "of each post (images embedded; it can be mailed), with a table of "
                     "contents by date."))
@json_option
@pass_app
def preview(app: AppContext, files: tuple[str, ...], html_out: Path | None,
            as_json: bool) -> None:
    if not show_previews(app, default_paths(app, files), as_json, html_out):
        raise Exit(ExitCode.INVALID)
