from __future__ import annotations

import signal
import threading

import click

from bmnsocial.cli.common import AppContext, echo_json, json_option, pass_app
from bmnsocial.config import platform_name
from bmnsocial.errors import UsageError
from bmnsocial.i18n import _


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
