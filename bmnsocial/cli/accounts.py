from __future__ import annotations

from typing import Any

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.i18n import _


@click.group(help=_("The platform accounts bmnsocial publishes to."))
def accounts() -> None:
    pass


@accounts.command(help=_(
    "Ask each platform who the credentials belong to; report missing, invalid or expired "
    "ones.\n\nExit 0 when every configured account answers, 1 otherwise."))
@json_option
@pass_app
def check(app: AppContext, as_json: bool) -> None:
    from bmnsocial.config import missing_credentials
    from bmnsocial.platforms.base import AuthError, PublishError

    config = app.config
    runtime = app.runtime
    missing = [] if app.sandbox else missing_credentials(config)
    report: list[dict[str, Any]] = []
    for platform in config.platforms_configured:
        absent = [c.env_var for c in missing if c.platform == platform]
        entry: dict[str, Any] = {"platform": platform, "ok": False, "account": None,
                                 "problem": None}
        if absent:
            entry["problem"] = _("missing credentials: {names}").format(
                names=", ".join(f"${v}" for v in absent))
        else:
            try:
                who = runtime.adapter(platform).whoami()
                entry.update(ok=True, account={"id": who.id, "name": who.name})
            except AuthError as exc:
                entry["problem"] = _("refused: {error}").format(error=exc.message)
            except PublishError as exc:
                entry["problem"] = _("could not reach {platform}: {error}").format(
                    platform=platform, error=exc.message)
        report.append(entry)
    if as_json:
        echo_json(report)
    else:
        for e in report:
            state = (_("OK, {name} ({id})").format(name=e["account"]["name"],
                                                   id=e["account"]["id"]) if e["ok"]
                     else _("PROBLEM: {problem}").format(problem=e["problem"]))
            click.echo(f"{e['platform']:<9} {state}")
    if not all(e["ok"] for e in report):
        raise Exit(ExitCode.INVALID)
