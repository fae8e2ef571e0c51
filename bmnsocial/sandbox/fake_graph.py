"""A fake Facebook Graph API server for one Page.

Paths are ``/{version}/...`` (or none). A version Graph never published is refused as Graph
refuses it (code 2500, "Unknown path components": the version segment is read as a node);
a retired one is answered as the oldest still available, as Meta's versioning guide says
("once a version is no longer usable, any calls made to it will be defaulted to the next
oldest usable version"). Implemented:

* ``GET /me`` and ``GET /{page-id}`` (Page node, ``fields``);
* ``GET /{page-id}/published_posts``, ``/feed``, ``/posts`` (newest first; ``limit``,
  ``fields``; paged by cursors, or by time when ``since``/``until`` is given: ``paging.next``
  then carries ``until`` and ``__paging_token``, no cursors, as recorded from real Graph);
* ``POST /{page-id}/feed`` (``message``, ``link``, ``published``,
  ``scheduled_publish_time``, ``attached_media[N]={"media_fbid": …}``, …);
* ``POST /{page-id}/photos`` (file in multipart field ``source`` or ``url``;
  ``message``/``caption``, ``published``, ``alt_text_custom``, …);
* ``GET /{post-id}`` and ``GET /{photo-id}``;
* the token endpoints of ``graph_tokens`` (exchange, ``/me/accounts``, ``debug_token``).

POST parameters are checked against Meta's node specification (names and
types); unknown ones are refused with code 100. The access token is taken from
the query string, the form body or an ``Authorization: OAuth|Bearer`` header. With
``app_secret`` set and ``require_appsecret_proof``, every call needs ``appsecret_proof``
(hex HMAC-SHA256 of the token keyed with the app secret), as Graph does when an app turns
on "Require App Secret". Graph's own errors (throttling, permissions, policy blocks, token
subcodes) are fault kinds of this fake: ``GRAPH_FAULTS``.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from os import PathLike
from typing import Any
from urllib.parse import quote

from bmnsocial.sandbox import specdata
from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS, SANDBOX_CREDENTIALS
from bmnsocial.sandbox.faults import Fault
from bmnsocial.sandbox.graph_tokens import DEFAULT_SCOPES, DEFAULT_TASKS, GraphTokens
from bmnsocial.sandbox.ids import IdGenerator, fbtrace_id
from bmnsocial.sandbox.server import ApiResponse, FakeServer, RecordedRequest
from bmnsocial.sandbox.sniff import sniff
from bmnsocial.sandbox.store import Item, iso_utc

__all__ = [
    "GRAPH_FAULTS",
    "GRAPH_PUBLIC_ORIGINS",
    "GRAPH_VERSIONS",
    "MAX_MESSAGE_LENGTH",
    "FakeGraph",
    "GraphError",
]

GRAPH_PUBLIC_ORIGINS: tuple[str, ...] = ("https://graph.facebook.com",)
MAX_MESSAGE_LENGTH = 63206
LIST_EDGES = ("published_posts", "feed", "posts")
# Parameters every Graph call accepts besides the edge's own.
GENERIC_PARAMS = frozenset(
    {
        "access_token",
        "appsecret_proof",
        "appsecret_time",
        "fields",
        "format",
        "method",
        "pretty",
        "suppress_http_code",
        "locale",
        "debug",
        "callback",
    }
)
# Every Graph API version Meta published (developers.facebook.com/docs/graph-api/changelog/
# versions), and the end of those still usable or recently retired; older ones ended before.
GRAPH_VERSIONS: tuple[str, ...] = (
    *(f"v2.{n}" for n in range(13)),
    *(f"v3.{n}" for n in range(4)),
    *(f"v{n}.0" for n in range(4, 27)),
)
_VERSION_ENDS = {
    "v17.0": "2025-09-12", "v18.0": "2026-01-26", "v19.0": "2026-05-21", "v20.0": "2026-09-24",
    "v21.0": "2027-01-21", "v22.0": "2027-05-20", "v23.0": "2027-10-08", "v24.0": "2028-02-18",
    "v25.0": "2028-07-29",
}
_VERSION_SEGMENT = re.compile(r"^/(v\d+\.\d+)(?=/|$)")
@dataclass(frozen=True)
class _Answer:
    """One of Graph's error answers, as a fault of this fake."""

    status: int
    code: int
    message: str
    subcode: int | None = None
    transient: bool | None = None
    usage: str | None = None  # which usage header reads 100 %: "app", "page" or "buc"


# Graph's errors a fault plan can ask for (``fake.faults.add("graph_80001")``). Codes, subcodes
# and messages from Meta's "Handle Errors" and "Rate Limits" guides; the 403 of throttling as
# recorded for code 4 (facebook-android-sdk issue #582), the others' statuses unverified.
_TOKEN_MESSAGE = "Error validating access token: "
GRAPH_FAULTS: dict[str, _Answer] = {
    "graph_4": _Answer(403, 4, "(#4) Application request limit reached", None, True, "app"),
    "graph_17": _Answer(403, 17, "(#17) User request limit reached", None, True),
    "graph_32": _Answer(403, 32, "(#32) Page request limit reached", None, True, "page"),
    "graph_613": _Answer(
        403, 613, "(#613) Calls to this api have exceeded the rate limit.", None, True
    ),
    "graph_80001": _Answer(
        403,
        80001,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try"
        " again. For more info, please refer to"
        " https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        None,
        True,
        "buc",
    ),
    "graph_10": _Answer(403, 10, "(#10) Application does not have permission for this action"),
    "graph_200": _Answer(
        403,
        200,
        "(#200) If posting to a page, requires both pages_read_engagement and"
        " pages_manage_posts as an admin with sufficient administrative permission",
    ),
    "graph_368": _Answer(
        400, 368, "(#368) The action attempted has been deemed abusive or is otherwise disallowed"
    ),
    "graph_190_458": _Answer(
        400, 190, _TOKEN_MESSAGE + "The user has not authorized application 100000000000001.", 458
    ),
    "graph_190_459": _Answer(
        400,
        190,
        _TOKEN_MESSAGE + "You cannot access the app till you log in to www.facebook.com and"
        " follow the instructions given.",
        459,
    ),
    "graph_190_460": _Answer(
        400,
        190,
        _TOKEN_MESSAGE + "The session has been invalidated because the user changed their"
        " password or Facebook has changed the session for security reasons.",
        460,
    ),
    "graph_190_463": _Answer(400, 190, _TOKEN_MESSAGE + "Session has expired.", 463),
    "graph_190_464": _Answer(
        400,
        190,
        _TOKEN_MESSAGE + "Sessions for the user are not allowed because the user is not a"
        " confirmed user.",
        464,
    ),
    "graph_190_467": _Answer(
        400, 190, _TOKEN_MESSAGE + "The session is invalid because the user logged out.", 467
    ),
    "graph_190_492": _Answer(
        400,
        190,
        _TOKEN_MESSAGE + "User associated with the Page access token does not have an"
        " appropriate role on the Page.",
        492,
    ),
}

_PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"})
_GRAPH_JSON = "application/json; charset=UTF-8"
_BOOL_VALUES = {"true": True, "1": True, "false": False, "0": False}
_SCHEDULE_MIN = 10 * 60
_SCHEDULE_MAX = 30 * 24 * 3600


class GraphError(Exception):
    """A Graph error answer; ``response`` builds its wire form."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        type_: str = "OAuthException",
        subcode: int | None = None,
        is_transient: bool | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.type = type_
        self.subcode = subcode
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        if self.user_title is not None:
            error["error_user_title"] = self.user_title
        if self.user_msg is not None:
            error["error_user_msg"] = self.user_msg
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}

    def response(self) -> ApiResponse:
        return ApiResponse.json(
            self.status, self.body(), content_type=_GRAPH_JSON, headers=dict(self.headers)
        )


def param_error(message: str) -> GraphError:
    return GraphError(400, 100, f"(#100) {message}")


def _fb_time(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _parse_time(value: str) -> float | None:
    if re.fullmatch(r"\d{1,12}", value):
        return float(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _parse_fields(raw: str) -> list[str]:
    """Top-level names of a Graph ``fields`` expression (``a,b{c,d},e.limit(2)``)."""
    names: list[str] = []
    depth = 0
    current = ""
    for ch in raw:
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch == "," and depth == 0:
            names.append(current)
            current = ""
            continue
        if depth == 0 and ch not in "})":
            current += ch
        elif depth > 0 and not current.endswith("\0"):
            current += "\0"
    names.append(current)
    cleaned = []
    for name in names:
        base = re.split(r"[\0.{(]", name, maxsplit=1)[0].strip()
        if base:
            cleaned.append(base)
    return cleaned


_INSIGHT_TITLES = {
    "post_impressions": "Lifetime Post Total Impressions",
    "post_impressions_unique": "Lifetime Post Total Reach",
}


def _field_expressions(raw: str) -> list[str]:
    """The top-level expressions of a Graph ``fields`` value, modifiers and all."""
    found: list[str] = []
    depth, current = 0, ""
    for ch in raw:
        depth += ch in "{("
        depth -= ch in "})"
        if ch == "," and depth == 0:
            found.append(current.strip())
            current = ""
        else:
            current += ch
    found.append(current.strip())
    return [f for f in found if f]


def _field_modifiers(expression: str) -> tuple[str, dict[str, str]]:
    """``reactions.type(LIKE).limit(0).as(like)`` -> ("reactions", {"type": "LIKE", …})."""
    name = re.split(r"[.{(]", expression, maxsplit=1)[0].strip()
    return name, dict(re.findall(r"\.(\w+)\(([^()]*)\)", expression))


def _cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _uncursor(value: str) -> str | None:
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if re.fullmatch(r"\d+_\d+", decoded) else None


class FakeGraph(FakeServer, GraphTokens):
    """Fake Graph API server for one Page. See the module docstring.

    ``token_state``: ``"valid"``, ``"expired"`` (190/463) or ``"invalid"``
    (190/467). A feed post whose message (and link) repeat the Page's last post is
    refused with code 506, however long ago that was; photos are never duplicates.
    ``app_secret``/``require_appsecret_proof``: the app's secret, and whether every
    call must carry its ``appsecret_proof`` (also ``POST /__sandbox__/appsecret``); the
    secret is also the token exchange's (None: the sandbox's).
    """

    platform = "facebook"
    server_header = "proxygen-bolt"
    extra_fault_kinds = tuple(GRAPH_FAULTS)

    def __init__(
        self,
        *,
        store_path: str | PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        page_id: str = SANDBOX_CREDENTIALS["facebook"]["page_id"],
        page_access_token: str = SANDBOX_CREDENTIALS["facebook"]["page_access_token"],
        page_name: str = SANDBOX_ACCOUNTS["facebook"]["name"],
        public_origins: Sequence[str] = GRAPH_PUBLIC_ORIGINS,
        app_secret: str | None = None,
        require_appsecret_proof: bool = False,
        max_photo_bytes: int = 10 * 1024 * 1024,
        app_calls_per_hour: int = 200,
        page_calls_per_day: int = 4800,
        app_id: str = SANDBOX_CREDENTIALS["facebook"]["app_id"],
        user_access_token: str = SANDBOX_CREDENTIALS["facebook"]["user_access_token"],
        page_tasks: Sequence[str] = DEFAULT_TASKS,
        page_scopes: Sequence[str] = DEFAULT_SCOPES,
    ) -> None:
        super().__init__(host=host, port=port, store_path=store_path, clock=clock)
        self.page_id = page_id
        self.page_name = page_name
        self._page_access_token = page_access_token
        self.public_origins = tuple(o.rstrip("/") for o in public_origins)
        self.app_secret = app_secret
        self.require_appsecret_proof = require_appsecret_proof
        self.max_photo_bytes = max_photo_bytes
        self.app_calls_per_hour = app_calls_per_hour
        self.page_calls_per_day = page_calls_per_day
        self.token_state = "valid"
        self._ids = IdGenerator("facebook", clock, self.store.max_numeric_id("facebook"))
        self._calls: collections.deque[float] = collections.deque()
        self._init_tokens(app_id=app_id, user_access_token=user_access_token,
                          page_tasks=page_tasks, page_scopes=page_scopes)

    def token_error(self, code: int, message: str, subcode: int | None = None) -> ApiResponse:
        return GraphError(400, code, message, subcode=subcode).response()

    def reset_state(self) -> None:
        self.token_state = "valid"
        self._calls.clear()

    def permalink(self, post_id: str) -> str:
        page, _, post = post_id.partition("_")
        return f"https://www.facebook.com/{page}/posts/{post}"

    def admin_extra(self, request: RecordedRequest, action: str) -> ApiResponse | None:
        if action == "auth" and request.method == "POST":
            state = request.json().get("state")
            if state not in {"valid", "expired", "invalid"}:
                raise ValueError("state must be 'valid', 'expired' or 'invalid'")
            self.token_state = state
            return ApiResponse.json(200, {"data": {"state": state}})
        if action == "appsecret" and request.method == "POST":
            spec = request.json()
            secret = spec.get("secret") if isinstance(spec, dict) else None
            required = spec.get("required", True) if isinstance(spec, dict) else None
            if not isinstance(secret, str) or not secret or not isinstance(required, bool):
                raise ValueError('expected {"secret": "<app secret>", "required": true|false}')
            self.app_secret, self.require_appsecret_proof = secret, required
            return ApiResponse.json(200, {"data": {"required": required}})
        return None

    # -- headers and faults ------------------------------------------------
    def _usage_headers(self, version: str, *, exhausted: bool = False) -> dict[str, str]:
        now = self.clock()
        while self._calls and self._calls[0] < now - 24 * 3600:
            self._calls.popleft()
        hour = sum(1 for t in self._calls if t >= now - 3600)
        app_pct = 100 if exhausted else min(100, hour * 100 // max(self.app_calls_per_hour, 1))
        page_pct = (
            100
            if exhausted
            else min(100, len(self._calls) * 100 // max(self.page_calls_per_day, 1))
        )
        app = {"call_count": app_pct, "total_cputime": app_pct // 4, "total_time": app_pct // 3}
        page = {"call_count": page_pct, "total_cputime": page_pct // 4, "total_time": page_pct // 3}
        return {
            "X-App-Usage": json.dumps(app, separators=(",", ":")),
            "X-Page-Usage": json.dumps(page, separators=(",", ":")),
            "facebook-api-version": version,
            "x-fb-trace-id": fbtrace_id(),
            "x-fb-rev": "1019283746",
            "Cache-Control": "private, no-cache, no-store, must-revalidate",
            "Access-Control-Allow-Origin": "*",
        }

    def fault_response(self, fault: Fault, request: RecordedRequest) -> ApiResponse:
        version = self._version_of(request.path)
        answer = GRAPH_FAULTS.get(fault.kind)
        if answer is not None:
            return self._graph_fault(answer, version, fault.delay)
        if fault.kind == "http429":
            # Graph throttling answers 403 with code 32 (Page limit), not HTTP 429.
            minutes = max(1, int((fault.delay if fault.delay > 0 else 3600) // 60))
            error = GraphError(
                403,
                32,
                "(#32) Page request limit reached",
                is_transient=True,
                headers=self._usage_headers(version, exhausted=True),
            )
            error.headers["X-Business-Use-Case-Usage"] = _buc_usage(self.page_id, minutes)
            return error.response()
        if fault.kind == "http503":
            error = GraphError(503, 2, "(#2) Service temporarily unavailable", is_transient=True)
        else:
            error = GraphError(500, 1, "An unknown error has occurred.", is_transient=True)
        error.headers.update(self._usage_headers(version))
        return error.response()

    def _graph_fault(self, answer: _Answer, version: str, delay: float) -> ApiResponse:
        headers = self._usage_headers(version, exhausted=answer.usage in {"app", "page"})
        if answer.usage in {"app", "page"}:
            # Only the exhausted one reads 100 %.
            other = "X-Page-Usage" if answer.usage == "app" else "X-App-Usage"
            headers[other] = self._usage_headers(version)[other]
        if answer.usage == "buc":
            minutes = max(1, int((delay if delay > 0 else 3600) // 60))
            headers["X-Business-Use-Case-Usage"] = _buc_usage(self.page_id, minutes)
        error = GraphError(
            answer.status,
            answer.code,
            answer.message,
            subcode=answer.subcode,
            is_transient=answer.transient,
            headers=headers,
        )
        if answer.code == 190:
            error.headers.update(_www_authenticate(answer.message))
        return error.response()

    def internal_error(self) -> ApiResponse:
        return GraphError(500, 1, "An unknown error has occurred.", is_transient=True).response()

    def _version_of(self, path: str) -> str:
        """The version that answers: the one asked for, or the oldest still usable when it
        was retired (or none was given)."""
        found = _VERSION_SEGMENT.match(path)
        today = datetime.fromtimestamp(self.clock(), UTC).date()
        usable = [
            v for v in GRAPH_VERSIONS
            if v in _VERSION_ENDS and date.fromisoformat(_VERSION_ENDS[v]) > today
        ]
        oldest = usable[0] if usable else GRAPH_VERSIONS[-1]
        if found is None or found.group(1) not in GRAPH_VERSIONS:
            return oldest
        asked = found.group(1)
        if GRAPH_VERSIONS.index(asked) < GRAPH_VERSIONS.index(oldest):
            return oldest
        return asked

    @staticmethod
    def _check_version(path: str) -> None:
        """A version Graph never published: Graph reads the segment as a node and refuses the
        rest (koala issue #611: "Unknown path components: /IUPATDC35/feed" for v2.80)."""
        found = _VERSION_SEGMENT.match(path)
        if found is not None and found.group(1) not in GRAPH_VERSIONS:
            rest = path[found.end() :] or "/"
            raise GraphError(400, 2500, f"Unknown path components: {rest}")

    # -- request parsing -----------------------------------------------------
    def _params(
        self, request: RecordedRequest
    ) -> tuple[list[tuple[str, str]], dict[str, tuple[bytes, str | None]]]:
        params = list(request.query)
        files: dict[str, tuple[bytes, str | None]] = {}
        if request.method in {"POST", "DELETE"}:
            ctype = request.content_type
            if ctype == "application/x-www-form-urlencoded":
                try:
                    params.extend(request.form())
                except UnicodeDecodeError as exc:
                    raise param_error("Request body is not valid UTF-8") from exc
            elif ctype == "multipart/form-data":
                try:
                    parts = request.multipart()
                except ValueError as exc:
                    raise param_error("Invalid multipart body") from exc
                for part in parts:
                    if part.filename is not None:
                        files[part.name] = (part.data, part.content_type)
                    else:
                        try:
                            params.append((part.name, part.text))
                        except UnicodeDecodeError as exc:
                            raise param_error(f"Param {part.name} must be text") from exc
            elif ctype == "application/json" and request.body.strip():
                try:
                    body = request.json()
                except (ValueError, UnicodeDecodeError) as exc:
                    raise param_error("Invalid JSON body") from exc
                if not isinstance(body, dict):
                    raise param_error("Invalid JSON body")
                for key, value in body.items():
                    params.append((key, value if isinstance(value, str) else json.dumps(value)))
        return params, files

    def _check_token(self, request: RecordedRequest, params: list[tuple[str, str]]) -> None:
        tokens = [v for k, v in params if k == "access_token"]
        header = request.header("Authorization") or ""
        for scheme in ("OAuth ", "Bearer "):
            if header.startswith(scheme):
                tokens.append(header[len(scheme) :].strip())
        if not tokens:
            raise GraphError(400, 104, "An access token is required to request this resource.")
        token = tokens[0]
        if not hmac.compare_digest(token, self._page_access_token):
            message = "Invalid OAuth access token - Cannot parse access token"
            raise GraphError(400, 190, message, headers=_www_authenticate(message))
        if self.token_state == "expired":
            when = _fb_time(self.clock() - 3600)
            message = (
                f"Error validating access token: Session has expired on {when}."
                f" The current time is {_fb_time(self.clock())}."
            )
            raise GraphError(400, 190, message, subcode=463, headers=_www_authenticate(message))
        if self.token_state == "invalid":
            message = (
                "Error validating access token: The session is invalid because the user logged out."
            )
            raise GraphError(400, 190, message, subcode=467, headers=_www_authenticate(message))

    def _check_appsecret_proof(self, params: list[tuple[str, str]]) -> None:
        if self.app_secret is None:
            return
        proofs = [v for k, v in params if k == "appsecret_proof"]
        if not proofs:
            if self.require_appsecret_proof:
                raise GraphError(
                    400,
                    100,
                    "API calls from the server require an appsecret_proof argument",
                    type_="GraphMethodException",
                )
            return
        expected = hmac.new(
            self.app_secret.encode(), self._page_access_token.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(proofs[0], expected):
            raise GraphError(
                400,
                100,
                "Invalid appsecret_proof provided in the API argument",
                type_="GraphMethodException",
            )

    # -- dispatch ------------------------------------------------------------
    def handle_api(self, request: RecordedRequest) -> ApiResponse:
        version = self._version_of(request.path)
        self._calls.append(self.clock())
        try:
            response = self._route(request)
        except GraphError as error:
            response = error.response()
        response.headers.update(
            {k: v for k, v in self._usage_headers(version).items() if k not in response.headers}
        )
        return response

    def _route(self, request: RecordedRequest) -> ApiResponse:
        match = re.match(r"^/(?:v\d+\.\d+/?)?(.*)$", request.path)
        rest = match.group(1) if match else ""
        segments = [s for s in rest.split("/") if s]
        params, files = self._params(request)
        answered = self.token_route(request, segments, params)
        if answered is not None:
            return answered
        self._check_token(request, params)
        self._check_appsecret_proof(params)
        self._check_version(request.path)
        method = request.method
        if method not in {"GET", "POST", "DELETE"}:
            raise GraphError(400, 100, "(#100) Unsupported method")
        if not segments:
            raise GraphError(400, 100, "(#100) Missing object id")
        node = self.page_id if segments[0] == "me" else segments[0]
        if len(segments) > 2:
            raise GraphError(400, 2500, f"Unknown path components: /{'/'.join(segments[1:])}")
        if len(segments) == 1:
            if method == "POST":
                return self._update_post(node, params, files)
            if method == "DELETE":
                return self._delete_post(node, params)
            return self._get_object(node, params)
        edge = segments[1]
        if edge == "comments" and method in {"GET", "POST"}:
            answered = self._comments(request, node, params)
            if answered is not None:
                return answered
        if method == "GET" and edge == "insights" and node != self.page_id:
            return self._post_insights(node, params)
        if node != self.page_id:
            raise _unsupported(method, node)
        if method == "GET":
            if edge == "scheduled_posts":
                return self._list_scheduled(request, params)
            if edge in LIST_EDGES:
                return self._list_posts(request, edge, params)
            if edge in specdata.GRAPH_EDGES["Page"]:
                return _ok({"data": []})
            raise param_error(f"Tried accessing nonexisting field ({edge}) on node type (Page)")
        if method == "POST" and edge == "feed":
            return self._post_feed(params, files)
        if method == "POST" and edge == "photos":
            return self._post_photo(params, files)
        if edge in specdata.GRAPH_EDGES["Page"]:
            raise GraphError(
                400, 3, "(#3) Application does not have the capability to make this API call."
            )
        raise GraphError(400, 2500, f"Unknown path components: /{edge}")

    def new_id(self) -> str:
        return self._ids.next()

    def _comments(self, request: RecordedRequest, node: str,
                  params: list[tuple[str, str]]) -> ApiResponse | None:
        from bmnsocial.sandbox.fake_graph_comments import CommentError, handle_comments

        try:
            return handle_comments(self, request, node, params)
        except CommentError as error:
            raise GraphError(400, error.code, error.message, subcode=error.subcode) from None

    # -- reads ---------------------------------------------------------------
    def _check_fields(self, params: list[tuple[str, str]], node_type: str) -> list[str]:
        raw = ",".join(v for k, v in params if k == "fields")
        names = _parse_fields(raw) if raw else []
        known = set(specdata.GRAPH_FIELDS[node_type]) | set(specdata.GRAPH_EDGES[node_type])
        for name in names:
            if name not in known:
                raise param_error(
                    f"Tried accessing nonexisting field ({name}) on node type ({node_type})"
                )
        return names

    def _page_object(self, fields: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": self.page_id,
            "name": self.page_name,
            "link": f"https://www.facebook.com/{self.page_id}",
            "category": "Library",
            "fan_count": 0,
            "followers_count": 0,
            "about": "Sandbox Page of bmnsocial",
            "is_published": True,
            "verification_status": "not_verified",
        }
        wanted = fields or ["name", "id"]
        return {name: values[name] for name in wanted if name in values}

    def _post_object(self, item: Item, fields: list[str]) -> dict[str, Any]:
        scheduled = item.data.get("scheduled_publish_time")
        visible = self._is_visible(item)
        created = scheduled if scheduled is not None and visible else item.created_epoch
        photo_ids: list[str] = item.data.get("photo_ids", [])
        values: dict[str, Any] = {
            "id": item.id,
            "created_time": _fb_time(created),
            "updated_time": _fb_time(created),
            "permalink_url": item.url,
            "is_published": visible,
            "is_hidden": False,
            "is_expired": False,
            "from": {"name": self.page_name, "id": self.page_id},
            "status_type": item.data.get("status_type", "mobile_status_update"),
        }
        if item.text:
            values["message"] = item.text
        if scheduled is not None and not visible:
            values["scheduled_publish_time"] = float(scheduled)
        if photo_ids:
            values["full_picture"] = _cdn_url(photo_ids[0])
            values["attachments"] = {"data": [self._attachment(photo_ids)]}
        elif item.data.get("link"):
            values["attachments"] = {
                "data": [
                    {
                        "type": "share",
                        "media_type": "link",
                        "url": item.data["link"],
                        "unshimmed_url": item.data["link"],
                    }
                ]
            }
        wanted = fields or ["created_time", "message", "id"]
        return {name: values[name] for name in wanted if name in values}

    def _attachment(self, photo_ids: list[str]) -> dict[str, Any]:
        if len(photo_ids) == 1:
            return {
                "type": "photo",
                "media_type": "photo",
                "target": {"id": photo_ids[0], "url": _photo_link(photo_ids[0])},
                "url": _photo_link(photo_ids[0]),
                "media": {"image": {"src": _cdn_url(photo_ids[0])}},
            }
        return {
            "type": "album",
            "media_type": "album",
            "subattachments": {
                "data": [
                    {
                        "type": "photo",
                        "media_type": "photo",
                        "target": {"id": pid, "url": _photo_link(pid)},
                        "url": _photo_link(pid),
                        "media": {"image": {"src": _cdn_url(pid)}},
                    }
                    for pid in photo_ids
                ]
            },
        }

    def _photo_object(self, item: Item, fields: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": item.id,
            "created_time": _fb_time(item.created_epoch),
            "updated_time": _fb_time(item.created_epoch),
            "from": {"name": self.page_name, "id": self.page_id},
            "link": _photo_link(item.id),
            "picture": _cdn_url(item.id),
            "can_delete": True,
        }
        if item.text:
            values["name"] = item.text
        for key in ("alt_text_custom", "width", "height"):
            if item.data.get(key) is not None:
                values[key] = item.data[key]
        if item.data.get("page_story_id"):
            values["page_story_id"] = item.data["page_story_id"]
        wanted = fields or ["created_time", "name", "id"]
        return {name: values[name] for name in wanted if name in values}

    def _get_object(self, node: str, params: list[tuple[str, str]]) -> ApiResponse:
        if node == self.page_id:
            return _ok(self._page_object(self._check_fields(params, "Page")))
        item = self.store.get("facebook", node)
        if item is None or item.account_id != self.page_id:
            raise _unsupported("GET", node)
        if item.kind == "post":
            body = self._post_object(item, self._check_fields(params, "PagePost"))
            body.update(self._post_engagement(item, params))
            return _ok(body)
        return _ok(self._photo_object(item, self._check_fields(params, "Photo")))

    # -- what followers did (``sandbox audience`` keeps it in a post's ``audience``) -----------
    def _post_engagement(self, item: Item, params: list[tuple[str, str]]) -> dict[str, Any]:
        """The engagement fields asked for, keyed as asked (``.as(alias)``): reactions (all,
        or one ``.type(…)``) and comments as edges with a summary and, with ``limit(0)``, no
        items; shares as ``{"count": n}``, left out while there are none
        (graph-recorded/posts/single_post_data.json, multi_posts_data.json)."""
        audience: dict[str, Any] = item.data.get("audience", {})
        reactions: dict[str, int] = audience.get("reactions", {})
        found: dict[str, Any] = {}
        for expression in _field_expressions(",".join(v for k, v in params if k == "fields")):
            name, modifiers = _field_modifiers(expression)
            key = modifiers.get("as", name)
            if name == "reactions":
                kind = modifiers.get("type")
                summary: dict[str, Any] = {"total_count": (
                    reactions.get(kind.upper(), 0) if kind else sum(reactions.values()))}
                if not kind:
                    summary["viewer_reaction"] = "NONE"
                found[key] = {"data": [], "summary": summary}
            elif name == "comments":
                found[key] = {"data": [], "summary": {
                    "order": "chronological", "total_count": self._comment_count(item),
                    "can_comment": True}}
            elif name == "shares" and audience.get("shares"):
                found[key] = {"count": int(audience["shares"])}
        return found

    def _comment_count(self, item: Item) -> int:
        audience: dict[str, Any] = item.data.get("audience", {})
        stored = sum(1 for c in self.store.items("facebook", ["comment"])
                     if c.data.get("post_id") == item.id)
        return int(audience.get("comments", 0)) + stored

    def _post_insights(self, node: str, params: list[tuple[str, str]]) -> ApiResponse:
        """``GET /{post-id}/insights?metric=…``: lifetime values (Meta's Page Post insights
        reference), with the read_insights permission only."""
        item = self.store.get("facebook", node)
        if item is None or item.kind != "post" or item.account_id != self.page_id:
            raise _unsupported("GET", node)
        if "read_insights" not in self.page_scopes:
            raise GraphError(403, 10, "(#10) This endpoint requires the 'read_insights' "
                             "permission or the 'Page Public Content Access' feature.")
        audience: dict[str, Any] = item.data.get("audience", {})
        values = {"post_impressions": int(audience.get("views", 0)),
                  "post_impressions_unique": int(audience.get("reach", 0))}
        metrics = ",".join(v for k, v in params if k == "metric").split(",")
        data = []
        for metric in (m.strip() for m in metrics if m.strip()):
            if metric not in values:
                raise param_error(f"(#100) The value must be a valid insights metric: {metric}")
            data.append({"name": metric, "period": "lifetime",
                         "values": [{"value": values[metric]}],
                         "title": _INSIGHT_TITLES[metric], "description": _INSIGHT_TITLES[metric],
                         "id": f"{node}/insights/{metric}/lifetime"})
        return _ok({"data": data, "paging": {
            "previous": f"https://graph.facebook.com/{node}/insights?metric={','.join(metrics)}",
            "next": f"https://graph.facebook.com/{node}/insights?metric={','.join(metrics)}"}})

    def _visible_posts(self) -> list[Item]:
        now = self.clock()
        posts = []
        for item in self.store.items("facebook", ["post"], self.page_id):
            if self._is_visible(item, now):
                posts.append(item)
        posts.sort(key=lambda p: (p.data.get("scheduled_publish_time") or p.created_epoch, p.id))
        posts.reverse()
        return posts

    def _list_posts(
        self, request: RecordedRequest, edge: str, params: list[tuple[str, str]]
    ) -> ApiResponse:
        allowed = (
            set(specdata.GRAPH_PARAMETERS[f"Page GET {edge}"])
            | GENERIC_PARAMS
            | {
                "since",
                "until",
                "after",
                "before",
                "limit",
                "offset",
                "__paging_token",
                "__previous",
            }
        )
        single = {k: v for k, v in params}
        for key in single:
            if key not in allowed:
                raise param_error(f"Param {key} is not a valid parameter")
        fields = self._check_fields(params, "PagePost")
        limit_raw = single.get("limit", "25")
        if not limit_raw.isdigit():
            raise param_error("Param limit must be a non-negative integer")
        limit = min(int(limit_raw), 100)
        since = until = None
        for name in ("since", "until"):
            if single.get(name):  # Graph's own next/previous links carry them blank
                parsed = _parse_time(single[name])
                if parsed is None:
                    raise param_error(f"The parameter {name} must be a valid time")
                if name == "since":
                    since = parsed
                else:
                    until = parsed
        posts = self._visible_posts()
        # Graph's times are whole seconds, as created_time shows them.
        if since is not None:
            posts = [p for p in posts if int(_when(p)) >= since]
        if until is not None:
            posts = [p for p in posts if int(_when(p)) <= until]
        if "after" in single or "before" in single:
            return self._cursor_page(request, params, posts, fields, limit)
        if since is not None or until is not None or "__paging_token" in single:
            return self._time_page(request, params, posts, fields, limit)
        return self._cursor_page(request, params, posts, fields, limit)

    def _next_url(self, request: RecordedRequest, query: list[tuple[str, str | None]]) -> str:
        """A paging link as Graph writes it: the public origin, the same path, the query with
        bare names for parameters it clears (``since`` in a ``next`` link)."""
        return f"{self.public_origins[0]}{request.path}?" + "&".join(
            k if v is None else f"{k}={_quote(v)}" for k, v in query
        )

    def _cursor_page(
        self,
        request: RecordedRequest,
        params: list[tuple[str, str]],
        posts: list[Item],
        fields: list[str],
        limit: int,
    ) -> ApiResponse:
        single = dict(params)
        ids = [p.id for p in posts]
        first_page = True
        if "after" in single or "before" in single:
            key = "after" if "after" in single else "before"
            anchor = _uncursor(single[key])
            if anchor is None or anchor not in ids:
                raise param_error(f"The parameter {key} is not a valid cursor")
            index = ids.index(anchor)
            posts = posts[index + 1 :] if key == "after" else posts[:index]
            first_page = False
        page = posts[:limit]
        body: dict[str, Any] = {"data": [self._post_object(p, fields) for p in page]}
        if page:
            paging: dict[str, Any] = {
                "cursors": {"before": _cursor(page[0].id), "after": _cursor(page[-1].id)}
            }
            query: list[tuple[str, str | None]] = [
                (k, v) for k, v in request.query if k not in {"after", "before"}
            ]
            if len(posts) > limit:
                paging["next"] = self._next_url(
                    request, [*query, ("after", _cursor(page[-1].id))]
                )
            if not first_page:
                paging["previous"] = self._next_url(
                    request, [*query, ("before", _cursor(page[0].id))]
                )
            body["paging"] = paging
        return _ok(body)

    def _time_page(
        self,
        request: RecordedRequest,
        params: list[tuple[str, str]],
        posts: list[Item],
        fields: list[str],
        limit: int,
    ) -> ApiResponse:
        """Paging by time, as real Graph answers ``/feed?since=`` (tests/contract/
        graph-recorded/posts/feed_fields_p1.json): ``next`` asks ``until`` the last post's time
        with a ``__paging_token`` after it and ``since`` cleared; ``previous`` asks ``since``
        the first one's; no cursors."""
        single = dict(params)
        token = single.get("__paging_token")
        if token:
            anchor = _uncursor(token.removeprefix("enc_"))
            ids = [p.id for p in posts]
            if anchor is None:
                raise param_error("The parameter __paging_token is not valid")
            if anchor in ids:
                index = ids.index(anchor)
                posts = posts[:index] if single.get("__previous") else posts[index + 1 :]
        page = posts[-limit:] if token and single.get("__previous") else posts[:limit]
        body: dict[str, Any] = {"data": [self._post_object(p, fields) for p in page]}
        if page:
            query: list[tuple[str, str | None]] = [
                (k, v)
                for k, v in request.query
                if k not in {"since", "until", "__paging_token", "__previous"}
            ]
            paging: dict[str, Any] = {
                "previous": self._next_url(
                    request,
                    [
                        *query,
                        ("since", str(int(_when(page[0])))),
                        ("__previous", "1"),
                        ("until", None),
                        ("__paging_token", "enc_" + _cursor(page[0].id)),
                    ],
                )
            }
            if len(posts) > len(page) and not single.get("__previous"):
                paging["next"] = self._next_url(
                    request,
                    [
                        *query,
                        ("until", str(int(_when(page[-1])))),
                        ("since", None),
                        ("__paging_token", "enc_" + _cursor(page[-1].id)),
                        ("__previous", None),
                    ],
                )
            body["paging"] = paging
        return _ok(body)

    # -- writes --------------------------------------------------------------
    def _validate_params(
        self,
        spec_key: str,
        params: list[tuple[str, str]],
        files: dict[str, tuple[bytes, str | None]],
        file_params: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        spec: dict[str, str] = specdata.GRAPH_PARAMETERS[spec_key]
        values: dict[str, Any] = {}
        lists: dict[str, dict[int, str]] = {}
        for key, value in params:
            indexed = re.fullmatch(r"([a-z0-9_]+)\[(\d*)\]", key)
            name = indexed.group(1) if indexed else key
            if name in GENERIC_PARAMS:
                continue
            kind = spec.get(name)
            if kind is None:
                raise param_error(f"Param {name} is not a valid parameter")
            if indexed:
                if not kind.startswith("list"):
                    raise param_error(f"Param {name} must be a {_type_word(kind)}")
                index = int(indexed.group(2) or len(lists.get(name, {})))
                lists.setdefault(name, {})[index] = value
                continue
            values[name] = _coerce(name, kind, value)
        for name, items in lists.items():
            kind = spec[name]
            element = kind[5:-1] if kind.startswith("list<") else "string"
            values[name] = [_coerce(f"{name}[{i}]", element, items[i]) for i in sorted(items)]
        for name in files:
            if name in file_params or spec.get(name) == "file":
                continue
            raise param_error(f"Param {name} is not a valid parameter")
        return values

    def _check_message(self, message: str | None) -> None:
        if message is not None and len(message) > MAX_MESSAGE_LENGTH:
            raise param_error(f"Param message must be at most {MAX_MESSAGE_LENGTH} characters long")

    def _check_duplicate(self, message: str | None, link: str | None) -> None:
        """Graph refuses a status update identical to the Page's last post ("Duplicate posts
        cannot be published consecutively", Meta's "Handle Errors" guide, code 506), however
        old that post is; an earlier one may be repeated once something else came between."""
        if not (message and message.strip()) or not self.refuse_duplicates:
            return
        posts = self.store.items("facebook", ["post"], self.page_id)
        last = posts[0] if posts else None
        if (
            last is None
            or last.text != message
            or last.data.get("link") != link
            or last.data.get("photo_ids")
        ):
            return
        raise GraphError(
            400,
            506,
            "Duplicate status message",
            subcode=1455006,
            is_transient=False,
            user_title="Duplicate Status Update",
            user_msg=(
                "This status update is identical to the last one you posted. Try"
                " posting something different, or delete your previous update."
            ),
        )

    def _schedule(self, values: dict[str, Any]) -> tuple[bool, float | None]:
        published = values.get("published", True)
        scheduled = values.get("scheduled_publish_time")
        if scheduled is None:
            return bool(published), None
        if published:
            raise param_error("You cannot specify a scheduled publish time on a published post")
        delta = float(scheduled) - self.clock()
        if not _SCHEDULE_MIN <= delta <= _SCHEDULE_MAX:
            raise param_error("The specified scheduled publish time is invalid.")
        return False, float(scheduled)

    def _post_feed(
        self, params: list[tuple[str, str]], files: dict[str, tuple[bytes, str | None]]
    ) -> ApiResponse:
        values = self._validate_params("Page POST feed", params, files)
        message: str | None = values.get("message")
        link: str | None = values.get("link")
        attached: list[Any] = values.get("attached_media", [])
        if link is not None and not re.match(r"https?://[^\s/$.?#][^\s]*$", link):
            raise param_error("The parameter link must be a valid URL")
        photo_ids: list[str] = []
        for index, media in enumerate(attached):
            fbid = media.get("media_fbid") if isinstance(media, dict) else None
            photo = self.store.get("facebook", str(fbid)) if fbid is not None else None
            if (
                photo is None
                or photo.kind != "photo"
                or photo.published
                or photo.data.get("attached_to")
            ):
                raise param_error(f"Param attached_media[{index}] has an invalid media_fbid")
            photo_ids.append(photo.id)
        if len(set(photo_ids)) != len(photo_ids):
            raise param_error("Param attached_media has duplicate media_fbid")
        if not (message and message.strip()) and not link and not photo_ids:
            raise param_error("Missing message or attachment")
        published, scheduled = self._schedule(values)
        self._check_message(message)
        if not photo_ids:
            self._check_duplicate(message, link)
        now = self.clock()
        post_id = f"{self.page_id}_{self._ids.next()}"
        status_type = "added_photos" if photo_ids else "shared_story" if link else None
        data: dict[str, Any] = {
            "link": link,
            "photo_ids": photo_ids,
            "scheduled_publish_time": scheduled,
            "params": {
                k: v
                for k, v in values.items()
                if k not in {"message", "link", "attached_media", "published"}
            },
        }
        if status_type:
            data["status_type"] = status_type
        items = [
            Item(
                platform="facebook",
                kind="post",
                id=post_id,
                account_id=self.page_id,
                created_at=iso_utc(now),
                text=message,
                url=self.permalink(post_id),
                published=published,
                data=data,
            )
        ]
        for pid in photo_ids:
            photo = self.store.get("facebook", pid)
            assert photo is not None
            photo.data["attached_to"] = post_id
            photo.data["page_story_id"] = post_id
            self.store.update(photo)
        self.store.insert(*items)
        return _ok({"id": post_id})

    def _post_photo(
        self, params: list[tuple[str, str]], files: dict[str, tuple[bytes, str | None]]
    ) -> ApiResponse:
        values = self._validate_params(
            "Page POST photos", params, files, file_params=frozenset({"source"})
        )
        url: str | None = values.get("url")
        source = files.get("source")
        if source is None and not url:
            raise GraphError(400, 324, "(#324) Requires upload file")
        info = None
        if source is not None:
            info = sniff(source[0])
            too_big = len(source[0]) > self.max_photo_bytes
            if info is None or info.mime not in _PHOTO_TYPES or too_big:
                raise GraphError(400, 324, "(#324) Missing or invalid image file")
        elif url is not None and not re.match(r"https?://[^\s/$.?#][^\s]*$", url):
            raise param_error("url should represent a valid URL")
        message: str | None = values.get("message", values.get("caption"))
        published, scheduled = self._schedule(values)
        self._check_message(message)
        now = self.clock()
        photo_id = self._ids.next()
        photo_data: dict[str, Any] = {
            "alt_text_custom": values.get("alt_text_custom"),
            "source_url": url,
            "size": len(source[0]) if source is not None else None,
            "media_type": info.mime if info is not None else None,
            "width": info.width if info is not None else None,
            "height": info.height if info is not None else None,
            "temporary": values.get("temporary", False),
        }
        items: list[Item] = []
        body: dict[str, Any] = {"id": photo_id}
        if published or scheduled is not None:
            post_id = f"{self.page_id}_{self._ids.next()}"
            photo_data["page_story_id"] = post_id
            photo_data["attached_to"] = post_id
            items.append(
                Item(
                    platform="facebook",
                    kind="post",
                    id=post_id,
                    account_id=self.page_id,
                    created_at=iso_utc(now),
                    text=message,
                    url=self.permalink(post_id),
                    published=published,
                    data={
                        "photo_ids": [photo_id],
                        "status_type": "added_photos",
                        "scheduled_publish_time": scheduled,
                        "link": None,
                    },
                )
            )
            if published:
                body["post_id"] = post_id
        items.insert(
            0,
            Item(
                platform="facebook",
                kind="photo",
                id=photo_id,
                account_id=self.page_id,
                created_at=iso_utc(now),
                text=message,
                url=_photo_link(photo_id),
                published=published,
                data=photo_data,
            ),
        )
        self.store.insert(*items)
        return _ok(body)

    # -- scheduled posts (Meta's Pages API guide: ``published=false`` with
    # ``scheduled_publish_time``, 10 minutes to 30 days ahead; listed by
    # ``/{page}/scheduled_posts``, changed by ``POST /{post}``, removed by ``DELETE /{post}``).
    # Facebook publishes one when its time comes; ``data["publish_fails"]`` (set by a test
    # through the store) plays Facebook not doing so.
    def _is_visible(self, item: Item, now: float | None = None) -> bool:
        scheduled = item.data.get("scheduled_publish_time")
        now = self.clock() if now is None else now
        return item.published or (
            scheduled is not None and scheduled <= now and not item.data.get("publish_fails")
        )

    def _list_scheduled(
        self, request: RecordedRequest, params: list[tuple[str, str]]
    ) -> ApiResponse:
        allowed = (
            set(specdata.GRAPH_PARAMETERS["Page GET scheduled_posts"])
            | GENERIC_PARAMS
            | {"limit", "after", "before"}
        )
        for key, _value in params:
            if key not in allowed:
                raise param_error(f"Param {key} is not a valid parameter")
        fields = self._check_fields(params, "PagePost")
        limit_raw = dict(params).get("limit", "25")
        if not limit_raw.isdigit():
            raise param_error("Param limit must be a non-negative integer")
        now = self.clock()
        waiting = [
            item
            for item in self.store.items("facebook", ["post"], self.page_id)
            if item.data.get("scheduled_publish_time") is not None
            and not self._is_visible(item, now)
        ]
        waiting.sort(key=lambda p: (p.data["scheduled_publish_time"], p.id))
        return self._cursor_page(request, params, waiting, fields, min(int(limit_raw), 100))

    def _post_node(self, method: str, node: str) -> Item:
        item = self.store.get("facebook", node)
        if item is None or item.account_id != self.page_id or item.kind != "post":
            raise _unsupported(method, node)
        return item

    def _update_post(
        self,
        node: str,
        params: list[tuple[str, str]],
        files: dict[str, tuple[bytes, str | None]],
    ) -> ApiResponse:
        item = self._post_node("POST", node)
        values = self._validate_params("PagePost POST #update", params, files)
        if "scheduled_publish_time" in values:
            if self._is_visible(item):
                raise param_error(
                    "You cannot specify a scheduled publish time on a published post"
                )
            self._schedule({"published": False, **values})
            item.data["scheduled_publish_time"] = float(values["scheduled_publish_time"])
        if "message" in values:
            self._check_message(values["message"])
            item.text = values["message"]
        self.store.update(item)
        return _ok({"success": True})

    def _delete_post(self, node: str, params: list[tuple[str, str]]) -> ApiResponse:
        self._post_node("DELETE", node)
        self._validate_params("PagePost DELETE #delete", params, {})
        self.store.delete("facebook", node)
        return _ok({"success": True})


def _when(item: Item) -> float:
    """When a post appears on the Page: its scheduled time, or its creation."""
    scheduled = item.data.get("scheduled_publish_time")
    return float(scheduled) if scheduled is not None else item.created_epoch


def _ok(payload: Any) -> ApiResponse:
    return ApiResponse.json(200, payload, content_type=_GRAPH_JSON)


def _unsupported(method: str, node: str) -> GraphError:
    return GraphError(
        400,
        100,
        f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot"
        " be loaded due to missing permissions, or does not support this operation. Please"
        " read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        type_="GraphMethodException",
        subcode=33,
    )


def _buc_usage(page_id: str, minutes: int) -> str:
    """X-Business-Use-Case-Usage of an exhausted Page (Meta's "Rate Limits" guide)."""
    usage = {
        "type": "pages",
        "call_count": 100,
        "total_cputime": 25,
        "total_time": 33,
        "estimated_time_to_regain_access": minutes,
    }
    return json.dumps({page_id: [usage]}, separators=(",", ":"))


def _www_authenticate(message: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'}


def _photo_link(photo_id: str) -> str:
    return f"https://www.facebook.com/photo.php?fbid={photo_id}"


def _cdn_url(photo_id: str) -> str:
    return f"https://scontent.xx.fbcdn.net/v/t39.30808-6/{photo_id}_n.jpg"


def _quote(value: str) -> str:
    return quote(value, safe="")


def _type_word(kind: str) -> str:
    if kind == "bool":
        return "boolean"
    if kind in {"int", "unsigned int"}:
        return "integer"
    if kind in {"Object", "map"}:
        return "JSON object"
    if kind.startswith("list"):
        return "list"
    return "string"


def _coerce(name: str, kind: str, value: str) -> Any:
    """Check a form value against a spec type; return it as a Python value."""
    if kind == "bool":
        if value not in _BOOL_VALUES:
            raise param_error(f"Param {name} must be a boolean")
        return _BOOL_VALUES[value]
    if kind == "unsigned int":
        if not value.isdigit():
            raise param_error(f"Param {name} must be a non-negative integer")
        return int(value)
    if kind == "int":
        if not re.fullmatch(r"-?\d+", value):
            raise param_error(f"Param {name} must be an integer")
        return int(value)
    if kind == "float":
        try:
            return float(value)
        except ValueError as exc:
            raise param_error(f"Param {name} must be a number") from exc
    if kind == "datetime":
        parsed = _parse_time(value)
        if parsed is None:
            raise param_error(f"Param {name} must be a valid time")
        return parsed
    if kind in {"Object", "map"}:
        try:
            parsed_obj = json.loads(value)
        except ValueError as exc:
            raise param_error(f"Param {name} must be a JSON object") from exc
        if not isinstance(parsed_obj, dict):
            raise param_error(f"Param {name} must be a JSON object")
        return parsed_obj
    if kind.startswith("list"):
        try:
            parsed_list = json.loads(value)
        except ValueError:
            parsed_list = value.split(",")
        if not isinstance(parsed_list, list):
            raise param_error(f"Param {name} must be an array")
        element = kind[5:-1] if kind.startswith("list<") else "string"
        return [
            _coerce(f"{name}[{i}]", element, v if isinstance(v, str) else json.dumps(v))
            for i, v in enumerate(parsed_list)
        ]
    if kind == "file":
        raise param_error(f"Param {name} must be a file upload")
    return value
