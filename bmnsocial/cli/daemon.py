from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import click

from bmnsocial.cli.common import AppContext, Exit, echo_json, handle_errors, json_option, pass_app
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.i18n import _, ngettext
from bmnsocial.ledger import Status, status_name, status_width
from bmnsocial.timeutil import describe


@click.command(help=_(
    "Run the scheduler in the foreground: publish queued posts on time (for systemd).\n\n"
    "Follows the posts folder (a 'git pull' is enough) and the queue; logs one line per event "
    "to stderr. SIGTERM/SIGINT: finishes the request in flight, then exits 0. Only one daemon "
    "per state directory."))
@pass_app
@handle_errors
def daemon(app: AppContext) -> None:
    from bmnsocial.daemon import AlreadyRunning, Daemon

    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
    if root.level >= logging.INFO:  # APScheduler's per-job lines only at -vv
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        Daemon(app.runtime).start()
    except AlreadyRunning as exc:
        click.echo(_("Error: {message}").format(message=exc), err=True)
        raise Exit(ExitCode.ALREADY_RUNNING) from None


@click.command(name="run-due", help=_(
    "Publish everything due now, then exit (for cron).\n\n"
    "Syncs the posts folder first, applies the same misfire policy as the daemon, and is safe "
    "beside a running daemon or another run-due: an occurrence is never sent twice. Exit 0, or "
    "3 if a publication failed or could not be confirmed in this run."))
@click.option("--no-sync", is_flag=True, help=_("Do not re-read the posts folder first."))
@json_option
@pass_app
@handle_errors
def run_due(app: AppContext, no_sync: bool, as_json: bool) -> None:
    from bmnsocial.daemon import run_due as run

    report = run(app.runtime, do_sync=not no_sync)
    tz = app.config.timezone
    if as_json:
        echo_json([r.to_json(tz) for r in report.rows])
    else:
        if report.sync and report.sync.problems:
            for d in report.sync.problems:
                click.echo(d.format(), err=True)
        width = status_width(Status, 11)
        for r in report.rows:
            detail = r.url if r.status is Status.PUBLISHED else (r.last_error or "")
            click.echo(f"{status_name(r.status):<{width}} {r.platform:<8} {r.post_id}  {detail}")
    if report.failed:
        raise Exit(ExitCode.PUBLISH_FAILED)


RECENT_SKIPS = timedelta(days=7)


@click.command(help=_(
    "Health: daemon alive and heartbeat age, next publications, rows that need a person, post "
    "files the last sync could not queue, publications skipped in the last 7 days.\n\n"
    "Exit 0 when healthy; 5 when unhealthy (stale heartbeat, failed or unconfirmed rows, post "
    "files not queued), so monitoring and cron can alert on it."))
@click.option("--stale-after", default=120, show_default=True, metavar="SECONDS",
              help=_("A heartbeat older than this is stale."))
@json_option
@pass_app
@handle_errors
def status(app: AppContext, stale_after: int, as_json: bool) -> None:
    from bmnsocial.daemon import daemon_running, read_heartbeat
    from bmnsocial.sync import last_refused

    runtime = app.runtime
    ledger = runtime.ledger
    tz = app.config.timezone
    now = datetime.now(UTC)
    beat = read_heartbeat(runtime.state_dir)
    age = None
    if beat and beat.get("at"):
        age = (now - datetime.fromisoformat(beat["at"])).total_seconds()
    alive = daemon_running(runtime.state_dir)
    upcoming = ledger.rows(statuses=(Status.QUEUED,), limit=5)
    attention = ledger.rows(statuses=(Status.FAILED, Status.UNCONFIRMED))
    # Skips follow the configured misfire policy, so they are not a fault; but a post that
    # did not go out must not pass unnoticed either.
    skipped = [r for r in ledger.rows(statuses=(Status.SKIPPED,), order="updated", limit=20)
               if r.updated_at >= app.now() - RECENT_SKIPS]
    last: dict[str, str | None] = {}
    for platform in app.config.platforms_configured:
        rows = ledger.rows(statuses=(Status.PUBLISHED,), platform=platform, order="updated",
                           limit=1)
        last[platform] = rows[0].published_at.isoformat() if rows and rows[0].published_at \
            else None
    problems = []
    if beat is None:
        problems.append(_("no heartbeat: neither the daemon nor run-due has run here"))
    elif age is not None and age > stale_after:
        problems.append(_("heartbeat is {seconds} s old ({mode})").format(
            seconds=int(age), mode=beat.get("mode")))
    refused = last_refused(ledger)
    refused_files = sorted({d.file for d in refused.problems}) if refused else []
    if refused_files:
        problems.append(ngettext(
            "{count} post file could not be queued (fix it; the next sync takes it)",
            "{count} post files could not be queued (fix them; the next sync takes them)",
            len(refused_files)).format(count=len(refused_files)))
    if beat and beat.get("mode") == "daemon" and not alive:
        problems.append(_("the daemon is not running"))
    if attention:
        # English says "publication(s)" either way; other languages choose by the count.
        problems.append(ngettext(
            "{count} publication(s) need a person (failed or unconfirmed)",
            "{count} publication(s) need a person (failed or unconfirmed)", len(attention)
        ).format(count=len(attention)))
    data = {
        "healthy": not problems, "problems": problems,
        "daemon": {"running": alive, "heartbeat_age_seconds": age,
                   "mode": beat.get("mode") if beat else None,
                   "pid": beat.get("pid") if beat else None},
        "next": [r.to_json(tz) for r in upcoming],
        "attention": [r.to_json(tz) for r in attention],
        "last_published": last,
        "skipped_recently": [r.to_json(tz) for r in skipped],
        "not_queued": {"checked_at": refused.at.isoformat() if refused else None,
                       "problems": [d.to_json() for d in refused.problems] if refused else []},
    }
    if as_json:
        echo_json(data)
    else:
        state = _("running") if alive else _("not running")
        age_text = (_("{seconds} s ago ({mode})").format(seconds=int(age), mode=beat.get("mode"))
                    if age is not None and beat else _("never"))
        click.echo(_("Daemon: {state}; last heartbeat {age}.").format(state=state, age=age_text))
        click.echo(_("Next publications:") if upcoming else
                   _("Next publications: none queued."))
        for r in upcoming:
            click.echo(f"  {describe(r.due, tz, aligned=True)}  {r.platform:<8} {r.post_id}")
        for r in attention:
            click.echo(_("NEEDS A PERSON: {status} {platform} {post}: {error}").format(
                status=status_name(r.status), platform=r.platform, post=r.post_id,
                error=r.last_error))
        for r in skipped:
            click.echo(_("SKIPPED (last 7 days): {platform} {post}, due {when}: {reason}").format(
                platform=r.platform, post=r.post_id, when=describe(r.due, tz),
                reason=r.last_error))
        if refused and refused.problems:
            click.echo(_("NOT QUEUED (posts folder read {when}):").format(
                when=describe(refused.at, tz)))
            for d in refused.problems:
                click.echo(f"  {d.format()}")
        for platform, at in last.items():
            click.echo(_("Last published on {platform}: {when}").format(
                platform=platform,
                when=describe(datetime.fromisoformat(at), tz) if at else _("never")))
        click.echo(_("Healthy.") if not problems else
                   _("UNHEALTHY: {problems}").format(problems="; ".join(problems)))
    if problems:
        raise Exit(ExitCode.UNHEALTHY)
