from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    import requests

    from bmnsocial.platforms.base import Connect
    from bmnsocial.publish.tokenexpiry import TokenExpiry


@click.group(help=_("The platform accounts bmnsocial publishes to."))
def accounts() -> None:
    pass


@accounts.command(help=_(
    "Ask each platform who the credentials belong to; report missing, invalid or expired "
    "ones, the Facebook Page's tasks and when each token expires.\n\nExit 0 when every "
    "configured account answers and can post, 1 otherwise."))
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
        if platform in config.manual_platforms:  # never called: a person publishes by hand
            entry.update(ok=True, mode="manual")
        elif absent:
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
        if entry["ok"]:
            _token_report(app, platform, entry)
        report.append(entry)
    if as_json:
        echo_json(report)
    else:
        for e in report:
            state = (_("manual mode: published by hand, not checked")
                     if e.get("mode") == "manual" else
                     _("OK, {name} ({id})").format(name=e["account"]["name"],
                                                   id=e["account"]["id"]) if e["ok"]
                     else _("PROBLEM: {problem}").format(problem=e["problem"]))
            click.echo(f"{e['platform']:<9} {state}")
            for line in e.get("details", ()):
                click.echo(f"{'':<9} {line}")
    if not all(e["ok"] for e in report):
        raise Exit(ExitCode.INVALID)


def _token_report(app: AppContext, platform: str, entry: dict[str, Any]) -> None:
    """Add what the platform says of the token (expiry; on Facebook the Page's tasks and the
    posting permission) to ``entry``, keep it for `status`, and fail the entry when the
    account cannot post."""
    from bmnsocial.publish import tokenexpiry
    from bmnsocial.timeutil import describe

    tz = app.config.timezone
    now = app.now()
    ledger = app.runtime.ledger
    details: list[str] = []
    problems: list[str] = []
    expiry: TokenExpiry | None
    from bmnsocial.platforms import registry

    note = registry.get(platform).token_note
    if note is not None:
        expiry = tokenexpiry.TokenExpiry(platform, now, None)
        details.append(_(note))
        entry.update(token_expires_at=None, token_expiry_known=True)
    else:
        expiry, problems = _token_check(app, platform, details)
        entry.update(token_expires_at=expiry.expires_at.isoformat() if expiry and
                     expiry.expires_at else None, token_expiry_known=expiry is not None,
                     data_access_expires_at=expiry.data_access_expires_at.isoformat()
                     if expiry and expiry.data_access_expires_at else None,
                     tasks=list(expiry.tasks) if expiry and expiry.tasks is not None else None)
    if expiry is not None:
        tokenexpiry.record(ledger, expiry)
        judged = tokenexpiry.judge(expiry, now, tz)
        if judged:
            (problems if judged[2] else details).append(judged[1])
    if expiry is not None and expiry.expires_at is not None:
        details.insert(0, _("token expires {when}").format(when=describe(expiry.expires_at, tz)))
    entry["details"] = details
    if problems:
        entry.update(ok=False, problem="; ".join(problems))


def _token_check(app: AppContext, platform: str, details: list[str]) -> tuple[
        TokenExpiry | None, list[str]]:
    """What the platform tells of its token (its ``token_check``: Facebook's debug_token and
    the tasks the last connect recorded)."""
    from bmnsocial.platforms import registry
    from bmnsocial.platforms.base import TokenQuestion
    from bmnsocial.publish import tokenexpiry
    from bmnsocial.timeutil import describe

    check = registry.get(platform).token_check
    if check is None:
        return None, []
    tz = app.config.timezone
    known = tokenexpiry.read(app.runtime.ledger, platform)
    report = check(app.config.account(platform), TokenQuestion(
        app.runtime.credentials(), _session(app), known.tasks if known else None,
        known.checked_at if known else None, app.now(), lambda moment: describe(moment, tz)))
    details.extend(report.details)
    if not report.told:
        return None, list(report.problems)
    return tokenexpiry.TokenExpiry(platform, app.now(), report.expires_at,
                                   report.data_access_expires_at, report.tasks), list(
        report.problems)


def _session(app: AppContext) -> requests.Session:
    from bmnsocial.platforms.http import build_session

    return build_session(timeout=app.config.publish.timeout_seconds,
                         routes=app.runtime.connections.routes(app.config))


# -- connect ------------------------------------------------------------------------------------

@accounts.group(help=_(
    "Get tokens that last and store them in the secrets file (never shown). See "
    "docs/configuration.md, 'Connecting the accounts'."))
def connect() -> None:
    pass


def _read_secret(label: str, sandbox_value: str | None = None) -> str:
    """A secret from the terminal with the typing hidden, or one line of standard input when
    it is not a terminal (a pipe or a file: never the command line, which shell history and
    `ps` keep)."""
    prompt = label if sandbox_value is None else _("{label} (sandbox: Enter for its fake one)"
                                                   ).format(label=label)
    if sys.stdin.isatty():
        value = str(click.prompt(prompt, hide_input=True, default="" if sandbox_value else None,
                                 show_default=False))
    else:
        click.echo(f"{prompt}: ", nl=False, err=True)
        value = sys.stdin.readline().strip()
        click.echo(err=True)
    value = value.strip() or (sandbox_value or "")
    if not value:
        raise UsageError(_("nothing was entered for: {what}").format(what=label))
    return value


def _read_visible(label: str) -> str:
    if sys.stdin.isatty():
        return str(click.prompt(label)).strip()
    click.echo(f"{label}: ", nl=False, err=True)
    value = sys.stdin.readline().strip()
    click.echo(err=True)
    if not value:
        raise UsageError(_("nothing was entered for: {what}").format(what=label))
    return value


def _secrets_target(app: AppContext) -> Path:
    if app.sandbox:  # fake tokens never go into the real secrets file
        return app.runtime.state_dir / "secrets.env"
    if app.config.secrets_file is None:
        raise UsageError(_(
            "config.yaml has no secrets_file: add one, e.g. 'secrets_file: "
            "/etc/bmnsocial/secrets.env', so the token can be stored (docs/configuration.md)."))
    return app.config.secrets_file


def _store(app: AppContext, target: Path, values: dict[str, str]) -> None:
    import os

    from bmnsocial.secrets import write_secrets_file

    write_secrets_file(target, values)
    click.echo(_("Stored in {file} (mode 600): {names}.").format(
        file=target, names=", ".join(f"${n}" for n in values)))
    shadowed = [n for n in values if os.environ.get(n)] if not app.sandbox else []
    if shadowed:
        click.echo(_("Note: {names} also set in the environment, which wins over the secrets "
                     "file: remove it there (e.g. the systemd unit's Environment=).").format(
                         names=", ".join(f"${n}" for n in shadowed)))


class _Dialogue:
    """The terminal side of a platform's connect flow (``platforms.base.Dialogue``)."""

    def __init__(self, app: AppContext, platform: str,
                 options: Mapping[str, str | None]) -> None:
        self.app = app
        self.platform = platform
        self.options = options
        self.sandbox = app.sandbox
        self.session = _session(app)

    def now(self) -> datetime:
        return self.app.now()

    def describe(self, moment: datetime) -> str:
        from bmnsocial.timeutil import describe

        return describe(moment, self.app.config.timezone)

    def secret(self, label: str, sandbox_value: str | None = None) -> str:
        return _read_secret(label, sandbox_value)

    def visible(self, label: str) -> str:
        return _read_visible(label)

    def say(self, text: str) -> None:
        click.echo(text)

    def fake(self) -> dict[str, str]:
        if not self.sandbox:
            return {}
        from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS

        return dict(SANDBOX_CREDENTIALS.get(self.platform, {}))

    def known(self, names: Sequence[str]) -> Mapping[str, str]:
        from bmnsocial import secrets

        config = self.app.config
        stored = config.secrets_file if config.secrets_file and config.secrets_file.exists() \
            else None
        return (self.app.runtime.credentials() if self.sandbox else
                secrets.resolve(list(names), None, stored))

    def address(self, url: str) -> str:
        return _local_address(self.app, url)


def _connect_command(platform: str, flow: Connect) -> click.Command:
    def run(app: AppContext, /, **options: str | None) -> None:
        from bmnsocial.platforms import registry
        from bmnsocial.publish import tokenexpiry

        account = app.config.account(platform)
        if account is None:
            raise UsageError(_("config.yaml has no accounts.{platform} section.").format(
                platform=platform))
        target = _secrets_target(app)  # before anything is asked or sent
        got = registry.get(platform).connect
        assert got is not None
        connected = got.run(account, _Dialogue(app, platform, options))
        _store(app, target, connected.stored)
        tokenexpiry.record(app.runtime.ledger, tokenexpiry.TokenExpiry(
            platform, app.now(), connected.expires_at, connected.data_access_expires_at,
            connected.tasks))
        for line in connected.said:
            click.echo(line)

    command = pass_app(run)
    for option in flow.options:
        command = click.option(option.flag, metavar=option.metavar, help=_(option.help))(command)
    return click.command(name=platform, help=_(flow.help))(command)


def _add_connect_commands() -> None:
    """One `accounts connect <platform>` per platform that has a connect flow."""
    from bmnsocial.platforms import registry

    for name in registry.names():
        flow = registry.get(name).connect
        if flow is not None:
            connect.add_command(_connect_command(name, flow))


_add_connect_commands()


def _local_address(app: AppContext, url: str) -> str:
    """In the sandbox, the fake's own authorisation page (reachable while this command
    waits); otherwise X's address as it is."""
    if not app.sandbox:
        return url
    for origin, local in (app.runtime.connections.routes(app.config) or {}).items():
        if url.startswith(origin.rstrip("/") + "/"):
            return local.rstrip("/") + url[len(origin.rstrip("/")):]
    return url
