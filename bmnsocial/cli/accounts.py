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
    import requests

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
        expiry, problems = _facebook_token(app, details)
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


def _facebook_token(app: AppContext, details: list[str]) -> tuple[TokenExpiry | None,
                                                                   list[str]]:
    from bmnsocial.platforms.connect import CREATE_CONTENT, POSTING_PERMISSION, token_info
    from bmnsocial.publish import tokenexpiry
    from bmnsocial.timeutil import describe

    config = app.config
    assert config.facebook is not None
    tz = config.timezone
    token = app.runtime.credentials()[config.facebook.token_env]
    info = token_info(_session(app), version=config.facebook.api_version, token=token,
                      inspector=token)
    known = tokenexpiry.read(app.runtime.ledger, "facebook")
    tasks = known.tasks if known else None
    problems: list[str] = []
    if tasks is None:
        details.append(_("tasks on the Page: unknown (run 'bmnsocial accounts connect "
                         "facebook' to read them)"))
    else:
        details.append(_("tasks on the Page: {tasks} (as of {when})").format(
            tasks=", ".join(tasks) or "-", when=describe(known.checked_at, tz)
            if known else "-"))
        if CREATE_CONTENT not in tasks:
            problems.append(_("the person who connected the Page may not create content on it "
                              "(no CREATE_CONTENT task): ask an admin for 'Content' access, "
                              "then run 'bmnsocial accounts connect facebook'"))
    if info is None:
        details.append(_("token expiry: Facebook did not say"))
        return None, problems
    if not info.valid:
        problems.append(_("Facebook says the token is no longer valid: run 'bmnsocial accounts "
                          "connect facebook'"))
    if info.scopes and POSTING_PERMISSION not in info.scopes:
        problems.append(_("the token lacks the {permission} permission: Facebook refuses every "
                          "post. Run 'bmnsocial accounts connect facebook' with a user token "
                          "that has it").format(permission=POSTING_PERMISSION))
    if info.expires_at is None:
        details.append(_("token: does not expire"))
    if info.data_access_expires_at is not None:
        details.append(_("data access until {when}").format(
            when=describe(info.data_access_expires_at, tz)))
    return tokenexpiry.TokenExpiry("facebook", app.now(), info.expires_at,
                                   info.data_access_expires_at, tasks), problems


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


@connect.command(name="facebook", help=_(
    "Exchange a short-lived user token from the Graph API Explorer for the Page's token, "
    "which does not expire, and store it in the secrets file.\n\nThe user token and the app "
    "secret are asked with the typing hidden, or read one per line from standard input when "
    "it is not a terminal (first the user token, then the app secret); never pass them as "
    "arguments."))
@click.option("--app-id", metavar="ID", help=_("The Meta app's id (asked when not given)."))
@pass_app
def connect_facebook(app: AppContext, app_id: str | None) -> None:
    from bmnsocial.platforms import connect as flows
    from bmnsocial.publish import tokenexpiry
    from bmnsocial.timeutil import describe

    config = app.config
    if config.facebook is None:
        raise UsageError(_("config.yaml has no accounts.facebook section."))
    target = _secrets_target(app)  # before anything is asked or sent
    fake = _sandbox_facebook() if app.sandbox else None
    if not app_id:
        app_id = (fake or {}).get("app_id") or _read_visible(_("Meta app id"))
    user_token = _read_secret(_("Short-lived user token (Graph API Explorer)"),
                              (fake or {}).get("user_access_token"))
    app_secret = _read_secret(_("App secret"), (fake or {}).get("app_secret"))
    grant = flows.connect_facebook(_session(app), version=config.facebook.api_version,
                                   page_id=config.facebook.page_id, app_id=app_id,
                                   app_secret=app_secret, user_token=user_token)
    stored = {config.facebook.token_env: grant.token}
    if config.facebook.app_secret_env:
        # The secret the exchange just proved right is the one every Graph call's
        # appsecret_proof needs (accounts.facebook.app_secret_env).
        stored[config.facebook.app_secret_env] = app_secret
    _store(app, target, stored)
    info = grant.info
    expiry = tokenexpiry.TokenExpiry("facebook", app.now(), info.expires_at if info else None,
                                     info.data_access_expires_at if info else None, grant.tasks)
    tokenexpiry.record(app.runtime.ledger, expiry)
    tz = config.timezone
    click.echo(_("Connected the Page {name} ({id}); your tasks: {tasks}.").format(
        name=grant.page_name, id=grant.page_id, tasks=", ".join(grant.tasks)))
    if info is None:
        click.echo(_("Facebook did not say when the token expires."))
    elif info.expires_at is None:
        click.echo(_("The Page token does not expire."))
    else:
        click.echo(_("The Page token expires {when}.").format(when=describe(info.expires_at, tz)))


def _sandbox_facebook() -> dict[str, str]:
    from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS

    return dict(SANDBOX_CREDENTIALS["facebook"])


@connect.command(name="twitter", help=_(
    "Run X's PIN authorisation for the configured account and store its access token and "
    "secret in the secrets file.\n\nOpen the address shown while logged in to X as the BMN "
    "account, authorise the app, and type the PIN X shows. The API key and secret are taken "
    "from the environment or the secrets file, else asked with the typing hidden (or read one "
    "per line from standard input when it is not a terminal)."))
@pass_app
def connect_twitter(app: AppContext) -> None:
    from bmnsocial import secrets
    from bmnsocial.platforms import connect as flows
    from bmnsocial.publish import tokenexpiry

    config = app.config
    account = config.twitter
    if account is None:
        raise UsageError(_("config.yaml has no accounts.twitter section."))
    target = _secrets_target(app)  # before anything is asked or sent
    names = (account.consumer_key_env, account.consumer_secret_env)
    stored = config.secrets_file if config.secrets_file and config.secrets_file.exists() else None
    known = (app.runtime.credentials() if app.sandbox else
             secrets.resolve(list(names), None, stored))
    new_keys = {n: _read_secret(_("API key (consumer key)") if n == names[0] else
                                _("API key secret (consumer secret)"))
                for n in names if not known.get(n)}
    key, secret = (new_keys.get(n) or known[n] for n in names)
    session = _session(app)
    request = flows.request_pin(session, consumer_key=key, consumer_secret=secret)
    click.echo(_("Open this address while logged in to X as @{user}, authorise the app, and "
                 "type the PIN it shows:").format(user=account.username))
    click.echo(_local_address(app, request.authorize_url))
    pin = _read_visible(_("PIN"))
    grant = flows.finish_pin(session, request, pin, consumer_key=key, consumer_secret=secret,
                             username=account.username)
    _store(app, target, {**new_keys, account.access_token_env: grant.access_token,
                 account.access_token_secret_env: grant.access_token_secret})
    tokenexpiry.record(app.runtime.ledger, tokenexpiry.TokenExpiry("twitter", app.now(), None))
    click.echo(_("Connected @{user}; X's tokens do not expire (until revoked).").format(
        user=grant.screen_name))


def _local_address(app: AppContext, url: str) -> str:
    """In the sandbox, the fake's own authorisation page (reachable while this command
    waits); otherwise X's address as it is."""
    if not app.sandbox:
        return url
    for origin, local in (app.runtime.connections.routes(app.config) or {}).items():
        if url.startswith(origin.rstrip("/") + "/"):
            return local.rstrip("/") + url[len(origin.rstrip("/")):]
    return url
