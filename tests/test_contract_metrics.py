"""The figures' endpoints of the fakes against the recorded answers (issue 13, item 4):
Graph's post fields with reaction, comment and share summaries (graph-recorded/posts/
single_post_data.json, multi_posts_data.json) and X's lookup by ids (x-recorded/
test_client_get_tweets.yaml); public_metrics against X's OpenAPI description is
tests/test_contract_x.py's scenario_lookup_with_metrics. Graph's post insights were not
recorded: their shape is Meta's documented one (name, period, values, title, description, id).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bmnsocial.platforms.facebook import FIGURE_FIELDS, INSIGHT_METRICS
from bmnsocial.platforms.routing import mount_routes
from bmnsocial.sandbox.fake_graph import FakeGraph
from bmnsocial.sandbox.fake_x import X_PUBLIC_ORIGINS, FakeX
from bmnsocial.sandbox.testing import oauth1
from tests.helpers import ANSWER_TIMEOUT
from tests.test_contract_graph_recorded import GRAPH, PAGE_ID, TOKEN, recorded, same_shape
from tests.test_contract_x_recorded import check_headers, check_shape, load

pytestmark = pytest.mark.usefixtures("no_leaked_threads")
# single_post_data.json was read with these fields (python-facebook's post "reactions" set)
RECORDED_FIELDS = ",".join([
    "id", "created_time", "updated_time", "message", "permalink_url", "status_type",
    "comments.limit(0).summary(true)", "reactions.limit(0).summary(true)",
    *(f"reactions.type({r.upper()}).limit(0).summary(total_count).as({r})"
      for r in ("like", "love", "wow", "haha", "sad", "angry"))])


@pytest.fixture
def graph() -> Iterator[tuple[FakeGraph, requests.Session]]:
    with FakeGraph(page_scopes=("pages_read_engagement", "read_insights")) as fake:
        session = requests.Session()
        mount_routes(session, {"https://graph.facebook.com": fake.base_url},
                     default_timeout=ANSWER_TIMEOUT)
        session.headers["Authorization"] = f"OAuth {TOKEN}"
        yield fake, session
        session.close()


def graph_post(fake: FakeGraph, session: requests.Session, **audience: Any) -> str:
    message = f"Cifras {len(fake.store.items('facebook', ['post']))}"  # Graph refuses repeats
    answer = session.post(f"{GRAPH}/{PAGE_ID}/feed", data={"message": message})
    post_id: str = answer.json()["id"]
    item = fake.store.get("facebook", post_id)
    assert item is not None
    item.data["audience"] = audience
    fake.store.update(item)
    return post_id


def test_a_post_with_its_summaries_as_recorded(
        graph: tuple[FakeGraph, requests.Session]) -> None:
    fake, session = graph
    post_id = graph_post(fake, session, reactions={"HAHA": 1})
    real = recorded("posts/single_post_data.json")
    body = session.get(f"{GRAPH}/{post_id}", params={"fields": RECORDED_FIELDS}).json()
    assert sorted(body) == sorted(real)
    same_shape(body, real)
    for edge in ("reactions", "comments", "like", "haha"):
        assert sorted(body[edge]) == sorted(real[edge])
        assert sorted(body[edge]["summary"]) == sorted(real[edge]["summary"]), edge
    assert body["haha"]["summary"]["total_count"] == real["haha"]["summary"]["total_count"]
    assert body["reactions"]["summary"]["total_count"] == 1


def test_shares_as_recorded_and_left_out_while_none(
        graph: tuple[FakeGraph, requests.Session]) -> None:
    fake, session = graph
    real = next(iter(recorded("posts/multi_posts_data.json").values()))["shares"]
    shared = graph_post(fake, session, shares=5)
    unshared = graph_post(fake, session)
    body = session.get(f"{GRAPH}/{shared}", params={"fields": FIGURE_FIELDS}).json()
    assert body["shares"] == {"count": 5} and sorted(body["shares"]) == sorted(real)
    assert "shares" not in session.get(f"{GRAPH}/{unshared}",
                                       params={"fields": FIGURE_FIELDS}).json()


def test_insights_need_read_insights(graph: tuple[FakeGraph, requests.Session]) -> None:
    fake, session = graph
    post_id = graph_post(fake, session, views=40, reach=30)
    metrics = ",".join(INSIGHT_METRICS)
    body = session.get(f"{GRAPH}/{post_id}/insights", params={"metric": metrics}).json()
    assert [(d["name"], d["values"][0]["value"]) for d in body["data"]] == [
        ("post_impressions", 40), ("post_impressions_unique", 30)]
    assert all(sorted(d) == ["description", "id", "name", "period", "title", "values"]
               for d in body["data"])
    fake.page_scopes.remove("read_insights")
    refused = session.get(f"{GRAPH}/{post_id}/insights", params={"metric": metrics})
    assert refused.status_code == 403
    same_shape(refused.json()["error"], recorded("base/error_data.json")["error"])
    assert refused.json()["error"]["code"] == 10


def test_lookup_by_ids_as_recorded() -> None:
    [exchange] = load("test_client_get_tweets.yaml")
    assert exchange.path == "/2/tweets" and "ids=" in exchange.uri
    with FakeX() as fake:
        session = requests.Session()
        mount_routes(session, {o: fake.base_url for o in X_PUBLIC_ORIGINS},
                     default_timeout=ANSWER_TIMEOUT)
        session.auth = oauth1()
        try:
            ids = [session.post("https://api.twitter.com/2/tweets",
                                json={"text": f"Cifras {i}"}).json()["data"]["id"]
                   for i in range(2)]
            answer = session.get("https://api.twitter.com/2/tweets",
                                 params={"ids": ",".join(ids)})
        finally:
            session.close()
    assert answer.status_code == exchange.status
    check_headers(exchange, answer)
    check_shape(exchange.json(), answer.json())
    assert [t["id"] for t in answer.json()["data"]] == ids
