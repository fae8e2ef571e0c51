"""FakeGraph against Meta's Graph API node specs (vendored subset in tests/contract/).

Scenarios drive the fake with the real facebook-sdk and raw requests. Every
request the fake accepted is checked against the edge's parameter list (names
and types) in Page.json; every answer's fields against the PagePost / Photo /
Page field lists and their types; every error against Graph's documented error
shape. The corpus tests check that unknown or mistyped parameters are refused.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import facebook
import jsonschema
import pytest
import requests

from bmnsocial.platforms.routing import mount_routes
from bmnsocial.sandbox import specdata as fake_specdata
from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_graph import FakeGraph
from bmnsocial.sandbox.server import RecordedRequest
from bmnsocial.sandbox.testing import graph_api, sample_jpeg, sample_png
from tests.helpers import ANSWER_TIMEOUT

CONTRACT = Path(__file__).parent / "contract"
SPEC: dict[str, Any] = json.loads((CONTRACT / "graph-api.subset.json").read_text())
PAGE_ID = SANDBOX_CREDENTIALS["facebook"]["page_id"]
TOKEN = SANDBOX_CREDENTIALS["facebook"]["page_access_token"]
GRAPH = "https://graph.facebook.com/v23.0"

# Parameters every Graph call takes (Graph API overview: access tokens, field
# selection, cursor paging, time-based paging, debug/format options).
GENERIC_PARAMS = {
    "access_token",
    "__paging_token",
    "__previous",
    "appsecret_proof",
    "fields",
    "limit",
    "after",
    "before",
    "since",
    "until",
    "pretty",
    "format",
    "suppress_http_code",
    "debug",
    "locale",
}
# Graph's documented error object (developers.facebook.com, "Handling Errors").
GRAPH_ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "code", "fbtrace_id"],
            "additionalProperties": False,
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "code": {"type": "integer"},
                "error_subcode": {"type": "integer"},
                "error_user_title": {"type": "string"},
                "error_user_msg": {"type": "string"},
                "fbtrace_id": {"type": "string"},
                "is_transient": {"type": "boolean"},
            },
        }
    },
}
# Graph pages a list by cursors, or by time once ``since``/``until`` is given (links with
# ``until`` and ``__paging_token``, no cursors): both as recorded in tests/contract/
# graph-recorded/posts/ (tests/test_contract_graph_recorded.py compares them in detail).
_LINK = {"type": "string", "pattern": "^https://graph\\.facebook\\.com/"}
PAGING = {
    "anyOf": [
        {
            "type": "object",
            "required": ["cursors"],
            "additionalProperties": False,
            "properties": {
                "cursors": {
                    "type": "object",
                    "required": ["before"],
                    "additionalProperties": False,
                    "properties": {"before": {"type": "string"}, "after": {"type": "string"}},
                },
                "next": _LINK,
                "previous": _LINK,
            },
        },
        {
            "type": "object",
            "required": ["previous"],
            "additionalProperties": False,
            "properties": {"next": _LINK, "previous": _LINK},
        },
    ]
}
FB_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")


def api_entry(node: str, method: str, name: str) -> dict[str, Any]:
    for api in SPEC[node]["apis"]:
        if api["method"] == method and api.get("endpoint", api.get("name")) == name:
            found: dict[str, Any] = api
            return found
    raise AssertionError(f"{node} {method} {name} is not in the vendored spec")


def field_types(node: str) -> dict[str, str]:
    return {f["name"]: f["type"] for f in SPEC[node]["fields"]}


def value_matches(kind: str, value: Any) -> bool:
    if kind == "string" or kind.endswith("enum_param"):
        return isinstance(value, str)
    if kind == "datetime":
        return isinstance(value, str) and FB_TIME.match(value) is not None
    if kind == "bool":
        return isinstance(value, bool)
    if kind in {"int", "unsigned int"}:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind.startswith("list"):
        return isinstance(value, list)
    return isinstance(value, dict)  # Object, map and node types (from, place, ...)


def form_value_matches(kind: str, value: str) -> bool:
    if kind == "bool":
        return value in {"true", "false", "1", "0"}
    if kind == "unsigned int":
        return value.isdigit()
    if kind == "int":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "datetime":
        return value.isdigit() or re.match(r"\d{4}-\d{2}-\d{2}", value) is not None
    if kind in {"Object", "map"}:
        try:
            return isinstance(json.loads(value), dict)
        except ValueError:
            return False
    if kind.startswith("list<"):
        element = kind[5:-1]
        try:
            items = json.loads(value)
        except ValueError:
            items = value.split(",")
        if not isinstance(items, list):
            return form_value_matches(element, value)
        return all(
            form_value_matches(element, v if isinstance(v, str) else json.dumps(v)) for v in items
        )
    return True


def classify(recorded: RecordedRequest) -> tuple[str, str, str]:
    """(node type, method, endpoint or '#get') of a Graph request."""
    match = re.match(r"^/v\d+\.\d+/([^/]+)(?:/([^/]+))?/?$", recorded.path)
    assert match, recorded.path
    node, edge = match.groups()
    if edge is not None:
        assert node in {"me", PAGE_ID}
        return "Page", recorded.method, edge
    if node in {"me", PAGE_ID}:
        return "Page", recorded.method, "#get"
    return ("PagePost" if "_" in node else "Photo"), recorded.method, "#get"


def request_params(recorded: RecordedRequest) -> tuple[list[tuple[str, str]], set[str]]:
    params = list(recorded.query)
    files: set[str] = set()
    if recorded.content_type == "application/x-www-form-urlencoded":
        params += recorded.form()
    elif recorded.content_type == "multipart/form-data":
        for part in recorded.multipart():
            if part.filename is None:
                params.append((part.name, part.text))
            else:
                files.add(part.name)
    return params, files


def check_request(recorded: RecordedRequest) -> None:
    node, method, name = classify(recorded)
    spec_params = {p["name"]: p["type"] for p in api_entry(node, method, name).get("params", [])}
    params, files = request_params(recorded)
    for key, value in params:
        base = re.sub(r"\[\d*\]$", "", key)
        if base in GENERIC_PARAMS and base not in spec_params:
            continue
        assert base in spec_params, f"{method} {name}: parameter {base} not in {node}.json"
        assert form_value_matches(spec_params[base], value), (base, spec_params[base], value)
    # Page.json omits the multipart file of POST photos; Meta's docs name it "source".
    assert files <= ({"source"} if (method, name) == ("POST", "photos") else set())
    assert any(k == "access_token" for k, _ in params) or recorded.header("Authorization")


def check_fields(node: str, obj: dict[str, Any]) -> None:
    types = field_types(node)
    edges = set(SPEC[node]["edge_names"])
    for key, value in obj.items():
        if key in types:
            assert value_matches(types[key], value), (node, key, types[key], value)
        else:
            assert key in edges, f"{key} is neither a field nor an edge of {node}"
            assert isinstance(value, dict) and isinstance(value.get("data"), list)


def check_response(recorded: RecordedRequest) -> None:
    if recorded.status is None:
        return
    headers = recorded.response_headers or {}
    if recorded.fault == "html":
        assert headers["Content-Type"].startswith("text/html")
        return
    assert headers["Content-Type"].startswith("application/json")
    for usage in ("X-App-Usage", "X-Page-Usage"):
        assert set(json.loads(headers[usage])) == {"call_count", "total_cputime", "total_time"}
    body = recorded.response_json()
    if recorded.status != 200:
        assert recorded.status in {400, 401, 403, 500, 503}
        jsonschema.validate(body, GRAPH_ERROR)
        return
    assert "error" not in body
    node, method, name = classify(recorded)
    returned = api_entry(node, method, name)["return"]
    if method == "POST":
        if name == "photos":
            # Photo.json has no post_id; Meta's photo docs return it for published photos.
            assert set(body) in ({"id"}, {"id", "post_id"})
        else:
            assert set(body) == {"id"}
        check_fields(returned, {"id": body["id"]})
        return
    if name in {"feed", "posts", "published_posts"}:
        assert set(body) <= {"data", "paging"}
        for item in body["data"]:
            check_fields(returned, item)
        if "paging" in body:
            jsonschema.validate(body["paging"], PAGING)
        return
    check_fields(node, body)


def check_all(fake: FakeGraph) -> int:
    for recorded in fake.requests:
        if recorded.status == 200:
            check_request(recorded)
        check_response(recorded)
    return len(fake.requests)


# -- scenarios ---------------------------------------------------------------------


class Env:
    def __init__(self, fake: FakeGraph) -> None:
        self.fake = fake
        self.graph = graph_api({"https://graph.facebook.com": fake.base_url},
                               timeout=ANSWER_TIMEOUT)
        self.raw = requests.Session()
        mount_routes(self.raw, {"https://graph.facebook.com": fake.base_url},
                     default_timeout=ANSWER_TIMEOUT)

    def close(self) -> None:
        self.graph.session.close()
        self.raw.close()


def scenario_posts(env: Env) -> None:
    g = env.graph
    g.get_object("me")
    g.get_object(PAGE_ID, fields="id,name,link,fan_count")
    post = g.put_object(PAGE_ID, "feed", message="Hola", link="https://bmn.sld.cu")
    g.put_object("me", "feed", message="Solo texto", published="true")
    g.get_object(post["id"], fields="id,message,permalink_url,created_time,attachments")
    g.get_connections(PAGE_ID, "published_posts", limit=1)
    list(g.get_all_connections(PAGE_ID, "published_posts", limit=1, fields="id,message"))
    g.get_connections(PAGE_ID, "feed", since="2020-01-01", until=str(2_000_000_000))
    g.get_connections(PAGE_ID, "posts", fields="id,is_published,from,status_type")
    env.raw.post(
        f"{GRAPH}/{PAGE_ID}/feed",
        data={
            "message": "programado",
            "published": "false",
            "access_token": TOKEN,
            "scheduled_publish_time": str(int(env.fake.clock()) + 3600),
        },
    )


def scenario_photos(env: Env) -> None:
    g = env.graph
    single = g.put_photo(
        image=sample_jpeg(), album_path=f"{PAGE_ID}/photos", message="Foto", alt_text_custom="Alt"
    )
    g.get_object(single["id"], fields="id,alt_text_custom,page_story_id,created_time,link")
    g.get_object(single["post_id"], fields="id,full_picture,attachments,message")
    ids = [
        g.put_photo(image=sample_png(), album_path=f"{PAGE_ID}/photos", published="false")["id"]
        for _ in range(2)
    ]
    attached = {
        f"attached_media[{i}]": json.dumps({"media_fbid": pid}) for i, pid in enumerate(ids)
    }
    g.put_object(PAGE_ID, "feed", message="Álbum", **attached)
    g.put_object(PAGE_ID, "photos", url="https://bmn.sld.cu/a.jpg", caption="Por URL")
    g.put_photo(image=sample_png(), album_path=f"{PAGE_ID}/photos")


def scenario_refusals(env: Env) -> None:
    g = env.graph

    def expect(call: Callable[[], Any]) -> None:
        with pytest.raises(facebook.GraphAPIError):
            call()

    g.put_object(PAGE_ID, "feed", message="repetido")
    expect(lambda: g.put_object(PAGE_ID, "feed", message="repetido"))
    expect(lambda: g.put_object(PAGE_ID, "feed", message="x" * 63207))
    expect(lambda: g.put_object(PAGE_ID, "feed", message="x", nonsense="1"))
    expect(lambda: g.put_object(PAGE_ID, "feed", message="x", published=True))
    expect(lambda: g.put_photo(image=b"nope", album_path=f"{PAGE_ID}/photos"))
    expect(lambda: g.put_object(PAGE_ID, "photos", message="sin archivo"))
    expect(lambda: g.get_object("1_2"))
    expect(lambda: g.get_connections(PAGE_ID, "published_posts", fields="bogus"))
    expect(lambda: g.put_object(PAGE_ID, "unknown_edge", message="x"))
    env.raw.get(f"{GRAPH}/me")
    env.raw.get(f"{GRAPH}/me", params={"access_token": "wrong"})
    for state in ("expired", "invalid"):
        env.fake.token_state = state
        expect(lambda: g.get_object("me"))
    env.fake.token_state = "valid"


def scenario_faults(env: Env) -> None:
    for kind in ("http500", "http503", "http429"):
        env.fake.faults.add(kind, path="/v*/*/feed")
        with pytest.raises(facebook.GraphAPIError):
            env.graph.put_object(PAGE_ID, "feed", message=kind)
    env.fake.faults.add("html")
    with pytest.raises(facebook.GraphAPIError):
        env.graph.get_object("me")
    env.fake.faults.add("lost_response")
    with pytest.raises(requests.ConnectionError):
        env.graph.put_object(PAGE_ID, "feed", message="perdido")


SCENARIOS = [scenario_posts, scenario_photos, scenario_refusals, scenario_faults]


pytestmark = pytest.mark.usefixtures("no_leaked_threads")


@pytest.fixture
def env() -> Iterator[Env]:
    with FakeGraph() as fake:
        environment = Env(fake)
        yield environment
        environment.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_exchanges_match_the_spec(env: Env, scenario: Callable[[Env], None]) -> None:
    scenario(env)
    assert check_all(env.fake) >= 3


def test_a_drifting_fake_fails_the_check(env: Env) -> None:
    post = env.graph.put_object(PAGE_ID, "feed", message="hola")
    env.graph.get_object(post["id"], fields="id,created_time")
    recorded = env.fake.requests[-1]
    body = recorded.response_json()
    body["created_time"] = "2026-01-01 00:00:00"
    recorded.response_body = json.dumps(body).encode()
    with pytest.raises(AssertionError):
        check_response(recorded)
    body["shares_count"] = 1
    recorded.response_body = json.dumps(body).encode()
    with pytest.raises(AssertionError):
        check_response(recorded)


# -- corpus: the fake refuses names and values Page.json does not allow ------------


FEED_FORMS: list[dict[str, str]] = [
    {"message": "ok"},
    {"message": "ok", "published": "false"},
    {"message": "x", "published": "yes"},
    {"message": "x", "publishd": "true"},
    {"message": "x", "backdated_time": "tomorrow"},
    {"message": "x", "expanded_width": "-5"},
    {"message": "x", "feed_targeting": "[1,2]"},
    {"message": "x", "feed_targeting": '{"age_min": 18}'},
    {"message": "x", "tags": "12,13"},
    {"message": "x", "image": "https://example.org/a.png"},
    {"message": "x", "formatting": "MARKDOWN"},
    {"message": "x", "attached_media": '[{"media_fbid": "1"}]'},
]


@pytest.mark.parametrize("form", FEED_FORMS, ids=str)
def test_feed_parameters_follow_page_json(env: Env, form: dict[str, str]) -> None:
    spec_params = {p["name"]: p["type"] for p in api_entry("Page", "POST", "feed")["params"]}
    expected_ok = all(
        k in spec_params and form_value_matches(spec_params[k], v) for k, v in form.items()
    )
    if "attached_media" in form:
        expected_ok = False  # names and types fine, but media id 1 does not exist
    r = env.raw.post(
        f"{GRAPH}/{PAGE_ID}/feed",
        data={**form, "message": form["message"] + str(len(form)), "access_token": TOKEN},
    )
    assert (r.status_code == 200) == expected_ok, r.text
    if not expected_ok:
        assert r.json()["error"]["code"] == 100


@pytest.mark.parametrize(
    ("form", "ok"),
    [
        ({"alt_text_custom": "alt", "published": "false"}, True),
        ({"temporary": "true", "published": "false"}, True),
        ({"no_story": "1"}, True),
        ({"alt_text": "alt"}, False),
        ({"published": "False"}, False),
        ({"offline_id": "-1"}, False),
    ],
    ids=str,
)
def test_photo_parameters_follow_page_json(env: Env, form: dict[str, str], ok: bool) -> None:
    r = env.raw.post(
        f"{GRAPH}/{PAGE_ID}/photos",
        data={**form, "access_token": TOKEN},
        files={"source": ("p.png", sample_png(), "image/png")},
    )
    assert (r.status_code == 200) == ok, r.text


def test_fake_specdata_matches_vendored_spec() -> None:
    spec = importlib.util.spec_from_file_location("vendor_specs", CONTRACT / "vendor_specs.py")
    assert spec is not None and spec.loader is not None
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    x_subset = json.loads((CONTRACT / "x-api-v2.subset.json").read_text())
    expected = vendor.specdata(x_subset, SPEC)
    for name in ("GRAPH_PARAMETERS", "GRAPH_FIELDS", "GRAPH_EDGES"):
        assert getattr(fake_specdata, name) == expected[name], f"specdata.{name} drifted"
    for suffix in ("LICENSE", "SOURCE.md"):
        assert (CONTRACT / f"graph-api.{suffix}").read_text().strip()
