from __future__ import annotations

import logging
from datetime import UTC, datetime

import click

from bmnsocial.cli.common import AppContext, Exit, echo_json, handle_errors, json_option, pass_app
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.ledger import Status
from bmnsocial.timeutil import describe


@click.command()
@pass_app
@handle_errors
def daemon(app: AppContext) -> None:
    """Run the scheduler in the foreground: publish queued posts on time (for systemd).

    Follows the posts folder (a 'git pull' is enough) and the queue; logs one line per event
    to stderr. SIGTERM/SIGINT: finishes the request in flight, then exits 0. Only one daemon
    per state directory.
    """
    from bmnsocial.daemon import AlreadyRunning, Daemon

    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
    if root.level >= logging.INFO:  # APScheduler's per-job lines only at -vv
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        Daemon(app.runtime).start()
    except AlreadyRunning as exc:
        click.echo(f"Error: {exc}", err=True)
        raise Exit(ExitCode.ALREADY_RUNNING) from None


@click.command(name="run-due")
@click.option("--no-sync", is_flag=True, help="Do not re-read the posts folder first.")
@json_option
@pass_app
@handle_errors
def run_due(app: AppContext, no_sync: bool, as_json: bool) -> None:
    """Publish everything due now, then exit (for cron).

    Syncs the posts folder first, applies the same misfire policy as the daemon, and is safe
    beside a running daemon or another run-due: an occurrence is never sent twice. Exit 0, or 3
    if a publication failed or could not be confirmed in this run.
    """
    from bmnsocial.daemon import run_due as run

    report = run(app.runtime, do_sync=not no_sync)
    tz = app.config.timezone
    if as_json:
        echo_json([r.to_json(tz) for r in report.rows])
    else:
        if report.sync and report.sync.problems:
            for d in report.sync.problems:
                click.echo(d.format(), err=True)
        for r in report.rows:
            detail = r.url if r.status is Status.PUBLISHED else (r.last_error or "")
            click.echo(f"{r.status.value:<11} {r.platform:<8} {r.post_id}  {detail}")
    if report.failed:
        raise Exit(ExitCode.PUBLISH_FAILED)


@click.command()
@click.option("--stale-after", default=120, show_default=True, metavar="SECONDS",
              help="A heartbeat older than this is stale.")
@json_option
@pass_app
@handle_errors
def status(app: AppContext, stale_after: int, as_json: bool) -> None:
    """Health: daemon alive and heartbeat age, next publications, rows that need a person.

    Exit 0 when healthy; 5 when unhealthy (stale heartbeat, failed or unconfirmed rows), so
    monitoring and cron can alert on it.
    """
    from bmnsocial.daemon import daemon_running, read_heartbeat

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
    last: dict[str, str | None] = {}
    for platform in app.config.platforms_configured:
        rows = ledger.rows(statuses=(Status.PUBLISHED,), platform=platform, order="updated",
                           limit=1)
        last[platform] = rows[0].published_at.isoformat() if rows and rows[0].published_at \
            else None
    problems = []
    if beat is None:
        problems.append("no heartbeat: neither the daemon nor run-due has run here")
    elif age is not None and age > stale_after:
        problems.append(f"heartbeat is {int(age)} s old ({beat.get('mode')})")
    if beat and beat.get("mode") == "daemon" and not alive:
        problems.append("the daemon is not running")
    if attention:
        problems.append(f"{len(attention)} publication(s) need a person (failed or unconfirmed)")
    data = {
        "healthy": not problems, "problems": problems,
        "daemon": {"running": alive, "heartbeat_age_seconds": age,
                   "mode": beat.get("mode") if beat else None,
                   "pid": beat.get("pid") if beat else None},
        "next": [r.to_json(tz) for r in upcoming],
        "attention": [r.to_json(tz) for r in attention],
        "last_published": last,
    }
    if as_json:
        echo_json(data)
    else:
        state = "running" if alive else "not running"
        age_text = f"{int(age)} s ago ({beat.get('mode')})" if age is not None and beat else "never"
        click.echo(f"Daemon: {state}; last heartbeat {age_text}.")
        click.echo("Next publications:" if upcoming else "Next publications: none queued.")
        for r in upcoming:
            click.echo(f"  {describe(r.due, tz)}  {r.platform:<8} {r.post_id}")
        for r in attention:
            click.echo(f"NEEDS A PERSON: {r.status.value} {r.platform} {r.post_id}: "
                       f"{r.last_error}")
        for platform, at in last.items():
            click.echo(f"Last published on {platform}: "
                       f"{describe(datetime.fromisoformat(at), tz) if at else 'never'}")
        click.echo("Healthy." if not problems else "UNHEALTHY: " + "; ".join(problems))
    if problems:
        raise Exit(ExitCode.UNHEALTHY)
