"""The inbox (issue 13, item 3): comments and replies read from the fakes over real HTTP, kept
in the ledger with stable ids, answered exactly once under faults and after a crash, marked
done, counted by `status`, and their answer times for the service factor."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from bmnsocial.cli.exitcodes import ExitCode
from bmnsocial.cli.root import cli
from bmnsocial.config import Config, InboxSettings, load_config
from bmnsocial.errors import ConfigError, UsageError
from bmnsocial.platforms.base import Adapter, Progress
from bmnsocial.platforms.http import build_session
from bmnsocial.platforms.registry import build_adapter
from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish import inbox_store
from bmnsocial.publish.connections import Connections
from bmnsocial.publish.inbox import Inbox, InboxError, conversations
from bmnsocial.publish.ledger import ONCE
from bmnsocial.publish.runtime import Runtime
from bmnsocial.render.payload import content_hash, dumps
from bmnsocial.reports.answers import answer_times
from bmnsocial.sandbox.fake_graph_comments import add_comment
from bmnsocial.sandbox.fake_x_mentions import add_reply
from bmnsocial.sandbox.platforms import Sandbox
from bmnsocial.sandbox.store import Item
from tests import test_crash
from tests.helpers import ANSWER_TIMEOUT, HOLD, WritePost, default_signals, give_up_on_held
from tests.sitehelp import PATIENCE, wait_for
from tests.test_adapters import make_config, make_secrets

pytestmark = pytest.mark.usefixtures("no_leaked_threads")

FOLLOWER = "100000000000001"


class _Fixed(Connections):
    def __init__(self, secrets: Mapping[str, str]) -> None:
        self.secrets = dict(secrets)

    def state_dir(self, base: Path) -> Path:
        return base

    def credentials(self, config: Config) -> dict[str, str]:
        return dict(self.secrets)

    def routes(self, config: Config) -> Mapping[str, str] | None:
        return None

    def base_urls(self, config: Config) -> Mapping[str, str]:
        return {}

    def close(self) -> None:
        pass


class _Runtime(Runtime):
    """The runtime's own ledger and meter; adapters on a session that gives up on requests
    a fake holds (tests/helpers.py), as the publisher's tests build them."""

    def __init__(self, config: Config, sandbox: Sandbox) -> None:
        super().__init__(config, _Fixed(make_secrets()))
        self.session = give_up_on_held(build_session(timeout=ANSWER_TIMEOUT,
                                                     routes=sandbox.routes), sandbox)
        meter = self._meter()
        assert meter is not None
        self.session.hooks["response"].append(
            lambda response, *a, **k: meter.heard(self._platform_of(response), response))

    @staticmethod
    def _platform_of(response: Any) -> str:
        return "facebook" if "/v23.0/" in response.request.url else "twitter"

    def adapter(self, platform: str) -> Adapter:
        return build_adapter(platform, self.config, self.credentials(), self.session)


@dataclass
class World:
    sandbox: Sandbox
    runtime: _Runtime
    inbox: Inbox
    now: list[datetime]
    posts: dict[str, Item]

    @property
    def ledger(self) -> Any:
        return self.runtime.ledger

    def publish(self, platform: str, post_id: str, text: str) -> Item:
        """Published by the adapter and recorded in the ledger, as `post --now` leaves it."""
        limit = 63_206 if platform == "facebook" else 280
        rendered = Rendered(post_id, platform, (Part(text, ("text",), len(text), limit),))
        payload = dumps(rendered)
        row = self.ledger.enqueue(post_id=post_id, platform=platform, occurrence=ONCE,
                                  due=self.now[0], payload=payload,
                                  content_hash=content_hash(payload), source_file="x.yaml",
                                  now=self.now[0])
        assert self.ledger.claim(row.id, "me", self.now[0])
        sent = self.runtime.adapter(platform).publish(rendered, Progress())
        self.ledger.mark_published(row.id, sent.id, sent.url, list(sent.part_ids), self.now[0])
        store = self.sandbox.x.store if platform == "twitter" else self.sandbox.graph.store
        item = store.get("x" if platform == "twitter" else "facebook", sent.id)
        assert item is not None
        self.posts[post_id] = item
        return item

    def comment(self, post: Item, n: int, text: str, *, minutes: int = 1,
                parent: str | None = None, author: str = FOLLOWER,
                name: str = "Yanelis Pérez") -> str:
        own = post.id.partition("_")[2]
        comment_id = f"{own}_{9000 + n}"
        add_comment(self.sandbox.graph.store, post.account_id, comment_id, post.id, author,
                    name, text, post.created_epoch + 60 * minutes, parent)
        return comment_id

    def x_reply(self, tweet: Item, n: int, text: str, *, minutes: int = 1) -> str:
        tweet_id = str(int(tweet.id) + 1000 + n)
        add_reply(self.sandbox.x.store, tweet_id, tweet, "2244994945", "yane_perez",
                  f"@{self.runtime.config.twitter.username} {text}",  # type: ignore[union-attr]
                  tweet.created_epoch + 60 * minutes)
        return tweet_id

    def answers_at_fake(self, platform: str) -> list[Item]:
        if platform == "facebook":
            return [c for c in self.sandbox.graph.store.items("facebook", ["comment"])
                    if c.account_id == self.sandbox.graph.page_id]
        return [t for t in self.sandbox.x.store.items("x", ["tweet"]) if t.data.get("reply_to")]

    def item_for(self, remote_id: str) -> inbox_store.Item:
        found = [i for i in inbox_store.items(self.ledger, inbox_store.STATES)
                 if i.remote_id == remote_id]
        assert len(found) == 1, found
        return found[0]


@contextmanager
def world(tmp_path: Path, **inbox: Any) -> Iterator[World]:
    config = dataclasses.replace(make_config(tmp_path), inbox=InboxSettings(**inbox))
    now = [datetime.now(UTC)]
    with Sandbox(tmp_path / "fakes") as sandbox:
        runtime = _Runtime(config, sandbox)
        box = Inbox(runtime, lambda: now[0])
        try:
            yield World(sandbox, runtime, box, now, {})
        finally:
            box.close()
            runtime.session.close()
            runtime.close()


# -- reading -----------------------------------------------------------------------------------

def test_comments_and_replies_are_listed_oldest_first_with_stable_ids(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        post = w.publish("facebook", "jornada", "Jornada científica: inscripciones abiertas.")
        tweet = w.publish("twitter", "jornada", "Jornada científica: inscripciones abiertas.")
        # more than one page of Graph's 100 comments
        for n in range(120):
            w.comment(post, n, f"Comentario {n}", minutes=10 + n)
        w.x_reply(tweet, 1, "¿Hay que inscribirse?", minutes=5)
        w.x_reply(tweet, 2, "¿Y por internet?", minutes=500)
        notices = w.inbox.refresh()
        assert [(n.platform, n.code, n.added) for n in notices] == [
            ("facebook", "read", 120), ("twitter", "read", 2)]
        first = w.inbox.waiting()
        assert len(first) == 122
        assert [i.created_at for i in first] == sorted(i.created_at for i in first)
        assert first[0].platform == "twitter" and first[0].text.endswith("¿Hay que inscribirse?")
        assert first[1].text == "Comentario 0" and first[1].post_id == "jornada"
        assert first[1].post_url == f"https://www.facebook.com/{post.id.replace('_', '/posts/')}"
        reads = [r for r in w.sandbox.graph.requests if r.path.endswith("/comments")]
        assert len(reads) == 2, "the second page of comments was followed"
        # read again: nothing new, the same ids
        assert [n.added for n in w.inbox.refresh()] == [0, 0]
        assert [(i.id, i.remote_id) for i in w.inbox.waiting()] == [
            (i.id, i.remote_id) for i in first]
        # X's next read starts after the newest reply already seen
        mentions = [r for r in w.sandbox.x.requests if r.path.endswith("/mentions")]
        assert "since_id" not in mentions[0].query_dict()
        assert mentions[-1].query_dict()["since_id"] == [str(int(tweet.id) + 1002)]


def test_a_comment_the_page_already_answered_is_not_waiting(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        post = w.publish("facebook", "taller", "Taller de búsqueda en PubMed.")
        asked = w.comment(post, 1, "¿Es presencial?", minutes=5)
        w.comment(post, 2, "Sí, en la sala 3.", minutes=65, parent=asked,
                  author=w.sandbox.graph.page_id, name="BMN")
        waits = w.comment(post, 3, "¿Y el sábado?", minutes=70)
        w.inbox.refresh()
        assert [i.remote_id for i in w.inbox.waiting()] == [waits]
        answered = w.item_for(asked)
        assert answered.state == "replied"
        assert answered.answered_at == datetime.fromtimestamp(
            int(post.created_epoch + 65 * 60), UTC)


def test_x_replies_to_someone_else_are_not_ours(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        tweet = w.publish("twitter", "aviso", "Hoy cerramos a las 4 pm.")
        other = Item("x", "tweet", "1999999999999999999", "777", "2026-01-01T00:00:00.000Z",
                     "de otra cuenta", "https://x.com/otra/status/1999999999999999999")
        w.sandbox.x.store.insert(other)
        add_reply(w.sandbox.x.store, str(int(tweet.id) + 5), other, "2244994945", "yane_perez",
                  "@otra @BMN_sandbox mire esto", tweet.created_epoch + 60)
        mine = w.x_reply(tweet, 9, "¿Y mañana?")
        w.inbox.refresh()
        assert [i.remote_id for i in w.inbox.waiting()] == [mine]


# -- answering exactly once -------------------------------------------------------------------

REPLY_PATHS = {"facebook": "/v*/*/comments", "twitter": "/2/tweets"}


def _one_waiting(w: World, platform: str) -> inbox_store.Item:
    post = w.publish(platform, "pregunta", "¿Qué base de datos usan más?")
    if platform == "facebook":
        w.comment(post, 1, "¿Cómo entro a Clinical Key?")
    else:
        w.x_reply(post, 1, "¿Cómo entro a Clinical Key?")
    w.inbox.refresh()
    (item,) = w.inbox.waiting()
    return item


@pytest.mark.parametrize("platform", ["facebook", "twitter"])
def test_a_reply_goes_out_once_and_is_recorded(tmp_path: Path, platform: str) -> None:
    with world(tmp_path) as w:
        item = _one_waiting(w, platform)
        done, sent = w.inbox.reply(item.id, "Con su usuario de Infomed: bmn.sld.cu/acceso")
        assert sent and done.state == "replied" and done.reply_id
        (answer,) = w.answers_at_fake(platform)
        assert answer.id == done.reply_id
        assert answer.text == "Con su usuario de Infomed: bmn.sld.cu/acceso"
        if platform == "facebook":
            assert answer.data["parent"] == item.remote_id
        else:
            assert answer.data["reply_to"] == item.remote_id
        again, sent_again = w.inbox.reply(item.id, "otra vez")
        assert not sent_again and again.reply_id == done.reply_id
        assert len(w.answers_at_fake(platform)) == 1
        assert w.inbox.waiting() == []


@pytest.mark.parametrize("kind", ["lost_response", "timeout", "http500", "http503", "reset"])
@pytest.mark.parametrize("platform", ["facebook", "twitter"])
def test_a_reply_under_faults_reaches_the_platform_exactly_once(tmp_path: Path, platform: str,
                                                                kind: str) -> None:
    with world(tmp_path) as w:
        item = _one_waiting(w, platform)
        fake = w.sandbox.graph if platform == "facebook" else w.sandbox.x
        fake.faults.add(kind, path=REPLY_PATHS[platform], method="POST",
                        delay=HOLD if kind == "timeout" else 0.0)
        text = "Escríbanos a referencia@infomed.sld.cu"
        try:
            after, _sent = w.inbox.reply(item.id, text)
        except InboxError as exc:
            assert "may have reached" in str(exc)
            assert w.inbox.item(item.id).state == "replying"
            assert w.inbox.waiting()[0].state == "replying"
            after, _sent = w.inbox.reply(item.id, text)  # read first, then send once
        assert after.state == "replied"
        assert [a.text for a in w.answers_at_fake(platform)] == [text]
        assert after.reply_id == w.answers_at_fake(platform)[0].id


@pytest.mark.parametrize("platform", ["facebook", "twitter"])
def test_a_claim_left_by_a_dead_process_is_looked_up_before_sending(tmp_path: Path,
                                                                    platform: str) -> None:
    with world(tmp_path) as w:
        item = _one_waiting(w, platform)
        text = "La sala abre a las 8:30."
        # A process claimed it, sent the answer and died before writing it down.
        assert inbox_store.claim(w.ledger, item, text, "otra-maquina-4242-deadbeef", w.now[0])
        conversations(w.runtime.adapter(platform)).reply(item.reply_to_id, text)
        after, sent = w.inbox.reply(item.id, text)
        assert after.state == "replied" and not sent
        assert len(w.answers_at_fake(platform)) == 1


@pytest.mark.parametrize("platform", ["facebook", "twitter"])
def test_a_claim_whose_answer_never_left_is_sent_once(tmp_path: Path, platform: str) -> None:
    with world(tmp_path) as w:
        item = _one_waiting(w, platform)
        assert inbox_store.claim(w.ledger, item, "Sí.", "otra-maquina-4242-deadbeef", w.now[0])
        after, sent = w.inbox.reply(item.id, "Sí.")
        assert after.state == "replied" and sent
        assert len(w.answers_at_fake(platform)) == 1


@pytest.mark.parametrize("platform", ["facebook", "twitter"])
def test_nothing_is_resent_while_the_platform_cannot_be_read(tmp_path: Path,
                                                             platform: str) -> None:
    with world(tmp_path) as w:
        item = _one_waiting(w, platform)
        assert inbox_store.claim(w.ledger, item, "Sí.", "otra-maquina-4242-deadbeef", w.now[0])
        fake = w.sandbox.graph if platform == "facebook" else w.sandbox.x
        fake.faults.add("http503", times=50, method="GET")
        with pytest.raises(InboxError, match="Nothing was sent"):
            w.inbox.reply(item.id, "Sí.")
        assert w.answers_at_fake(platform) == []
        assert w.inbox.item(item.id).state == "replying"


def test_a_live_claimer_is_left_alone(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        item = _one_waiting(w, "facebook")
        other = Inbox(w.runtime, lambda: w.now[0])
        try:
            assert inbox_store.claim(w.ledger, item, "Sí.", other._claimer(), w.now[0])
            with pytest.raises(InboxError, match="another bmnsocial process"):
                w.inbox.reply(item.id, "Sí.")
        finally:
            other.close()
        assert w.answers_at_fake("facebook") == []


@pytest.mark.parametrize(("platform", "text", "problem"), [
    ("facebook", "Hola\x1b[2J", "control character"),
    ("twitter", "漢" * 141, "282 characters as X"),
    ("twitter", "  ", "empty"),
])
def test_the_answer_is_checked_like_a_post_before_anything_is_sent(
        tmp_path: Path, platform: str, text: str, problem: str) -> None:
    with world(tmp_path) as w:
        item = _one_waiting(w, platform)
        with pytest.raises(UsageError, match=problem):
            w.inbox.reply(item.id, text)
        assert w.inbox.item(item.id).state == "new"
        assert w.answers_at_fake(platform) == []


def test_done_and_answer_times(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        post = w.publish("facebook", "visita", "Visita guiada el viernes.")
        first = w.comment(post, 1, "¡Qué bien!", minutes=10)
        second = w.comment(post, 2, "¿A qué hora?", minutes=20)
        third = w.comment(post, 3, "¿Se puede ir con niños?", minutes=30)
        w.inbox.refresh()
        created = datetime.fromtimestamp(int(post.created_epoch), UTC)
        w.now[0] = created + timedelta(hours=2)
        assert w.inbox.done(w.item_for(first).id).state == "done"
        w.now[0] = created + timedelta(hours=3)
        w.inbox.reply(w.item_for(second).id, "A las 10 am.")
        assert [i.remote_id for i in w.inbox.waiting()] == [third]
        times = answer_times(w.ledger, created, created + timedelta(days=1))
        assert [(t.how, t.platform, t.post_id) for t in times] == [
            ("done", "facebook", "visita"), ("replied", "facebook", "visita"),
            (None, "facebook", "visita")]
        assert times[0].seconds == 2 * 3600 - 600 and not times[0].answered
        assert times[1].seconds == 3 * 3600 - 1200 and times[1].answered
        assert times[2].answered_at is None and times[2].seconds is None
        assert answer_times(w.ledger, created + timedelta(minutes=15), None)[0].how == "replied"
        assert w.inbox.done(w.item_for(second).id).state == "replied"  # stays answered


# -- X reads and the budget -------------------------------------------------------------

def test_x_is_not_read_when_the_budget_cannot_take_it(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        tweet = w.publish("twitter", "aviso", "Hoy cerramos a las 4 pm.")
        w.x_reply(tweet, 1, "¿Y mañana?")
        account = dataclasses.replace(w.runtime.config.twitter,  # type: ignore[type-var]
                                      monthly_budget_usd=0.1)
        w.runtime.config = dataclasses.replace(
            w.runtime.config, accounts={**w.runtime.config.accounts, "twitter": account})
        w.inbox.config = w.runtime.config
        (notice,) = w.inbox.refresh()
        assert notice.code == "skipped-budget" and "monthly_budget_usd" in notice.message
        assert [r for r in w.sandbox.x.requests if r.path.endswith("/mentions")] == []
        assert w.inbox.waiting() == []


def test_mentions_are_priced_as_posts_read(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        tweet = w.publish("twitter", "aviso", "Hoy cerramos a las 4 pm.")
        for n in range(3):
            w.x_reply(tweet, n, f"Pregunta {n}")
        w.inbox.refresh()
        rows = list(w.ledger.db.execute(
            "SELECT kind, units, cost_usd FROM platform_requests WHERE kind = 'posts_read'"))
        assert [tuple(r) for r in rows] == [("posts_read", 3, 0.015)]


def test_x_can_be_switched_off(tmp_path: Path) -> None:
    with world(tmp_path, platforms=("facebook",)) as w:
        tweet = w.publish("twitter", "aviso", "Hoy cerramos a las 4 pm.")
        w.x_reply(tweet, 1, "¿Y mañana?")
        assert w.inbox.refresh() == []
        assert [r for r in w.sandbox.x.requests if r.path.endswith("/mentions")] == []


# -- configuration ------------------------------------------------------------------------

def test_inbox_keys(workspace: Path) -> None:
    path = workspace / "config.yaml"
    base = path.read_text(encoding="utf-8")
    path.write_text(base + "inbox:\n  answer_within_hours: 8\n  platforms: [facebook]\n"
                    "  lookback_days: 7\n", encoding="utf-8")
    assert load_config(path).inbox == InboxSettings(8, ("facebook",), 7)
    path.write_text(base + "inbox:\n  answer_within_hours: 0\n  platforms: [myspace]\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = "\n".join(d.format() for d in info.value.diagnostics)
    assert "inbox.answer_within_hours" in text and "myspace" in text


# -- the commands, on the sandbox ----------------------------------------------------------

def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


QUESTION = """\
    category: invitar-comentarios
    text: "¿Qué libro de medicina le cambió la forma de estudiar?"
    schedule:
      at: 2026-12-17 12:30
"""


def test_the_loop_on_the_sandbox(workspace: Path, write_post: WritePost,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_post("pregunta.yaml", QUESTION)
    assert run("--sandbox", "post", str(path), "--now", "--yes")[0] == 0
    code, out = run("sandbox", "audience", "--seed", "5", "--json")
    assert code == 0, out
    made = json.loads(out)
    assert made["comments"] + made["replies"] > 0
    again = json.loads(run("sandbox", "audience", "--seed", "5", "--json")[1])
    assert (again["comments"], again["replies"]) == (0, 0), "the same seed adds nothing twice"
    code, out = run("--sandbox", "inbox", "--json")
    assert code == 0, out
    listed = json.loads(out)
    items = listed["items"]
    assert len(items) == made["comments"] + made["replies"]
    first = items[0]
    assert first["post_id"] == "pregunta" and first["category"] == "invitar-comentarios"
    assert set(first) >= {"item_id", "platform", "post_url", "author", "text", "url",
                          "created_at", "age_hours", "state", "overdue"}
    code, out = run("--sandbox", "inbox", "reply", str(first["item_id"]), "Gracias por contar.")
    assert code == 0 and "Answered item" in out, out
    shown = json.loads(run("sandbox", "show", "--json")[1])
    assert sum(1 for s in shown if s.get("reply_to") == first["url"].rsplit("/", 1)[-1]) == (
        1 if first["platform"] == "twitter" else 0)
    code, out = run("--sandbox", "inbox", "reply", str(first["item_id"]), "Gracias por contar.")
    assert code == 0 and "already answered" in out
    code, out = run("--sandbox", "--lang", "es", "inbox", "done", "999")
    assert code == ExitCode.USAGE and "no hay" in out.lower(), out
    # status: waiting, not yet overdue; a day later, unhealthy
    status = json.loads(run("--sandbox", "status", "--json")[1])
    assert status["inbox"]["waiting"] == len(items) - 1
    assert "inbox-overdue" not in status["problem_codes"]
    later = datetime.now(UTC) + timedelta(hours=25)
    monkeypatch.setenv("BMNSOCIAL_NOW", later.isoformat())
    code, out = run("--sandbox", "status", "--json")
    status = json.loads(out)
    assert code == ExitCode.UNHEALTHY
    assert "inbox-overdue" in status["problem_codes"]
    assert status["inbox"]["overdue"] == len(items) - 1
    code, out = run("--sandbox", "--lang", "es", "status")
    assert "esperado más de 24 h" in out, out
    code, out = run("--sandbox", "--lang", "es", "inbox")
    assert "más de 24 h" in out, out


def test_inbox_with_nothing_published_says_so(workspace: Path) -> None:
    code, out = run("--sandbox", "inbox")
    assert code == 0 and "Nobody is waiting for an answer." in out
    code, out = run("--sandbox", "--lang", "es", "inbox")
    assert code == 0 and "Nadie espera respuesta." in out


# -- SIGKILL between the claim and the answer's confirmation -------------------------------------

served = test_crash.served  # `sandbox serve` in its own process, and a workspace beside it


def test_sigkill_after_the_answer_reached_x_sends_it_once(
        served: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    work, env, routes = served
    x_url = routes["https://api.twitter.com"]

    def cli_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(test_crash.bmnsocial(*args), cwd=work, env=env,
                              capture_output=True, text=True, timeout=PATIENCE, check=False,
                              preexec_fn=default_signals)

    posted = cli_run("--sandbox", "post", "posts/pregunta-lecturas.yaml", "--now", "--yes",
                     "--platform", "twitter")
    assert posted.returncode == 0, posted.stderr
    for seed in range(1, 20):  # the first seed whose followers reply to this tweet
        made = json.loads(cli_run("sandbox", "audience", "--seed", str(seed), "--json").stdout)
        if made["replies"]:
            break
    listed = cli_run("--sandbox", "inbox", "--json")
    assert listed.returncode == 0, listed.stderr
    item = json.loads(listed.stdout)["items"][0]
    requests.post(f"{x_url}/__sandbox__/faults", json={
        "kind": "slow_response", "path": "/2/tweets", "method": "POST", "delay": HOLD},
        timeout=ANSWER_TIMEOUT).raise_for_status()

    def answers() -> list[dict[str, Any]]:
        return [t for t in requests.get(f"{x_url}/__sandbox__/published",
                                        timeout=ANSWER_TIMEOUT).json()["data"]
                if t.get("reply_to") == item["url"].rsplit("/", 1)[-1]]

    command = test_crash.bmnsocial("--sandbox", "inbox", "reply", str(item["item_id"]),
                                   "Gracias: la respuesta está en la sala 3.")
    victim = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    try:
        wait_for(lambda: answers() or victim.poll() is not None, "the answer at the fake")
    finally:
        victim.kill()  # SIGKILL: the ledger never hears back
    victim.communicate(timeout=PATIENCE)
    assert len(answers()) == 1
    requests.delete(f"{x_url}/__sandbox__/faults", timeout=ANSWER_TIMEOUT).raise_for_status()
    again = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True,
                           timeout=PATIENCE, check=False, preexec_fn=default_signals)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already answered" in again.stdout
    assert len(answers()) == 1, "looked up, never sent a second time"
    still = [i["item_id"] for i in json.loads(cli_run("--sandbox", "inbox", "--json").stdout)[
        "items"]]
    assert still == [i["item_id"] for i in json.loads(listed.stdout)["items"]
                     if i["item_id"] != item["item_id"]]


def test_the_same_words_answered_to_another_in_the_thread_are_not_taken_for_ours(
        tmp_path: Path) -> None:
    with world(tmp_path) as w:
        post = w.publish("facebook", "gracias", "Gracias a todos por venir.")
        first = w.comment(post, 1, "¡Qué buena jornada!")
        second = w.comment(post, 2, "Me encantó.", parent=first, author="100000000000002",
                           name="Osmany Rodríguez", minutes=2)
        w.inbox.refresh()
        w.inbox.reply(w.item_for(first).id, "¡Gracias!")
        item = w.item_for(second)
        assert item.reply_to_id == first, "Graph threads are one level deep"
        # its claim's process died before sending: the first answer, same words, same
        # thread, is not this one's
        assert inbox_store.claim(w.ledger, item, "¡Gracias!", "otra-maquina-4242-deadbeef",
                                 w.now[0])
        after, sent = w.inbox.reply(item.id, "¡Gracias!")
        assert sent and after.state == "replied"
        assert [a.text for a in w.answers_at_fake("facebook")] == ["¡Gracias!", "¡Gracias!"]


def test_only_platforms_with_comments_are_read() -> None:
    from bmnsocial.publish.inbox import has_conversations

    assert has_conversations("facebook") and has_conversations("twitter")
    assert not has_conversations("telegram"), "a channel's bot sees no comments"
