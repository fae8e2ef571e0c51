"""The fake Graph's token endpoints, as the recorded answers show them
(tests/data/graph-recorded/base: long_term_token.json, token_info.json,
user_accounts_token.json):

* ``GET /oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&
  fb_exchange_token`` -> ``{"access_token", "token_type": "bearer", "expires_in": 5184000}``;
* ``GET /me/accounts`` with a user token -> the Page with its ``access_token`` and ``tasks``;
* ``GET /debug_token?input_token=…`` -> ``{"data": {"app_id", "type", "application",
  "expires_at", "data_access_expires_at", "is_valid", "scopes", …}}``.

A short-lived user token lasts an hour from the fake's start; a long-lived one 60 days from
its exchange; the Page token (got from either) never expires (``expires_at`` 0).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bmnsocial.sandbox.credentials import SANDBOX_CREDENTIALS
from bmnsocial.sandbox.server import ApiResponse, RecordedRequest

__all__ = ["DEFAULT_SCOPES", "DEFAULT_TASKS", "GraphTokens"]

SHORT_LIVED_SECONDS = 3600
LONG_LIVED_SECONDS = 5_184_000  # 60 days, as recorded
DATA_ACCESS_SECONDS = 90 * 86400
DEFAULT_TASKS = ("ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE")
DEFAULT_SCOPES = ("pages_show_list", "pages_read_engagement", "pages_manage_posts",
                  "public_profile")
USER_ID = "10220000000000001"
_JSON = "application/json; charset=UTF-8"


class GraphTokens:
    """Mixed into FakeGraph, which supplies ``clock``, ``page_id``, ``page_name``, the
    Page token it accepts and the app's secret (None: the sandbox's)."""

    clock: Callable[[], float]
    app_secret: str | None
    page_id: str
    page_name: str
    _page_access_token: str

    def _init_tokens(self, *, app_id: str, user_access_token: str,
                     page_tasks: Sequence[str], page_scopes: Sequence[str]) -> None:
        self.app_id = app_id
        self.page_tasks = list(page_tasks)
        self.page_scopes = list(page_scopes)
        # token -> (kind "short" | "long", expires at epoch)
        self._user_tokens: dict[str, tuple[str, float]] = {
            user_access_token: ("short", self.clock() + SHORT_LIVED_SECONDS)}

    def token_route(self, request: RecordedRequest, segments: list[str],
                    params: list[tuple[str, str]]) -> ApiResponse | None:
        """The answer when the request is one of the token endpoints, else None."""
        if request.method != "GET":
            return None
        if segments == ["oauth", "access_token"]:
            return self._exchange(dict(params))
        if segments == ["debug_token"]:
            return self._debug_token(request, params)
        if segments in (["me", "accounts"], [USER_ID, "accounts"]):
            token = _token_of(request, params)
            if token in self._user_tokens:
                return self._accounts(token, dict(params))
        return None

    @property
    def _exchange_secret(self) -> str:
        return self.app_secret or SANDBOX_CREDENTIALS["facebook"]["app_secret"]

    # -- answers -------------------------------------------------------------------------------
    def token_error(self, code: int, message: str, subcode: int | None = None) -> ApiResponse:
        """A Graph error answer (HTTP 400); FakeGraph builds it as it builds every other."""
        raise NotImplementedError

    def _user_token_error(self, token: str) -> ApiResponse | None:
        known = self._user_tokens.get(token)
        if known is None:
            return self.token_error(190, "Invalid OAuth access token - Cannot parse access token")
        if known[1] <= self.clock():
            return self.token_error(190, (
                f"Error validating access token: Session has expired on {_fb_day(known[1])}."
                f" The current time is {_fb_day(self.clock())}."), subcode=463)
        return None

    def _exchange(self, query: dict[str, str]) -> ApiResponse:
        if query.get("grant_type") != "fb_exchange_token":
            return self.token_error(100, "(#100) Invalid grant_type")
        if query.get("client_id") != self.app_id:
            return self.token_error(101, "Error validating application. Invalid application ID.")
        if not hmac.compare_digest(query.get("client_secret", ""), self._exchange_secret):
            return self.token_error(1, "Error validating client secret.")
        token = query.get("fb_exchange_token", "")
        refused = self._user_token_error(token)
        if refused is not None:
            return refused
        long_token = "EAAFake-sandbox-long-" + secrets.token_urlsafe(24).replace("-", "A")
        self._user_tokens[long_token] = ("long", self.clock() + LONG_LIVED_SECONDS)
        return ApiResponse.json(200, {"access_token": long_token, "token_type": "bearer",
                                      "expires_in": LONG_LIVED_SECONDS}, content_type=_JSON)

    def _accounts(self, token: str, query: dict[str, str]) -> ApiResponse:
        refused = self._user_token_error(token)
        if refused is not None:
            return refused
        page: dict[str, Any] = {
            "access_token": self._page_access_token, "category": "Library",
            "category_list": [{"id": "2234", "name": "Library"}], "name": self.page_name,
            "id": self.page_id, "tasks": list(self.page_tasks)}
        wanted = [f.strip() for f in query.get("fields", "").split(",") if f.strip()]
        if wanted:
            page = {k: v for k, v in page.items() if k in wanted}
        return ApiResponse.json(200, {"data": [page], "paging": {
            "cursors": {"before": "QVFIUmJlZAm9yZA", "after": "QVFIUmFmdGVy"}}},
            content_type=_JSON)

    def _describe(self, token: str) -> dict[str, Any] | None:
        now = self.clock()
        common = {"app_id": self.app_id, "application": "BMN (sandbox)",
                  "data_access_expires_at": int(now + DATA_ACCESS_SECONDS),
                  "scopes": list(self.page_scopes),
                  "granular_scopes": [{"scope": s} for s in self.page_scopes],
                  "user_id": USER_ID}
        if hmac.compare_digest(token, self._page_access_token):
            return {**common, "type": "PAGE", "profile_id": self.page_id, "expires_at": 0,
                    "is_valid": True, "issued_at": int(now)}
        known = self._user_tokens.get(token)
        if known is None:
            return None
        return {**common, "type": "USER", "expires_at": int(known[1]),
                "is_valid": known[1] > now}

    def _debug_token(self, request: RecordedRequest,
                     params: list[tuple[str, str]]) -> ApiResponse:
        caller = _token_of(request, params)
        input_token = dict(params).get("input_token")
        if not input_token:
            return self.token_error(100, "(#100) The parameter input_token is required")
        app_token = f"{self.app_id}|{self._exchange_secret}"
        allowed = hmac.compare_digest(caller, app_token) or self._describe(caller) is not None
        if not allowed:
            return self.token_error(190, "Invalid OAuth access token - Cannot parse access token")
        data = self._describe(input_token) or {
            "error": {"code": 190, "message": "Invalid OAuth access token."},
            "is_valid": False, "scopes": []}
        return ApiResponse.json(200, {"data": data}, content_type=_JSON)


def _token_of(request: RecordedRequest, params: list[tuple[str, str]]) -> str:
    header = request.header("Authorization") or ""
    for scheme in ("OAuth ", "Bearer "):
        if header.startswith(scheme):
            return header[len(scheme):].strip()
    return next((v for k, v in params if k == "access_token"), "")


def _fb_day(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
