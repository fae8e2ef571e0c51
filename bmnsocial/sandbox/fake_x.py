"""A fake X API v2 server for the endpoints bmnsocial uses.

Wire shapes follow X's OpenAPI description (vendored subset in
tests/contract/). Implemented:

* ``POST /2/tweets``; ``GET /2/tweets/{id}``; ``GET /2/users/me``;
  ``GET /2/users/{id}/tweets`` (newest first; ``max_results``,
  ``pagination_token``, ``start_time``, ``end_time``, ``since_id``,
  ``until_id``, ``exclude``, ``tweet.fields``/``post.fields``, ...);
* media: ``POST /2/media/upload`` (simple), ``POST /2/media/upload/initialize``,
  ``POST /2/media/upload/{id}/append``, ``POST /2/media/upload/{id}/finalize``,
  ``GET /2/media/upload?command=STATUS&media_id=…``, ``POST /2/media/metadata``;
* OAuth 1.0a's PIN flow (``x_oauth``): ``POST /oauth/request_token``,
  ``GET /oauth/authorize``, ``POST /oauth/access_token``.

Auth: OAuth 1.0a (HMAC-SHA1, verified against the public https URL the client
signed, for each origin in ``public_origins``) or an OAuth 2 user bearer token;
an optional app-only bearer token is accepted where X accepts one (reads).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import importlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from typing import Any

from bmnsocial.sandbox import specdata
from bmnsocial.sandbox.credentials import SANDBOX_ACCOUNTS, SANDBOX_CREDENTIALS
from bmnsocial.sandbox.fake_x_mentions import XMentions
from bmnsocial.sandbox.faults import Fault
from bmnsocial.sandbox.ids import IdGenerator
from bmnsocial.sandbox.minischema import validate
from bmnsocial.sandbox.server import ApiResponse, FakeServer, RecordedRequest
from bmnsocial.sandbox.sniff import MediaInfo, sniff
from bmnsocial.sandbox.store import Item, iso_utc
from bmnsocial.sandbox.tweetlength import MAX_WEIGHTED, tweet_length, url_spans
from bmnsocial.sandbox.x_oauth import XOAuthFlow

__all__ = ["DEFAULT_RATE_LIMITS", "X_PUBLIC_ORIGINS", "FakeX"]

X_PUBLIC_ORIGINS: tuple[str, ...] = (
    "https://api.twitter.com",
    "https://api.x.com",
    "https://upload.twitter.com",
)

PROBLEM_BASE = "https://api.x.com/2/problems/"
ACCESS_LEVELS = ("read", "read-write", "read-write-directmessages")
# Answers as X sends them: usage-capped (xdevplatform/xdk#25, 2026), client-not-enrolled
# (xdevplatform/samples#58, twitter-api-java-sdk#67), a read-only app writing.
USAGE_CAPPED_DETAIL = "Usage cap exceeded: Monthly product cap"
NOT_ENROLLED_DETAIL = (
    "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens"
    " from a Twitter developer App that is attached to a Project. You can create a project via"
    " the developer portal."
)
READ_ONLY_DETAIL = (
    "Your client app is not configured with the appropriate oauth1 app permissions for this"
    " endpoint."
)
# X's documented processing error for media it cannot use (media-upload-status).
PROCESSING_ERROR = {"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}
PROBLEM_JSON = "application/problem+json"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_DETAIL = "You attempted to reply to a Tweet that is deleted or not visible to you."
INVALID_MEDIA_MESSAGE = "Your media IDs are invalid."
TOO_LONG_MESSAGE = (
    "Your Tweet text is too long. For more information on how X determines text length"
    " see https://github.com/twitter/twitter-text."
)

DEFAULT_RATE_LIMITS: Mapping[str, int] = {
    "POST /2/tweets": 100,
    "GET /2/tweets/:id": 900,
    "GET /2/tweets": 900,
    "GET /2/users/me": 75,
    "GET /2/users/:id/tweets": 900,
    "GET /2/users/:id/mentions": 450,  # recorded x-rate-limit-limit
    "POST /2/media/upload": 500,
    "GET /2/media/upload": 1000,
    "POST /2/media/upload/initialize": 500,
    "POST /2/media/upload/:id/append": 5000,
    "POST /2/media/upload/:id/finalize": 500,
    "POST /2/media/metadata": 500,
}
# 24-hour caps on creating posts (X's rate-limit page: 10,000 per app; the per-user cap is
# the account's daily posting limit, 2,400). Answers carry x-app-limit-24hour-* and
# x-user-limit-24hour-* headers; an exhausted cap answers 429.
DEFAULT_APP_DAILY_LIMITS: Mapping[str, int] = {"POST /2/tweets": 10_000}
DEFAULT_USER_DAILY_LIMITS: Mapping[str, int] = {"POST /2/tweets": 2_400}
DAY = 86_400

MB = 1024 * 1024
_MEDIA_TYPES_BY_CATEGORY: Mapping[str, frozenset[str]] = {
    "tweet_image": frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    "dm_image": frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    "tweet_gif": frozenset({"image/gif"}),
    "dm_gif": frozenset({"image/gif"}),
    "tweet_video": frozenset({"video/mp4", "video/quicktime"}),
    "dm_video": frozenset({"video/mp4", "video/quicktime"}),
    "amplify_video": frozenset({"video/mp4", "video/quicktime"}),
}
# Processed after FINALIZE, polled with STATUS (X's docs: tweet_gif and tweet_video).
_ASYNC_KINDS = frozenset({"gif", "video"})
_MEDIA_KEY_PREFIX = {"image": "3", "gif": "16", "video": "7"}
_SPEC_CLASSIC = specdata.X_CLASSIC_TWEET_PARAMETERS
# oauthlib ships no type information; typed as Any so mypy --strict passes with or
# without the third-party stubs installed.
oauth_signature: Any = importlib.import_module("oauthlib.oauth1.rfc5849.signature")
oauth_utils: Any = importlib.import_module("oauthlib.oauth1.rfc5849.utils")


def _kind_of(category: str, mime: str) -> str:
    if mime.startswith("video/"):
        return "video"
    if category.endswith("_gif"):
        return "gif"
    return "image"


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: str
    key: str
    user_context_only: bool = True


def _route(method: str, path: str, handler: str, key: str, user_only: bool = True) -> _Route:
    return _Route(method, re.compile(f"^{path}$"), handler, key, user_only)


_ROUTES: tuple[_Route, ...] = (
    _route("POST", r"/2/tweets", "_create_tweet", "POST /2/tweets"),
    _route("GET", r"/2/tweets/(?P<id>[^/]+)", "_get_tweet", "GET /2/tweets/:id", False),
    _route("GET", r"/2/tweets", "_lookup_tweets", "GET /2/tweets", False),
    _route("GET", r"/2/users/me", "_users_me", "GET /2/users/me"),
    _route(
        "GET", r"/2/users/(?P<id>[^/]+)/tweets", "_user_tweets", "GET /2/users/:id/tweets", False
    ),
    _route("GET", r"/2/users/(?P<id>[^/]+)/mentions", "_user_mentions",
           "GET /2/users/:id/mentions", False),
    _route("POST", r"/2/media/upload", "_media_upload", "POST /2/media/upload"),
    _route("GET", r"/2/media/upload", "_media_status", "GET /2/media/upload"),
    _route("POST", r"/2/media/upload/initialize", "_media_init", "POST /2/media/upload/initialize"),
    _route(
        "POST",
        r"/2/media/upload/(?P<id>[^/]+)/append",
        "_media_append",
        "POST /2/media/upload/:id/append",
    ),
    _route(
        "POST",
        r"/2/media/upload/(?P<id>[^/]+)/finalize",
        "_media_finalize",
        "POST /2/media/upload/:id/finalize",
    ),
    _route("POST", r"/2/media/metadata", "_media_metadata", "POST /2/media/metadata"),
)

# Spec operation whose query parameters each route accepts.
_QUERY_SPEC = {
    "GET /2/tweets/:id": "GET /2/tweets/{id}",
    "GET /2/tweets": "GET /2/tweets",
    "GET /2/users/me": "GET /2/users/me",
    "GET /2/users/:id/tweets": "GET /2/users/{id}/tweets",
    "GET /2/users/:id/mentions": "GET /2/users/{id}/mentions",
    "GET /2/media/upload": "GET /2/media/upload",
}


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> ApiResponse:
    body: dict[str, Any] = {
        "title": title,
        "detail": detail if detail is not None else title,
        "type": "about:blank",
        "status": status,
    }
    body.update(extra)
    return ApiResponse.json(status, body, content_type=PROBLEM_JSON)


def invalid_request(errors: list[dict[str, Any]]) -> ApiResponse:
    return ApiResponse.json(
        400,
        {
            "errors": errors,
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": PROBLEM_BASE + "invalid-request",
        },
        content_type=PROBLEM_JSON,
    )


def _param_error(name: str, values: list[str], message: str) -> ApiResponse:
    return invalid_request([{"parameters": {name: values}, "message": message}])


def _not_found_error(resource_type: str, parameter: str, value: str) -> dict[str, Any]:
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEM_BASE + "resource-not-found",
    }


def _parse_rfc3339(value: str) -> float | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _b32(value: str) -> str:
    return base64.b32hexencode(value.encode()).decode().rstrip("=").lower()


def _unb32(token: str) -> str | None:
    padded = token.upper() + "=" * (-len(token) % 8)
    try:
        decoded = base64.b32hexdecode(padded).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


class FakeX(FakeServer, XOAuthFlow, XMentions):
    """Fake X API v2 server. See the module docstring for endpoints.

    ``credential_state`` (``"valid"``/``"expired"``) makes every call answer 401
    when not valid. ``processing_steps`` are the ``processing_info.state``
    values successive STATUS polls report for a GIF or video (FINALIZE reports
    ``pending``; ``failed`` carries X's error details); ``check_after_secs`` is
    what they ask the client to wait. ``access_level`` is sent as
    ``x-access-level`` on every answer (``read`` refuses writes).
    ``app_daily_limits``/``user_daily_limits`` are the 24-hour caps per route key;
    ``duplicate_window_secs`` how long an identical text is refused.
    ``rate_limits`` maps route keys (``"POST /2/tweets"``) to calls per
    ``rate_window`` seconds. ``wrap_links`` makes returned texts show URLs as
    ``https://t.co/…`` links (and media as a trailing link) as X does; the
    store keeps the text as sent.
    """

    platform = "x"
    server_header = "tsa_b"

    def __init__(
        self,
        *,
        store_path: str | PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        consumer_key: str = SANDBOX_CREDENTIALS["x"]["consumer_key"],
        consumer_secret: str = SANDBOX_CREDENTIALS["x"]["consumer_secret"],
        access_token: str = SANDBOX_CREDENTIALS["x"]["access_token"],
        access_token_secret: str = SANDBOX_CREDENTIALS["x"]["access_token_secret"],
        bearer_token: str | None = SANDBOX_CREDENTIALS["x"]["bearer_token"],
        app_bearer_token: str | None = None,
        user_id: str = SANDBOX_ACCOUNTS["x"]["user_id"],
        username: str = SANDBOX_ACCOUNTS["x"]["username"],
        name: str = SANDBOX_ACCOUNTS["x"]["name"],
        public_origins: Sequence[str] = X_PUBLIC_ORIGINS,
        processing_steps: Sequence[str] = ("in_progress", "succeeded"),
        check_after_secs: int = 1,
        rate_limits: Mapping[str, int] | None = None,
        rate_window: int = 900,
        max_image_bytes: int = 5 * MB,
        max_gif_bytes: int = 15 * MB,
        max_video_bytes: int = 512 * MB,
        media_expiry_secs: int = 86400,
        oauth_timestamp_skew: float = 900.0,
        wrap_links: bool = True,
        access_level: str = "read-write",
        duplicate_window_secs: float = DAY,
        app_daily_limits: Mapping[str, int] | None = None,
        user_daily_limits: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(host=host, port=port, store_path=store_path, clock=clock)
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._access_token = access_token
        self._access_token_secret = access_token_secret
        self._bearer_token = bearer_token
        self._app_bearer_token = app_bearer_token
        self.user_id = user_id
        self.username = username
        self.name = name
        self.public_origins = tuple(o.rstrip("/") for o in public_origins)
        self.processing_steps = tuple(processing_steps) or ("succeeded",)
        self.check_after_secs = check_after_secs
        self.rate_limits = dict(DEFAULT_RATE_LIMITS if rate_limits is None else rate_limits)
        self.rate_window = rate_window
        self.max_image_bytes = max_image_bytes
        self.max_gif_bytes = max_gif_bytes
        self.max_video_bytes = max_video_bytes
        self.media_expiry_secs = media_expiry_secs
        self.oauth_timestamp_skew = oauth_timestamp_skew
        self.wrap_links = wrap_links
        self.credential_state = "valid"
        self.access_level = access_level
        self.duplicate_window_secs = duplicate_window_secs
        self.app_daily_limits = dict(
            DEFAULT_APP_DAILY_LIMITS if app_daily_limits is None else app_daily_limits
        )
        self.user_daily_limits = dict(
            DEFAULT_USER_DAILY_LIMITS if user_daily_limits is None else user_daily_limits
        )
        self._ids = IdGenerator("snowflake", clock, self.store.max_numeric_id("x"))
        self._buckets: dict[str, list[int]] = {}
        self._chunks: dict[str, dict[int, bytes]] = {}
        self._init_oauth_flow()

    # -- state -------------------------------------------------------------
    def reset_state(self) -> None:
        self.credential_state = "valid"
        self.access_level = "read-write"
        self._buckets.clear()
        self._chunks.clear()

    def tweet_url(self, tweet_id: str) -> str:
        return f"https://x.com/{self.username}/status/{tweet_id}"

    def admin_extra(self, request: RecordedRequest, action: str) -> ApiResponse | None:
        if action == "auth" and request.method == "POST":
            state = request.json().get("state")
            if state not in {"valid", "expired"}:
                raise ValueError("state must be 'valid' or 'expired'")
            self.credential_state = state
            return ApiResponse.json(200, {"data": {"state": state}})
        if action == "access" and request.method == "POST":
            level = request.json().get("level")
            if level not in ACCESS_LEVELS:
                raise ValueError(f"level must be one of {ACCESS_LEVELS}")
            self.access_level = level
            return ApiResponse.json(200, {"data": {"level": level}})
        if action == "processing" and request.method == "POST":
            steps = request.json().get("steps")
            allowed = {"pending", "in_progress", "succeeded", "failed"}
            if not isinstance(steps, list) or not steps or not set(steps) <= allowed:
                raise ValueError(f"steps must be a non-empty list of {sorted(allowed)}")
            self.processing_steps = tuple(steps)
            return ApiResponse.json(200, {"data": {"steps": steps}})
        return None

    def _dispatch(self, request: RecordedRequest) -> ApiResponse:
        response = super()._dispatch(request)
        response.headers["x-access-level"] = self.access_level
        return response

    # -- errors for faults --------------------------------------------------
    def fault_response(self, fault: Fault, request: RecordedRequest) -> ApiResponse:
        if fault.kind == "http429":
            reset = int(self.clock() + (fault.delay if fault.delay > 0 else self.rate_window))
            response = problem(429, "Too Many Requests")
            route = self._match(request.method, request.path)
            limit = self.rate_limits.get(route[0].key, 0) if route else 0
            response.headers.update(_rate_headers(limit, 0, reset))
        elif fault.kind == "usage_capped":
            response = self._with_rate_headers(
                problem(
                    429,
                    "UsageCapExceeded",
                    USAGE_CAPPED_DETAIL,
                    type=PROBLEM_BASE + "usage-capped",
                    period="Monthly",
                    scope="Product",
                    account_id=self.user_id,
                ),
                request,
            )
        elif fault.kind == "client_not_enrolled":
            response = self._with_rate_headers(
                problem(
                    403,
                    "Client Forbidden",
                    NOT_ENROLLED_DETAIL,
                    type=PROBLEM_BASE + "client-forbidden",
                    reason="client-not-enrolled",
                    required_enrollment="Appropriate Level of API Access",
                    registration_url="https://developer.x.com/en/docs/projects/overview",
                    client_id="0",
                ),
                request,
            )
        elif fault.kind == "http503":
            response = self._with_rate_headers(problem(503, "Service Unavailable"), request)
        else:
            response = self._with_rate_headers(problem(500, "Internal Server Error"), request)
        response.headers["x-access-level"] = self.access_level
        return response


    def internal_error(self) -> ApiResponse:
        return problem(500, "Internal Server Error")

    # -- dispatch ----------------------------------------------------------
    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        for route in _ROUTES:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    def handle_api(self, request: RecordedRequest) -> ApiResponse:
        answered = self.oauth_route(request)
        if answered is not None:
            return answered
        matched = self._match(request.method, request.path)
        if matched is None:
            return self._with_rate_headers(
                ApiResponse.json(
                    404, {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}
                ),
                request,
            )
        route, params = matched
        auth = self._authenticate(request)
        if isinstance(auth, ApiResponse):
            return self._with_rate_headers(auth, request)
        if auth == "app" and route.user_context_only:
            return self._with_rate_headers(
                ApiResponse.json(
                    403,
                    {
                        "title": "Unsupported Authentication",
                        "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden"
                        " for this endpoint.  Supported authentication types are"
                        " [OAuth 1.0a User Context, OAuth 2.0 User Context].",
                        "type": PROBLEM_BASE + "unsupported-authentication",
                        "status": 403,
                    },
                    content_type=PROBLEM_JSON,
                ),
                request,
            )
        limit, remaining, reset = self._consume(route.key)
        if remaining < 0:
            response = problem(429, "Too Many Requests")
            response.headers.update(_rate_headers(limit, 0, reset))
            return response
        daily = self._consume_daily(route.key)
        if any(left < 0 for _, left, _ in daily.values()):
            response = problem(429, "Too Many Requests")
            response.headers.update(_rate_headers(limit, remaining, reset))
            response.headers.update(_daily_headers(daily))
            return response
        if request.method == "POST" and self.access_level == "read":
            response = problem(
                403, "Forbidden", READ_ONLY_DETAIL, type=PROBLEM_BASE + "oauth1-permissions"
            )
            response.headers.update(_rate_headers(limit, remaining, reset))
            return response
        query_error = self._check_query(route, request)
        if query_error is not None:
            response = query_error
        else:
            handler: Callable[[RecordedRequest, dict[str, str]], ApiResponse]
            handler = getattr(self, route.handler)
            response = handler(request, params)
        response.headers.update(_rate_headers(limit, remaining, reset))
        response.headers.update(_daily_headers(daily))
        return response

    def _with_rate_headers(self, response: ApiResponse, request: RecordedRequest) -> ApiResponse:
        matched = self._match(request.method, request.path)
        key = matched[0].key if matched else "unknown route"
        limit, remaining, reset = self._peek(key)
        response.headers.update(_rate_headers(limit, max(remaining, 0), reset))
        return response

    def _bucket(self, key: str) -> list[int]:
        """``[calls used, reset epoch]`` of the current window for ``key``."""
        now = int(self.clock())
        bucket = self._buckets.get(key)
        if bucket is None or bucket[1] <= now:
            bucket = [0, now + self.rate_window]
            self._buckets[key] = bucket
        return bucket

    def _peek(self, key: str) -> tuple[int, int, int]:
        bucket = self._bucket(key)
        limit = self.rate_limits.get(key, 900)
        return limit, limit - bucket[0], bucket[1]

    def _consume(self, key: str) -> tuple[int, int, int]:
        """Count one call; a negative remaining means the call is over the limit."""
        bucket = self._bucket(key)
        limit = self.rate_limits.get(key, 900)
        if bucket[0] >= limit:
            return limit, -1, bucket[1]
        bucket[0] += 1
        return limit, limit - bucket[0], bucket[1]

    def _consume_daily(self, key: str) -> dict[str, tuple[int, int, int]]:
        """Count one call against the 24-hour caps of ``key``: scope -> (limit, remaining,
        reset); a negative remaining means the cap was already used up."""
        now = int(self.clock())
        caps: dict[str, tuple[int, int, int]] = {}
        for scope, limits in (("app", self.app_daily_limits), ("user", self.user_daily_limits)):
            if key not in limits:
                continue
            bucket = self._buckets.get(f"{scope} 24h {key}")
            if bucket is None or bucket[1] <= now:
                bucket = [0, now + DAY]
                self._buckets[f"{scope} 24h {key}"] = bucket
            limit = limits[key]
            if bucket[0] >= limit:
                caps[scope] = (limit, -1, bucket[1])
                continue
            bucket[0] += 1
            caps[scope] = (limit, limit - bucket[0], bucket[1])
        return caps

    # -- auth --------------------------------------------------------------
    def _authenticate(self, request: RecordedRequest) -> str | ApiResponse:
        header = request.header("Authorization") or ""
        kind: str | None = None
        if header.startswith("Bearer "):
            token = header[len("Bearer ") :].strip()
            if self._bearer_token and hmac.compare_digest(token, self._bearer_token):
                kind = "oauth2"
            elif self._app_bearer_token and hmac.compare_digest(token, self._app_bearer_token):
                kind = "app"
        elif header.startswith("OAuth ") and self._verify_oauth1(request, header):
            kind = "oauth1"
        if kind is None or self.credential_state != "valid":
            return problem(401, "Unauthorized")
        return kind

    def _verify_oauth1(self, request: RecordedRequest, header: str) -> bool:
        try:
            params = {
                k: oauth_utils.unescape(v)
                for k, v in oauth_utils.parse_authorization_header(header)
            }
        except (ValueError, IndexError):
            return False
        if params.get("oauth_signature_method") != "HMAC-SHA1":
            return False
        if params.get("oauth_version", "1.0") != "1.0" or not params.get("oauth_nonce"):
            return False
        consumer = params.get("oauth_consumer_key", "")
        token = params.get("oauth_token", "")
        if not (
            hmac.compare_digest(consumer, self._consumer_key)
            and hmac.compare_digest(token, self._access_token)
        ):
            return False
        try:
            stamp = int(params.get("oauth_timestamp", ""))
        except ValueError:
            return False
        # OAuth timestamps are wall-clock: compare with the real clock, not the fake one.
        if abs(time.time() - stamp) > self.oauth_timestamp_skew:
            return False
        body: list[tuple[str, str]] = []
        if request.content_type == "application/x-www-form-urlencoded":
            body = request.form()
        try:
            collected = oauth_signature.collect_parameters(
                uri_query=request.query_string,
                body=body,
                headers={"Authorization": header},
                exclude_oauth_signature=True,
            )
        except ValueError:
            return False
        normalized = oauth_signature.normalize_parameters(collected)
        given = params.get("oauth_signature", "")
        for origin in self.public_origins:
            base_uri = oauth_signature.base_string_uri(origin + request.path)
            base = oauth_signature.signature_base_string(request.method, base_uri, normalized)
            expected = self._hmac_sha1(base)
            if hmac.compare_digest(expected, given):
                return True
        return False

    def _hmac_sha1(self, base_string: str) -> str:
        key = (
            oauth_utils.escape(self._consumer_secret)
            + "&"
            + oauth_utils.escape(self._access_token_secret)
        )
        digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    # -- query parameters ----------------------------------------------------
    def _allowed_query(self, route: _Route) -> dict[str, Any]:
        spec_key = _QUERY_SPEC.get(route.key)
        allowed: dict[str, Any] = dict(specdata.X_QUERY_PARAMETERS.get(spec_key, {}))
        if "post.fields" in allowed:
            # tweepy (and X's docs) use the classic names; this spec only has them on streams.
            allowed["tweet.fields"] = _SPEC_CLASSIC["tweet.fields"]
            expansions = set(allowed.get("expansions", {}).get("items", {}).get("enum", []))
            if "attachments.media_keys" in expansions:
                expansions |= set(_SPEC_CLASSIC["expansions"]["items"]["enum"])
                allowed["expansions"] = {
                    "type": "array",
                    "items": {"type": "string", "enum": sorted(expansions)},
                }
        return allowed

    def _check_query(self, route: _Route, request: RecordedRequest) -> ApiResponse | None:
        allowed = self._allowed_query(route)
        query = request.query_dict()
        names = ",".join(sorted(allowed))
        for name, values in query.items():
            schema = allowed.get(name)
            if schema is None:
                return _param_error(
                    name, values, f"The query parameter [{name}] is not one of [{names}]"
                )
            if len(values) > 1:
                return _param_error(name, values, f"Duplicate parameters not allowed: [{name}]")
            value = values[0]
            if schema.get("type") == "array":
                enum = schema.get("items", {}).get("enum")
                for item in value.split(","):
                    if enum is not None and item not in enum:
                        return _param_error(
                            name,
                            [item],
                            f"The `{name}` query parameter value [{item}] is not one of"
                            f" [{','.join(enum)}]",
                        )
            elif schema.get("type") == "integer":
                if not re.fullmatch(r"-?\d+", value):
                    return _param_error(
                        name,
                        [value],
                        f"The `{name}` query parameter value [{value}] is not a number",
                    )
                low, high = schema.get("minimum"), schema.get("maximum")
                if (low is not None and int(value) < low) or (
                    high is not None and int(value) > high
                ):
                    return _param_error(
                        name,
                        [value],
                        f"The `{name}` query parameter value [{value}] is not between"
                        f" {low} and {high}",
                    )
            elif schema.get("format") == "date-time":
                if _parse_rfc3339(value) is None:
                    return _param_error(
                        name,
                        [value],
                        f"Invalid '{name}':'{value}'. '{name}' must be a valid RFC 3339 date-time",
                    )
            else:
                errors = validate(value, schema, name)
                if errors:
                    return _param_error(
                        name, [value], f"The `{name}` query parameter value [{value}] is invalid"
                    )
        return None

    # -- tweets --------------------------------------------------------------
    def _api_text(self, text: str, tweet_id: str, has_media: bool) -> str:
        """The text as X returns it: ``&``, ``<`` and ``>`` escaped as HTML entities (recorded
        traffic), links wrapped when ``wrap_links``."""
        if not self.wrap_links:
            return html.escape(text, quote=False)
        out: list[str] = []
        last = 0
        for start, end in url_spans(text):
            out.append(html.escape(text[last:start], quote=False))
            out.append("https://t.co/" + _b32(text[start:end])[:10])
            last = end
        out.append(html.escape(text[last:], quote=False))
        wrapped = "".join(out)
        if has_media:
            wrapped = (wrapped + " " if wrapped else "") + "https://t.co/" + _b32(tweet_id)[-10:]
        return wrapped

    def _tweets(self) -> list[Item]:
        return self.store.items("x", ["tweet"], self.user_id)

    def _create_tweet(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        if request.content_type != "application/json":
            return invalid_request([{"message": "Content-Type must be application/json"}])
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return invalid_request([{"message": "Request body is not valid JSON"}])
        errors = validate(body, specdata.X_CREATE_POST_REQUEST)
        if errors:
            return invalid_request([{"message": m} for m in errors])
        text: str = body.get("text", "")
        media_ids: list[str] = body.get("media", {}).get("media_ids", [])
        reply_to: str | None = body.get("reply", {}).get("in_reply_to_tweet_id")
        if not text and not media_ids:
            return invalid_request(
                [{"parameters": {"text": [text]}, "message": "Post text or media is required"}]
            )
        if re.search("[\ufffe\ufeff\uffff]", text):
            return invalid_request(
                [{"parameters": {"text": [text]}, "message": "Text contains invalid characters"}]
            )
        if text and tweet_length(text) > MAX_WEIGHTED:
            return invalid_request([{"parameters": {"text": [text]}, "message": TOO_LONG_MESSAGE}])
        if self.refuse_duplicates and text and self._recent_duplicate(text):
            # X answers this one as application/json, not problem+json (recorded).
            return ApiResponse.json(
                403,
                {"detail": DUPLICATE_DETAIL, "type": "about:blank", "title": "Forbidden",
                 "status": 403},
            )
        media_items = self._usable_media(media_ids)
        if media_items is None:
            return _param_error("media.media_ids", media_ids, INVALID_MEDIA_MESSAGE)
        parent = None
        if reply_to is not None:
            parent = self.store.get("x", reply_to)
            if parent is None or parent.kind not in ("tweet", "reply"):
                return problem(403, "Forbidden", REPLY_DETAIL)
        tweet_id = self._ids.next()
        now = self.clock()
        api_text = self._api_text(text, tweet_id, bool(media_ids))
        data: dict[str, Any] = {
            "api_text": api_text,
            "media_ids": media_ids,
            "media_keys": [m.data["media_key"] for m in media_items],
            "reply_to": reply_to,
            "conversation_id": (
                parent.data.get("conversation_id", parent.id) if parent is not None else tweet_id
            ),
            "in_reply_to_user_id": parent.account_id if parent is not None else None,
            "request": {k: v for k, v in body.items() if k not in {"text", "media", "reply"}},
        }
        self.store.insert(
            Item(
                platform="x",
                kind="tweet",
                id=tweet_id,
                account_id=self.user_id,
                created_at=iso_utc(now),
                text=text,
                url=self.tweet_url(tweet_id),
                data=data,
            )
        )
        return ApiResponse.json(
            201,
            {"data": {"id": tweet_id, "text": api_text, "edit_history_tweet_ids": [tweet_id]}},
            headers={"location": f"https://api.twitter.com/2/tweets/{tweet_id}"},  # recorded
        )

    def _recent_duplicate(self, text: str) -> bool:
        since = self.clock() - self.duplicate_window_secs
        return any(t.text == text and t.created_epoch > since for t in self._tweets())

    def _usable_media(self, media_ids: list[str]) -> list[Item] | None:
        items: list[Item] = []
        now = self.clock()
        for media_id in media_ids:
            item = self.store.get("x", media_id)
            if item is None or item.kind != "media" or item.account_id != self.user_id:
                return None
            if item.data.get("state") != "succeeded" or item.data.get("expires_at", 0) <= now:
                return None
            items.append(item)
        kinds = [m.data["kind"] for m in items]
        if len(items) > 1 and any(k != "image" for k in kinds):
            return None
        if len(set(media_ids)) != len(media_ids):
            return None
        return items

    def _tweet_object(self, item: Item, fields: set[str]) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "id": item.id,
            "text": item.data.get("api_text", item.text or ""),
            "edit_history_tweet_ids": [item.id],
        }
        if "created_at" in fields:
            obj["created_at"] = item.created_at
        if "author_id" in fields:
            obj["author_id"] = item.account_id
        if "conversation_id" in fields:
            obj["conversation_id"] = item.data.get("conversation_id", item.id)
        if "in_reply_to_user_id" in fields and item.data.get("in_reply_to_user_id"):
            obj["in_reply_to_user_id"] = item.data["in_reply_to_user_id"]
        if "referenced_tweets" in fields and item.data.get("reply_to"):
            obj["referenced_tweets"] = [{"type": "replied_to", "id": item.data["reply_to"]}]
        if "attachments" in fields and item.data.get("media_keys"):
            obj["attachments"] = {"media_keys": list(item.data["media_keys"])}
        if "edit_controls" in fields:
            obj["edit_controls"] = {
                "edits_remaining": 5,
                "is_edit_eligible": not item.data.get("media_ids"),
                "editable_until": iso_utc(item.created_epoch + 3600),
            }
        if "reply_settings" in fields:
            obj["reply_settings"] = item.data.get("request", {}).get("reply_settings", "everyone")
        if "public_metrics" in fields:
            obj["public_metrics"] = self._public_metrics(item)
        return obj

    def _public_metrics(self, item: Item) -> dict[str, int]:
        """What followers did (``sandbox audience`` keeps it in the tweet's ``audience``);
        replies are the tweets in the store that answer it, ours included, as X counts them.
        Both names of the reposts: X's API answers retweet_count, its OpenAPI description
        (2.167) requires repost_count."""
        audience: dict[str, int] = item.data.get("audience", {})
        replies = sum(1 for t in self.store.items("x", ["tweet", "reply"])
                      if t.data.get("reply_to") == item.id)
        reposts = audience.get("repost", 0)
        return {"retweet_count": reposts, "repost_count": reposts, "reply_count": replies,
                "like_count": audience.get("like", 0), "quote_count": audience.get("quote", 0),
                "bookmark_count": audience.get("bookmark", 0),
                "impression_count": audience.get("impression", 0)}

    def _lookup_tweets(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        """``GET /2/tweets?ids=…``: up to 100 posts in one read; the ids X does not have are
        listed in ``errors`` beside the ``data`` of the others (recorded:
        test_client_get_tweets.yaml)."""
        raw = request.query_dict().get("ids", [])
        ids = [i for i in ",".join(raw).split(",") if i]
        if not ids:
            return _param_error("ids", raw, "The `ids` query parameter can not be empty")
        if len(ids) > 100:
            return _param_error(
                "ids", [",".join(ids)],
                f"The number of values in the `ids` query parameter list [{len(ids)}] is not"
                " between 1 and 100",
            )
        for tweet_id in ids:
            if not re.fullmatch(r"[0-9]{1,19}", tweet_id):
                return _param_error(
                    "ids", [tweet_id],
                    f"The `ids` query parameter value [{tweet_id}] does not match"
                    " ^[0-9]{1,19}$",
                )
        fields = self._fields(request)
        found: list[Item] = []
        errors: list[dict[str, Any]] = []
        for tweet_id in ids:
            item = self.store.get("x", tweet_id)
            if item is None or item.kind != "tweet":
                errors.append(_not_found_error("tweet", "ids", tweet_id))
            else:
                found.append(item)
        body: dict[str, Any] = {}
        if found:
            body["data"] = [self._tweet_object(item, fields) for item in found]
            includes = self._includes(found, request)
            if includes:
                body["includes"] = includes
        if errors:
            body["errors"] = errors
        return ApiResponse.json(200, body)

    def _includes(self, items: list[Item], request: RecordedRequest) -> dict[str, Any]:
        query = request.query_dict()
        expansions = set(",".join(query.get("expansions", [])).split(","))
        includes: dict[str, Any] = {}
        if "attachments.media_keys" in expansions:
            media_fields = set(",".join(query.get("media.fields", [])).split(","))
            media: list[dict[str, Any]] = []
            for item in items:
                for media_id in item.data.get("media_ids", []):
                    m = self.store.get("x", media_id)
                    if m is None:
                        continue
                    entry: dict[str, Any] = {
                        "media_key": m.data["media_key"],
                        "type": {"image": "photo", "gif": "animated_gif"}.get(
                            m.data["kind"], "video"
                        ),
                    }
                    if "alt_text" in media_fields and m.data.get("alt_text") is not None:
                        entry["alt_text"] = m.data["alt_text"]
                    if "width" in media_fields and m.data.get("width") is not None:
                        entry["width"] = m.data["width"]
                    if "height" in media_fields and m.data.get("height") is not None:
                        entry["height"] = m.data["height"]
                    media.append(entry)
            if media:
                includes["media"] = media
        if "author_id" in expansions and items:
            includes["users"] = self._authors(items)
        return includes

    @staticmethod
    def _fields(request: RecordedRequest) -> set[str]:
        query = request.query_dict()
        raw = ",".join(query.get("tweet.fields", []) + query.get("post.fields", []))
        return set(raw.split(",")) if raw else set()

    def _get_tweet(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        tweet_id = params["id"]
        if not re.fullmatch(r"[0-9]{1,19}", tweet_id):
            return _param_error(
                "id",
                [tweet_id],
                f"The `id` query parameter value [{tweet_id}] does not match ^[0-9]{{1,19}}$",
            )
        item = self.store.get("x", tweet_id)
        if item is None or item.kind != "tweet":
            return ApiResponse.json(200, {"errors": [_not_found_error("tweet", "id", tweet_id)]})
        body: dict[str, Any] = {"data": self._tweet_object(item, self._fields(request))}
        includes = self._includes([item], request)
        if includes:
            body["includes"] = includes
        return ApiResponse.json(200, body)

    def _user_object(self, fields: set[str]) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "name": self.name, "username": self.username}
        extra: dict[str, Any] = {
            "created_at": "2011-03-01T12:00:00.000Z",
            "description": "Sandbox account of bmnsocial",
            "protected": False,
            "verified": False,
            "verified_type": "none",
            "profile_image_url": "https://pbs.twimg.com/profile_images/0/sandbox_normal.png",
            "url": "",
            "location": "La Habana, Cuba",
            "public_metrics": {
                "followers_count": 0,
                "following_count": 0,
                # X's API sends tweet_count; the OpenAPI description requires post_count.
                "tweet_count": len(self._tweets()),
                "post_count": len(self._tweets()),
                "listed_count": 0,
                "like_count": 0,
                "media_count": 0,
            },
        }
        for name in fields:
            if name in extra:
                user[name] = extra[name]
        return user

    def _users_me(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        raw = ",".join(request.query_dict().get("user.fields", []))
        return ApiResponse.json(200, {"data": self._user_object(set(raw.split(",")))})

    def _user_tweets(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        return self._timeline(request, params, self._tweets)

    def _user_mentions(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        return self._timeline(request, params, self._mentions_of_account)

    def _timeline(self, request: RecordedRequest, params: dict[str, str],
                  source: Callable[[], list[Item]]) -> ApiResponse:
        """A user's tweets or mentions, newest first, as X pages and filters them."""
        user_id = params["id"]
        if not re.fullmatch(r"[0-9]{1,19}", user_id):
            return _param_error(
                "id",
                [user_id],
                f"The `id` query parameter value [{user_id}] does not match ^[0-9]{{1,19}}$",
            )
        if user_id != self.user_id:
            return ApiResponse.json(200, {"errors": [_not_found_error("user", "id", user_id)]})
        query = {k: v[0] for k, v in request.query_dict().items()}
        start = _parse_rfc3339(query["start_time"]) if "start_time" in query else None
        end = _parse_rfc3339(query["end_time"]) if "end_time" in query else None
        if start is not None and end is not None and start >= end:
            return _param_error(
                "start_time",
                [query["start_time"]],
                "Invalid 'start_time':'{}'. 'start_time' must be before 'end_time'".format(
                    query["start_time"]
                ),
            )
        since_id = int(query["since_id"]) if "since_id" in query else None
        until_id = int(query["until_id"]) if "until_id" in query else None
        page_before: int | None = None
        if "pagination_token" in query:
            decoded = _unb32(query["pagination_token"])
            if decoded is None:
                return _param_error(
                    "pagination_token",
                    [query["pagination_token"]],
                    "The `pagination_token` query parameter value"
                    f" [{query['pagination_token']}] is not valid",
                )
            page_before = int(decoded)
        exclude = set(query.get("exclude", "").split(",")) - {""}
        max_results = int(query.get("max_results", "10"))
        selected: list[Item] = []
        for item in source():
            tid = int(item.id)
            if since_id is not None and tid <= since_id:
                continue
            if until_id is not None and tid >= until_id:
                continue
            if page_before is not None and tid >= page_before:
                continue
            created = item.created_epoch
            if start is not None and created < start:
                continue
            if end is not None and created > end:
                continue
            if "replies" in exclude and item.data.get("reply_to"):
                continue
            selected.append(item)
        page = selected[:max_results]
        if not page:
            return ApiResponse.json(200, {"meta": {"result_count": 0}})
        fields = self._fields(request)
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0].id,
            "oldest_id": page[-1].id,
        }
        if len(selected) > max_results:
            meta["next_token"] = _b32(page[-1].id)
        body: dict[str, Any] = {"data": [self._tweet_object(t, fields) for t in page]}
        includes = self._includes(page, request)
        if includes:
            body["includes"] = includes
        body["meta"] = meta
        return ApiResponse.json(200, body)

    # -- media ---------------------------------------------------------------
    def _max_bytes(self, kind: str) -> int:
        return {"image": self.max_image_bytes, "gif": self.max_gif_bytes}.get(
            kind, self.max_video_bytes
        )

    def _media_payload(self, item: Item) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": item.id,
            "media_key": item.data["media_key"],
        }
        if item.data.get("size") is not None:
            data["size"] = item.data["size"]
        expires_after = int(item.data["expires_at"] - self.clock())
        data["expires_after_secs"] = max(expires_after, 0)
        if item.data["kind"] in _ASYNC_KINDS:
            state = item.data.get("state", "pending")
            info: dict[str, Any] = {"state": state}
            if state in {"pending", "in_progress"}:
                info["check_after_secs"] = self.check_after_secs
                info["progress_percent"] = 0 if state == "pending" else 50
            elif state == "succeeded":
                info["progress_percent"] = 100
            elif state == "failed":
                info["progress_percent"] = 100
                info["error"] = dict(PROCESSING_ERROR)
            data["processing_info"] = info
            if state == "succeeded" and item.data["kind"] == "video":
                data["video"] = {"video_type": item.data.get("media_type", "video/mp4")}
        if (
            item.data.get("width") is not None
            and item.data["kind"] != "video"
            and item.data.get("state") == "succeeded"
        ):
            data["image"] = {
                "image_type": item.data["media_type"],
                "w": item.data["width"],
                "h": item.data["height"],
            }
        return data

    def _new_media(self, category: str, media_type: str, total_bytes: int | None) -> Item:
        media_id = self._ids.next()
        kind = _kind_of(category, media_type)
        now = self.clock()
        return Item(
            platform="x",
            kind="media",
            id=media_id,
            account_id=self.user_id,
            created_at=iso_utc(now),
            published=False,
            data={
                "media_key": f"{_MEDIA_KEY_PREFIX[kind]}_{media_id}",
                "kind": kind,
                "category": category,
                "media_type": media_type,
                "total_bytes": total_bytes,
                "size": None,
                "state": "uploading",
                "status_polls": 0,
                "alt_text": None,
                "expires_at": now + self.media_expiry_secs,
            },
        )

    def _accept_bytes(self, item: Item, blob: bytes) -> str | None:
        """Check and record finished media bytes; return an error message or None."""
        info: MediaInfo | None = sniff(blob)
        category = item.data["category"]
        allowed = _MEDIA_TYPES_BY_CATEGORY.get(category, frozenset())
        if info is None or info.mime not in allowed:
            return "media type unrecognized."
        declared = item.data.get("media_type")
        if (
            declared
            and declared != info.mime
            and not (declared == "image/pjpeg" and info.mime == "image/jpeg")
        ):
            return "media type unrecognized."
        kind = _kind_of(category, info.mime)
        limit = self._max_bytes(kind)
        if len(blob) > limit:
            return f"File size exceeds {limit} bytes."
        item.data.update(
            {
                "kind": kind,
                "media_type": info.mime,
                "size": len(blob),
                "width": info.width,
                "height": info.height,
                "state": "pending" if kind in _ASYNC_KINDS else "succeeded",
                "media_key": f"{_MEDIA_KEY_PREFIX[kind]}_{item.id}",
            }
        )
        return None

    def _media_fields(self, request: RecordedRequest) -> dict[str, Any] | ApiResponse:
        """The upload body's fields; ``media`` as bytes."""
        if request.content_type == "multipart/form-data":
            try:
                parts = request.multipart()
            except ValueError:
                return invalid_request([{"message": "Request body is not valid multipart"}])
            fields: dict[str, Any] = {}
            for part in parts:
                if part.name == "media":
                    fields["media"] = part.data
                else:
                    try:
                        fields[part.name] = part.text
                    except UnicodeDecodeError:
                        return invalid_request([{"message": f"$.{part.name}: is not text"}])
            return fields
        if request.content_type == "application/json":
            try:
                body = request.json()
            except (ValueError, UnicodeDecodeError):
                return invalid_request([{"message": "Request body is not valid JSON"}])
            if not isinstance(body, dict):
                return invalid_request([{"message": "$: array found, object expected"}])
            if isinstance(body.get("media"), str):
                try:
                    body["media"] = base64.b64decode(body["media"], validate=True)
                except (binascii.Error, ValueError):
                    return invalid_request([{"message": "$.media: is not valid base64"}])
            return body
        return invalid_request(
            [{"message": "Content-Type must be multipart/form-data or application/json"}]
        )

    @staticmethod
    def _schema_view(fields: dict[str, Any]) -> dict[str, Any]:
        return {k: ("<binary>" if isinstance(v, bytes) else v) for k, v in fields.items()}

    def _media_upload(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        fields = self._media_fields(request)
        if isinstance(fields, ApiResponse):
            return fields
        errors = validate(self._schema_view(fields), specdata.X_MEDIA_UPLOAD_REQUEST)
        if errors:
            return invalid_request([{"message": m} for m in errors])
        blob = fields["media"]
        if not isinstance(blob, bytes):
            return invalid_request([{"message": "$.media: must be a file"}])
        info = sniff(blob)
        item = self._new_media(fields["media_category"], info.mime if info else "", len(blob))
        item.data["media_type"] = None
        message = self._accept_bytes(item, blob)
        if message is not None:
            return invalid_request([{"message": message}])
        self.store.insert(item)
        return ApiResponse.json(200, {"data": self._media_payload(item)})

    def _media_init(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        if request.content_type != "application/json":
            return invalid_request([{"message": "Content-Type must be application/json"}])
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return invalid_request([{"message": "Request body is not valid JSON"}])
        errors = validate(body, specdata.X_INITIALIZE_REQUEST)
        for name in ("media_type", "total_bytes"):
            if isinstance(body, dict) and name not in body:
                errors.append(f"$.{name}: is missing but it is required")
        if errors:
            return invalid_request([{"message": m} for m in errors])
        media_type: str = body["media_type"]
        category: str = body.get("media_category") or (
            "tweet_video"
            if media_type.startswith("video/")
            else "tweet_gif"
            if media_type == "image/gif"
            else "tweet_image"
        )
        if media_type not in _MEDIA_TYPES_BY_CATEGORY.get(category, frozenset()) and not (
            media_type == "image/pjpeg" and category.endswith("_image")
        ):
            return invalid_request(
                [{"message": f"media_type {media_type} is not supported for {category}"}]
            )
        total: int = body["total_bytes"]
        kind = _kind_of(category, media_type)
        if total > self._max_bytes(kind):
            limit = self._max_bytes(kind)
            return invalid_request([{"message": f"File size exceeds {limit} bytes."}])
        item = self._new_media(category, media_type, total)
        self.store.insert(item)
        self._chunks[item.id] = {}
        payload = {
            "id": item.id,
            "media_key": item.data["media_key"],
            "expires_after_secs": self.media_expiry_secs,
        }
        return ApiResponse.json(200, {"data": payload})

    def _upload_session(self, media_id: str) -> Item | ApiResponse:
        if not re.fullmatch(r"[0-9]{1,19}", media_id):
            return _param_error(
                "id", [media_id], f"The `id` path parameter value [{media_id}] is not valid"
            )
        item = self.store.get("x", media_id)
        if item is None or item.kind != "media" or item.account_id != self.user_id:
            return _param_error("id", [media_id], "Invalid media id")
        return item

    def _media_append(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        item = self._upload_session(params["id"])
        if isinstance(item, ApiResponse):
            return item
        fields = self._media_fields(request)
        if isinstance(fields, ApiResponse):
            return fields
        view = self._schema_view(fields)
        if isinstance(view.get("segment_index"), str) and re.fullmatch(
            r"-?\d+", view["segment_index"]
        ):
            view["segment_index"] = int(view["segment_index"])
        errors = validate(view, specdata.X_APPEND_REQUEST)
        if errors:
            return invalid_request([{"message": m} for m in errors])
        if item.data["state"] != "uploading" or item.id not in self._chunks:
            return _param_error("id", [item.id], "Media upload is not in progress")
        blob = fields["media"]
        if not isinstance(blob, bytes):
            return invalid_request([{"message": "$.media: must be a file"}])
        self._chunks[item.id][int(view["segment_index"])] = blob
        # Recorded: 204 with an empty body (X's docs: "empty response body").
        return ApiResponse(204, b"", {"Content-Type": "text/html;charset=utf-8"})

    def _media_finalize(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        item = self._upload_session(params["id"])
        if isinstance(item, ApiResponse):
            return item
        if request.body.strip():
            return invalid_request([{"message": "FINALIZE takes no request body"}])
        if item.data["state"] != "uploading" or item.id not in self._chunks:
            return _param_error("id", [item.id], "Media upload is not in progress")
        segments = self._chunks[item.id]
        blob = b"".join(segments[i] for i in sorted(segments))
        if not segments or len(blob) != item.data["total_bytes"]:
            return invalid_request(
                [{"message": "Segments do not add up to provided total file size."}]
            )
        message = self._accept_bytes(item, blob)
        if message is not None:
            return invalid_request([{"message": message}])
        del self._chunks[item.id]
        self.store.update(item)
        return ApiResponse.json(200, {"data": self._media_payload(item)})

    def _media_status(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        query = {k: v[0] for k, v in request.query_dict().items()}
        media_id = query.get("media_id")
        if media_id is None:
            return invalid_request(
                [
                    {
                        "parameters": {"media_id": []},
                        "message": "The `media_id` query parameter can not be empty",
                    }
                ]
            )
        item = self._upload_session(media_id)
        if isinstance(item, ApiResponse):
            return item
        if item.data["kind"] in _ASYNC_KINDS and item.data["state"] in {"pending", "in_progress"}:
            polls = int(item.data.get("status_polls", 0))
            step = self.processing_steps[min(polls, len(self.processing_steps) - 1)]
            item.data["status_polls"] = polls + 1
            item.data["state"] = step
            self.store.update(item)
        return ApiResponse.json(200, {"data": self._media_payload(item)})

    def _media_metadata(self, request: RecordedRequest, params: dict[str, str]) -> ApiResponse:
        if request.content_type != "application/json":
            return invalid_request([{"message": "Content-Type must be application/json"}])
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return invalid_request([{"message": "Request body is not valid JSON"}])
        errors = validate(body, specdata.X_METADATA_REQUEST)
        if errors:
            return invalid_request([{"message": m} for m in errors])
        item = self._upload_session(body["id"])
        if isinstance(item, ApiResponse):
            return item
        metadata = body.get("metadata") or {}
        associated: dict[str, Any] = {}
        if "alt_text" in metadata:
            item.data["alt_text"] = metadata["alt_text"]["text"]
            associated["alt_text"] = {"text": metadata["alt_text"]["text"]}
        self.store.update(item)
        return ApiResponse.json(200, {"data": {"id": item.id, "associated_metadata": associated}})


def _daily_headers(caps: Mapping[str, tuple[int, int, int]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for scope, (limit, remaining, reset) in caps.items():
        headers[f"x-{scope}-limit-24hour-limit"] = str(limit)
        headers[f"x-{scope}-limit-24hour-remaining"] = str(max(remaining, 0))
        headers[f"x-{scope}-limit-24hour-reset"] = str(reset)
    return headers


def _rate_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(max(remaining, 0)),
        "x-rate-limit-reset": str(reset),
    }
