"""X costs, known before and after (issue 11, item 3): the price table, the cost of a post in
preview and dry-run, what really reached the platforms (report cost), the monthly budget, the
link policy and reconciliation's reads, on the sandbox fakes."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import load_config
from bmnsocial.errors import ConfigError
from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.platforms.x_costs import XPrices
from bmnsocial.publish.ledger import ONCE, Ledger, Status
from bmnsocial.render.payload import content_hash, dumps
from bmnsocial.sandbox.connections import sandbox_runtime
from tests.helpers import NOW, WritePost
from tests.test_publisher import FakeClock

TWITTER_KEYS = "    access_token_secret_env: BMNSOCIAL_X_ACCESS_TOKEN_SECRET\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def set_twitter(workspace: Path, *lines: str) -> None:
    """Add keys under accounts.twitter of the workspace's config.yaml."""
    path = workspace / "config.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(TWITTER_KEYS, TWITTER_KEYS + "".join(
        f"    {line}\n" for line in lines)), encoding="utf-8")


def requests_table(workspace: Path) -> list[tuple[str, str, int, float]]:
    db = sqlite3.connect(Path(os.environ["BMNSOCIAL_HOME"]) / "sandbox" / "ledger.sqlite3")
    try:
        return list(db.execute("SELECT platform, kind, units, cost_usd FROM platform_requests "
                               "ORDER BY id"))
    finally:
        db.close()


THREAD = """\
    category: servicios-productos
    text: "no usado en X"
    twitter:
      thread:
        - "Cómo buscar evidencia, en tres pasos."
        - "Las guías están en bmns.sld.cu/guias y en la sala de referencia."
        - "Escríbanos si necesita ayuda."
    media:
      - path: jornada-cientifica-cartel.jpg
        alt: Cartel de la jornada.
    schedule:
      at: 2026-12-10 09:00
"""


# -- the price table -------------------------------------------------------------------------

def test_default_prices_are_xs_of_2026_02_06_and_each_can_be_overridden(
        workspace: Path) -> None:
    embedded = load_config(None)
    assert embedded.twitter is not None and embedded.twitter.prices == XPrices(
        content_create=0.015, content_create_with_url=0.200, posts_read=0.005,
        user_read=0.010, media_metadata=0.005, media_upload=0.0)
    assert embedded.twitter.links == "inline" and embedded.twitter.monthly_budget_usd is None
    set_twitter(workspace, "prices:", "  content_create_with_url: 0.25",
                "monthly_budget_usd: 12.5", "links: omit")
    twitter = load_config(workspace / "config.yaml").twitter
    assert twitter is not None
    assert twitter.prices.content_create_with_url == 0.25
    assert twitter.prices.content_create == 0.015  # the others keep X's
    assert twitter.monthly_budget_usd == 12.5 and twitter.links == "omit"


def test_prices_refuse_unknown_keys_with_a_hint_and_negative_or_non_numbers(
        workspace: Path) -> None:
    set_twitter(workspace, "prices:", "  posts_reed: 0.005", "  user_read: -1",
                "  media_metadata: barato", "links: sin-enlace", "monthly_budget_usd: -3")
    with pytest.raises(ConfigError) as raised:
        load_config(workspace / "config.yaml")
    found = {(d.code, d.hint) for d in raised.value.diagnostics}
    assert ("SCHEMA-UNKNOWN-KEY", "did you mean 'posts_read'?") in found
    codes = [d.code for d in raised.value.diagnostics]
    assert codes.count("SCHEMA-VALUE") == 3  # user_read, links, monthly_budget_usd
    assert "SCHEMA-TYPE" in codes  # media_metadata


# -- before: preview and dry run ---------------------------------------------------------------

def test_dry_run_shows_each_x_request_and_the_posts_total(write_post: WritePost) -> None:
    path = write_post("hilo.yaml", THREAD)
    code, out = run("post", str(path), "--dry-run")
    assert code == ExitCode.OK, out
    costs = out[out.index("Cost on X"):]
    assert "[1/3] media upload (not in X's price table): $0.000" in costs
    assert "[1/3] Media Metadata (alt text): $0.005" in costs
    assert "[1/3] Content: Create: $0.015" in costs
    # a bare domain is a link to X (it counts 23 characters and becomes a t.co link)
    assert "[2/3] Content: Create (with URL): $0.200" in costs
    assert "[3/3] Content: Create: $0.015" in costs
    assert "total: $0.235" in costs
    assert out.count("Cost on X") == 1  # Facebook is not charged


def test_preview_json_has_cost_usd_per_platform(write_post: WritePost) -> None:
    path = write_post("hilo.yaml", THREAD)
    code, out = run("preview", str(path), "--json")
    assert code == ExitCode.OK, out
    platforms = {p["platform"]: p for p in json.loads(out)["posts"][0]["platforms"]}
    assert platforms["facebook"]["cost_usd"] == 0
    assert platforms["twitter"]["cost_usd"] == pytest.approx(0.235)
    assert [(c["part"], c["request"]) for c in platforms["twitter"]["costs"]] == [
        (1, "media_upload"), (1, "media_metadata"), (1, "content_create"),
        (2, "content_create_with_url"), (3, "content_create")]


# -- links: inline | omit -----------------------------------------------------------------------

LINKED = """\
category: servicios-productos
text: "{text}"
link: https://www.bmns.sld.cu/guias
{extra}"""


def x_rendering(path: Path) -> dict[str, object]:
    """X's rendering in `preview --json`, with the post's validity and Facebook's rendering."""
    post = json.loads(run("preview", str(path), "--json")[1])["posts"][0]
    by_platform = {p["platform"]: p for p in post["platforms"]}
    return {**by_platform["twitter"], "valid": post["valid"],
            "facebook": by_platform["facebook"]}


def test_links_omit_sends_x_the_text_without_the_link_and_facebook_keeps_it(
        workspace: Path, write_post: WritePost) -> None:
    path = write_post("guias.yaml", LINKED.format(text="Nuevas guías de búsqueda.", extra=""))
    inline = x_rendering(path)
    assert "https://www.bmns.sld.cu/guias" in str(inline["parts"])
    assert inline["cost_usd"] == pytest.approx(0.200)

    set_twitter(workspace, "links: omit")
    omitted = x_rendering(path)
    assert "bmns.sld.cu" not in str(omitted["parts"]) and omitted["link"] is None
    assert omitted["cost_usd"] == pytest.approx(0.015)
    assert "https://www.bmns.sld.cu/guias" in str(omitted["facebook"])

    # the post's own choice wins over the config's, either way
    write_post("guias.yaml", LINKED.format(text="Nuevas guías de búsqueda.",
                                           extra="twitter:\n  links: inline\n"))
    assert x_rendering(path)["cost_usd"] == pytest.approx(0.200)


def test_a_post_can_omit_its_link_on_x_and_its_length_is_judged_without_it(
        write_post: WritePost) -> None:
    text = "Guías de búsqueda de la BMN " + "a" * 240  # 268: with the link (23 + 2) too long
    path = write_post("largo.yaml", LINKED.format(text=text, extra=""))
    assert x_rendering(path)["valid"] is False
    write_post("largo.yaml", LINKED.format(text=text, extra="twitter:\n  links: omit\n"))
    assert x_rendering(path)["valid"] is True
    write_post("largo.yaml", LINKED.format(text=text, extra="twitter:\n  links: nunca\n"))
    code, out = run("validate", str(path))
    assert code == ExitCode.INVALID and "twitter.links" in out


def test_omitted_link_is_what_x_receives_on_the_sandbox(workspace: Path,
                                                         write_post: WritePost) -> None:
    set_twitter(workspace, "links: omit")
    path = write_post("guias.yaml", LINKED.format(text="Nuevas guías de búsqueda.", extra=""))
    code, out = run("--sandbox", "post", str(path), "--now", "--yes")
    assert code == ExitCode.OK, out
    sent = {p["platform"]: str(p["text"]) for p in json.loads(run("sandbox", "show",
                                                                   "--json")[1])}
    assert "bmns.sld.cu" not in sent["twitter"]
    assert [(k, c) for _p, k, _u, c in requests_table(workspace) if _p == "twitter"] == [
        ("content_create", 0.015)]


# -- after: report cost ------------------------------------------------------------------------

def test_report_cost_counts_every_request_that_reached_the_platforms(
        workspace: Path, write_post: WritePost) -> None:
    path = write_post("hilo.yaml", THREAD)
    assert run("--sandbox", "post", str(path), "--now", "--yes")[0] == ExitCode.OK
    assert run("--sandbox", "accounts", "check")[0] == ExitCode.OK
    # queued for January: planned in January, nothing spent on it
    later = write_post("enero.yaml", LINKED.format(
        text="En enero.", extra="schedule:\n  at: 2027-01-05 09:00\n"))
    assert run("--sandbox", "post", str(later), "--yes")[0] == ExitCode.OK

    code, out = run("--sandbox", "report", "cost", "--json")
    assert code == ExitCode.OK, out
    months = {(m["month"], m["platform"]): m for m in json.loads(out)["months"]}
    x_now = months[("2026-11", "twitter")]
    kinds = [k for p, k, _u, _c in requests_table(workspace) if p == "twitter"]
    assert kinds.count("content_create") == 2 and kinds.count("content_create_with_url") == 1
    assert kinds.count("media_metadata") == 1 and kinds.count("user_read") == 1  # the check
    assert x_now["requests"] == len(kinds)
    assert x_now["spent_usd"] == pytest.approx(0.235 + 0.010)
    assert x_now["planned_usd"] == 0
    assert months[("2026-11", "facebook")]["requests"] >= 2  # publication + check
    assert months[("2026-11", "facebook")]["spent_usd"] == 0
    assert months[("2027-01", "twitter")]["planned_usd"] == pytest.approx(0.200)

    code, text = run("--sandbox", "report", "cost", "--month", "2026-11")
    assert code == ExitCode.OK and "$0.245" in text and "2027-01" not in text
    code, spanish = run("--lang", "es", "--sandbox", "report", "cost", "--month", "2026-11")
    assert "$0,245" in spanish and "Gastado" in spanish
    code, out = run("--sandbox", "report", "cost", "--month", "2026-13")
    assert code == ExitCode.USAGE and "YYYY-MM" in out


def test_an_older_ledger_gains_the_requests_table(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    ledger.db.execute("DROP TABLE platform_requests")
    ledger.close()
    again = Ledger(tmp_path / "ledger.sqlite3")
    assert again.db.execute("SELECT COUNT(*) FROM platform_requests").fetchone()[0] == 0
    again.close()


def test_reconciliation_reads_as_few_posts_as_it_can_and_is_counted(
        workspace: Path) -> None:
    config = load_config(workspace / "config.yaml")
    runtime = sandbox_runtime(config)
    clock = FakeClock()
    clock.current = NOW
    publisher = runtime.publisher(clock=clock)
    ledger = runtime.ledger
    try:
        adapter = runtime.adapter("twitter")
        from bmnsocial.platforms.base import Progress

        def queue(post_id: str, *texts: str) -> object:
            parts = tuple(Part(t, ("text",), len(t), 280) for t in texts)
            payload = dumps(Rendered(post_id, "twitter", parts))
            return ledger.enqueue(post_id=post_id, platform="twitter", occurrence=ONCE,
                                  due=clock.now(), payload=payload,
                                  content_hash=content_hash(payload), source_file="x.yaml",
                                  now=clock.now())

        for i in range(12):  # the account's earlier tweets
            adapter.publish(Rendered(f"old{i}", "twitter", (Part(f"Aviso {i}", (), 7, 280),)),
                            Progress())
        row = queue("cortado", "Antes del apagón")
        assert ledger.claim(row.id, "otra-maquina-4242-deadbeef", clock.now())  # type: ignore[attr-defined]
        adapter.publish(Rendered("cortado", "twitter", (Part("Antes del apagón", (), 16, 280),)),
                        Progress())  # sent; its process died before writing it down
        clock.current += timedelta(minutes=1)
        before = len(requests_table(workspace))
        (done,) = publisher.reconcile_pending()
        assert done.status is Status.PUBLISHED
        reads = [(k, u, c) for _p, k, u, c in requests_table(workspace)[before:]]
        # the user (once per process) and one page of the 5 newest of 13 tweets
        assert reads == [("user_read", 1, 0.010), ("posts_read", 5, 0.025)]

        # a thread whose first part is known: only what came after it is read
        thread = Rendered("hilo", "twitter", (Part("Hilo 1/2", (), 8, 280),
                                               Part("Hilo 2/2", (), 8, 280)))
        payload = dumps(thread)
        row = ledger.enqueue(post_id="hilo", platform="twitter", occurrence=ONCE,
                             due=clock.now(), payload=payload,
                             content_hash=content_hash(payload), source_file="x.yaml",
                             now=clock.now())
        assert ledger.claim(row.id, "otra-maquina-4242-deadbeef", clock.now())
        sent = adapter.publish(thread, Progress())
        ledger.save_progress(row.id, [sent.part_ids[0]], clock.now())
        before = len(requests_table(workspace))
        (done,) = publisher.reconcile_pending()
        assert done.status is Status.PUBLISHED and done.part_ids == list(sent.part_ids)
        assert [(k, u) for _p, k, u, _c in requests_table(workspace)[before:]] == [
            ("posts_read", 1)]
    finally:
        runtime.close()


# -- the monthly budget --------------------------------------------------------------------------

def test_budget_holds_an_x_post_until_raised_and_retried(workspace: Path,
                                                         write_post: WritePost) -> None:
    set_twitter(workspace, "monthly_budget_usd: 0.1")
    path = write_post("guias.yaml", LINKED.format(text="Nuevas guías.", extra=""))
    code, out = run("--sandbox", "post", str(path), "--now", "--yes")
    assert code == ExitCode.PENDING, out
    assert "facebook  guias: published" in out and "twitter   guias: HELD" in out
    assert "$0.200 on X" in out and "$0.100 monthly budget" in out
    shown = json.loads(run("sandbox", "show", "--json")[1])
    assert [p["platform"] for p in shown] == ["facebook"]  # nothing was sent to X
    assert [k for p, k, _u, _c in requests_table(workspace) if p == "twitter"] == []

    code, out = run("--sandbox", "status", "--json")
    health = json.loads(out)
    assert code == ExitCode.UNHEALTHY and "x-budget" in health["problem_codes"]
    assert health["x_budget"]["shortfall_usd"] == pytest.approx(0.1)
    (held,) = health["x_budget"]["held"]
    assert held["status"] == "queued" and held["reason_code"] == "X-BUDGET"
    # held until the month turns in the config's zone, then judged as a late occurrence
    assert held["next_attempt_at"] == "2026-12-01T00:00:00-05:00"
    code, out = run("--sandbox", "status")
    assert "they need $0.100 more" in out or "it needs $0.100 more" in out
    code, spanish = run("--lang", "es", "--sandbox", "status")
    assert "$0,100" in spanish and "presupuesto" in spanish
    assert "costaría $0,200 en X" in spanish  # the stored reason, said in the reader's words

    # run-due leaves it held: the budget has not changed
    run("--sandbox", "run-due")
    assert json.loads(run("--sandbox", "status", "--json")[1])["x_budget"]["held"]

    set_twitter(workspace, "monthly_budget_usd: 1")
    path_config = workspace / "config.yaml"
    text = path_config.read_text(encoding="utf-8").replace(
        "    monthly_budget_usd: 0.1\n", "")
    path_config.write_text(text, encoding="utf-8")
    code, out = run("--sandbox", "retry", "guias", "--yes")
    assert code == ExitCode.OK, out
    run("--sandbox", "run-due")
    history = json.loads(run("--sandbox", "history", "--json")[1])
    assert {(r["platform"], r["status"]) for r in history} == {
        ("facebook", "published"), ("twitter", "published")}
    tweets = [p for p in json.loads(run("sandbox", "show", "--json")[1])
              if p["platform"] == "twitter"]
    assert len(tweets) == 1


def test_a_running_publisher_goes_by_the_budget_raised_in_config_yaml(
        workspace: Path) -> None:
    set_twitter(workspace, "monthly_budget_usd: 0.1")
    config_file = workspace / "config.yaml"
    runtime = sandbox_runtime(load_config(config_file))
    clock = FakeClock()
    clock.current = NOW
    publisher = runtime.publisher(clock=clock)  # as a daemon started before the change
    ledger = runtime.ledger
    try:
        text = "Guías de búsqueda: https://www.bmns.sld.cu/guias"
        payload = dumps(Rendered("guias", "twitter", (Part(text, ("text",), 43, 280),)))
        row = ledger.enqueue(post_id="guias", platform="twitter", occurrence=ONCE,
                             due=clock.now(), payload=payload,
                             content_hash=content_hash(payload), source_file="x.yaml",
                             now=clock.now())
        (held,) = publisher.run_ready()
        assert held.status is Status.QUEUED and held.reason_code == "X-BUDGET"
        config_file.write_text(config_file.read_text(encoding="utf-8").replace(
            "monthly_budget_usd: 0.1", "monthly_budget_usd: 1"), encoding="utf-8")
        stat = config_file.stat()  # a new mtime even where the clock's grain is coarse
        os.utime(config_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        ledger.retry(row.id, clock.now(), only_if=Status.QUEUED)
        (sent,) = publisher.run_ready()
        assert sent.status is Status.PUBLISHED
    finally:
        runtime.close()


def test_the_meter_keeps_one_connection_per_thread_and_leaves_the_flush_to_claims(
        tmp_path: Path) -> None:
    """Counting an answer must not cost a connection and a disk flush per request (it did:
    bench_publish's daemon path paid both on every post); a claim's flush carries the counts
    to disk with it."""
    import threading

    import requests

    from bmnsocial.publish.costs import RequestMeter

    ledger = Ledger(tmp_path / "ledger.sqlite3")
    meter = RequestMeter(ledger.path, load_config(None), lambda: NOW)
    answer = requests.Response()
    answer.status_code = 201
    meter.heard("facebook", answer)
    meter.heard("facebook", answer)
    elsewhere = threading.Thread(target=meter.heard, args=("facebook", answer))
    elsewhere.start()
    elsewhere.join()
    opened = list(meter._opened)
    assert len(opened) == 2  # this thread's, reused, and the other thread's
    assert {db.execute("PRAGMA synchronous").fetchone()[0] for db in opened} == {1}  # NORMAL
    assert ledger.db.execute("SELECT COUNT(*) FROM platform_requests").fetchone()[0] == 3
    meter.close()
    assert meter._opened == []
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].execute("SELECT 1")
    ledger.close()
