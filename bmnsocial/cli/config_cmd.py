from __future__ import annotations

import click

from bmnsocial.cli.common import AppContext, Exit, echo_json, handle_errors, json_option, pass_app
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.config import missing_credentials
from bmnsocial.errors import ConfigError


@click.group(name="config")
def config_group() -> None:
    """Inspect the configuration (config.yaml)."""


@config_group.command()
@json_option
@pass_app
@handle_errors
def check(app: AppContext, as_json: bool) -> None:
    """Validate the configuration and report missing credentials (never their values).

    Exit 0 when valid with every credential present, 1 when credentials are missing,
    2 when the configuration is invalid.
    """
    try:
        config = app.config
    except ConfigError as exc:
        if not as_json:
            raise
        echo_json({"valid": False, "errors": [d.to_json() for d in exc.diagnostics]})
        raise Exit(ExitCode.USAGE) from None
    missing = missing_credentials(config)
    creds = [{"platform": c.platform, "credential": c.role, "env_var": c.env_var,
              "present": c not in missing} for c in config.credentials()]
    if as_json:
        echo_json({"config": config.source, "timezone": config.timezone_name,
                   "posts_dir": str(config.posts_dir), "media_root": str(config.media_root),
                   "state_dir": str(config.state_dir), "credentials": creds, "valid": True})
    else:
        click.echo(f"Configuration: {config.source} — valid.")
        click.echo(f"  time zone: {config.timezone_name}")
        click.echo(f"  posts: {config.posts_dir}   media: {config.media_root}")
        click.echo(f"  state: {config.state_dir}")
        for c in creds:
            state = "set" if c["present"] else "MISSING"
            click.echo(f"  {c['platform']:<9} {c['credential']:<34} ${c['env_var']}: {state}")
        if missing:
            click.echo(f"{len(missing)} credential(s) missing: set the environment variables "
                       "above (see docs/configuration.md). 'bmnsocial --sandbox' needs none.")
    if missing:
        raise Exit(ExitCode.INVALID)
