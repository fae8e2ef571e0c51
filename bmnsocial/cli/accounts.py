from __future__ import annotations

from typing import Any

import click

from bmnsocial.cli.common import AppContext, Exit, echo_json, handle_errors, json_option, pass_app
from bmnsocial.cli.exitcodes import ExitCode


@click.group()
def accounts() -> None:
    """The platform accounts bmnsocial publishes to."""


@accounts.command()
@json_option
@pass_app
@handle_errors
def check(app: AppContext, as_json: bool) -> None:
    """Ask each platform who the credentials belong to; report missing, invalid or expired ones.

    Exit 0 when every configured account answers, 1 otherwise.
    """
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
            entry["problem"] = "missing credentials: " + ", ".join(f"${v}" for v in absent)
        else:
            try:
                who = runtime.adapter(platform).whoami()
                entry.update(ok=True, account={"id": who.id, "name": who.name})
            except AuthError as exc:
                entry["problem"] = f"refused: {exc.message}"
            except PublishError as exc:
                entry["problem"] = f"could not reach {platform}: {exc.message}"
        report.append(entry)
    if as_json:
        echo_json(report)
    else:
        for e in report:
            state = f"OK, {e['account']['name']} ({e['account']['id']})" if e["ok"] else (
                f"PROBLEM: {e['problem']}")
            click.echo(f"{e['platform']:<9} {state}")
    if not all(e["ok"] for e in report):
        raise Exit(ExitCode.INVALID)
