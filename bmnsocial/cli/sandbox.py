from __future__ import annotations

import signal
import threading

import click

from bmnsocial.cli.common import AppContext, echo_json, handle_errors, json_option, pass_app


@click.group(name="sandbox")
def sandbox_group() -> None:
    """The local fake platforms behind --sandbox."""


@sandbox_group.command()
@json_option
@pass_app
@handle_errors
def show(app: AppContext, as_json: bool) -> None:
    """List what the sandbox platforms received (kept in the state directory)."""
    from bmnsocial.sandbox.store import load_published

    store = app.config.state_dir / "sandbox" / "platforms" / "published.sqlite3"
    items = load_published(store) if store.exists() else []
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("The sandbox has received nothing yet. Try: bmnsocial --sandbox post "
                   "posts/FILE.yaml --now")
        return
    for item in items:
        text = (item.get("text") or item.get("message") or "").replace("\n", " ")
        click.echo(f"{item['created_at']}  {item['platform']:<8} {item['url']}\n    "
                   f"{text[:100]}{'…' if len(text) > 100 else ''}")


@sandbox_group.command()
@click.option("--port", type=int, default=0, help="X fake on PORT, Graph fake on PORT+1 "
              "(default: free ports).")
@pass_app
@handle_errors
def serve(app: AppContext, port: int) -> None:
    """Run the fake X and Graph API servers in the foreground and print their URLs.

    Point tweepy, facebook-sdk or curl at them by hand. While it runs, 'bmnsocial --sandbox'
    commands on the same state directory use these servers. Stop with Ctrl-C.
    """
    from bmnsocial.runtime import Runtime

    runtime = Runtime(app.config, sandbox=True)
    box = runtime.sandbox(x_port=port, graph_port=port + 1 if port else 0)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"X API fake:     {box.x.base_url}  (for https://api.x.com, api.twitter.com)")
    click.echo(f"Graph API fake: {box.graph.base_url}  (for https://graph.facebook.com)")
    click.echo("Fake credentials (they open nothing real): see docs/sandbox.md.")
    click.echo(f"Try: curl '{box.graph.base_url}/v23.0/me?access_token=$SANDBOX_PAGE_TOKEN'")
    click.echo("Ctrl-C to stop.", err=True)
    try:
        stop.wait()
    finally:
        box.close()
        runtime.close()
