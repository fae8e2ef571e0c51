from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.config import platform_name
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _

if TYPE_CHECKING:
    pass


@click.group(name="sandbox", help=_("The local fake platforms behind --sandbox."))
def sandbox_group() -> None:
    pass


@sandbox_group.command(help=_(
    "List what the sandbox platforms received (kept in the state directory)."))
@json_option
@pass_app
def show(app: AppContext, as_json: bool) -> None:
    from bmnsocial.sandbox.store import load_published

    store = _store_of(app)
    items = load_published(store) if store.exists() else []
    for item in items:  # the fakes keep the platforms' own names; we say ours everywhere
        item["platform"] = platform_name(item["platform"])
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo(_("The sandbox has received nothing yet. Try: bmnsocial --sandbox post "
                     "posts/FILE.yaml --now"))
        return
    for item in items:
        text = (item.get("text") or item.get("message") or "").replace("\n", " ")
        click.echo(f"{item['created_at']}  {item['platform']:<8} {item['url']}\n    "
                   f"{text[:100]}{'…' if len(text) > 100 else ''}")


@sandbox_group.command(help=_(
    "Run the fake X, Graph and Telegram Bot API servers in the foreground and print their "
    "URLs.\n\n"
    "Point tweepy, facebook-sdk or curl at them by hand. While it runs, 'bmnsocial --sandbox' "
    "commands on the same state directory use these servers. Stop with Ctrl-C."))
@click.option("--port", type=int, default=0, help=_(
    "X fake on PORT, Graph fake on PORT+1, Telegram fake on PORT+2 (default: free ports)."))
@pass_app
def serve(app: AppContext, port: int) -> None:
    from bmnsocial.sandbox.connections import SandboxConnections

    connections = SandboxConnections(app.config)
    try:
        box = connections.start(x_port=port, graph_port=port + 1 if port else 0,
                                telegram_port=port + 2 if port else 0)
    except OSError as exc:  # the port is taken (or not ours to open): the command's mistake
        raise UsageError(_("cannot open port {ports} for the fakes: {reason}.").format(
            ports=f"{port}-{port + 2}" if port else _("(any free port)"),
            reason=exc.strerror or exc) + " " + _(
            "Choose other ports with --port (it uses PORT to PORT+2), or leave --port out "
            "for free ones.")) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(_("X API fake:     {url}  (for https://api.x.com, api.twitter.com)").format(
        url=box.x.base_url))
    click.echo(_("Graph API fake: {url}  (for https://graph.facebook.com)").format(
        url=box.graph.base_url))
    click.echo(_("Telegram fake:  {url}  (for https://api.telegram.org)").format(
        url=box.telegram.base_url))
    click.echo(_("Fake credentials (they open nothing real): see docs/sandbox.md."))
    click.echo(_("Try: curl '{url}'").format(
        url=f"{box.graph.base_url}/v23.0/me?access_token=$SANDBOX_PAGE_TOKEN"))
    click.echo(_("Ctrl-C to stop."), err=True)
    try:
        stop.wait()
    finally:
        box.close()
        connections.close()


def _store_of(app: AppContext) -> Path:
    return app.config.state_dir / "sandbox" / "platforms" / "published.sqlite3"


def audience_reactions(app: AppContext, store_path: Path, seed: int,
                       now: float) -> dict[str, int]:
    """Followers react to, share and view the fakes' posts (one round per run)."""
    from bmnsocial.sandbox import audience
    from bmnsocial.sandbox.store import Store

    store = Store(store_path)
    try:
        items = audience.own_posts_of(store, app.config)
        return {"posts": len(items), "reactions": audience.react(store, items, seed),
                "shares": audience.share(store, items, seed),
                "views": audience.view(store, items, seed)}
    finally:
        store.close()


def audience_comments(app: AppContext, store_path: Path, seed: int,
                      now: float) -> dict[str, int]:
    """Followers comment on the Page's posts and reply to the account's tweets."""
    from bmnsocial.sandbox.audience_comments import comment_and_reply

    return comment_and_reply(store_path, seed, now)


#: One function per kind of audience action: what it adds, by kind, to the fakes' store.
AUDIENCE_ACTIONS: tuple[Callable[[AppContext, Path, int, float], dict[str, int]], ...] = (
    audience_reactions, audience_comments,
)


@sandbox_group.command(help=_(
    "Make the sandbox's followers respond to what the fakes published: reactions, shares and "
    "views (one round per run), comments on the Page's posts and replies to the account's "
    "tweets, so that 'metrics pull', 'report engagement' and 'inbox' have something to show. "
    "The same --seed on the same posts gives the same audience.\n\n"
    "JSON fields: seed, posts, reactions, shares, views, comments, replies."))
@click.option("--seed", type=int, default=1, show_default=True,
              help=_("Seed of the followers' choices."))
@json_option
@pass_app
def audience(app: AppContext, seed: int, as_json: bool) -> None:
    store = _store_of(app)
    if not store.exists():
        raise UsageError(_("The sandbox has published nothing yet, so there is nothing to "
                           "react to. Try: bmnsocial --sandbox post posts/FILE.yaml --now"))
    now = app.now().timestamp()
    made: dict[str, int] = {"seed": seed}
    for action in AUDIENCE_ACTIONS:
        made.update(action(app, store, seed, now))
    if as_json:
        echo_json(made)
        return
    click.echo(_("On {posts} posts, followers reacted {reactions} times, shared {shares} times "
                 "and viewed {views} times (seed {seed}).").format(**made))
    click.echo(_("Added {comments} comments (Facebook) and {replies} replies (X).").format(
        comments=made.get("comments", 0), replies=made.get("replies", 0)))
