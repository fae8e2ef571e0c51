from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.config import platform_name
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _

if TYPE_CHECKING:
    from bmnsocial.sandbox.store import Item, Store


@click.group(name="sandbox", help=_("The local fake platforms behind --sandbox."))
def sandbox_group() -> None:
    pass


@sandbox_group.command(help=_(
    "List what the sandbox platforms received (kept in the state directory)."))
@json_option
@pass_app
def show(app: AppContext, as_json: bool) -> None:
    from bmnsocial.sandbox.store import load_published

    store = app.config.state_dir / "sandbox" / "platforms" / "published.sqlite3"
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
    "Run the fake X and Graph API servers in the foreground and print their URLs.\n\n"
    "Point tweepy, facebook-sdk or curl at them by hand. While it runs, 'bmnsocial --sandbox' "
    "commands on the same state directory use these servers. Stop with Ctrl-C."))
@click.option("--port", type=int, default=0, help=_("X fake on PORT, Graph fake on PORT+1 "
                                                    "(default: free ports)."))
@pass_app
def serve(app: AppContext, port: int) -> None:
    from bmnsocial.sandbox.connections import SandboxConnections

    connections = SandboxConnections(app.config)
    try:
        box = connections.start(x_port=port, graph_port=port + 1 if port else 0)
    except OSError as exc:  # the port is taken (or not ours to open): the command's mistake
        raise UsageError(_("cannot open port {ports} for the fakes: {reason}.").format(
            ports=f"{port}/{port + 1}" if port else _("(any free port)"),
            reason=exc.strerror or exc) + " " + _(
            "Choose other ports with --port (it uses PORT and PORT+1), or leave --port out "
            "for free ones.")) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(_("X API fake:     {url}  (for https://api.x.com, api.twitter.com)").format(
        url=box.x.base_url))
    click.echo(_("Graph API fake: {url}  (for https://graph.facebook.com)").format(
        url=box.graph.base_url))
    click.echo(_("Fake credentials (they open nothing real): see docs/sandbox.md."))
    click.echo(_("Try: curl '{url}'").format(
        url=f"{box.graph.base_url}/v23.0/me?access_token=$SANDBOX_PAGE_TOKEN"))
    click.echo(_("Ctrl-C to stop."), err=True)
    try:
        stop.wait()
    finally:
        box.close()
        connections.close()


def _audience_reactions(store: Store, items: list[Item], seed: int) -> dict[str, int]:
    """Reactions, shares and views (comments and replies are their own functions)."""
    from bmnsocial.sandbox import audience

    return {"reactions": audience.react(store, items, seed),
            "shares": audience.share(store, items, seed),
            "views": audience.view(store, items, seed)}


@sandbox_group.command(help=_(
    "Make the sandbox's followers react to, share and view what the fakes published (one "
    "round per run), so that 'metrics pull' and 'report engagement' have figures to show. "
    "The same --seed on the same posts gives the same figures.\n\n"
    "JSON fields: seed, posts, reactions, shares, views."))
@click.option("--seed", type=int, default=1, show_default=True,
              help=_("Seed of the followers' choices."))
@json_option
@pass_app
def audience(app: AppContext, seed: int, as_json: bool) -> None:
    from bmnsocial.sandbox.audience import own_posts
    from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS
    from bmnsocial.sandbox.store import Store

    path = app.config.state_dir / "sandbox" / "platforms" / "published.sqlite3"
    if not path.exists():
        raise UsageError(_("The sandbox has published nothing yet, so there is nothing to "
                           "react to. Try: bmnsocial --sandbox post posts/FILE.yaml --now"))
    store = Store(path)
    try:
        config = app.config
        items = own_posts(store, config.facebook.page_id if config.facebook else None,
                          SANDBOX_ACCOUNTS["x"]["user_id"] if config.twitter else None)
        done = {"seed": seed, "posts": len(items), **_audience_reactions(store, items, seed)}
    finally:
        store.close()
    if as_json:
        echo_json(done)
        return
    click.echo(_("On {posts} posts, followers reacted {reactions} times, shared {shares} times "
                 "and viewed {views} times (seed {seed}).").format(**done))
