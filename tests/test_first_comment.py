"""A post's first comment (``first_comment:``): a comment by the Page on Facebook, a reply in
the thread on X and in the channel on Telegram; published exactly once with the post, through
the real client libraries against the fakes, whatever happens to the comment's request."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bmnsocial.platforms.base import Progress, PublishError, RateLimited, Transient
from bmnsocial.platforms.rendered import Part, Rendered
from bmnsocial.publish.ledger import Ledger, Status
from bmnsocial.publish.publisher import Publisher, RetryPolicy, normalize
from bmnsocial.render.payload import dumps, from_payload, to_payload
from tests.helpers import HOLD
from tests.test_adapters import PLATFORMS, Harness, running
from tests.test_crash import served  # noqa: F401  (the fixture)
from tests.test_native import native_config  # noqa: F401  (the fixture)
from tests.test_platform_contract import dummy  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("no_leaked_threads")

COMMENT = "Inscripciones: https://bmn.sld.cu/inscripcion"
# Where the comment's request goes on each fake.
COMMENT_PATHS = {"facebook": "/v*/*/comments", "twitter": "/2/tweets",
                 "telegram": "/bot*/sendMessage"}


def with_comment(h: Harness, *texts: str, comment: str = COMMENT) -> Rendered:
    rendered = h.rendered(*texts)
    part = Part(comment, ("first_comment",), len(comment), h.limit, comment=True)
    return dataclasses.replace(rendered, parts=(*rendered.parts, part))


def comments_at_fake(h: Harness, post_id: str) -> list[dict[str, Any]]:
    """Our own comments on ``post_id`` as the fake holds them: the Page's comments on
    Facebook, our replies to it on X and Telegram."""
    if h.name == "facebook":
        graph = h.sandbox.graph
        return [{"id": c.id, "text": c.text} for c in h.fake.store.items("facebook",
                                                                          ["comment"])
                if c.data.get("post_id") == post_id and c.account_id == graph.page_id]
    if h.name == "twitter":
        return [{"id": t.id, "text": t.text} for t in h.fake.store.items("x", ["tweet"])
                if t.data.get("reply_to") == post_id]
    return [{"id": e["id"], "text": e["text"]} for e in h.published()
            if str(e.get("reply_to")) == post_id]


def posts_at_fake(h: Harness) -> list[dict[str, Any]]:
    """The top-level posts (not our replies)."""
    if h.name == "facebook":
        return h.published()
    if h.name == "twitter":
        return [{"id": t.id, "text": t.text} for t in h.fake.store.items("x", ["tweet"])
                if not t.data.get("reply_to")]
    return [e for e in h.published() if not e.get("reply_to")]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_comment_goes_out_after_the_post(platform: str, tmp_path: Path) -> None:
    with running(platform, tmp_path) as h:
        saves: list[list[str]] = []
        progress = Progress(save=saves.append)
        result = h.adapter().publish(with_comment(h, "Curso de búsqueda bibliográfica"),
                                     progress)
        [post] = posts_at_fake(h)
        assert result.id == str(post["id"]) or h.name == "telegram"
        assert len(result.part_ids) == 2
        post_id, comment_id = result.part_ids
        # The post is saved before the comment's request: a crash then sends only the comment.
        assert saves == [[post_id]]
        if h.name == "facebook":
            [comment] = comments_at_fake(h, post_id)
            assert comment == {"id": comment_id, "text": COMMENT}
            [request] = h.requests_to("/v*/*/comments")
            assert request.path.endswith(f"/{post_id}/comments")
        elif h.name == "twitter":
            [comment] = comments_at_fake(h, post_id)
            assert comment["id"] == comment_id
            assert dict(h.requests_to("/2/tweets")[1].json())["text"] == COMMENT
        else:
            sent = h.requests_to("/bot*/sendMessage")
            assert len(sent) == 2
            assert f'"message_id": {int(post_id)}' in dict(sent[1].form())["reply_parameters"]


def comment_after(h: Harness, kind: str) -> tuple[Rendered, Progress, PublishError | None]:
    """The post published, then the comment's request meets ``kind``."""
    rendered = with_comment(h, "Jornada científica")
    body = dataclasses.replace(rendered, parts=rendered.body)
    published = h.adapter().publish(body, Progress())
    h.fake.faults.add(kind, path=COMMENT_PATHS[h.name],
                      delay={"timeout": HOLD, "slow_response": HOLD,
                             "http429": 600.0}.get(kind, 0.0))
    progress = Progress([published.id])
    try:
        h.adapter().publish(rendered, progress)
    except PublishError as exc:
        return rendered, progress, exc
    return rendered, progress, None


@pytest.mark.parametrize("kind", ["http500", "http429", "timeout", "reset", "html",
                                  "lost_response", "slow_response"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_fault_on_the_comment_never_sends_the_post_again(platform: str, kind: str,
                                                           tmp_path: Path) -> None:
    with running(platform, tmp_path) as h:
        _rendered, progress, error = comment_after(h, kind)
        assert error is not None
        assert isinstance(error, RateLimited if kind == "http429" else Transient)
        assert error.sent is (kind != "http429")
        post_id = progress.part_ids[0]
        assert progress.part_ids == [post_id]  # the comment is not recorded as sent
        assert len(posts_at_fake(h)) == 1
        landed = 1 if kind in ("lost_response", "slow_response") else 0
        assert len(comments_at_fake(h, post_id)) == landed
        if landed:  # what reconciliation reads finds it: the publisher will not resend it
            found = ([c.id for c in h.adapter().own_replies(post_id, datetime.now(UTC)
                                                            - timedelta(minutes=5))]
                     or [p.id for p in h.adapter().recent_posts(datetime.now(UTC)
                                                                - timedelta(minutes=5))
                         if normalize(p.text) == normalize(COMMENT)])
            assert len(found) == 1


def test_payload_keeps_the_comment_and_old_payloads_stay_as_they_were(
        tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        plain = h.rendered("Sin comentario")
        assert "comment" not in dumps(plain)
        rendered = with_comment(h, "Con comentario")
        back = from_payload(to_payload(rendered))
        assert back.comment is not None and back.comment.text == COMMENT
        assert back.body == (dataclasses.replace(rendered.parts[0], source=()),)


# -- the publisher: exactly once through a lost answer -------------------------------------


class StepClock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def queued(h: Harness, ledger: Ledger, rendered: Rendered, now: datetime) -> int:
    from bmnsocial.render.payload import content_hash

    payload = dumps(rendered)
    row, _ = ledger.upsert(post_id=rendered.post_id, platform=h.name, occurrence="once",
                           due=now, payload=payload, content_hash=content_hash(payload),
                           source_file="posts/x.yaml", now=now)
    return row.id


@pytest.mark.parametrize("kind", ["lost_response", "reset"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_publisher_publishes_post_and_comment_exactly_once(platform: str, kind: str,
                                                           tmp_path: Path) -> None:
    with running(platform, tmp_path) as h:
        clock = StepClock()
        ledger = Ledger(tmp_path / "ledger.db")
        publisher = Publisher(ledger, lambda name: h.adapter(), tmp_path / "state",
                              clock=clock, policy=RetryPolicy(reconcile_delay_seconds=0))
        try:
            rendered = with_comment(h, "Jornada científica")
            row_id = queued(h, ledger, rendered, clock.now())
            h.fake.faults.add(kind, path=COMMENT_PATHS[h.name])
            if h.name != "facebook":  # the post's own request goes first on the same path:
                # it went out before (saved as the publisher's progress saves it)
                h.fake.faults.clear()
                post = h.adapter().publish(dataclasses.replace(rendered, parts=rendered.body),
                                           Progress())
                ledger.save_progress(row_id, [post.id], clock.now())
                h.fake.faults.add(kind, path=COMMENT_PATHS[h.name])
            row = publisher.advance(row_id)
            assert row.status is Status.SENDING  # may have gone out: looked for first
            assert len(row.part_ids) == 1
            clock.sleep(3600)
            row = publisher.advance(row_id)
            if row.status is Status.QUEUED:  # confirmed absent: only the comment follows
                row = publisher.advance(row_id)
            assert row.status is Status.PUBLISHED, row.last_error
            post_id, comment_id = row.part_ids
            assert len(posts_at_fake(h)) == 1
            assert [c["id"] for c in comments_at_fake(h, post_id)] == [comment_id]
        finally:
            publisher.close()
            ledger.close()


# -- the post file: validation and previews ------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from bmnsocial.cli.root import cli

    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


COMMENTED = """
    category: 9
    text: Curso de búsqueda bibliográfica.
    first_comment: Inscripciones en la sala de referencia.
    twitter:
      first_comment: Inscripciones en https://bmn.sld.cu/inscripcion
    schedule: {at: 2026-12-01 09:00}
"""


def test_preview_shows_the_comment_as_each_platform_receives_it(
        workspace: Path, write_post: Any) -> None:
    path = write_post("a.yaml", COMMENTED)
    code, out = run("preview", str(path))
    assert code == 0, out
    assert "── Facebook ── 1 message" in out
    assert "first comment, right after the post: 39/8000 characters" in out
    assert "│ Inscripciones en la sala de referencia." in out
    # X counts the link as 23: 17 + 23
    assert "first comment, right after the post: 40/280 characters" in out
    assert "    Content: Create: $0.015\n    first comment: Content: Create (with URL)" in out
    assert run("post", str(path), "--dry-run") == (code, out)


def test_preview_json_has_first_comment(workspace: Path, write_post: Any) -> None:
    path = write_post("a.yaml", COMMENTED)
    _, out = run("preview", "--json", str(path))
    facebook, twitter = json.loads(out)["posts"][0]["platforms"]
    assert len(facebook["parts"]) == 1 and len(twitter["parts"]) == 1
    assert facebook["first_comment"] == {
        "text": "Inscripciones en la sala de referencia.", "length": 39, "limit": 8000}
    assert twitter["first_comment"]["length"] == 40
    # an X reply is one more priced request
    assert [c["part"] for c in twitter["costs"]] == [1, 2]


def test_html_preview_draws_the_comment(workspace: Path, write_post: Any) -> None:
    path = write_post("a.yaml", COMMENTED)
    out_file = workspace / "p.html"
    code, out = run("preview", "--html", str(out_file), str(path))
    assert code == 0, out
    page = out_file.read_text(encoding="utf-8")
    assert 'data-part="comment"' in page
    assert "Inscripciones en la sala de referencia." in page


def test_too_long_for_x_is_an_error_where_it_was_written(workspace: Path,
                                                        write_post: Any) -> None:
    path = write_post("a.yaml", "category: 9\ntext: hola\nfirst_comment: " + "ñ" * 281 + "\n")
    code, out = run("validate", str(path))
    assert code == 1
    assert "a.yaml:3:" in out and "POST-COMMENT-LENGTH" in out
    assert "281" in out and "280" in out


def test_a_blank_comment_is_refused(workspace: Path, write_post: Any) -> None:
    path = write_post("a.yaml", "category: 9\ntext: hola\nfacebook:\n  first_comment: ' '\n")
    code, out = run("validate", str(path))
    assert code == 1 and "a.yaml:4:" in out


# -- SIGKILL between the comment reaching Facebook and the ledger hearing of it ------------


def test_sigkill_after_the_comment_reached_facebook(
        served: tuple[Path, dict[str, str], dict[str, str]]) -> None:  # noqa: F811
    import subprocess

    import requests

    from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
    from tests.helpers import ANSWER_TIMEOUT, default_signals
    from tests.sitehelp import PATIENCE, wait_for
    from tests.test_crash import SECRETS, bmnsocial, ledger_rows

    work, env, routes = served
    graph = routes["https://graph.facebook.com"]
    home = Path(env["BMNSOCIAL_HOME"])
    (work / "posts" / "con-comentario.yaml").write_text(
        "category: invitar-comentarios\n"
        "text: ¿Qué tema de salud le gustaría que abordáramos?\n"
        "first_comment: Puede escribirnos también a referencia@infomed.sld.cu\n",
        encoding="utf-8")
    requests.post(f"{graph}/__sandbox__/faults", json={
        "kind": "slow_response", "path": "/v*/*/comments", "method": "POST", "delay": HOLD},
        timeout=ANSWER_TIMEOUT).raise_for_status()
    token = SANDBOX_CREDENTIALS["facebook"]["page_access_token"]

    def comments() -> list[dict[str, Any]]:
        posts = requests.get(f"{graph}/__sandbox__/published", timeout=ANSWER_TIMEOUT).json()
        found: list[dict[str, Any]] = []
        for post in posts["data"]:
            answer = requests.get(f"{graph}/v23.0/{post['id']}/comments",
                                  headers={"Authorization": f"OAuth {token}"},
                                  params={"fields": "id,message,from"},
                                  timeout=ANSWER_TIMEOUT)
            found.extend(answer.json().get("data") or [])
        return found

    command = bmnsocial("-vv", "--sandbox", "post", "posts/con-comentario.yaml", "--now",
                        "--yes", "--platform", "facebook")
    victim = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    try:
        wait_for(lambda: comments() or victim.poll() is not None, "the comment at the fake")
    finally:
        victim.kill()  # SIGKILL: the ledger never hears of the comment
    out1, err1 = victim.communicate(timeout=PATIENCE)
    assert comments(), "the comment never reached the fake: " + err1[-2000:]
    (row,) = ledger_rows(home)
    assert row["status"] == "sending" and len(json.loads(str(row["part_ids"]))) == 1

    requests.delete(f"{graph}/__sandbox__/faults", timeout=ANSWER_TIMEOUT).raise_for_status()
    again = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True,
                           timeout=PATIENCE, check=False, preexec_fn=default_signals)
    assert again.returncode == 0, again.stdout + again.stderr

    [comment] = comments()
    posts = requests.get(f"{graph}/__sandbox__/published", timeout=ANSWER_TIMEOUT).json()["data"]
    assert len(posts) == 1
    (row,) = ledger_rows(home)
    assert row["status"] == "published"
    assert json.loads(str(row["part_ids"])) == [posts[0]["id"], comment["id"]]
    assert row["attempts"] == 1, "reconciled, never sent a second time"
    everything = out1 + err1 + again.stdout + again.stderr
    assert not any(secret in everything for secret in SECRETS)


def test_a_platform_without_comments_publishes_the_post_alone_and_says_so(
        dummy: Any) -> None:  # noqa: F811
    Path("posts/charla.yaml").write_text(
        "category: 9\ntext: Charla sobre búsqueda de evidencia.\n"
        "first_comment: Inscripciones en la sala de referencia.\n", encoding="utf-8")
    code, out = run("validate", "posts/charla.yaml")
    assert code == 0 and "warning[POST-COMMENT-UNSUPPORTED]" in out
    assert "posts/charla.yaml:3:" in out
    code, out = run("post", "posts/charla.yaml", "--now", "--yes")
    assert code == 0, out
    assert [p["text"] for p in dummy.posts] == [
        "Charla sobre búsqueda de evidencia.\n\n#BMNCuba"]


def test_history_shows_the_published_comment(tmp_path: Path) -> None:
    with running("telegram", tmp_path) as h:
        ledger = Ledger(tmp_path / "ledger.db")
        clock = StepClock()
        publisher = Publisher(ledger, lambda name: h.adapter(), tmp_path / "state",
                              clock=clock)
        try:
            row = publisher.advance(queued(h, ledger, with_comment(h, "Hola"), clock.now()))
            assert row.status is Status.PUBLISHED
            comment_id = row.part_ids[1]
            assert row.to_json()["first_comment"] == {"text": COMMENT, "id": comment_id}
            from bmnsocial.publish.handoff import row_detail

            assert row_detail(row, tmp_path, UTC).endswith(
                f"with its first comment ({comment_id})")
            plain = dataclasses.replace(row, payload=dumps(h.rendered("Hola")))
            assert plain.to_json()["first_comment"] is None
        finally:
            publisher.close()
            ledger.close()


def test_facebooks_own_scheduler_is_not_given_a_post_with_a_comment(
        native_config: Any, write_post: Any) -> None:  # noqa: F811
    from tests.test_native import DUE, Clock, bmn, post

    clock = Clock(DUE - timedelta(days=2))
    post(write_post, extra="first_comment: Inscripciones en la sala de referencia.\n")
    with bmn(native_config, clock) as server:
        server.poll()
        assert server.row().status is Status.QUEUED and server.scheduled() == []
        # not offered and refused ("a post is one message, not 2"): never offered at all
        assert server.row().error_kind is None and server.row().last_error is None
        clock.advance(DUE - clock.now() + timedelta(seconds=1))
        server.poll()
        row = server.row()
        assert row.status is Status.PUBLISHED
        [published] = server.published()
        [comment] = [c for c in server.graph.store.items("facebook", ["comment"])
                     if c.data.get("post_id") == published["id"]]
        assert row.part_ids == [published["id"], comment.id]
        assert comment.text == "Inscripciones en la sala de referencia."


def test_the_publishing_sheet_has_the_comment_and_the_step(workspace: Path,
                                                           write_post: Any) -> None:
    from bmnsocial.schedule.daemon import run_due
    from tests.test_handoff import DUE, POST, invoke, manual, runtime_at, sheets, text_boxes

    config = manual(workspace)
    path = write_post("equipo.yaml", POST.replace(
        "consent: true\n", "consent: true\nfirst_comment: Más fotos en nuestro álbum.\n"))
    code, out = invoke("post", str(path), "--yes", now=DUE - timedelta(hours=1))
    assert code == 0, out
    with runtime_at(config) as (runtime, clock):
        clock.current = DUE
        run_due(runtime)
        (sheet,) = sheets(runtime)
    page = sheet.read_text("utf-8")
    boxes = text_boxes(page)
    assert len(boxes) == 2 and boxes[1] == "Más fotos en nuestro álbum."
    assert "First comment" in page and "Part 1 of" not in page
    assert "Then write the first comment below under the published post" in page


def test_html_preview_marks_the_x_reply_as_the_first_comment(workspace: Path,
                                                            write_post: Any) -> None:
    import re

    path = write_post("a.yaml", COMMENTED)
    out_file = workspace / "p.html"
    assert run("preview", "--html", str(out_file), str(path))[0] == 0
    page = out_file.read_text(encoding="utf-8")
    x_card = page[page.index('data-platform="twitter"'):]
    numbers = re.findall(r'<span class="x-num"[^>]*>([^<]*)</span>', x_card)
    assert numbers == ["first comment"]
    assert "1 message and a first comment" in page


def test_a_refused_comment_fails_the_row_with_the_post_out_and_retry_sends_only_it(
        tmp_path: Path) -> None:
    with running("facebook", tmp_path) as h:
        clock = StepClock()
        ledger = Ledger(tmp_path / "ledger.db")
        publisher = Publisher(ledger, lambda name: h.adapter(), tmp_path / "state",
                              clock=clock)
        try:
            refused = with_comment(h, "Jornada científica", comment=" ")  # Graph: #100
            row = publisher.advance(queued(h, ledger, refused, clock.now()))
            assert row.status is Status.FAILED
            assert row.reason_code == "comment-failed"
            reason = row.reason() or ""
            assert reason.startswith("the post is published, its first comment is not (")
            assert "(#100) Missing message or attachment" in reason
            assert "'bmnsocial retry 2026-11-26-prueba' sends the comment alone" in reason
            [post] = h.published()
            assert row.part_ids == [post["id"]]  # the post is out, and known to be
            fixed = dumps(with_comment(h, "Jornada científica"))
            from bmnsocial.render.payload import content_hash

            ledger.retry(row.id, clock.now(), (fixed, content_hash(fixed)))
            row = publisher.advance(row.id)
            assert row.status is Status.PUBLISHED
            assert len(h.published()) == 1
            [comment] = comments_at_fake(h, post["id"])
            assert row.part_ids == [post["id"], comment["id"]]
        finally:
            publisher.close()
            ledger.close()
