from __future__ import annotations

import click

from bmnsocial.cli.common import AppContext, pass_app
from bmnsocial.i18n import _, ngettext


@click.group(name="ledger", help=_(
    "The ledger's backups, and rebuilding a lost or damaged ledger (docs/deploy.md)."))
def ledger_group() -> None:
    pass


@ledger_group.command(name="backup", help=_(
    "Back the ledger up now into STATE_DIR/backups, and drop the backups older than "
    "ledger.backup_days. The daemon and run-due already do this once a day."))
@pass_app
def backup_command(app: AppContext) -> None:
    from bmnsocial.publish import backup

    runtime = app.runtime
    made = backup.take(runtime.ledger, runtime.state_dir, app.config.ledger.backup_days)
    click.echo(_("Ledger backed up to {path}").format(path=made))


@ledger_group.command(name="recover", help=_(
    "Rebuild a lost or damaged ledger (exit 7 says so) without sending anything twice.\n\n"
    "Starts from the newest backup in STATE_DIR/backups (if any), queues what the posts folder "
    "asks for, and looks up every queued occurrence among the platforms' recent posts, as "
    "reconciliation does: those found are recorded as published, never sent again. The "
    "damaged file is kept beside it, renamed. Stop the daemon first. Exit 0 when rebuilt, 2 "
    "when the ledger is healthy (nothing is changed) or the daemon runs, 1 when a platform "
    "cannot be read (nothing is changed)."))
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 90),
              help=_("How many days of the platforms' posts to look through (at least back to "
                     "the backup's day)."))
@pass_app
def recover_command(app: AppContext, days: int) -> None:
    from bmnsocial.schedule.recovery import recover

    done = recover(app.runtime, app.now(), days)
    for kept in done.kept_as:
        click.echo(_("The damaged ledger's file is kept as {path}").format(path=kept))
    click.echo(_("Started from the backup {path}").format(path=done.backup) if done.backup
               else _("No backup found: started from an empty ledger."))
    click.echo(ngettext("{count} publication found on the platforms, recorded as published "
                        "(never sent again):",
                        "{count} publications found on the platforms, recorded as published "
                        "(never sent again):", len(done.found)).format(count=len(done.found)))
    for row in done.found:
        click.echo(f"  {row.platform:<8} {row.post_id}  {row.url}")
    for row in done.unsure:
        click.echo(_("UNCONFIRMED: {platform} {post}: {error}").format(
            platform=row.platform, post=row.post_id, error=row.last_error))
    click.echo(ngettext("{count} publication queued.", "{count} publications queued.",
                        done.queued).format(count=done.queued))
    click.echo(_("The ledger is rebuilt: start the daemon again (or let cron run)."))
