from __future__ import annotations

import logging

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.cli.exitcodes import Exit, ExitCode
from bmnsocial.i18n import N_, _, number
from bmnsocial.publish.ledger import Status, status_name, status_width
from bmnsocial.terminal import visible
from bmnsocial.timeutil import describe


@click.command(help=_(
    "Run the scheduler in the foreground: publish queued posts on time (for systemd).\n\n"
    "Follows the posts folder (a 'git pull' is enough) and the queue; logs one line per event "
    "to stderr. SIGTERM/SIGINT: finishes the request in flight, then exits 0. Only one daemon "
    "per state directory."))
@pass_app
def daemon(app: AppContext) -> None:
    from bmnsocial.schedule.daemon import Daemon

    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
    Daemon(app.runtime).start()


@click.command(name="run-due", help=_(
    "Publish everything due now, then exit (for cron).\n\n"
    "Syncs the posts folder first, applies the same misfire policy as the daemon, and is safe "
    "beside a running daemon or another run-due: an occurrence is never sent twice. Exit 0, or "
    "3 if a publication failed or could not be confirmed in this run, or 4 if nothing was "
    "published because the system clock cannot be trusted (see 'bmnsocial status')."))
@click.option("--no-sync", is_flag=True, help=_("Do not re-read the posts folder first."))
@json_option
@pass_app
def run_due(app: AppContext, no_sync: bool, as_json: bool) -> None:
    from bmnsocial.schedule.daemon import run_due as run

    report = run(app.runtime, do_sync=not no_sync)
    tz = app.config.timezone
    if as_json:
        echo_json([r.to_json(tz) for r in report.rows])
    else:
        if report.sync and report.sync.problems:
            for d in report.sync.problems:
                click.echo(d.format(), err=True)
        from bmnsocial.publish.handoff import row_detail

        width = status_width(Status, 11)
        for r in report.rows:
            detail = row_detail(r, app.runtime.state_dir, tz)
            click.echo(visible(
                f"{status_name(r.status):<{width}} {r.platform:<8} {r.post_id}  {detail}"))
    if report.sync_error:
        click.echo(_("Error: {message}").format(message=report.sync_error), err=True)
    if report.clock is not None:
        click.echo(_("Error: {message}").format(message=report.clock.message), err=True)
    if report.failed:
        raise Exit(ExitCode.PUBLISH_FAILED)
    if report.sync_error:
        raise Exit(ExitCode.USAGE)
    if report.clock is not None:
        raise Exit(ExitCode.PENDING)


# One line per publication that waits, is held or needs a person, in this order; every line
# gets the same fields (each message uses those it names).
STATUS_LINES = (
    N_("WAITING FOR A RETRY: {platform} {post}, due {when}; next attempt {attempt}: {error}"),
    N_("HELD, NO CREDENTIALS: {platform} {post}, due {when}: {reason}"),
    N_("HELD BACK: {platform} {post}, due {when}; goes out {attempt}: {reason}"),
    N_("NEEDS A PERSON: {status} {platform} {post}: {error}"),
    N_("SKIPPED (last 7 days): {platform} {post}, due {when}: {reason}"),
    N_("HELD, X BUDGET: {platform} {post}, due {when}: {reason}"),
)
AWAITING_LINE = N_("AWAITING A PERSON: {platform} {post}, due {when}, waiting {hours} h: "
                   "{sheet}")


@click.command(help=_(
    "Health: daemon alive and heartbeat age, next publications, rows that need a person, post "
    "files the last sync could not queue, publications skipped in the last 7 days.\n\n"
    "Warns 14 days before a token expires (as 'accounts check' last heard) and 60 days before "
    "the Graph API version ends.\n\n"
    "Exit 0 when healthy; 5 when unhealthy (stale heartbeat, failed or unconfirmed rows, post "
    "files not queued, an expired token or Graph API version), so monitoring and cron can "
    "alert on it."))
@click.option("--stale-after", default=120, show_default=True, metavar="SECONDS",
              type=click.IntRange(min=1),
              help=_("A heartbeat older than this is stale."))
@json_option
@pass_app
def status(app: AppContext, stale_after: int, as_json: bool) -> None:
    from bmnsocial.errors import LedgerUnavailable
    from bmnsocial.schedule.health import check_health

    try:
        health = check_health(app.runtime, now=app.now(), stale_after=stale_after)
    except LedgerUnavailable as exc:  # said on stderr by the root group; scripts get JSON too
        if as_json:
            echo_json({"healthy": False, "problems": [str(exc)], "problem_codes": [exc.code]})
        raise
    tz = app.config.timezone
    if as_json:
        echo_json(health.to_json(tz))
    else:
        beat = health.heartbeat
        state = _("running") if health.daemon_alive else _("not running")
        age_text = (_("{seconds} s ago ({mode})").format(seconds=int(health.heartbeat_age),
                                                         mode=beat.get("mode"))
                    if health.heartbeat_age is not None and beat else _("never"))
        click.echo(_("Daemon: {state}; last heartbeat {age}.").format(state=state, age=age_text))
        click.echo(_("Next publications:") if health.upcoming else
                   _("Next publications: none queued."))
        for r in health.upcoming:
            note = "  " + _("(time given with --at)") if r.pinned else ""
            click.echo(visible(f"  {describe(r.due, tz, aligned=True)}  {r.platform:<8} "
                               f"{r.post_id}{note}"))
        for rows, message in ((health.retrying, STATUS_LINES[0]),
                              (health.no_credentials, STATUS_LINES[1]),
                              (health.over_budget, STATUS_LINES[5]),
                              (health.held, STATUS_LINES[2]),
                              (health.attention, STATUS_LINES[3]),
                              (health.skipped, STATUS_LINES[4])):
            for r in rows:
                click.echo(visible(_(message).format(
                    platform=r.platform, post=r.post_id, status=status_name(r.status),
                    when=describe(r.due, tz), attempt=describe(r.next_attempt_at or r.due, tz),
                    error=r.reason(tz), reason=r.reason(tz))))
        for r, waited, sheet in health.awaiting:
            click.echo(visible(_(AWAITING_LINE).format(
                platform=r.platform, post=r.post_id, when=describe(r.due, tz),
                hours=number(waited.total_seconds() / 3600, 1), sheet=sheet)))
        if health.refused and health.refused.problems:
            click.echo(_("NOT QUEUED (posts folder read {when}):").format(
                when=describe(health.refused.at, tz)))
            for d in health.refused.problems:
                click.echo(f"  {d.format()}")
        for platform, at in health.last_published.items():
            click.echo(_("Last published on {platform}: {when}").format(
                platform=platform, when=describe(at, tz) if at else _("never")))
        if health.inbox.get("waiting"):
            click.echo(_("Inbox: {waiting} waiting for an answer, {overdue} longer than "
                         "{hours} h.").format(waiting=health.inbox["waiting"],
                                              overdue=health.inbox["overdue"],
                                              hours=health.inbox["answer_within_hours"]))
        for _code, sentence in health.warnings:
            click.echo(_("WARNING: {warning}").format(warning=sentence))
        click.echo(_("Healthy.") if health.healthy else
                   _("UNHEALTHY: {problems}").format(problems="; ".join(health.problems)))
    if not health.healthy:
        raise Exit(ExitCode.UNHEALTHY)
