"""FakeGraph against real recorded Graph answers (tests/contract/graph-recorded/, see its
SOURCE.md): for the requests bmnsocial's adapter makes, the fake's answers have the recorded
keys, value types and paging structure (time paging after ``since``, cursor paging without).

The recordings are bodies only; statuses and content types come from Meta's documentation
(JSON, ``application/json``; errors 4xx with the documented error object).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests

from bmnsocial.platforms.routing import mount_routes
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_graph import FakeGraph
from bmnsocial.sandbox.testing import sample_png
from tests.helpers import ANSWER_TIMEOUT, FakeClock

RECORDED = Path(__file__).parent / "contract" / "graph-recorded"
PAGE_ID = SANDBOX_CREDENTIALS["facebook"]["page_id"]
TOKEN = SANDBOX_CREDENTIALS["facebook"]["page_access_token"]
GRAPH = "https://graph.facebook.com/v23.0"
FB_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")
# Graph's own paging parameters, as recorded; the others in a link repeat the request's.
PAGING_PARAMS = {"since", "until", "__paging_token", "__previous", "after", "before"}

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def kind(value: Any) -> str:
    if isinstance(value, str):
        return "time" if FB_TIME.match(value) else "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def same_shape(fake: dict[str, Any], real: dict[str, Any]) -> None:
    """Every key the fake answers is one the recording has, with the same kind of value."""
    extra = set(fake) - set(real)
    assert not extra, f"keys the recording does not have: {sorted(extra)}"
    for key, value in fake.items():
        assert kind(value) == kind(real[key]), (key, value, real[key])


def link_params(url: str) -> dict[str, str | None]:
    """A paging link's parameters, a bare name (``since``) as None."""
    params: dict[str, str | None] = {}
    for item in urlsplit(url).query.split("&"):
        name, eq, value = item.partition("=")
        params[name] = unquote(value) if eq else None
    return params


def paging_form(paging: dict[str, Any]) -> dict[str, Any]:
    """The structure of a ``paging`` object: its keys, cursor names, and for each link which
    paging parameters it carries and whether each has a value."""
    form: dict[str, Any] = {"keys": sorted(paging)}
    if "cursors" in paging:
        form["cursors"] = sorted(paging["cursors"])
    for link in ("next", "previous"):
        if link in paging:
            assert paging[link].startswith("https://graph.facebook.com/v")
            params = link_params(paging[link])
            form[link] = {k: bool(params[k]) for k in sorted(PAGING_PARAMS & set(params))}
    return form


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeGraph]:
    with FakeGraph(clock=clock) as server:
        yield server


@pytest.fixture
def session(fake: FakeGraph) -> Iterator[requests.Session]:
    s = requests.Session()
    mount_routes(s, {"https://graph.facebook.com": fake.base_url}, default_timeout=ANSWER_TIMEOUT)
    s.headers["Authorization"] = f"OAuth {TOKEN}"
    yield s
    s.close()


def publish(session: requests.Session, clock: FakeClock, count: int) -> list[str]:
    ids = []
    for i in range(count):
        r = session.post(f"{GRAPH}/{PAGE_ID}/feed", data={"message": f"Publicación {i}"})
        assert r.status_code == 200, r.text
        ids.append(r.json()["id"])
        clock.now += 60
    return ids


def json_answer(r: requests.Response) -> Any:
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.json()


def test_feed_since_pages_by_time_as_recorded(session: requests.Session,
                                              clock: FakeClock) -> None:
    ids = publish(session, clock, 5)
    first_real, last_real = recorded("posts/feed_fields_p1.json"), recorded(
        "posts/feed_fields_p2.json")
    fields = "id,message,created_time"
    since = str(int(clock.now) - 3600)
    first = json_answer(session.get(f"{GRAPH}/{PAGE_ID}/published_posts",
                                    params={"fields": fields, "since": since, "limit": "2"}))
    assert sorted(first) == sorted(first_real)
    for item in first["data"]:
        same_shape(item, first_real["data"][0])
    assert paging_form(first["paging"]) == paging_form(first_real["paging"])
    assert "cursors" not in first["paging"]
    seen = [p["id"] for p in first["data"]]
    page = first
    while "next" in page["paging"]:
        page = json_answer(session.get(page["paging"]["next"]))
        seen += [p["id"] for p in page["data"]]
    assert paging_form(page["paging"]) == paging_form(last_real["paging"])
    assert seen == list(reversed(ids))


def test_feed_without_since_pages_by_cursors_as_recorded(session: requests.Session,
                                                         clock: FakeClock) -> None:
    publish(session, clock, 3)
    first_real = recorded("posts/feeds_default_fields_p1.json")
    last_real = recorded("posts/feeds_default_fields_p2.json")
    first = json_answer(session.get(f"{GRAPH}/{PAGE_ID}/feed", params={"limit": "2"}))
    assert paging_form(first["paging"]) == paging_form(first_real["paging"])
    last = json_answer(session.get(first["paging"]["next"]))
    form, real_form = paging_form(last["paging"]), paging_form(last_real["paging"])
    assert form["keys"] == real_form["keys"] and "next" not in form
    # The recorded last page names only its "before" cursor; other recorded lists (comments,
    # photos) name both on every page: either is Graph's.
    assert set(real_form["cursors"]) <= set(form["cursors"]) <= {"before", "after"}


def test_a_post_with_fields_as_recorded(session: requests.Session, clock: FakeClock) -> None:
    [post] = publish(session, clock, 1)
    real = recorded("posts/single_post_data_fields.json")
    body = json_answer(session.get(f"{GRAPH}/{post}", params={"fields": ",".join(real)}))
    same_shape(body, real)
    assert sorted(body) == sorted(real)


def test_the_page_with_fields_as_recorded(session: requests.Session) -> None:
    real = recorded("pages/single_fields_page.json")
    body = json_answer(session.get(f"{GRAPH}/{PAGE_ID}", params={"fields": "id,name,fan_count"}))
    same_shape(body, real)
    assert sorted(body) == ["fan_count", "id", "name"]


def test_a_photo_with_fields_as_recorded(session: requests.Session) -> None:
    real = recorded("photos/photo_info_fields.json")
    photo = json_answer(session.post(f"{GRAPH}/{PAGE_ID}/photos", data={"published": "false"},
                                     files={"source": ("p.png", sample_png(), "image/png")}))
    body = json_answer(session.get(f"{GRAPH}/{photo['id']}", params={"fields": ",".join(real)}))
    same_shape(body, real)
    assert sorted(body) == sorted(real)


@pytest.mark.parametrize("name", ["base/error.json", "base/error_data.json"])
def test_errors_as_recorded(session: requests.Session, fake: FakeGraph, name: str) -> None:
    real = recorded(name)["error"]
    answers = [
        session.get(f"{GRAPH}/{PAGE_ID}/published_posts", params={"fields": "bogus"}),
        session.post(f"{GRAPH}/{PAGE_ID}/feed", data={"message": "x", "nonsense": "1"}),
    ]
    for kind_ in ("graph_80001", "graph_200", "graph_368", "graph_190_460"):
        fake.faults.add(kind_)
        answers.append(session.post(f"{GRAPH}/{PAGE_ID}/feed", data={"message": kind_}))
    for r in answers:
        assert 400 <= r.status_code < 500
        error = json_answer(r)["error"]
        common = {k: v for k, v in error.items() if k in real}
        same_shape(common, real)
        assert set(real) <= set(error)
        # Meta's "Handle Errors" guide: the optional members of the error object.
        assert set(error) - set(real) <= {"error_subcode", "is_transient", "error_user_title",
                                          "error_user_msg"}
