"""The published-items store: durability, listing, and no credentials inside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.platforms import Sandbox
from bmnsocial.sandbox.store import load_published
from bmnsocial.sandbox.testing import graph_api, oauth1, sample_png, tweepy_client
from tests.helpers import ANSWER_TIMEOUT

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


def publish_everything(sb: Sandbox) -> None:
    client = tweepy_client(sb.routes, timeout=ANSWER_TIMEOUT)
    session = client.session
    media = session.post(
        "https://api.x.com/2/media/upload",
        files={"media": ("a.png", sample_png())},
        data={"media_category": "tweet_image"},
        auth=oauth1(),
    ).json()["data"]["id"]
    session.post(
        "https://api.x.com/2/media/metadata",
        json={"id": media, "metadata": {"alt_text": {"text": "texto alternativo"}}},
        auth=oauth1(),
    )
    first = client.create_tweet(text="tuit con foto", media_ids=[media]).data["id"]
    client.create_tweet(text="respuesta", in_reply_to_tweet_id=first)
    session.close()
    graph = graph_api(sb.routes, timeout=ANSWER_TIMEOUT)
    graph.put_object("me", "feed", message="post de FB", link="https://bmn.sld.cu")
    graph.put_photo(
        image=sample_png(), album_path="me/photos", message="foto", alt_text_custom="alt FB"
    )
    graph.session.close()


def test_load_published_lists_both_platforms(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    with Sandbox(store_dir) as sb:
        publish_everything(sb)
        live = sb.published()
    published = load_published(store_dir)
    assert published == live
    assert [(p["platform"], p["text"]) for p in published] == [
        ("x", "tuit con foto"),
        ("x", "respuesta"),
        ("facebook", "post de FB"),
        ("facebook", "foto"),
    ]
    tweet, reply, post, photo = published
    assert tweet["media"][0]["alt_text"] == "texto alternativo"
    assert reply["reply_to"] == tweet["id"]
    assert post["link"] == "https://bmn.sld.cu" and post["message"] == "post de FB"
    assert photo["media"][0]["alt_text"] == "alt FB"
    assert load_published(store_dir, platform="facebook") == [post, photo]
    assert load_published(store_dir / "published.sqlite3") == published
    assert load_published(tmp_path / "nothing-here") == []


def test_store_never_holds_credentials(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    with Sandbox(store_dir) as sb:
        publish_everything(sb)
    secrets = [
        v
        for platform in SANDBOX_CREDENTIALS.values()
        for k, v in platform.items()
        if k != "page_id"
    ]
    for path in store_dir.iterdir():
        raw = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in raw, (path.name, "holds a credential")


def test_endpoints_file_is_written_and_removed(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    with Sandbox(store_dir) as sb:
        payload = json.loads((store_dir / "endpoints.json").read_text())
        assert payload["routes"] == sb.routes
        for secret in SANDBOX_CREDENTIALS["x"].values():
            assert secret not in json.dumps(payload)
    assert not (store_dir / "endpoints.json").exists()


def test_in_memory_sandbox(tmp_path: Path) -> None:
    with Sandbox() as sb:
        assert sb.store_path is None
        publish_everything(sb)
        assert len(sb.published()) == 4
        sb.reset()
        assert sb.published() == []
    assert list(tmp_path.iterdir()) == []


def test_sandbox_routes_cover_every_public_host() -> None:
    with Sandbox() as sb:
        assert sb.routes == {
            "https://api.twitter.com": sb.x.base_url,
            "https://api.x.com": sb.x.base_url,
            "https://upload.twitter.com": sb.x.base_url,
            "https://graph.facebook.com": sb.graph.base_url,
            "https://api.telegram.org": sb.telegram.base_url,
        }
        session = requests.Session()
        sb.mount(session)
        assert session.get("https://upload.twitter.com/2/users/me").status_code == 401
        assert session.get("https://graph.facebook.com/v23.0/me").status_code == 400
        assert session.get("https://api.telegram.org/bot1:nope/getMe").status_code == 401
        session.close()


def test_fixed_ports(tmp_path: Path) -> None:
    with Sandbox() as probe:
        x_port, graph_port = probe.x.port, probe.graph.port
    with Sandbox(x_port=x_port, graph_port=graph_port) as sb:
        assert (sb.x.port, sb.graph.port) == (x_port, graph_port)
