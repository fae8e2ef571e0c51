from __future__ import annotations

import click

from bmnsocial import graphversions
from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.config import missing_credentials
from bmnsocial.errors import ConfigError
from bmnsocial.i18n import _, ngettext
from bmnsocial.platforms import registry


@click.group(name="config", help=_("Inspect the configuration (config.yaml)."))
def config_group() -> None:
    pass


@config_group.command(help=_(
    "Validate the configuration and report missing credentials (never their values).\n\n"
    "Warns when the configured Graph API version stops answering within 60 days.\n\n"
    "Exit 0 when valid with every credential present, 1 when credentials are missing, 2 when "
    "the configuration is invalid or its Graph API version has ended."))
@json_option
@pass_app
def check(app: AppContext, as_json: bool) -> None:
    try:
        config = app.config
    except ConfigError as exc:
        if not as_json:
            raise
        echo_json({"valid": False, "errors": [d.to_json() for d in exc.diagnostics]})
        raise Exit(ExitCode.USAGE) from None
    missing = missing_credentials(config)
    version = registry.api_version(config, app.now())
    creds = [{"platform": c.platform, "credential": c.role, "env_var": c.env_var,
              "present": c not in missing} for c in config.credentials()]
    if as_json:
        echo_json({"config": config.source, "timezone": config.timezone_name,
                   "posts_dir": str(config.posts_dir), "media_root": str(config.media_root),
                   "state_dir": str(config.state_dir), "credentials": creds,
                   "manual": sorted(config.manual_platforms),
                   "graph_api": version.to_json() if version else None,
                   "valid": not (version and version.state == graphversions.ENDED)})
    else:
        click.echo(_("Configuration: {file} — valid.").format(file=config.source))
        click.echo("  " + _("time zone: {zone}").format(zone=config.timezone_name))
        click.echo("  " + _("posts: {posts}   media: {media}").format(
            posts=config.posts_dir, media=config.media_root))
        click.echo("  " + _("state: {folder}").format(folder=config.state_dir))
        width = max([34, *(len(_(c.role)) for c in config.credentials())])
        for c in creds:
            state = _("set") if c["present"] else _("MISSING")
            role = _(str(c["credential"]))
            click.echo(f"  {c['platform']:<9} {role:<{width}} ${c['env_var']}: {state}")
        for platform in sorted(config.manual_platforms):
            click.echo(f"  {platform:<9} " + _(
                "manual mode: publishing sheets for a person, no credentials needed"))
        if version and version.state != graphversions.OK:
            label = _("ERROR") if version.state == graphversions.ENDED else _("WARNING")
            click.echo(f"  {label}: {version.message}")
        if missing:
            # English says "credential(s)" either way; other languages choose by the count.
            click.echo(ngettext(
                "{count} credential(s) missing: set the environment variables above (see "
                "docs/configuration.md). 'bmnsocial --sandbox' needs none.",
                "{count} credential(s) missing: set the environment variables above (see "
                "docs/configuration.md). 'bmnsocial --sandbox' needs none.",
                len(missing)).format(count=len(missing)))
    if version and version.state == graphversions.ENDED:
        raise Exit(ExitCode.USAGE)
    if missing:
        raise Exit(ExitCode.INVALID)
