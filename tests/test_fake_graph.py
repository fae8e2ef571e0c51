"""Behaviour of FakeGraph driven by the real facebook-sdk GraphAPI and raw requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import facebook
import pytest
import requests

from bmnsocial.platforms.routing import mount_routes
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_graph import MAX_MESSAGE_LENGTH, FakeGraph
from bmnsocial.sandbox.testing import graph_api, sample_gif, sample_jpeg, sample_mp4, sample_png
from tests.helpers import ANSWER_TIMEOUT, FakeClock

GRAPH = "https://graph.facebook.com/v23.0"
PAGE_ID = SANDBOX_CREDENTIALS["facebook"]["page_id"]
TOKEN = SANDBOX_CREDENTIALS["facebook"]["page_access_token"]


pytestmark = pytest.mark.usefixtures("no_leaked_threads")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(tmp_path: Path, clock: FakeClock) -> Iterator[FakeGraph]:
    with FakeGraph(store_path=tmp_path / "fb.sqlite3", clock=clock) as server:
        yield server


@pytest.fixture
def graph(fake: FakeGraph) -> Iterator[Any]:
    api = graph_api({"https://graph.facebook.com": fake.base_url}, timeout=ANSWER_TIMEOUT)
    yield api
    api.session.close()


@pytest.fixture
def session(fake: FakeGraph) -> Iterator[requests.Session]:
    s = requests.Session()
    mount_routes(s, {"https://graph.facebook.com": fake.base_url},
                 default_timeout=ANSWER_TIMEOUT)
    yield s
    s.close()


def error_of(excinfo: pytest.ExceptionInfo[facebook.GraphAPIError]) -> dict[str, Any]:
    result: dict[str, Any] = excinfo.value.result["error"]
    return result


def test_me_with_page_token(graph: Any) -> None:
    assert graph.get_object("me") == {
        "name": "Biblioteca Médica Nacional (sandbox)",
        "id": PAGE_ID,
    }
    assert graph.get_object("me", fields="id,link")["link"].endswith(PAGE_ID)


def test_feed_post_returns_page_scoped_id(graph: Any, fake: FakeGraph) -> None:
    result = graph.put_object(PAGE_ID, "feed", message="Hola", link="https://bmn.sld.cu")
    page, _, post = result["id"].partition("_")
    assert page == PAGE_ID and post.isdigit() and len(post) == 18
    got = graph.get_object(result["id"], fields="id,message,permalink_url,created_time")
    assert got["permalink_url"] == f"https://www.facebook.com/{PAGE_ID}/posts/{post}"
    assert got["created_time"] == "2026-01-01T00:00:00+0000"
    assert got["message"] == "Hola"
    published = fake.published()
    assert published[0]["link"] == "https://bmn.sld.cu"
    assert published[0]["text"] == published[0]["message"] == "Hola"


def test_token_accepted_in_query_form_and_header(session: requests.Session) -> None:
    assert session.get(f"{GRAPH}/me", params={"access_token": TOKEN}).status_code == 200
    r = session.post(f"{GRAPH}/{PAGE_ID}/feed", data={"message": "a", "access_token": TOKEN})
    assert r.status_code == 200
    r = session.get(f"{GRAPH}/me", headers={"Authorization": f"OAuth {TOKEN}"})
    assert r.status_code == 200


def test_missing_and_wrong_tokens(session: requests.Session, fake: FakeGraph) -> None:
    r = session.get(f"{GRAPH}/me")
    assert r.status_code == 400 and r.json()["error"]["code"] == 104
    r = session.get(f"{GRAPH}/me", params={"access_token": "nope"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["code"], error["type"]) == (190, "OAuthException")
    assert "error_subcode" not in error
    assert r.headers["WWW-Authenticate"].startswith('OAuth "Facebook Platform" "invalid_token"')
    assert r.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("state", "subcode"), [("expired", 463), ("invalid", 467)])
def test_token_states_give_190_with_subcode(
    graph: Any, fake: FakeGraph, state: str, subcode: int
) -> None:
    fake.token_state = state
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(PAGE_ID, "feed", message="x")
    error = error_of(info)
    assert (error["code"], error["error_subcode"], error["type"]) == (
        190,
        subcode,
        "OAuthException",
    )
    assert info.value.code == 190
    assert fake.published() == []


def test_duplicate_message_is_506(graph: Any, fake: FakeGraph, clock: FakeClock) -> None:
    graph.put_object(PAGE_ID, "feed", message="Mismo texto")
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(PAGE_ID, "feed", message="Mismo texto")
    error = error_of(info)
    assert (error["code"], error["message"]) == (506, "Duplicate status message")
    assert fake.requests[-1].status == 400
    # "Duplicate posts cannot be published consecutively" (Meta, "Handle Errors"): however
    # long ago the last one went out.
    clock.now += 30 * 24 * 3600
    with pytest.raises(facebook.GraphAPIError):
        graph.put_object(PAGE_ID, "feed", message="Mismo texto")
    assert len(fake.published()) == 1


def test_an_earlier_message_may_come_back_after_another(graph: Any, fake: FakeGraph) -> None:
    graph.put_object(PAGE_ID, "feed", message="Mismo texto")
    graph.put_object(PAGE_ID, "feed", message="Otro texto")
    graph.put_object(PAGE_ID, "feed", message="Mismo texto")
    graph.put_object(PAGE_ID, "feed", message="Mismo texto", link="https://bmn.sld.cu/")
    assert len(fake.published()) == 4


def test_photo_captions_are_never_duplicates(graph: Any, fake: FakeGraph) -> None:
    graph.put_object(PAGE_ID, "feed", message="Leyenda")
    for _ in range(2):
        graph.put_photo(image=sample_png(), album_path=f"{PAGE_ID}/photos", message="Leyenda")
    assert len(fake.published()) == 3



def test_duplicate_refusal_can_be_turned_off_for_audits(graph: Any, fake: FakeGraph) -> None:
    requests.post(f"{fake.base_url}/__sandbox__/duplicates", json={"refuse": False},
                  timeout=ANSWER_TIMEOUT).raise_for_status()
    graph.put_object(PAGE_ID, "feed", message="Mismo texto")
    graph.put_object(PAGE_ID, "feed", message="Mismo texto")
    assert len(fake.published()) == 2

def test_message_too_long_is_code_100(graph: Any) -> None:
    graph.put_object(PAGE_ID, "feed", message="a" * MAX_MESSAGE_LENGTH)
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(PAGE_ID, "feed", message="b" * (MAX_MESSAGE_LENGTH + 1))
    assert error_of(info)["code"] == 100
    assert error_of(info)["message"].startswith("(#100)")


def test_unknown_and_mistyped_parameters_are_refused(graph: Any, fake: FakeGraph) -> None:
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(PAGE_ID, "feed", message="x", caption_text="nope")
    assert error_of(info)["code"] == 100
    assert "caption_text" in error_of(info)["message"]
    with pytest.raises(facebook.GraphAPIError):
        # facebook-sdk sends Python booleans as "True"; Graph booleans are true/false.
        graph.put_object(PAGE_ID, "feed", message="x", published=True)
    with pytest.raises(facebook.GraphAPIError):
        graph.put_object(PAGE_ID, "feed", message="x", backdated_time="soon")
    with pytest.raises(facebook.GraphAPIError):
        graph.put_photo(image=sample_png(), album_path=f"{PAGE_ID}/photos", alt_text="x")
    assert fake.published() == []


def test_empty_post_is_refused(graph: Any) -> None:
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(PAGE_ID, "feed", published="true")
    assert error_of(info)["code"] == 100


def test_single_photo_post_with_alt_text(graph: Any, fake: FakeGraph) -> None:
    result = graph.put_photo(
        image=sample_jpeg(),
        album_path=f"{PAGE_ID}/photos",
        message="Sala de lectura",
        alt_text_custom="Sala con mesas y libros",
    )
    assert set(result) == {"id", "post_id"}
    assert result["post_id"].startswith(PAGE_ID + "_")
    photo = graph.get_object(result["id"], fields="id,alt_text_custom,page_story_id,name")
    assert photo == {
        "id": result["id"],
        "alt_text_custom": "Sala con mesas y libros",
        "page_story_id": result["post_id"],
        "name": "Sala de lectura",
    }
    entry = fake.published()[0]
    assert entry["id"] == result["post_id"]
    assert entry["media"][0]["alt_text"] == "Sala con mesas y libros"


def test_photo_by_url_is_not_fetched(graph: Any, fake: FakeGraph) -> None:
    result = graph.put_object(
        PAGE_ID, "photos", url="https://bmn.sld.cu/img/portada.jpg", caption="Portada"
    )
    assert "post_id" in result
    assert fake.published()[0]["media"][0]["source_url"] == "https://bmn.sld.cu/img/portada.jpg"


def test_multi_photo_post(graph: Any, fake: FakeGraph) -> None:
    ids = []
    for blob in (sample_png(), sample_gif()):
        result = graph.put_photo(image=blob, album_path=f"{PAGE_ID}/photos", published="false")
        assert set(result) == {"id"}
        ids.append(result["id"])
    assert fake.published() == []
    attached = {
        f"attached_media[{i}]": json.dumps({"media_fbid": pid}) for i, pid in enumerate(ids)
    }
    post = graph.put_object(PAGE_ID, "feed", message="Dos fotos", **attached)
    entry = fake.published()[0]
    assert entry["id"] == post["id"]
    assert [m["id"] for m in entry["media"]] == ids
    # A photo can be attached only once.
    with pytest.raises(facebook.GraphAPIError):
        graph.put_object(PAGE_ID, "feed", message="Otra vez", **attached)
    with pytest.raises(facebook.GraphAPIError):
        graph.put_object(
            PAGE_ID, "feed", message="x", **{"attached_media[0]": '{"media_fbid": "1"}'}
        )


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"not an image at all", "(#324) Missing or invalid image file"),
        (sample_mp4(), "(#324) Missing or invalid image file"),
    ],
)
def test_bad_image_bytes_are_324(graph: Any, blob: bytes, message: str) -> None:
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_photo(image=blob, album_path=f"{PAGE_ID}/photos", message="x")
    assert (error_of(info)["code"], error_of(info)["message"]) == (324, message)


def test_photo_without_file_or_url_is_324(graph: Any) -> None:
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(PAGE_ID, "photos", message="sin foto")
    assert (error_of(info)["code"], error_of(info)["message"]) == (
        324,
        "(#324) Requires upload file",
    )


def test_scheduled_post(graph: Any, fake: FakeGraph, clock: FakeClock) -> None:
    when = int(clock.now) + 3600
    with pytest.raises(facebook.GraphAPIError):
        graph.put_object(PAGE_ID, "feed", message="x", scheduled_publish_time=str(when))
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object(
            PAGE_ID,
            "feed",
            message="x",
            published="false",
            scheduled_publish_time=str(int(clock.now) + 60),
        )
    assert "scheduled publish time is invalid" in error_of(info)["message"]
    post = graph.put_object(
        PAGE_ID, "feed", message="Programado", published="false", scheduled_publish_time=str(when)
    )
    assert fake.published() == []
    assert graph.get_connections(PAGE_ID, "published_posts")["data"] == []
    clock.now = when + 1
    listed = graph.get_connections(PAGE_ID, "published_posts")["data"]
    assert [p["id"] for p in listed] == [post["id"]]
    assert [p["id"] for p in fake.published()] == [post["id"]]


def test_published_posts_paging_since_and_fields(graph: Any, clock: FakeClock) -> None:
    ids = []
    for i in range(5):
        ids.append(graph.put_object(PAGE_ID, "feed", message=f"post {i}")["id"])
        clock.now += 60
    first = graph.get_connections(PAGE_ID, "published_posts", limit=2)
    assert [p["id"] for p in first["data"]] == [ids[4], ids[3]]
    assert set(first["data"][0]) == {"id", "message", "created_time"}
    assert "access_token" in first["paging"]["next"]
    everything = list(graph.get_all_connections(PAGE_ID, "published_posts", limit=2))
    assert [p["id"] for p in everything] == list(reversed(ids))
    since = graph.get_connections(PAGE_ID, "feed", since=str(int(clock.now) - 150))
    assert [p["id"] for p in since["data"]] == [ids[4], ids[3]]
    fields = graph.get_connections(PAGE_ID, "posts", fields="id,permalink_url,is_published")
    assert set(fields["data"][0]) == {"id", "permalink_url", "is_published"}


def test_unknown_fields_and_objects(graph: Any) -> None:
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.get_connections(PAGE_ID, "published_posts", fields="id,bogus")
    assert "nonexisting field (bogus)" in error_of(info)["message"]
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.get_object("1234_5678")
    assert (error_of(info)["code"], error_of(info)["error_subcode"]) == (100, 33)
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.put_object("999999", "feed", message="x")
    assert error_of(info)["type"] == "GraphMethodException"


def test_usage_headers_and_content_type(graph: Any, fake: FakeGraph) -> None:
    graph.get_object("me")
    headers = fake.requests[-1].response_headers
    assert headers is not None
    usage = json.loads(headers["X-App-Usage"])
    assert set(usage) == {"call_count", "total_cputime", "total_time"}
    assert set(json.loads(headers["X-Page-Usage"])) == set(usage)
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
    assert headers["facebook-api-version"] == "v23.0"


def test_store_survives_restart(tmp_path: Path) -> None:
    store = tmp_path / "fb.sqlite3"
    with FakeGraph(store_path=store) as first:
        g = graph_api({"https://graph.facebook.com": first.base_url}, timeout=ANSWER_TIMEOUT)
        post = g.put_object(PAGE_ID, "feed", message="persistente")
        g.session.close()
    with FakeGraph(store_path=store) as second:
        g = graph_api({"https://graph.facebook.com": second.base_url}, timeout=ANSWER_TIMEOUT)
        with pytest.raises(facebook.GraphAPIError):
            g.put_object(PAGE_ID, "feed", message="persistente")
        assert g.get_object(post["id"])["message"] == "persistente"
        g.session.close()
