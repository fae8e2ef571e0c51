"""Behaviour of FakeX driven by the real tweepy Client and raw requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy

from bmnsocial.platforms.routing import mount_routes
from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS, SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_x import DUPLICATE_DETAIL, REPLY_DETAIL, FakeX
from bmnsocial.sandbox.testing import (
    oauth1,
    sample_gif,
    sample_jpeg,
    sample_mp4,
    sample_png,
    sample_webp,
    tweepy_client,
)
from tests.helpers import ANSWER_TIMEOUT, FakeClock

API = "https://api.x.com"
USER_ID = SANDBOX_ACCOUNTS["x"]["user_id"]
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}


pytestmark = pytest.mark.usefixtures("no_leaked_threads")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(tmp_path: Path, clock: FakeClock) -> Iterator[FakeX]:
    with FakeX(store_path=tmp_path / "x.sqlite3", clock=clock) as server:
        yield server


@pytest.fixture
def routes(fake: FakeX) -> dict[str, str]:
    return {
        o: fake.base_url for o in ("https://api.twitter.com", API, "https://upload.twitter.com")
    }


@pytest.fixture
def client(routes: dict[str, str]) -> Iterator[Any]:
    c = tweepy_client(routes, timeout=ANSWER_TIMEOUT)
    yield c
    c.session.close()


@pytest.fixture
def session(routes: dict[str, str]) -> Iterator[requests.Session]:
    s = requests.Session()
    mount_routes(s, routes, default_timeout=ANSWER_TIMEOUT)
    s.auth = oauth1()
    yield s
    s.close()


def upload(session: requests.Session, data: bytes, category: str = "tweet_image") -> Any:
    return session.post(
        f"{API}/2/media/upload",
        files={"media": ("blob", data, "application/octet-stream")},
        data={"media_category": category},
    )


def chunked(session: requests.Session, blob: bytes, media_type: str, chunk: int = 4096) -> str:
    init = session.post(
        f"{API}/2/media/upload/initialize",
        json={"media_type": media_type, "total_bytes": len(blob), "media_category": "tweet_video"},
    )
    assert init.status_code == 200, init.text
    media_id: str = init.json()["data"]["id"]
    for index, start in enumerate(range(0, len(blob), chunk)):
        r = session.post(
            f"{API}/2/media/upload/{media_id}/append",
            files={"media": ("blob", blob[start : start + chunk])},
            data={"segment_index": str(index)},
        )
        assert (r.status_code, r.content) == (204, b""), r.text
    return media_id


# -- tweets ------------------------------------------------------------------


def test_create_tweet_returns_201_with_v2_shape(client: Any, fake: FakeX) -> None:
    response = client.create_tweet(text="Nuevo boletín de la BMN")
    data = response.data
    assert set(data) == {"id", "text", "edit_history_tweet_ids"}
    assert data["text"] == "Nuevo boletín de la BMN"
    assert data["edit_history_tweet_ids"] == [data["id"]]
    assert data["id"].isdigit() and len(data["id"]) == 19
    assert fake.requests[-1].status == 201
    published = fake.published()
    assert [p["id"] for p in published] == [data["id"]]
    assert published[0]["url"] == f"https://x.com/{fake.username}/status/{data['id']}"


def test_links_come_back_as_tco_but_store_keeps_text(client: Any, fake: FakeX) -> None:
    text = "Catálogo: https://bmn.sld.cu/catalogo y bvscuba.sld.cu"
    data = client.create_tweet(text=text).data
    assert "https://bmn.sld.cu" not in data["text"]
    assert data["text"].count("https://t.co/") == 2
    assert fake.published()[0]["text"] == text


def test_duplicate_text_is_refused_with_exact_403_body(client: Any, fake: FakeX) -> None:
    client.create_tweet(text="Hola")
    with pytest.raises(tweepy.Forbidden) as info:
        client.create_tweet(text="Hola")
    assert info.value.response.json() == {
        "detail": DUPLICATE_DETAIL,
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    assert info.value.api_messages == [DUPLICATE_DETAIL]
    assert len(fake.published()) == 1



def test_duplicate_refusal_can_be_turned_off_for_audits(client: Any, fake: FakeX) -> None:
    """scripts/power-cut counts what the fake accepted: a post sent twice must show twice."""
    answer = requests.post(f"{fake.base_url}/__sandbox__/duplicates", json={"refuse": False},
                           timeout=ANSWER_TIMEOUT)
    assert answer.json() == {"data": {"refuse": False}}
    client.create_tweet(text="Hola")
    client.create_tweet(text="Hola")
    assert [t["text"] for t in fake.published()] == ["Hola", "Hola"]
    requests.post(f"{fake.base_url}/__sandbox__/reset", timeout=ANSWER_TIMEOUT)
    client.create_tweet(text="Hola")
    with pytest.raises(tweepy.Forbidden):
        client.create_tweet(text="Hola")
    bad = requests.post(f"{fake.base_url}/__sandbox__/duplicates", json={"refuse": "no"},
                        timeout=ANSWER_TIMEOUT)
    assert bad.status_code == 400

def test_too_long_text_is_refused(client: Any, fake: FakeX) -> None:
    client.create_tweet(text="a" * 280)
    with pytest.raises(tweepy.BadRequest) as info:
        client.create_tweet(text="b" * 281)
    body = info.value.response.json()
    assert body["type"] == "https://api.x.com/2/problems/invalid-request"
    assert body["errors"][0]["parameters"] == {"text": ["b" * 281]}
    # Weighted: 140 CJK characters weigh 280, and URLs weigh 23 whatever their length.
    client.create_tweet(text="漢" * 140)
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="字" * 141)
    client.create_tweet(text="x" * 256 + " https://example.org/" + "p" * 200)
    assert len(fake.published()) == 3


def test_empty_tweet_and_invalid_characters_are_refused(session: requests.Session) -> None:
    assert session.post(f"{API}/2/tweets", json={}).status_code == 400
    assert session.post(f"{API}/2/tweets", json={"text": "a\ufffeb"}).status_code == 400


def test_malformed_json_and_schema_violations_are_400(session: requests.Session) -> None:
    r = session.post(
        f"{API}/2/tweets", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["title"] == "Invalid Request"
    r = session.post(f"{API}/2/tweets", json={"text": 5})
    assert r.status_code == 400
    assert r.json()["errors"] == [{"message": "$.text: integer found, string expected"}]
    r = session.post(f"{API}/2/tweets", json={"text": "a", "status": "b"})
    assert "$.status: is not defined in the schema" in r.json()["errors"][0]["message"]
    r = session.post(f"{API}/2/tweets", json={"text": "a", "media": {"media_ids": []}})
    assert r.status_code == 400
    r = session.post(f"{API}/2/tweets", json={"text": "a", "media": {"media_ids": [1]}})
    assert r.status_code == 400


def test_unknown_media_ids_are_400_like_x(client: Any) -> None:
    with pytest.raises(tweepy.BadRequest) as info:
        client.create_tweet(text="con foto", media_ids=["1234567890123456789"])
    body = info.value.response.json()
    assert body["errors"] == [
        {
            "parameters": {"media.media_ids": ["1234567890123456789"]},
            "message": "Your media IDs are invalid.",
        }
    ]
    assert body["detail"] == "One or more parameters to your request was invalid."
    assert info.value.api_messages == ["Your media IDs are invalid."]


def test_reply_to_unknown_tweet_is_refused(client: Any) -> None:
    with pytest.raises(tweepy.Forbidden) as info:
        client.create_tweet(text="respuesta", in_reply_to_tweet_id="1234567890123456789")
    assert info.value.api_messages == [REPLY_DETAIL]


def test_thread_of_replies(client: Any, fake: FakeX) -> None:
    first = client.create_tweet(text="1/2 hilo").data["id"]
    second = client.create_tweet(text="2/2 hilo", in_reply_to_tweet_id=first).data["id"]
    timeline = client.get_users_tweets(
        USER_ID,
        user_auth=True,
        tweet_fields=["conversation_id", "referenced_tweets", "in_reply_to_user_id"],
    )
    newest = timeline.data[0]
    assert newest.id == int(second)
    assert newest.conversation_id == int(first)
    assert newest.referenced_tweets[0].id == int(first)
    assert fake.published()[1]["reply_to"] == first


# -- auth --------------------------------------------------------------------


def test_wrong_or_missing_credentials_are_401(routes: dict[str, str]) -> None:
    creds = dict(SANDBOX_CREDENTIALS["x"], consumer_secret="wrong")
    bad = tweepy_client(routes, credentials=creds, timeout=ANSWER_TIMEOUT)
    with pytest.raises(tweepy.Unauthorized) as info:
        bad.create_tweet(text="x")
    assert info.value.response.json() == UNAUTHORIZED
    assert info.value.response.headers["Content-Type"].startswith("application/problem+json")
    bad.session.close()
    s = requests.Session()
    mount_routes(s, routes)
    r = s.post(f"{API}/2/tweets", json={"text": "x"})
    assert r.status_code == 401 and r.json() == UNAUTHORIZED
    s.close()


def test_signature_covers_query_and_public_url(session: requests.Session, fake: FakeX) -> None:
    ok = session.get(f"{API}/2/users/me", params={"user.fields": "created_at"})
    assert ok.status_code == 200
    tampered = requests.Request(
        "GET", f"{API}/2/users/me", params={"user.fields": "created_at"}, auth=oauth1()
    ).prepare()
    assert tampered.url is not None
    tampered.url = tampered.url.replace("created_at", "description")
    assert session.send(tampered).status_code == 401


def test_oauth2_user_token_and_app_only_token(routes: dict[str, str], tmp_path: Path) -> None:
    with FakeX(app_bearer_token="app-only-token") as fake:
        local = {k: fake.base_url for k in routes}
        user = tweepy.Client(bearer_token=SANDBOX_CREDENTIALS["x"]["bearer_token"])
        mount_routes(user.session, local)
        created = user.create_tweet(text="con OAuth 2", user_auth=False)
        assert created.data["text"] == "con OAuth 2"
        app = tweepy.Client(bearer_token="app-only-token")
        mount_routes(app.session, local)
        timeline = app.get_users_tweets(fake.user_id)
        assert [t.text for t in timeline.data] == ["con OAuth 2"]
        with pytest.raises(tweepy.Forbidden) as info:
            app.create_tweet(text="no", user_auth=False)
        assert info.value.response.json()["title"] == "Unsupported Authentication"
        user.session.close()
        app.session.close()


def test_expired_credentials_are_401(client: Any, fake: FakeX) -> None:
    fake.credential_state = "expired"
    with pytest.raises(tweepy.Unauthorized):
        client.get_me()
    fake.credential_state = "valid"
    assert client.get_me().data.username == fake.username


# -- rate limits ---------------------------------------------------------------


def test_rate_limit_headers_and_429(tmp_path: Path, clock: FakeClock) -> None:
    with FakeX(rate_limits={"POST /2/tweets": 2}, clock=clock) as fake:
        client = tweepy_client({API: fake.base_url, "https://api.twitter.com": fake.base_url},
                           timeout=ANSWER_TIMEOUT)
        client.create_tweet(text="uno")
        headers = fake.requests[-1].response_headers
        assert headers is not None
        assert headers["x-rate-limit-limit"] == "2"
        assert headers["x-rate-limit-remaining"] == "1"
        assert int(headers["x-rate-limit-reset"]) == int(clock.now) + 900
        client.create_tweet(text="dos")
        with pytest.raises(tweepy.TooManyRequests) as info:
            client.create_tweet(text="tres")
        assert info.value.reset_time == int(clock.now) + 900
        assert info.value.response.json() == {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        }
        clock.now += 901
        client.create_tweet(text="tres")
        assert len(fake.published()) == 3
        client.session.close()


def test_every_response_has_rate_limit_headers(client: Any, fake: FakeX) -> None:
    client.get_me()
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="x" * 300)
    for recorded in fake.requests:
        assert recorded.response_headers is not None
        assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(
            recorded.response_headers
        )


# -- timeline -------------------------------------------------------------------


def test_timeline_newest_first_with_filters_and_pages(client: Any, clock: FakeClock) -> None:
    ids = []
    for i in range(7):
        ids.append(client.create_tweet(text=f"post {i}").data["id"])
        clock.now += 60
    page = client.get_users_tweets(
        USER_ID, user_auth=True, max_results=5, tweet_fields=["created_at"]
    )
    assert [t.id for t in page.data] == [int(i) for i in reversed(ids[2:])]
    assert page.meta["result_count"] == 5
    assert page.data[0].created_at.timestamp() == pytest.approx(clock.now - 60, abs=1)
    rest = client.get_users_tweets(
        USER_ID, user_auth=True, max_results=5, pagination_token=page.meta["next_token"]
    )
    assert [t.id for t in rest.data] == [int(ids[1]), int(ids[0])]
    assert "next_token" not in rest.meta
    recent = client.get_users_tweets(
        USER_ID, user_auth=True, start_time="2026-01-01T00:04:30Z", since_id=ids[4]
    )
    assert [t.id for t in recent.data] == [int(ids[6]), int(ids[5])]
    empty = client.get_users_tweets(USER_ID, user_auth=True, since_id=ids[6])
    assert empty.data is None and empty.meta == {"result_count": 0}


def test_timeline_rejects_bad_parameters(client: Any, session: requests.Session) -> None:
    with pytest.raises(tweepy.BadRequest):
        client.get_users_tweets(USER_ID, user_auth=True, max_results=500)
    r = session.get(f"{API}/2/users/{USER_ID}/tweets", params={"tweet.fields": "bogus"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["parameters"] == {"tweet.fields": ["bogus"]}
    r = session.get(f"{API}/2/users/{USER_ID}/tweets", params={"count": "5"})
    assert r.status_code == 400
    r = session.get(f"{API}/2/users/{USER_ID}/tweets", params={"start_time": "yesterday"})
    assert r.status_code == 400


def test_timeline_of_unknown_user_is_200_with_errors(session: requests.Session) -> None:
    r = session.get(f"{API}/2/users/42/tweets")
    assert r.status_code == 200
    assert r.json()["errors"][0]["type"] == "https://api.x.com/2/problems/resource-not-found"


def test_get_tweet_by_id(client: Any, session: requests.Session) -> None:
    tweet_id = client.create_tweet(text="uno").data["id"]
    assert client.get_tweet(tweet_id, user_auth=True).data.text == "uno"
    missing = session.get(f"{API}/2/tweets/1234567890123456789").json()
    assert missing["errors"][0]["resource_type"] == "tweet"


def test_users_me(client: Any) -> None:
    me = client.get_me(user_fields=["created_at", "public_metrics"])
    assert (me.data.id, me.data.username) == (int(USER_ID), SANDBOX_ACCOUNTS["x"]["username"])
    assert me.data.public_metrics["tweet_count"] == 0


# -- media -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blob", "mime"),
    [
        (sample_png(3, 4), "image/png"),
        (sample_jpeg(3, 4), "image/jpeg"),
        (sample_webp(3, 4), "image/webp"),
        (sample_gif(3, 4), "image/gif"),
    ],
)
def test_simple_image_upload(session: requests.Session, blob: bytes, mime: str) -> None:
    r = upload(session, blob)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["image"] == {"image_type": mime, "w": 3, "h": 4}
    assert data["media_key"] == f"3_{data['id']}"
    assert data["size"] == len(blob)


def test_upload_refuses_bad_bytes_and_oversize(session: requests.Session, fake: FakeX) -> None:
    assert upload(session, b"GIF? no, a text file").status_code == 400
    assert upload(session, sample_png()[:20]).status_code == 400  # truncated header
    assert upload(session, sample_mp4(), "tweet_image").status_code == 400
    assert upload(session, sample_png(), "tweet_gif").status_code == 400
    big = sample_png(padding=5 * 1024 * 1024)
    r = upload(session, big)
    assert r.status_code == 400
    assert r.json()["errors"] == [{"message": "File size exceeds 5242880 bytes."}]
    r = session.post(
        f"{API}/2/media/upload",
        files={"media": ("a.png", sample_png())},
        data={"media_category": "tweet_image", "media_type": "image/png"},
    )
    assert r.status_code == 400  # not a field of MediaUploadRequest
    assert fake.store.items("x", ["media"]) == []


def test_tweet_with_images_and_alt_text(
    client: Any, session: requests.Session, fake: FakeX
) -> None:
    ids = [upload(session, sample_png()).json()["data"]["id"] for _ in range(2)]
    r = session.post(
        f"{API}/2/media/metadata",
        json={"id": ids[0], "metadata": {"alt_text": {"text": "Fachada de la BMN"}}},
    )
    assert r.status_code == 200
    assert r.json() == {
        "data": {"id": ids[0], "associated_metadata": {"alt_text": {"text": "Fachada de la BMN"}}}
    }
    tweet = client.create_tweet(text="Dos fotos", media_ids=ids).data
    assert tweet["text"].startswith("Dos fotos https://t.co/")
    media = fake.published()[0]["media"]
    assert [m["id"] for m in media] == ids
    assert [m["alt_text"] for m in media] == ["Fachada de la BMN", None]
    timeline = client.get_users_tweets(
        USER_ID,
        user_auth=True,
        expansions=["attachments.media_keys"],
        media_fields=["alt_text"],
        tweet_fields=["attachments"],
    )
    assert timeline.includes["media"][0].alt_text == "Fachada de la BMN"


def test_alt_text_over_1000_characters_is_refused(session: requests.Session) -> None:
    media_id = upload(session, sample_png()).json()["data"]["id"]
    r = session.post(
        f"{API}/2/media/metadata",
        json={"id": media_id, "metadata": {"alt_text": {"text": "a" * 1001}}},
    )
    assert r.status_code == 400
    ok = session.post(
        f"{API}/2/media/metadata",
        json={"id": media_id, "metadata": {"alt_text": {"text": "a" * 1000}}},
    )
    assert ok.status_code == 200


def test_metadata_for_unknown_media_is_refused(session: requests.Session) -> None:
    r = session.post(f"{API}/2/media/metadata", json={"id": "123", "metadata": {}})
    assert r.status_code == 400


def test_chunked_video_upload_with_processing(
    client: Any, session: requests.Session, fake: FakeX
) -> None:
    blob = sample_mp4(10_000)
    media_id = chunked(session, blob, "video/mp4")
    with pytest.raises(tweepy.BadRequest):  # not finalized yet
        client.create_tweet(text="video", media_ids=[media_id])
    fin = session.post(f"{API}/2/media/upload/{media_id}/finalize")
    assert fin.status_code == 200, fin.text
    info = fin.json()["data"]["processing_info"]
    assert info["state"] == "pending" and info["check_after_secs"] == 1
    with pytest.raises(tweepy.BadRequest):  # still processing
        client.create_tweet(text="video", media_ids=[media_id])
    states = []
    for _ in range(3):
        status = session.get(
            f"{API}/2/media/upload", params={"command": "STATUS", "media_id": media_id}
        )
        states.append(status.json()["data"]["processing_info"]["state"])
    assert states == ["in_progress", "succeeded", "succeeded"]  # pending at FINALIZE
    assert client.create_tweet(text="video", media_ids=[media_id]).data["id"]
    assert fake.published()[0]["media"][0]["media_type"] == "video/mp4"


def test_processing_steps_are_configurable(tmp_path: Path) -> None:
    with FakeX(processing_steps=["in_progress", "failed"], check_after_secs=0) as fake:
        s = requests.Session()
        mount_routes(s, {API: fake.base_url})
        s.auth = oauth1()
        media_id = chunked(s, sample_mp4(5000), "video/mp4")
        fin = s.post(f"{API}/2/media/upload/{media_id}/finalize").json()["data"]
        assert fin["processing_info"]["check_after_secs"] == 0
        seen = [
            s.get(
                f"{API}/2/media/upload", params={"command": "STATUS", "media_id": media_id}
            ).json()["data"]["processing_info"]["state"]
            for _ in range(2)
        ]
        assert seen == ["in_progress", "failed"]
        r = s.post(f"{API}/2/tweets", json={"text": "v", "media": {"media_ids": [media_id]}})
        assert r.status_code == 400
        s.close()


def test_finalize_refuses_size_mismatch_and_wrong_type(session: requests.Session) -> None:
    init = session.post(
        f"{API}/2/media/upload/initialize",
        json={"media_type": "video/mp4", "total_bytes": 9000, "media_category": "tweet_video"},
    ).json()["data"]
    session.post(
        f"{API}/2/media/upload/{init['id']}/append",
        files={"media": ("b", sample_mp4(5000))},
        data={"segment_index": "0"},
    )
    r = session.post(f"{API}/2/media/upload/{init['id']}/finalize")
    assert r.status_code == 400
    assert r.json()["errors"] == [
        {"message": "Segments do not add up to provided total file size."}
    ]
    png = sample_png()
    init = session.post(
        f"{API}/2/media/upload/initialize",
        json={"media_type": "image/jpeg", "total_bytes": len(png), "media_category": "tweet_image"},
    ).json()["data"]
    session.post(
        f"{API}/2/media/upload/{init['id']}/append",
        files={"media": ("b", png)},
        data={"segment_index": "0"},
    )
    assert session.post(f"{API}/2/media/upload/{init['id']}/finalize").status_code == 400


def test_initialize_and_append_validation(session: requests.Session) -> None:
    r = session.post(f"{API}/2/media/upload/initialize", json={"media_type": "video/mp4"})
    assert r.status_code == 400
    r = session.post(
        f"{API}/2/media/upload/initialize",
        json={"media_type": "image/png", "total_bytes": 6 * 1024 * 1024},
    )
    assert r.status_code == 400
    media_id = session.post(
        f"{API}/2/media/upload/initialize", json={"media_type": "image/png", "total_bytes": 10}
    ).json()["data"]["id"]
    r = session.post(
        f"{API}/2/media/upload/{media_id}/append",
        files={"media": ("b", b"x")},
        data={"segment_index": "1000"},
    )
    assert r.status_code == 400
    r = session.post(
        f"{API}/2/media/upload/9999/append",
        files={"media": ("b", b"x")},
        data={"segment_index": "0"},
    )
    assert r.status_code == 400


def test_expired_media_cannot_be_attached(
    client: Any, session: requests.Session, clock: FakeClock
) -> None:
    media_id = upload(session, sample_png()).json()["data"]["id"]
    clock.now += 86401
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="tarde", media_ids=[media_id])


def test_unknown_route_is_404(session: requests.Session) -> None:
    r = session.get(f"{API}/2/nothing")
    assert r.status_code == 404
    assert r.json() == {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}


# -- persistence ---------------------------------------------------------------


def test_store_survives_restart_for_duplicates_and_timeline(tmp_path: Path) -> None:
    store = tmp_path / "x.sqlite3"
    with FakeX(store_path=store) as first:
        c = tweepy_client({API: first.base_url, "https://api.twitter.com": first.base_url},
                           timeout=ANSWER_TIMEOUT)
        tweet_id = c.create_tweet(text="antes del reinicio").data["id"]
        c.session.close()
    with FakeX(store_path=store) as second:
        c = tweepy_client({API: second.base_url, "https://api.twitter.com": second.base_url},
                           timeout=ANSWER_TIMEOUT)
        with pytest.raises(tweepy.Forbidden):
            c.create_tweet(text="antes del reinicio")
        later = c.create_tweet(text="después").data["id"]
        assert int(later) > int(tweet_id)
        timeline = c.get_users_tweets(USER_ID, user_auth=True)
        assert [t.id for t in timeline.data] == [int(later), int(tweet_id)]
        c.session.close()


def test_admin_reset_forgets_everything(client: Any, fake: FakeX) -> None:
    client.create_tweet(text="uno")
    fake.faults.add("http500")
    fake.credential_state = "expired"
    r = requests.post(fake.base_url + "/__sandbox__/reset", timeout=ANSWER_TIMEOUT)
    assert r.status_code == 200
    assert fake.published() == [] and len(fake.faults) == 0 and fake.requests == []
    assert client.create_tweet(text="uno").data["id"]
    r = requests.post(fake.base_url + "/__sandbox__/auth", json={"state": "expired"},
                      timeout=ANSWER_TIMEOUT)
    assert r.status_code == 200
    with pytest.raises(tweepy.Unauthorized):
        client.get_me()
