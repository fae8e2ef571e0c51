"""`bmnsocial done`: a publication handed to a person (accounts.<platform>.mode: manual) is
recorded as published, with the address of the post they made."""

from __future__ import annotations

import click

from bmnsocial.cli.common import AppContext, PlatformChoice, pass_app
from bmnsocial.errors import NotAwaiting, UsageError
from bmnsocial.i18n import _
from bmnsocial.platforms import registry
from bmnsocial.publish.ledger import Row, Status, status_name
from bmnsocial.schema import did_you_mean
from bmnsocial.timeutil import describe, parse_user_time


@click.command(help=_(
    "Record a publication made by hand (its platform's account is in manual mode) as "
    "published, with the address of the post.\n\n"
    "The address must have the platform's shape and the publication must be waiting for a "
    "person ('awaiting_manual'). When several occurrences of the post wait, --due names one; "
    "without it the oldest is recorded. Exit 0 when recorded, 1 when nothing of that post "
    "waits, 2 when the address or the options are wrong."))
@click.argument("post_id")
@click.option("--platform", type=PlatformChoice(), required=True,
              help=_("The platform it was published on."))
@click.option("--url", required=True, help=_("The published post's address."))
@click.option("--due", "due_text", metavar="TIME",
              help=_("Which occurrence, by its time ('2027-01-14 09:00', local time), when "
                     "several wait."))
@pass_app
def done(app: AppContext, post_id: str, platform: str, url: str,
         due_text: str | None) -> None:
    config = app.config
    tz = config.timezone
    label = registry.label(platform)
    url = url.strip()
    handle = (registry.person_account(platform, config)[0]
              if config.account(platform) is not None else "")
    post_number = check_url(url, platform, handle if handle.startswith("@") else None)
    ledger = app.runtime.ledger
    waiting = ledger.rows(statuses=(Status.AWAITING_MANUAL,), post_id=post_id,
                          platform=platform)
    if not waiting:
        raise _not_waiting(app, post_id, platform, label)
    row = waiting[0]  # the oldest occurrence: the one a person is most likely to have done
    if due_text is not None:
        due = parse_user_time(due_text, tz)
        chosen = [r for r in waiting if r.due.replace(second=0, microsecond=0)
                  == due.replace(second=0, microsecond=0)]
        if not chosen:
            raise UsageError(_("no occurrence of '{post}' on {platform} due {time} waits for a "
                               "person; these do: {times}.").format(
                post=post_id, platform=label, time=due_text,
                times=", ".join(describe(r.due, tz) for r in waiting)))
        row = chosen[0]
    if not ledger.mark_done_by_person(row.id, url, post_number, app.now()):
        raise NotAwaiting(_("'{post}' on {platform} changed meanwhile (it is {status} now); "
                            "run 'bmnsocial history --post {post}'.").format(
            post=post_id, platform=label, status=status_name(ledger.get(row.id).status)))
    rewrite_index(app)
    click.echo(_("Recorded {post} on {platform} (due {due}) as published: {url}").format(
        post=post_id, platform=label, due=describe(row.due, tz), url=url))
    others = [r for r in waiting if r.id != row.id]
    if others:
        click.echo(_("Still waiting for a person: {times} (use --due to name one).").format(
            times=", ".join(describe(r.due, tz) for r in others)))


def check_url(url: str, platform: str, account: str | None) -> str:
    """The post's id in ``url`` when it has the shape of a post's address on ``platform``
    (and names the configured account, where the address names one)."""
    label = registry.label(platform)
    found = registry.post_url_pattern(platform).match(url)
    if found is None:
        raise UsageError(_("'{url}' is not the address of a post on {platform}.").format(
            url=url, platform=label) + " " + _(
            "Open the published post and copy the address from the browser, e.g. {example}."
        ).format(example=registry.get(platform).url_example or "https://…"))
    groups = found.groupdict()
    user = groups.get("user")
    account = account.lstrip("@") if account else None
    if user and account and user.lower() != account.lower():
        raise UsageError(_("'{url}' is a post of @{user}, not of @{account}.").format(
            url=url, user=user, account=account) + " " + _(
            "Copy the address of the post published with @{account}.").format(account=account))
    return next((v for k, v in groups.items() if v and k != "user"), url)




def _not_waiting(app: AppContext, post_id: str, platform: str, label: str) -> Exception:
    ledger = app.runtime.ledger
    rows: list[Row] = ledger.rows(post_id=post_id, platform=platform)
    if not rows:
        known = sorted(ledger.post_ids())
        hint = did_you_mean(post_id, known) if known else ""
        return UsageError(_("the ledger has no publication of '{post}' on {platform}.").format(
            post=post_id, platform=label) + (" " + hint if hint else ""))
    tz = app.config.timezone
    latest = max(rows, key=lambda r: (r.updated_at, r.id))
    if latest.status is Status.PUBLISHED:
        detail = _("it is already recorded as published: {url}").format(url=latest.url or "")
    elif latest.status in (Status.QUEUED, Status.SENDING):
        detail = _("its time ({due}) has not come: the publishing sheet is written then").format(
            due=describe(latest.due, tz))
    else:
        detail = _("it is {status}").format(status=status_name(latest.status))
    return NotAwaiting(_("'{post}' on {platform} is not waiting to be published by hand: "
                         "{detail}.").format(post=post_id, platform=label, detail=detail))


def rewrite_index(app: AppContext) -> None:
    """The index page of what waits, without what was just done or cancelled."""
    from bmnsocial.publish.handoff import Handoff

    rows = app.runtime.ledger.rows(statuses=(Status.AWAITING_MANUAL,))
    Handoff(app.config, app.runtime.state_dir).write_index(rows, app.now())
