"""Hand-off by hand (accounts.<platform>.mode: manual): at an occurrence's time the daemon and
run-due write a publishing sheet instead of calling the API, the row waits as
'awaiting_manual', and `bmnsocial done` records what a person published."""

from __future__ import annotations

import html
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial import i18n
from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import Config, load_config
from bmnsocial.errors import ConfigError
from bmnsocial.publish.handoff import Handoff, folder, sheet_path
from bmnsocial.publish.ledger import HANDOFF, Status
from bmnsocial.publish.publisher import Publisher
from bmnsocial.publish.runtime import Runtime
from bmnsocial.sandbox.connections import sandbox_runtime
from bmnsocial.schedule.daemon import Daemon, run_due
from tests.helpers import NOW, WritePost
from tests.test_publisher import FakeClock

DUE = NOW + timedelta(hours=1)
POST = f"""\
category: detras-de-escena
text: Detrás de cada libro está el trabajo del equipo de procesos técnicos & <amigos>.
media:
  - path: catalogacion-equipo.jpg
    alt: Dos especialistas trabajan con libros y una computadora.
consent: true
platforms: [twitter, facebook]
schedule:
  at: {DUE:%Y-%m-%d %H:%M}
"""


def manual(workspace: Path, extra: str = "") -> Config:
    """The workspace's config with X in manual mode (and ``extra`` appended)."""
    path = workspace / "config.yaml"
    text = path.read_text("utf-8").replace("    username: BMN_Cuba\n",
                                           "    username: BMN_Cuba\n    mode: manual\n")
    path.write_text(text + extra, "utf-8")
    return load_config(path)


@contextmanager
def runtime_at(config: Config) -> Iterator[tuple[Runtime, FakeClock]]:
    clock = FakeClock()
    clock.current = NOW
    runtime = sandbox_runtime(config)
    runtime.publisher(clock=clock)
    try:
        yield runtime, clock
    finally:
        runtime.close()


def invoke(*args: str, now: datetime = DUE + timedelta(hours=2)) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--sandbox", *args], env={"BMNSOCIAL_NOW": now.isoformat()})
    return result.exit_code, result.output


def queue_post(write_post: WritePost) -> None:
    path = write_post("equipo.yaml", POST)
    code, out = invoke("post", str(path), "--yes", now=NOW)
    assert code == 0, out


def x_received(runtime: Runtime) -> list[dict[str, object]]:
    return [p for p in runtime.connections.start().published()  # type: ignore[attr-defined]
            if p["platform"] == "x"]


def sheets(runtime: Runtime) -> list[Path]:
    return sorted(p for p in folder(runtime.state_dir).glob("*.html") if p.name != "index.html")


def text_boxes(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<textarea id="text-\d+"[^>]*>(.*?)</textarea>',
                                                page, re.S)]


# -- config
def test_mode_defaults_to_api_and_manual_drops_the_credentials(workspace: Path) -> None:
    before = load_config(workspace / "config.yaml")
    assert before.manual_platforms == frozenset()
    config = manual(workspace)
    assert config.twitter is not None and config.shared["twitter"].mode == "manual"
    assert config.manual_platforms == frozenset({"twitter"})
    assert {c.platform for c in config.credentials()} == {"facebook", "telegram"}


def test_a_wrong_mode_is_a_config_error(workspace: Path) -> None:
    path = workspace / "config.yaml"
    path.write_text(path.read_text("utf-8").replace(
        "    username: BMN_Cuba\n", "    username: BMN_Cuba\n    mode: manuel\n"), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "accounts.twitter.mode" in str(caught.value) and "manual" in str(caught.value)


def test_notify_command_as_text_or_list(workspace: Path) -> None:
    config = manual(workspace, "handoff:\n  notify_command: mail-sheet --to 'equipo bmn'\n"
                               "  alert_after_hours: 6\n")
    assert config.handoff.notify_command == ("mail-sheet", "--to", "equipo bmn")
    assert config.handoff.alert_after_hours == 6


# -- the sheet, by run-due and by the daemon
def test_run_due_writes_one_sheet_and_sends_nothing_to_x(workspace: Path,
                                                          write_post: WritePost) -> None:
    config = manual(workspace)
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
        (row,) = runtime.ledger.rows(post_id="equipo", platform="twitter")
        assert row.status is Status.AWAITING_MANUAL
        assert x_received(runtime) == []  # X was never called
        assert runtime.ledger.rows(post_id="equipo", platform="facebook")[0].status \
            is Status.PUBLISHED
        (sheet,) = sheets(runtime)
        assert sheet == sheet_path(runtime.state_dir, row)
        first = sheet.read_bytes()
        clock.current = DUE + timedelta(hours=1)
        run_due(runtime)  # and again: the occurrence is waiting, nothing more is written
        assert sheets(runtime) == [sheet] and sheet.read_bytes() == first
        assert runtime.ledger.get(row.id).status is Status.AWAITING_MANUAL
        index = (folder(runtime.state_dir) / "index.html").read_text("utf-8")
        assert sheet.name in index and "equipo" in index


def test_the_sheet_is_what_preview_shows(workspace: Path, write_post: WritePost) -> None:
    config = manual(workspace)
    queue_post(write_post)
    code, out = invoke("preview", "--json", "posts/equipo.yaml", now=NOW)
    assert code == 0, out
    (twitter,) = [p for p in json.loads(out)["posts"][0]["platforms"]
                  if p["platform"] == "twitter"]
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
        (sheet,) = sheets(runtime)
    page = sheet.read_text("utf-8")
    assert text_boxes(page) == [part["text"] for part in twitter["parts"]]
    assert twitter["cost_usd"] == 0  # no request to X: nothing to pay
    assert "@BMN_Cuba" in page and "https://x.com/BMN_Cuba" in page
    assert "Dos especialistas trabajan con libros y una computadora." in page
    assert "data:image/jpeg;base64," in page  # the image travels inside the page
    copy = sheet.with_suffix(".files") / "1-catalogacion-equipo.jpg"
    assert copy.read_bytes() == (workspace / "posts/media/catalogacion-equipo.jpg").read_bytes()
    assert "bmnsocial done equipo --platform twitter --url URL" in page
    assert "<script src" not in page and "<link " not in page  # nothing fetched from elsewhere


def test_the_sheet_in_spanish(workspace: Path, write_post: WritePost) -> None:
    config = manual(workspace)
    queue_post(write_post)
    i18n.install("es")
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
        (sheet,) = sheets(runtime)
        index = (folder(runtime.state_dir) / "index.html").read_text("utf-8")
    page = sheet.read_text("utf-8")
    assert 'lang="es"' in page and "Cuenta que debe usar" in page and "Copiar" in page
    assert "Esperan publicación a mano" in index


def test_the_daemon_writes_the_sheet_at_its_time(workspace: Path,
                                                 write_post: WritePost) -> None:
    config = manual(workspace)
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        daemon = Daemon(runtime)
        try:
            daemon.refresh()
            (row,) = runtime.ledger.rows(post_id="equipo", platform="twitter")
            clock.current = DUE - timedelta(minutes=1)
            daemon.run_row(row.id)
            assert runtime.ledger.get(row.id).status is Status.QUEUED and sheets(runtime) == []
            clock.current = DUE
            daemon.run_row(row.id)
            assert runtime.ledger.get(row.id).status is Status.AWAITING_MANUAL
            daemon.run_row(row.id)
            daemon.refresh()
            assert len(sheets(runtime)) == 1 and x_received(runtime) == []
        finally:
            daemon.watch_ledger.close()


def test_a_crash_between_the_claim_and_the_sheet(workspace: Path,
                                                 write_post: WritePost) -> None:
    config = manual(workspace)
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        (row,) = runtime.ledger.rows(post_id="equipo", platform="twitter")
        clock.current = DUE
        # A process claimed it and died before writing anything (its lock is gone).
        claimed = runtime.ledger.claim(row.id, "dead-process", DUE, due=True,
                                       manual={"twitter"})
        assert claimed is not None and claimed.error_kind == HANDOFF
        assert sheets(runtime) == []
        run_due(runtime)
        assert runtime.ledger.get(row.id).status is Status.AWAITING_MANUAL
        assert len(sheets(runtime)) == 1 and x_received(runtime) == []
        # Died after the sheet, before the row's new status: the same sheet, not a second.
        other = runtime.ledger.rows(post_id="equipo", platform="twitter")[0]
        runtime.ledger.db.execute("UPDATE publications SET status = 'sending', claimed_by = "
                                  "'dead-process' WHERE id = ?", (other.id,))
        run_due(runtime)
        assert len(sheets(runtime)) == 1
        assert runtime.ledger.get(row.id).status is Status.AWAITING_MANUAL


def test_a_row_sent_through_the_api_before_the_switch_is_left_to_a_person(
        workspace: Path, write_post: WritePost) -> None:
    config = manual(workspace)
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        (row,) = runtime.ledger.rows(post_id="equipo", platform="twitter")
        clock.current = DUE
        runtime.ledger.claim(row.id, "dead-process", DUE, due=True)  # claimed in api mode
        run_due(runtime)
        after = runtime.ledger.get(row.id)
        assert after.status is Status.UNCONFIRMED and after.reason_code == "manual-after-api"
        assert sheets(runtime) == []


# -- done
def handed_off(workspace: Path, write_post: WritePost) -> Config:
    config = manual(workspace)
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
    return config


@pytest.mark.parametrize("url", ["https://x.com/BMN_Cuba/status/1880000000000000001",
                                 "https://twitter.com/bmn_cuba/status/1880000000000000001?s=20"])
def test_done_records_the_url(workspace: Path, write_post: WritePost, url: str) -> None:
    config = handed_off(workspace, write_post)
    code, out = invoke("done", "equipo", "--platform", "x", "--url", url)
    assert code == 0, out
    assert "Recorded equipo" in out
    with runtime_at(config) as (runtime, _clock):
        (row,) = runtime.ledger.rows(post_id="equipo", platform="twitter")
        assert row.status is Status.PUBLISHED and row.url == url
        assert row.platform_post_id == "1880000000000000001"
        index = (folder(runtime.state_dir) / "index.html").read_text("utf-8")
        assert "equipo" not in index
    code, out = invoke("done", "equipo", "--platform", "twitter", "--url", url)
    assert code == ExitCode.INVALID and "already recorded as published" in out


@pytest.mark.parametrize("url", ["https://x.com/BMN_Cuba", "https://www.facebook.com/x/posts/1",
                                 "x.com/BMN_Cuba/status/1", "https://x.com/otra/status/123"])
def test_done_refuses_an_address_of_another_shape(workspace: Path, write_post: WritePost,
                                                  url: str) -> None:
    handed_off(workspace, write_post)
    code, out = invoke("done", "equipo", "--platform", "twitter", "--url", url)
    assert code == ExitCode.USAGE, out
    assert "Traceback" not in out
    code, _out = invoke("history", "--post", "equipo", "--json")
    assert {r["status"] for r in json.loads(_out) if r["platform"] == "twitter"} == {
        "awaiting_manual"}


def test_done_for_a_post_not_waiting(workspace: Path, write_post: WritePost) -> None:
    manual(workspace)
    queue_post(write_post)  # queued, its time not come
    code, out = invoke("done", "equipo", "--platform", "twitter",
                       "--url", "https://x.com/BMN_Cuba/status/1", now=NOW)
    assert code == ExitCode.INVALID and "has not come" in out
    code, out = invoke("done", "equipp", "--platform", "twitter",
                       "--url", "https://x.com/BMN_Cuba/status/1", now=NOW)
    assert code == ExitCode.USAGE and "equipo" in out


def test_done_facebook_shapes() -> None:
    from bmnsocial.cli.handoff import check_url

    assert check_url("https://www.facebook.com/BMNCuba/posts/pfbid02abcXYZ", "facebook",
                     None) == "pfbid02abcXYZ"
    assert check_url("https://m.facebook.com/permalink.php?story_fbid=123&id=456",
                     "facebook", None) == "123"
    assert check_url("https://www.facebook.com/photo/?fbid=987&set=a.1", "facebook",
                     None) == "987"


def test_done_with_several_occurrences_waiting(workspace: Path, write_post: WritePost) -> None:
    config = manual(workspace)
    path = write_post("semanal.yaml", f"""\
category: 9
text: Cada día, la BMN abre a las ocho.
platforms: [twitter]
schedule:
  cron: "0 {DUE:%H} * * *"
  start: {DUE:%Y-%m-%d}
""")
    assert invoke("post", str(path), "--yes", now=NOW)[0] == 0
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
        clock.current = DUE + timedelta(days=1)
        run_due(runtime)
        waiting = runtime.ledger.rows(statuses=(Status.AWAITING_MANUAL,))
        assert len(waiting) == 2 and len(sheets(runtime)) == 2
    later = DUE + timedelta(days=1, hours=1)
    code, out = invoke("done", "semanal", "--platform", "twitter", "--due",
                       f"{DUE + timedelta(days=1):%Y-%m-%d %H:%M}",
                       "--url", "https://x.com/BMN_Cuba/status/2", now=later)
    assert code == 0, out
    code, out = invoke("done", "semanal", "--platform", "twitter",
                       "--url", "https://x.com/BMN_Cuba/status/1", now=later)
    assert code == 0, out
    with runtime_at(config) as (runtime, _clock):
        rows = runtime.ledger.rows(post_id="semanal", statuses=(Status.PUBLISHED,))
        assert [(r.due, r.url) for r in rows] == [
            (DUE, "https://x.com/BMN_Cuba/status/1"),
            (DUE + timedelta(days=1), "https://x.com/BMN_Cuba/status/2")]


# -- status, queue, history, calendar, ICS, mix
def test_status_lists_what_waits_and_turns_unhealthy_late(workspace: Path,
                                                          write_post: WritePost) -> None:
    handed_off(workspace, write_post)
    code, out = invoke("status", "--json", now=DUE + timedelta(hours=2))
    data = json.loads(out)
    (waiting,) = data["awaiting_manual"]
    assert waiting["post_id"] == "equipo" and waiting["waiting_hours"] == 2.0
    assert waiting["sheet"].endswith("-equipo-twitter.html")
    assert "handoff-overdue" not in data["problem_codes"]
    code, out = invoke("status", "--json", now=DUE + timedelta(hours=25))
    assert code == ExitCode.UNHEALTHY
    assert "handoff-overdue" in json.loads(out)["problem_codes"]
    code, out = invoke("status", now=DUE + timedelta(hours=25))
    assert "AWAITING A PERSON: twitter equipo" in out


def test_listings_count_hand_offs_like_publications(workspace: Path,
                                                    write_post: WritePost) -> None:
    handed_off(workspace, write_post)
    code, out = invoke("queue", "--json")
    assert [(r["platform"], r["status"]) for r in json.loads(out)] == [
        ("twitter", "awaiting_manual")]
    code, out = invoke("queue")
    assert "publish it by hand" in out
    code, out = invoke("calendar", "--json", "--from", f"{DUE:%Y-%m-%d}")
    (entry,) = [e for e in json.loads(out) if e["post_id"] == "equipo"]
    assert entry["platforms"] == {"facebook": "published", "twitter": "awaiting_manual"}
    code, out = invoke("calendar", "--week", "--from", f"{DUE:%Y-%m-%d}", "--no-color")
    assert "x◷" in out and "◷ awaiting a person" in out
    code, out = invoke("calendar", "--ics", "plan.ics", "--from", f"{DUE:%Y-%m-%d}")
    assert code == 0, out
    ics = (workspace / "plan.ics").read_text("utf-8").replace("\r\n ", "")
    assert "X (Twitter): awaiting a person" in ics and "STATUS:TENTATIVE" in ics
    code, out = invoke("report", "mix", "--json", "--since", f"{DUE:%Y-%m-%d}")
    assert code == 0, out
    totals = json.loads(out)["totals"]
    assert totals["published"] + totals["queued"] == 1
    invoke("done", "equipo", "--platform", "twitter", "--url",
           "https://x.com/BMN_Cuba/status/1880000000000000001")
    code, out = invoke("calendar", "--json", "--from", f"{DUE:%Y-%m-%d}")
    (entry,) = [e for e in json.loads(out) if e["post_id"] == "equipo"]
    assert entry["platforms"] == {"facebook": "published", "twitter": "published"}
    code, out = invoke("history", "--post", "equipo")
    assert "https://x.com/BMN_Cuba/status/1880000000000000001" in out


def test_cancel_takes_a_waiting_sheet_off_the_index(workspace: Path,
                                                    write_post: WritePost) -> None:
    config = handed_off(workspace, write_post)
    code, out = invoke("cancel", "equipo", "--platform", "twitter")
    assert code == 0, out
    with runtime_at(config) as (runtime, _clock):
        assert runtime.ledger.rows(post_id="equipo", platform="twitter")[0].status \
            is Status.CANCELLED
        assert "equipo" not in (folder(runtime.state_dir) / "index.html").read_text("utf-8")


# -- notify_command
def notifier(workspace: Path, body: str, timeout: int = 30) -> str:
    script = workspace / "notify.py"
    script.write_text(body, "utf-8")
    return (f"handoff:\n  notify_command: [{sys.executable}, {script}]\n"
            f"  notify_timeout_seconds: {timeout}\n")


def test_notify_command_gets_the_sheet_and_no_secret(workspace: Path, write_post: WritePost,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMNSOCIAL_FACEBOOK_PAGE_TOKEN", "EAAsecretpagetoken123")
    monkeypatch.setenv("MAIL_TO", "equipo@bmn.sld.cu")
    seen = workspace / "seen.json"
    config = manual(workspace, notifier(workspace, (
        "import json, os, sys\n"
        f"open({str(seen)!r}, 'w').write(json.dumps([sys.argv[1:], dict(os.environ)]))\n")))
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
        publisher: Publisher = runtime.publisher()
        assert publisher.handoff is not None
        publisher.handoff.wait()
        (sheet,) = sheets(runtime)
    args, env = json.loads(seen.read_text("utf-8"))
    assert args == [str(sheet)]
    assert "BMNSOCIAL_FACEBOOK_PAGE_TOKEN" not in env and env["MAIL_TO"] == "equipo@bmn.sld.cu"
    _code, out = invoke("status", "--json")
    assert json.loads(out)["notify_failures"] == {}


@pytest.mark.parametrize(("body", "timeout", "said"), [
    ("import sys\nprint('no mail server', file=sys.stderr)\nsys.exit(3)\n", 30,
     "exit status 3: no mail server"),
    ("import time\ntime.sleep(600)\n", 1, "stopped after 1 s"),
])
def test_a_failing_notify_command_is_said(
        workspace: Path, write_post: WritePost, body: str, timeout: int, said: str) -> None:
    config = manual(workspace, notifier(workspace, body, timeout))
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
        publisher = runtime.publisher()
        assert publisher.handoff is not None
        assert runtime.ledger.rows(post_id="equipo", platform="facebook")[0].status \
            is Status.PUBLISHED
        publisher.handoff.wait()
    _code, out = invoke("status", "--json")
    data = json.loads(out)
    (why,) = data["notify_failures"].values()
    assert said in why
    assert "notify-failed" in data["warning_codes"]


def test_handoff_writes_nothing_for_an_api_platform(workspace: Path) -> None:
    config = load_config(workspace / "config.yaml")
    assert Handoff(config, workspace).manual == frozenset()


def test_accounts_check_leaves_a_manual_account_alone(workspace: Path) -> None:
    manual(workspace)
    code, out = invoke("accounts", "check", "--json", now=NOW)
    assert code == 0, out
    (x,) = [e for e in json.loads(out) if e["platform"] == "twitter"]
    assert x["ok"] and x["mode"] == "manual"


def test_a_handed_off_post_renamed_is_not_queued_again(workspace: Path,
                                                        write_post: WritePost) -> None:
    config = manual(workspace)
    only_x = POST.replace("platforms: [twitter, facebook]", "platforms: [twitter]")
    assert invoke("post", str(write_post("equipo.yaml", only_x)), "--yes", now=NOW)[0] == 0
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
    (workspace / "posts" / "equipo.yaml").unlink()
    write_post("equipo-tecnico.yaml", only_x)
    code, out = invoke("sync")
    assert code == ExitCode.INVALID and "POST-RENAMED" in out, out
    code, out = invoke("queue", "--json")
    assert [r["post_id"] for r in json.loads(out)] == ["equipo"]


def test_report_mix_counts_a_waiting_sheet_as_queued_and_a_done_one_as_published(
        workspace: Path, write_post: WritePost) -> None:
    config = manual(workspace)
    only_x = POST.replace("platforms: [twitter, facebook]", "platforms: [twitter]")
    assert invoke("post", str(write_post("equipo.yaml", only_x)), "--yes", now=NOW)[0] == 0
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
    code, out = invoke("report", "mix", "--json", "--since", f"{DUE:%Y-%m-%d}")
    assert code == 0, out
    assert (json.loads(out)["totals"]["published"], json.loads(out)["totals"]["queued"]) == (0, 1)
    assert invoke("done", "equipo", "--platform", "twitter", "--url",
                  "https://x.com/BMN_Cuba/status/1880000000000000001")[0] == 0
    code, out = invoke("report", "mix", "--json", "--since", f"{DUE:%Y-%m-%d}")
    assert (json.loads(out)["totals"]["published"], json.loads(out)["totals"]["queued"]) == (1, 0)


def test_done_speaks_spanish(workspace: Path, write_post: WritePost) -> None:
    handed_off(workspace, write_post)
    code, out = invoke("--lang", "es", "done", "equipo", "--platform", "twitter",
                       "--url", "https://x.com/BMN_Cuba")
    assert code == ExitCode.USAGE and "no es la dirección de una publicación en X" in out
    code, out = invoke("--lang", "es", "status", now=DUE + timedelta(hours=2))
    assert "ESPERA A UNA PERSONA: twitter equipo" in out
    code, out = invoke("--lang", "es", "done", "equipo", "--platform", "twitter",
                       "--url", "https://x.com/BMN_Cuba/status/1880000000000000001")
    assert code == 0 and "Registrada equipo" in out


def test_the_daemon_goes_on_while_notify_command_runs(workspace: Path,
                                                      write_post: WritePost) -> None:
    gate = workspace / "gate"
    os.mkfifo(gate)
    config = manual(workspace, notifier(workspace, f"open({str(gate)!r}).read()\n"))
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        daemon = Daemon(runtime)
        try:
            daemon.refresh()
            x_row = runtime.ledger.rows(post_id="equipo", platform="twitter")[0]
            fb_row = runtime.ledger.rows(post_id="equipo", platform="facebook")[0]
            clock.current = DUE
            daemon.run_row(x_row.id)  # the command starts, and waits at the gate
            daemon.run_row(fb_row.id)
            assert runtime.ledger.get(fb_row.id).status is Status.PUBLISHED
            handoff = runtime.publisher().handoff
            assert handoff is not None and any(t.is_alive() for t in handoff._notifying)
            with gate.open("w") as opened:  # let the command finish
                opened.write("go")
            handoff.wait()
        finally:
            daemon.watch_ledger.close()
    _code, out = invoke("status", "--json")
    assert json.loads(out)["notify_failures"] == {}


THREAD = f"""\
category: referencias-asesoramiento
text: Cinco consejos para buscar evidencia científica en salud.
link: https://www.bmns.sld.cu/guias-de-busqueda
twitter:
  thread:
    - "¿Cómo buscar evidencia científica en salud? Consejos de nuestros referencistas"
    - "1. Formule la pregunta con el esquema PICO."
schedule:
  at: {DUE:%Y-%m-%d %H:%M}
"""


def test_both_accounts_by_hand_a_thread_and_a_facebook_link(workspace: Path,
                                                            write_post: WritePost) -> None:
    path = workspace / "config.yaml"
    path.write_text(path.read_text("utf-8").replace(
        "    page_name: Biblioteca Médica Nacional\n",
        "    page_name: Biblioteca Médica Nacional\n    mode: manual\n").replace(
        "    token_env: BMNSOCIAL_TELEGRAM_TOKEN\n",
        "    token_env: BMNSOCIAL_TELEGRAM_TOKEN\n    mode: manual\n"), "utf-8")
    config = manual(workspace)
    assert config.manual_platforms == frozenset({"facebook", "twitter", "telegram"})
    code, out = invoke("config", "check", "--json", now=NOW)
    assert code == 0, out  # no credential is needed at all
    assert json.loads(out)["manual"] == ["facebook", "telegram", "twitter"]
    assert json.loads(out)["credentials"] == [] and json.loads(out)["graph_api"] is None
    assert invoke("post", str(write_post("hilo.yaml", THREAD)), "--yes", now=NOW)[0] == 0
    code, out = invoke("preview", "--json", "posts/hilo.yaml", now=NOW)
    rendered = {p["platform"]: p for p in json.loads(out)["posts"][0]["platforms"]}
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        report = run_due(runtime)
        assert {r.status for r in report.rows} == {Status.AWAITING_MANUAL}
        assert runtime.connections.start().published() == []  # type: ignore[attr-defined]
        by_platform = {p.name.split("-")[-1]: p.read_text("utf-8") for p in sheets(runtime)}
    x_page, fb_page = by_platform["twitter.html"], by_platform["facebook.html"]
    assert text_boxes(x_page) == [p["text"] for p in rendered["twitter"]["parts"]]
    assert "Part 2 of 2" in x_page and "answer your own post" in x_page
    assert text_boxes(fb_page) == [p["text"] for p in rendered["facebook"]["parts"]]
    assert "Biblioteca Médica Nacional" in fb_page
    assert "https://www.facebook.com/100064519523618" in fb_page
    assert 'id="link"' in fb_page and "https://www.bmns.sld.cu/guias-de-busqueda" in fb_page


def test_a_sheet_that_cannot_be_written_is_tried_again(workspace: Path,
                                                       write_post: WritePost) -> None:
    config = manual(workspace)
    queue_post(write_post)
    with runtime_at(config) as (runtime, clock):
        folder(runtime.state_dir).write_text("not a folder")  # where the sheets should go
        clock.current = DUE
        run_due(runtime)
        (row,) = runtime.ledger.rows(post_id="equipo", platform="twitter")
        assert row.status is Status.QUEUED and row.reason_code == "handoff-unwritable"
        assert row.next_attempt_at is not None and row.next_attempt_at > DUE
        folder(runtime.state_dir).unlink()
        clock.current = row.next_attempt_at
        run_due(runtime)
        assert runtime.ledger.get(row.id).status is Status.AWAITING_MANUAL
        assert len(sheets(runtime)) == 1


def test_notify_command_gets_no_credential_of_any_platform(
        workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bmnsocial.publish.handoff import notify_environment

    config = manual(workspace)
    names = {c.env_var for account in config.accounts.values() for c in account.credentials()}
    assert "BMNSOCIAL_TELEGRAM_TOKEN" in names  # every platform's, not only two of them
    for name in names:
        monkeypatch.setenv(name, "not-for-the-command")
    monkeypatch.setenv("MAIL_TO", "equipo@bmn.sld.cu")
    env = notify_environment(config)
    assert not names & set(env) and env["MAIL_TO"] == "equipo@bmn.sld.cu"
