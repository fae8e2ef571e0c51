from __future__ import annotations

import click

from bmnsocial.cli.common import (
    AppContext,
    default_paths,
    echo_json,
    pass_app,
    progress_bar,
)
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.diagnostics import sort_key
from bmnsocial.i18n import _
from bmnsocial.render.validation import forbidden_draft, validate_paths


@click.command(help=_(
    "Check post files (default: the posts folder) and report every problem.\n\n"
    "Each problem is printed as FILE:LINE:COL: error[CODE]: message. Exit 0 when every post "
    "is valid (warnings allowed), 1 when any post is invalid, 2 on usage or config errors."))
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help=_("Output format."))
@click.option("--json", "as_json", is_flag=True, help=_("Same as --format json."))
@click.option("--changed-since", "changed_ref", metavar="REF",
              help=_("For review away from the server (no ledger): a past time is an error only "
                     "in post files added or changed since this git revision (e.g. "
                     "origin/main)."))
@pass_app
def validate(app: AppContext, paths: tuple[str, ...], fmt: str, as_json: bool,
             changed_ref: str | None) -> None:
    from bmnsocial.cli.exitcodes import skip_teardown
    from bmnsocial.render.review import changed_since, judge_past_times

    config = app.config
    changed = changed_since(changed_ref) if changed_ref else None
    with progress_bar(_("Validating")) as step:
        result = validate_paths(default_paths(app, paths), config, app.now(), step,
                                published=app.x_published(), owners=app.owners())
    skip_teardown(result)
    known = app.known_posts()
    result.forgive_history(known)
    judge_past_times(result, config, app.now(), has_ledger=app.ledger_path.exists(),
                     changed=changed)
    if known:  # what sync would refuse as a renamed published post, said here first
        from bmnsocial.publish.ledger import published_rows_in
        from bmnsocial.schedule.sync import refused_as_renamed

        result.diagnostics.extend(refused_as_renamed(
            lambda: published_rows_in(app.ledger_path), result.posts, known, app.now(),
            whole_folder=not paths))
        result.diagnostics.sort(key=sort_key)
    if config.review.forbid_drafts:  # the posts repository's review: drafts are not merged
        result.diagnostics = [forbidden_draft(d) if d.code == "POST-DRAFT" else d
                              for d in result.diagnostics]
    if fmt == "json" or as_json:
        echo_json([d.to_json() for d in result.diagnostics])
    else:
        for d in result.diagnostics:
            click.echo(d.format())
        click.echo(result.summary())
    if not result.ok:
        raise Exit(ExitCode.INVALID)
