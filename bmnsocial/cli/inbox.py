from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.i18n import _
from bmnsocial.terminal import visible

INBOX_HELP = _(
    "Comments on the Page's posts and replies to our X posts that nobody has answered yet, "
    "oldest first (read from the platforms first).\n\n"
    "Answer one with 'bmnsocial inbox reply ITEM_ID TEXT', or mark it handled with "
    "'bmnsocial inbox done ITEM_ID'. JSON fields: items (item_id, platform, post_id, post_url, "
    "category, author, text, url, created_at, age_hours, state, overdue), notices.")


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("{minutes} min").format(minutes=max(minutes, 0))
    if minutes < 48 * 60:
        return _("{hours} h").format(hours=minutes // 60)
    return _("{days} d").format(days=minutes // (24 * 60))


def _open(app: AppContext) -> Any:
    from bmnsocial.publish.inbox import Inbox

    return Inbox(app.runtime, app.now)


def _item_json(item: Any, now: datetime, hours: int, categories: dict[str, Any]) -> dict[
        str, Any]:
    category = categories.get(item.post_id)
    age = (now - item.created_at).total_seconds()
    return {"item_id": item.id, "platform": item.platform, "post_id": item.post_id,
            "platform_post_id": item.platform_post_id, "post_url": item.post_url,
            "category": category.slug if category else None,
            "category_rank": category.rank if category else None,
            "author": item.author, "text": item.text, "url": item.url,
            "created_at": item.created_at.isoformat(), "age_hours": round(age / 3600, 1),
            "state": item.state, "overdue": age > hours * 3600,
            "reply_text": item.reply_text, "reply_url": item.reply_url,
            "answered_at": item.answered_at.isoformat() if item.answered_at else None}


@click.group(name="inbox", invoke_without_command=True, help=INBOX_HELP)
@json_option
@pass_app
@click.pass_context
def inbox_group(ctx: click.Context, app: AppContext, as_json: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from bmnsocial.reports.mix import post_categories

    inbox = _open(app)
    try:
        notices = inbox.refresh()
        items = inbox.waiting()
    finally:
        inbox.close()
    now = app.now()
    hours = app.config.inbox.answer_within_hours
    categories = post_categories(app.config, now) if items else {}
    if as_json:
        echo_json({"items": [_item_json(i, now, hours, categories) for i in items],
                   "notices": [{"platform": n.platform, "code": n.code, "message": n.message,
                                "added": n.added} for n in notices]})
        return
    for notice in notices:
        if notice.message:
            click.echo(visible(_("NOTE: {message}").format(message=notice.message)), err=True)
    if not items:
        click.echo(_("Nobody is waiting for an answer."))
        return
    for item in items:
        category = categories.get(item.post_id)
        age = (now - item.created_at).total_seconds()
        flag = "  " + _("(waiting longer than {hours} h)").format(hours=hours) if (
            age > hours * 3600) else ""
        state = "  " + _("(answer sent, not confirmed yet)") if item.state == "replying" else ""
        click.echo(visible(
            f"[{item.id}] {item.platform:<8} {_age(age):>7}  {item.author}  "
            f"{item.post_id} ({category.slug if category else '?'}){flag}{state}"))
        click.echo(visible(f"    {item.text}".replace("\n", "\n    "), keep="\n"))
        click.echo(visible(f"    {item.url or item.post_url}"))


@inbox_group.command(help=_(
    "Answer an inbox item as the Page (Facebook) or the account (X), exactly once.\n\n"
    "An answer that may have gone out without confirmation is looked for on the platform "
    "before it is ever sent again: run the same command later. Exit 0 when the answer is "
    "confirmed, 3 when it failed or is not confirmed yet."))
@click.argument("item_id", type=click.IntRange(min=1), metavar="ITEM_ID")
@click.argument("text", metavar="TEXT")
@json_option
@pass_app
def reply(app: AppContext, item_id: int, text: str, as_json: bool) -> None:
    inbox = _open(app)
    try:
        item, sent = inbox.reply(item_id, text)
    finally:
        inbox.close()
    if as_json:
        echo_json({"item_id": item.id, "state": item.state, "sent": sent,
                   "reply_id": item.reply_id, "reply_url": item.reply_url})
    elif item.state == "done":
        click.echo(_("Item {id} was marked done without an answer.").format(id=item.id))
    elif sent:
        click.echo(visible(_("Answered item {id}: {url}").format(
            id=item.id, url=item.reply_url or item.reply_id)))
    else:
        click.echo(visible(_("Item {id} was already answered: {url}").format(
            id=item.id, url=item.reply_url or item.reply_id or "")))


@inbox_group.command(help=_("Mark an inbox item handled without an answer (it leaves the "
                            "list; its time counts as answered-without-words)."))
@click.argument("item_id", type=click.IntRange(min=1), metavar="ITEM_ID")
@json_option
@pass_app
def done(app: AppContext, item_id: int, as_json: bool) -> None:
    inbox = _open(app)
    try:
        item = inbox.done(item_id)
    finally:
        inbox.close()
    if as_json:
        echo_json({"item_id": item.id, "state": item.state})
    elif item.state == "replied":
        click.echo(_("Item {id} was already answered.").format(id=item.id))
    else:
        click.echo(_("Item {id} is done.").format(id=item.id))
