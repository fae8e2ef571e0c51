"""The fake X's OAuth 1.0a PIN flow (X's "Obtaining access tokens using 3-legged OAuth" with
``oauth_callback=oob``):

* ``POST /oauth/request_token`` signed with the app's key and secret ->
  ``oauth_token=…&oauth_token_secret=…&oauth_callback_confirmed=true``;
* ``GET /oauth/authorize?oauth_token=…`` -> the page where the person authorises the app: the
  sandbox account authorises at once and the page shows the 7-digit PIN;
* ``POST /oauth/access_token`` signed with the request token and ``oauth_verifier`` (the PIN)
  -> ``oauth_token=…&oauth_token_secret=…&user_id=…&screen_name=…`` (the access token and
  secret this fake accepts for the API).

Signatures are checked with oauthlib's own verifier against the public https URL.
"""

from __future__ import annotations

import hmac
import importlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from bmnsocial.sandbox.server import ApiResponse, RecordedRequest

__all__ = ["XOAuthFlow"]

REQUEST_TOKEN_SECONDS = 15 * 60
_FORM = "application/x-www-form-urlencoded"
_oauth_signature: Any = importlib.import_module("oauthlib.oauth1.rfc5849.signature")
_oauth_utils: Any = importlib.import_module("oauthlib.oauth1.rfc5849.utils")


@dataclass
class _RequestToken:
    secret: str
    expires: float
    pin: str | None = None  # set once the person authorised the app


class XOAuthFlow:
    """Mixed into FakeX, which supplies these."""

    clock: Callable[[], float]
    public_origins: tuple[str, ...]
    user_id: str
    username: str
    _consumer_key: str
    _consumer_secret: str
    _access_token: str
    _access_token_secret: str

    def _init_oauth_flow(self) -> None:
        self._request_tokens: dict[str, _RequestToken] = {}

    def oauth_route(self, request: RecordedRequest) -> ApiResponse | None:
        if request.method == "POST" and request.path == "/oauth/request_token":
            return self._request_token(request)
        if request.method == "GET" and request.path == "/oauth/authorize":
            return self._authorize_page(request)
        if request.method == "POST" and request.path == "/oauth/access_token":
            return self._exchange_pin(request)
        return None

    def _signed(self, request: RecordedRequest, token_secret: str,
                origins: Sequence[str]) -> dict[str, str] | None:
        """The request's oauth_* parameters when its HMAC-SHA1 signature verifies with the
        app's secret and ``token_secret``; else None."""
        header = request.header("Authorization") or ""
        if not header.startswith("OAuth "):
            return None
        try:
            oauth = dict(_oauth_utils.parse_authorization_header(header))
            params = _oauth_signature.collect_parameters(
                uri_query=request.query_string,
                body=request.form() if request.content_type == _FORM else [],
                headers={"Authorization": header}, exclude_oauth_signature=True)
        except (ValueError, IndexError):
            return None
        oauth = {k: _oauth_utils.unescape(v) for k, v in oauth.items()}
        if oauth.get("oauth_signature_method") != "HMAC-SHA1" or not hmac.compare_digest(
                oauth.get("oauth_consumer_key", ""), self._consumer_key):
            return None
        for origin in origins:
            checked = SimpleNamespace(params=params, uri=origin + request.path,
                                      http_method=request.method,
                                      signature=oauth.get("oauth_signature", ""))
            if _oauth_signature.verify_hmac_sha1(checked, self._consumer_secret, token_secret):
                return oauth
        return None

    def _request_token(self, request: RecordedRequest) -> ApiResponse:
        oauth = self._signed(request, "", self.public_origins)
        if oauth is None:
            return _could_not_authenticate()
        if oauth.get("oauth_callback") != "oob":
            return ApiResponse.html(403, "Callback URL not approved for this client "
                                         "application.")
        token = secrets.token_urlsafe(24)
        self._request_tokens[token] = _RequestToken(secrets.token_urlsafe(24),
                                                    self.clock() + REQUEST_TOKEN_SECONDS)
        return ApiResponse.html(200, urlencode({"oauth_token": token,
                                     "oauth_token_secret": self._request_tokens[token].secret,
                                     "oauth_callback_confirmed": "true"}))

    def _authorize_page(self, request: RecordedRequest) -> ApiResponse:
        token = dict(request.query).get("oauth_token", "")
        pending = self._request_tokens.get(token)
        if pending is None or pending.expires <= self.clock():
            return ApiResponse.html(200, "<html><body><h2>Whoa there!</h2><p>This page is no "
                                         "longer valid. It looks like someone already used the "
                                         "token information you provided.</p></body></html>")
        pending.pin = pending.pin or f"{secrets.randbelow(10_000_000):07d}"
        return ApiResponse.html(200, (
            "<html><body><h2>You've granted access to the app (sandbox)</h2>"
            f"<p>Signed in as @{escape(self.username)}.</p>"
            "<div id=\"oauth_pin\"><p><span id=\"code-desc\">Next, return to the app and "
            "enter this PIN to complete the authorization process:</span>"
            f"<kbd aria-labelledby=\"code-desc\"><code>{pending.pin}</code></kbd></p></div>"
            "</body></html>"))

    def _exchange_pin(self, request: RecordedRequest) -> ApiResponse:
        header = request.header("Authorization") or ""
        try:
            oauth = {k: _oauth_utils.unescape(v)
                     for k, v in _oauth_utils.parse_authorization_header(header)}
        except (ValueError, IndexError):
            return _could_not_authenticate()
        token = oauth.get("oauth_token", "")
        pending = self._request_tokens.get(token)
        if pending is None or pending.expires <= self.clock():
            return ApiResponse.html(401, "Invalid request token.")
        if self._signed(request, pending.secret, self.public_origins) is None:
            return _could_not_authenticate()
        verifier = oauth.get("oauth_verifier") or dict(request.form()).get("oauth_verifier", "")
        if pending.pin is None or not hmac.compare_digest(verifier, pending.pin):
            return ApiResponse.html(401, "Error processing your OAuth request: Invalid "
                                         "oauth_verifier parameter")
        del self._request_tokens[token]  # one exchange per request token
        return ApiResponse.html(200, urlencode({"oauth_token": self._access_token,
                                     "oauth_token_secret": self._access_token_secret,
                                     "user_id": self.user_id, "screen_name": self.username}))


def _could_not_authenticate() -> ApiResponse:
    return ApiResponse.json(401, {"errors": [{"code": 32,
                                              "message": "Could not authenticate you."}]})
