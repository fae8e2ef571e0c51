"""Hand-off by hand: a platform whose account is in manual mode (accounts.<platform>.mode)
is never called. At an occurrence's time its row is claimed like any other (marked HANDOFF by
the claim itself), a publishing sheet is written for a person under STATE_DIR/handoff/, and
the row waits as 'awaiting_manual' until `bmnsocial done` records the URL the person got.

The sheet's name is the row's (one occurrence, one name): a crash between the claim and the
row's new status writes the same sheet again, never a second one. Media files are copied
beside the sheet first, so a sheet that exists is complete.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import logging
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from bmnsocial.config import Config
from bmnsocial.files import write_atomic
from bmnsocial.i18n import _, current, number
from bmnsocial.platforms.base import open_for_sending
from bmnsocial.platforms.registry import label as platform_label
from bmnsocial.platforms.registry import person_account
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.publish.ledger import Row, Status
from bmnsocial.secrets import redact

log = logging.getLogger("bmnsocial.publish.handoff")

FOLDER = "handoff"
INDEX = "index.html"
NOTIFY_FAILURES = "notify-failures.json"
#: Images are embedded in the sheet (it stays whole when mailed) up to this many bytes in
#: all; beyond, and for videos always, the sheet links to the copies beside it.
EMBED_LIMIT = 16 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-]+")


def folder(state_dir: Path) -> Path:
    return state_dir / FOLDER


def sheet_path(state_dir: Path, row: Row) -> Path:
    """The one sheet of this occurrence."""
    return folder(state_dir) / f"{_stem(row)}.html"


def _stem(row: Row) -> str:
    return _UNSAFE.sub("_", f"{row.id}-{row.post_id}-{row.platform}")


def row_detail(row: Row, state_dir: Path, tz: Any) -> str:
    """What a listing shows after a row: its URL, its sheet, or why it is as it is."""
    if row.status is Status.PUBLISHED:
        comment = row.first_comment()
        if comment is not None and comment[1] is not None:
            return "  ".join([row.url or "", _("with its first comment ({id})").format(
                id=comment[1])])
        return row.url or ""
    if row.status is Status.AWAITING_MANUAL:
        return str(sheet_path(state_dir, row))
    return row.reason(tz) or ""


def local(moment: datetime, tz: Any) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def done_command(row: Row, tz: Any, *, url: str = "URL") -> str:
    """The command a person runs once the post is out (recurring posts name the occurrence)."""
    due = "" if row.occurrence == "once" else f" --due '{local(row.due, tz)}'"
    return f"bmnsocial done {row.post_id} --platform {row.platform}{due} --url {url}"


class Handoff:
    """Writes the sheets and the index page, and runs handoff.notify_command."""

    def __init__(self, config: Config, state_dir: Path) -> None:
        self.config = config
        self.state_dir = state_dir
        self.manual = config.manual_platforms
        self._notifying: list[threading.Thread] = []
        self._failures_lock = threading.Lock()

    # -- the sheet
    def write_sheet(self, row: Row, rendered: Rendered, now: datetime) -> Path:
        """Copy the media beside the sheet (each checked to be the file that was queued:
        MediaUnavailable otherwise), then write the sheet; returns its path."""
        target = sheet_path(self.state_dir, row)
        target.parent.mkdir(parents=True, exist_ok=True)
        files = target.with_suffix(".files")
        embedded: dict[int, str] = {}
        copies: dict[int, str] = {}
        room = EMBED_LIMIT
        media = rendered.media
        for index, item in enumerate(media):
            name = f"{index + 1}-{_UNSAFE.sub('_', item.info.path.name)}"
            files.mkdir(exist_ok=True)
            keep = item.info.kind != "video" and item.info.size <= room
            pieces: list[bytes] = []
            with open_for_sending(item.info) as opened:
                write_atomic(files / name, _kept(opened.chunks(1 << 20), pieces, keep))
            copies[index] = f"{files.name}/{name}"
            if keep:
                room -= item.info.size
                embedded[index] = (f"data:{item.info.mime};base64,"
                                   + base64.b64encode(b"".join(pieces)).decode("ascii"))
        page = _sheet_html(row, rendered, self.config, now, files, copies, embedded)
        write_atomic(target, page.encode("utf-8"))
        return target

    def write_index(self, awaiting: list[Row], now: datetime) -> Path:
        """The index page of what waits for a person, oldest first."""
        target = folder(self.state_dir) / INDEX
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, _index_html(awaiting, self.config, self.state_dir, now).encode(
            "utf-8"))
        return target

    # -- notify_command
    def notify(self, sheet: Path) -> None:
        """Run handoff.notify_command with the sheet's path, in a thread of its own: a slow
        or failing command never holds up the rows after this one."""
        if not self.config.handoff.notify_command:
            return
        thread = threading.Thread(target=self._run_notify, args=(sheet,),
                                  name="bmnsocial-notify", daemon=True)
        self._notifying.append(thread)
        thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the notifications started (run-due before it exits, the daemon when it
        stops, bounded by their own timeout)."""
        for thread in self._notifying:
            thread.join(timeout)
        self._notifying = [t for t in self._notifying if t.is_alive()]

    def _run_notify(self, sheet: Path) -> None:
        command = [*self.config.handoff.notify_command, str(sheet)]
        timeout = self.config.handoff.notify_timeout_seconds
        error = run_notify(command, timeout, notify_environment(self.config))
        if error is None:
            log.info(_("notify_command ran for %s"), sheet)
        else:
            log.error(_("notify_command failed for %s: %s"), sheet, error)
        self._record(sheet, error)

    def _record(self, sheet: Path, error: str | None) -> None:
        with self._failures_lock:
            failures = notify_failures(self.state_dir)
            if error is None:
                failures.pop(sheet.name, None)
            else:
                failures[sheet.name] = error
            target = folder(self.state_dir) / NOTIFY_FAILURES
            with contextlib.suppress(Exception):  # said in the log already
                write_atomic(target, json.dumps(failures, indent=1).encode("utf-8"))


def _kept(chunks: Iterator[bytes], into: list[bytes], keep: bool) -> Iterator[bytes]:
    for chunk in chunks:
        if keep:
            into.append(chunk)
        yield chunk


def notify_failures(state_dir: Path) -> dict[str, str]:
    """Sheet file name -> why its notify_command failed (the last try), for `status`."""
    try:
        found = json.loads((folder(state_dir) / NOTIFY_FAILURES).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def notify_environment(config: Config) -> dict[str, str]:
    """The process's environment without any variable the config names as a credential:
    the command gets what the admin set for it, never a platform's token."""
    secret_names = {c.env_var for account in config.accounts.values()
                    for c in account.credentials()}
    return {k: v for k, v in os.environ.items() if k not in secret_names}


def run_notify(command: list[str], timeout: float, env: dict[str, str]) -> str | None:
    """Run ``command`` (no shell), at most ``timeout`` seconds; why it failed, or None."""
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=env, start_new_session=True)
    except OSError as exc:
        return _("cannot run {program}: {reason}").format(program=command[0],
                                                           reason=exc.strerror or exc)
    try:
        _out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):  # its children too: a mailer it started
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return _("stopped after {seconds} s").format(seconds=number(timeout))
    if process.returncode != 0:
        last = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return redact(_("exit status {code}{colon}{said}").format(
            code=process.returncode, colon=": " if last[0] else "", said=last[0][:300]))
    return None


# -- the pages
_STYLE = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;
color:#1c1e21;line-height:1.45}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}
.meta{color:#555}.box{border:1px solid #ccd0d5;border-radius:8px;padding:.8rem;margin:.6rem 0}
textarea{width:100%;box-sizing:border-box;font:inherit;min-height:8rem;white-space:pre-wrap}
button{font:inherit;padding:.3rem .9rem;border-radius:6px;border:1px solid #1877f2;
background:#1877f2;color:#fff;cursor:pointer}
img{max-width:100%;max-height:20rem;display:block;margin:.4rem 0}
code{background:#f0f2f5;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left}.old{color:#b00020;font-weight:bold}
"""

_COPY_SCRIPT = """
function copyText(id){var e=document.getElementById(id);e.select();
try{navigator.clipboard.writeText(e.value)}catch(x){document.execCommand('copy')}}
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(current())}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
            f"<script>{_COPY_SCRIPT}</script></head><body>\n{body}\n</body></html>\n")


def _copy_box(element_id: str, text: str, rows: int = 8) -> str:
    label = html.escape(_("Copy"))
    return (f'<textarea id="{element_id}" readonly rows="{rows}">{html.escape(text)}</textarea>'
            f"<p><button type=\"button\" onclick=\"copyText('{element_id}')\">"
            f"{label}</button></p>")


def _sheet_html(row: Row, rendered: Rendered, config: Config, now: datetime, files: Path,
                copies: dict[int, str], embedded: dict[int, str]) -> str:
    tz = config.timezone
    label = platform_label(row.platform)
    account, account_url = person_account(row.platform, config)
    e = html.escape
    title = _("Publish by hand: {post} on {platform}").format(post=row.post_id, platform=label)
    thread = len(rendered.body) > 1
    steps = [
        _("Open {url} and sign in as {account}.").format(
            url=f'<a href="{e(account_url)}">{e(account_url)}</a>', account=e(account)),
        _("Start a new post, press “Copy” under the text below and paste it. Do not change "
          "it: it is exactly what the API would have sent."),
    ]
    if rendered.media:
        steps.append(_("Add each image or video below, in its order, and give each image its "
                       "description (alt text), copied from the sheet."))
    if rendered.link and not any(rendered.link in p.text for p in rendered.parts):
        steps.append(_("Paste the link below into the post as well."))
    if thread:
        steps.append(_("Publish it, then answer your own post with the next part, and each "
                       "following part as an answer to the one before (a thread)."))
    else:
        steps.append(_("Publish it."))
    if rendered.comment is not None:
        steps.append(_("Then write the first comment below under the published post, as "
                       "the same account (on X and Telegram: as an answer to it)."))
    steps.append(_("Open the published post, copy its address and run:") +
                 f"<br><code>{e(done_command(row, tz))}</code>")
    body = [f"<h1>{e(title)}</h1>",
            '<p class="meta">' + e(_("Due {due} · sheet written {written}").format(
                due=local(row.due, tz), written=local(now, tz))) + "</p>",
            '<div class="box"><b>' + e(_("Account to use:")) + f"</b> {e(account)} — "
            f'<a href="{e(account_url)}">{e(account_url)}</a></div>',
            "<h2>" + e(_("What to do")) + "</h2><ol>"
            + "".join(f"<li>{step}</li>" for step in steps) + "</ol>"]
    media_index = 0
    for number_, part in enumerate(rendered.parts, start=1):
        heading = (_("First comment") if part.comment
                   else _("Part {n} of {total}").format(n=number_, total=len(rendered.body))
                   if thread else _("Text"))
        body.append(f"<h2>{e(heading)}</h2>")
        body.append(_copy_box(f"text-{number_}", part.text))
        for item in part.media:
            where = copies.get(media_index, "")
            shown = embedded.get(media_index)
            media_index += 1
            kind = _("Video") if item.info.kind == "video" else _("Image")
            body.append('<div class="box"><b>' + e(f"{kind} {media_index}: "
                                                   f"{item.info.path.name}") + "</b>")
            if shown:
                body.append(f'<img src="{shown}" alt="{e(item.alt or "")}">')
                body.append('<p class="meta">' + e(_(
                    "In a sheet received by mail the link below may not open: save the image "
                    "itself instead (right click → Save image as).")) + "</p>")
            download = e(_("Download"))
            body.append(f'<p><a href="{e(where)}" download>{download}</a> '
                        f"<code>{e(str(files.parent / where))}</code></p>"
                        if where else "")
            if item.alt:
                body.append("<p>" + e(_("Description (alt text):")) + "</p>"
                            + _copy_box(f"alt-{media_index}", item.alt, rows=3))
            body.append("</div>")
    if rendered.link and not any(rendered.link in p.text for p in rendered.parts):
        body.append("<h2>" + e(_("Link")) + "</h2>" + _copy_box("link", rendered.link, rows=1))
    return _page(title, "\n".join(body))


def _index_html(awaiting: list[Row], config: Config, state_dir: Path, now: datetime) -> str:
    tz = config.timezone
    e = html.escape
    title = _("Waiting to be published by hand")
    alert = config.handoff.alert_after_hours
    rows = []
    link = e(_("sheet"))
    for row in sorted(awaiting, key=lambda r: (r.updated_at, r.id)):
        hours = (now - row.updated_at).total_seconds() / 3600
        waited = _("{hours} h").format(hours=number(hours, 1))
        old = ' class="old"' if hours > alert else ""
        name = sheet_path(state_dir, row).name
        rows.append(f"<tr><td>{e(local(row.due, tz))}</td><td>{e(row.post_id)}</td>"
                    f"<td>{e(platform_label(row.platform))}</td>"
                    f"<td{old}>{e(waited)}</td>"
                    f'<td><a href="{e(name)}">{link}</a></td></tr>')
    if rows:
        table = ("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in (
            _("due"), _("post"), _("platform"), _("waiting"), "")) + "</tr>"
                 + "".join(rows) + "</table>")
    else:
        table = "<p>" + e(_("Nothing is waiting.")) + "</p>"
    return _page(title, f"<h1>{e(title)}</h1><p class=\"meta\">"
                 + e(_("Updated {time}").format(time=local(now, tz))) + f"</p>{table}")
