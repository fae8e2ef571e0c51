"""The fakes' comments and mentions against real recorded answers (tests/contract/
graph-recorded/comments/, x-recorded/test_client_get_users_mentions.yaml): every field the
platform sent is in the fake's answer with the same JSON type, paging as recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bmnsocial.platforms.routing import mount_routes
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_graph import GRAPH_PUBLIC_ORIGINS, FakeGraph
from bmnsocial.sandbox.fake_graph_comments import add_comment
from bmnsocial.sandbox.fake_x_mentions import add_reply
from bmnsocial.sandbox.store import Item
from tests import test_contract_x_recorded
from tests.helpers import ANSWER_TIMEOUT
from tests.test_contract_x_recorded import Replay, check_headers, check_shape, load

COMMENTS = Path(__file__).parent / "contract" / "graph-recorded" / "comments"
TOKEN = SANDBOX_CREDENTIALS["facebook"]["page_access_token"]

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
replay = test_contract_x_recorded.replay  # the fake X and a session signing as the account


def recorded(name: str) -> Any:
    return json.loads((COMMENTS / name).read_text(encoding="utf-8"))


@pytest.fixture
def graph() -> Iterator[tuple[FakeGraph, requests.Session]]:
    with FakeGraph() as fake:
        session = requests.Session()
        mount_routes(session, {o: fake.base_url for o in GRAPH_PUBLIC_ORIGINS},
                     default_timeout=ANSWER_TIMEOUT)
        yield fake, session
        session.close()


def _post(fake: FakeGraph, session: requests.Session) -> str:
    answer = session.post(f"https://graph.facebook.com/v23.0/{fake.page_id}/feed",
                          data={"message": "¿Qué leen este verano?", "access_token": TOKEN})
    assert answer.status_code == 200, answer.text
    post_id: str = answer.json()["id"]
    return post_id


def _eighteen_comments(fake: FakeGraph, post_id: str) -> None:
    """As the recording: 18 in the stream, some of them replies."""
    item = fake.store.get("facebook", post_id)
    assert item is not None
    own = post_id.partition("_")[2]
    top = None
    for n in range(18):
        parent = top if n % 3 == 2 else None
        cid = add_comment(fake.store, fake.page_id, f"{own}_{100 + n}", post_id, f"77{n}",
                          "Lectora", f"Comentario {n}", item.created_epoch + 60 * n, parent).id
        if parent is None:
            top = cid


def test_comment_pages_as_recorded(graph: tuple[FakeGraph, requests.Session]) -> None:
    fake, session = graph
    post_id = _post(fake, session)
    _eighteen_comments(fake, post_id)
    first = recorded("comments_p1.json")
    answer = session.get(
        f"https://graph.facebook.com/v23.0/{post_id}/comments",
        params={"fields": "id,comment_count,created_time,like_count,message,permalink_url",
                "summary": "1", "filter": "stream", "limit": "10", "access_token": TOKEN})
    assert answer.status_code == 200, answer.text
    page = answer.json()
    check_shape(first, page)
    assert len(page["data"]) == 10 and "next" in page["paging"]
    assert "previous" not in page["paging"]  # as recorded: the first page has none
    assert page["summary"]["total_count"] == first["summary"]["total_count"] == 18
    # a reply shows as the recording shows replies: its permalink names its thread
    assert "reply_comment_id=" in page["data"][2]["permalink_url"]
    assert "after=" in first["paging"]["next"]
    second = recorded("comments_p2.json")
    answer = session.get(page["paging"]["next"])
    assert answer.status_code == 200, answer.text
    last = answer.json()
    check_shape(second, last)
    assert "next" not in last["paging"] and "next" not in second["paging"]
    assert len(last["data"]) == 8
    times = [c["created_time"] for c in page["data"] + last["data"]]
    assert times == sorted(times), "chronological, as the recorded summary says"


def test_toplevel_and_a_comments_replies(graph: tuple[FakeGraph, requests.Session]) -> None:
    fake, session = graph
    post_id = _post(fake, session)
    _eighteen_comments(fake, post_id)
    url = f"https://graph.facebook.com/v23.0/{post_id}/comments"
    top = session.get(url, params={"fields": "id,parent,comment_count", "limit": "100",
                                   "access_token": TOKEN}).json()["data"]
    assert len(top) == 12 and all("parent" not in c for c in top)
    replies = session.get(f"https://graph.facebook.com/v23.0/{top[1]['id']}/comments",
                          params={"fields": "id,parent", "access_token": TOKEN}).json()["data"]
    assert [r["parent"]["id"] for r in replies] == [top[1]["id"]]
    assert (top[0]["comment_count"], top[1]["comment_count"]) == (0, 1)
    bad = session.get(url, params={"fields": "id,likes_of_the_moon", "access_token": TOKEN})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100


def test_comment_creation_as_recorded(graph: tuple[FakeGraph, requests.Session]) -> None:
    fake, session = graph
    post_id = _post(fake, session)
    _eighteen_comments(fake, post_id)
    target = f"{post_id.partition('_')[2]}_100"
    answer = session.post(f"https://graph.facebook.com/v23.0/{target}/comments",
                          data={"message": "Gracias, ya lo buscamos.", "access_token": TOKEN})
    assert answer.status_code == 200, answer.text
    made = answer.json()
    check_shape(recorded("create_resp.json"), made)
    stored = fake.store.get("facebook", made["id"])
    assert stored is not None and stored.account_id == fake.page_id
    assert stored.data["parent"] == target and "reply_comment_id=" in made["permalink_url"]
    unknown = session.post(f"https://graph.facebook.com/v23.0/{target}/comments",
                           data={"mesage": "typo", "access_token": TOKEN})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100
    nobody = session.post("https://graph.facebook.com/v23.0/999_999/comments",
                          data={"message": "¿?", "access_token": TOKEN})
    assert nobody.status_code == 400


def test_mentions_as_recorded(replay: Replay) -> None:
    [exchange] = load("test_client_get_users_mentions.yaml")
    assert "next_token" in exchange.json()["meta"]
    ours = replay.tweet("Nuevo horario de la sala de referencia.")
    parent = replay.fake.store.get("x", ours)
    assert isinstance(parent, Item)
    for n in range(12):
        add_reply(replay.fake.store, str(int(ours) + 1 + n), parent, f"4{n}", f"lector{n}",
                  f"@{replay.fake.username} pregunta {n} & más", parent.created_epoch + n)
    answer = replay.send(exchange, f"/2/users/{replay.fake.user_id}/mentions")
    assert answer.status_code == exchange.status == 200
    check_headers(exchange, answer)
    check_shape(exchange.json(), answer.json())
    data = answer.json()["data"]
    assert len(data) == 10 and data[0]["id"] > data[-1]["id"], "newest first"
    assert data[0]["text"].endswith("&amp; más"), "escaped as X escapes"
    more = replay.session.get(
        f"https://api.twitter.com/2/users/{replay.fake.user_id}/mentions",
        params={"pagination_token": answer.json()["meta"]["next_token"],
                "tweet.fields": "conversation_id,referenced_tweets,author_id",
                "expansions": "author_id", "user.fields": "username"}).json()
    assert [t["referenced_tweets"] for t in more["data"]] == [
        [{"type": "replied_to", "id": ours}]] * 2
    assert {t["conversation_id"] for t in more["data"]} == {ours}
    assert {u["username"] for u in more["includes"]["users"]} == {"lector0", "lector1"}
    wrong = replay.session.get(
        f"https://api.twitter.com/2/users/{replay.fake.user_id}/mentions",
        params={"max_results": "500"})
    assert wrong.status_code == 400


def test_a_reply_to_a_followers_reply_is_accepted(replay: Replay) -> None:
    ours = replay.tweet("¿Qué tema prefieren para la exposición?")
    parent = replay.fake.store.get("x", ours)
    assert parent is not None
    theirs = add_reply(replay.fake.store, str(int(ours) + 1), parent, "41", "lectora",
                       f"@{replay.fake.username} Historia de la medicina", parent.created_epoch)
    answer = replay.session.post("https://api.twitter.com/2/tweets", json={
        "text": "¡Buena idea!", "reply": {"in_reply_to_tweet_id": theirs.id}})
    assert answer.status_code == 201, answer.text
    stored = replay.fake.store.get("x", answer.json()["data"]["id"])
    assert stored is not None and stored.data["in_reply_to_user_id"] == "41"
    assert stored.data["conversation_id"] == ours
