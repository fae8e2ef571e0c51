"""Getting tokens that last: the calls behind `bmnsocial accounts connect` and the token
questions of `accounts check`.

Facebook: a short-lived user token (Graph API Explorer) is exchanged for a long-lived one
(``GET /oauth/access_token?grant_type=fb_exchange_token``), whose ``/me/accounts`` gives the
Page's token (which then does not expire) and the tasks the person may perform on the Page;
``/debug_token`` says when a token expires. X: OAuth 1.0a's PIN flow (``oauth/request_token``
with ``oauth_callback=oob``, the person authorises and reads a PIN, ``oauth/access_token``),
signed by requests-oauthlib as tweepy signs it, on our own session (timeouts, proxies and the
sandbox's routes apply).

Every token is registered for masking as soon as it is known; none is ever in a message.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from bmnsocial.errors import BmnError
from bmnsocial.i18n import _
from bmnsocial.platforms.base import Connected, Dialogue, TokenQuestion, TokenReport
from bmnsocial.secrets import redact, register

if TYPE_CHECKING:
    import requests

GRAPH_URL = "https://graph.facebook.com"
X_OAUTH_URL = "https://api.twitter.com/oauth"
CREATE_CONTENT = "CREATE_CONTENT"
POSTING_PERMISSION = "pages_manage_posts"
_MAX_ACCOUNT_PAGES = 20


class ConnectError(BmnError):
    """A connection step failed; says which and what to do, never a token."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def report(self) -> list[str]:
        return [_("Error: {message}").format(message=self),
                *([_("Hint: {hint}").format(hint=self.hint)] if self.hint else [])]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What Graph's debug_token says of a token."""

    valid: bool
    expires_at: datetime | None  # None: never
    data_access_expires_at: datetime | None
    scopes: tuple[str, ...]
    kind: str


@dataclass(frozen=True, slots=True)
class FacebookGrant:
    page_id: str
    page_name: str
    tasks: tuple[str, ...]
    token: str = field(repr=False)
    info: TokenInfo | None  # None: Graph did not say


@dataclass(frozen=True, slots=True)
class PinRequest:
    authorize_url: str
    token: str = field(repr=False)
    secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class XGrant:
    user_id: str
    screen_name: str
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)


def _epoch(value: Any) -> datetime | None:
    """Graph's Unix times; 0 means never."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


def appsecret_proof(token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


class _Graph:
    def __init__(self, session: requests.Session, version: str, base_url: str) -> None:
        self.session = session
        self.root = f"{base_url.rstrip('/')}/{version}"

    def get(self, path: str, params: dict[str, str], token: str | None,
            step: str) -> tuple[int, dict[str, Any]]:
        """(status, answer) of a GET; the token goes in an Authorization header."""
        import requests

        headers = {"Authorization": f"OAuth {token}"} if token else {}
        try:
            response = self.session.get(f"{self.root}/{path}", params=params, headers=headers)
        except requests.RequestException as exc:
            raise ConnectError(_("could not reach Facebook ({step}): {error}").format(
                step=step, error=redact(f"{type(exc).__name__}: {exc}")),
                _("Check the network connection and run the command again.")) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ConnectError(_("Facebook answered {step} with something that is not Graph's "
                                 "JSON (HTTP {status}).").format(step=step,
                                                                 status=response.status_code),
                               _("Try again later; a proxy may be in the way."))
        return response.status_code, body


def _graph_error(body: dict[str, Any]) -> tuple[int, int, str] | None:
    error = body.get("error")
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    sub = error.get("error_subcode")
    return (code if isinstance(code, int) else 0, sub if isinstance(sub, int) else 0,
            redact(str(error.get("message") or "")))


def _refused(step: str, error: tuple[int, int, str]) -> ConnectError:
    code, sub, said = error
    return ConnectError(_("Facebook refused {step}: {said} (code {code}).").format(
        step=step, said=said or "-", code=f"{code}/{sub}" if sub else code),
        _("See docs/configuration.md, 'Connecting the Facebook Page'."))


def _user_token_error(step: str, error: tuple[int, int, str]) -> ConnectError:
    code, sub, _said = error
    if code == 190 and sub == 463:
        return ConnectError(_("the user token has expired (Graph API Explorer tokens last about "
                              "an hour)."),
                            _("Generate a new one in the Graph API Explorer and run the command "
                              "again at once."))
    if code == 190:
        return ConnectError(_("Facebook does not accept the user token ({step}).").format(
            step=step), _("Copy the whole token from the Graph API Explorer's 'Access Token' "
                          "field, generated for your app, and run the command again."))
    if code == 10 or 200 <= code <= 299:
        return ConnectError(_("the user token lacks a permission ({step}).").format(step=step),
                            _("In the Graph API Explorer add pages_show_list, pages_manage_posts "
                              "and pages_read_engagement, generate the token again and rerun."))
    return _refused(step, error)


def connect_facebook(session: requests.Session, *, version: str, page_id: str, app_id: str,
                     app_secret: str, user_token: str,
                     base_url: str = GRAPH_URL) -> FacebookGrant:
    """Exchange ``user_token`` for a long-lived one and return the Page's token, refused
    unless the person may create content on the Page."""
    register(app_secret, user_token)
    graph = _Graph(session, version, base_url)
    step = _("exchanging the user token")
    status, body = graph.get("oauth/access_token", {
        "grant_type": "fb_exchange_token", "client_id": app_id, "client_secret": app_secret,
        "fb_exchange_token": user_token}, None, step)
    error = _graph_error(body)
    if error is not None:
        code, _sub, said = error
        if code in (1, 101) or (code != 190 and "client secret" in said.lower()):
            raise ConnectError(_("Facebook does not accept the app id and app secret: "
                                 "{said}").format(said=said),
                               _("Copy both from the app's Settings → Basic page in Meta for "
                                 "Developers (the secret after 'Show')."))
        raise _user_token_error(step, error)
    long_token = body.get("access_token")
    if not isinstance(long_token, str) or not long_token:
        raise ConnectError(_("Facebook's answer to {step} holds no token (HTTP {status})."
                             ).format(step=step, status=status))
    register(long_token)
    page = _find_page(graph, page_id, long_token, app_secret)
    tasks = tuple(str(t) for t in page.get("tasks") or ())
    name = str(page.get("name") or "")
    if CREATE_CONTENT not in tasks:
        raise ConnectError(_("on the Page {name} ({id}) you may not create content: your tasks "
                             "are {tasks}.").format(name=name, id=page_id,
                                                    tasks=", ".join(tasks) or "-"),
                           _("Ask an admin of the Page for 'Content' (or full control) in the "
                             "Page's access settings, then run the command again."))
    page_token = page.get("access_token")
    if not isinstance(page_token, str) or not page_token:
        raise ConnectError(_("Facebook gave no token for the Page {id}.").format(id=page_id),
                           _("Give the app pages_manage_posts in the Graph API Explorer and "
                             "run the command again."))
    register(page_token)
    info = token_info(session, version=version, token=page_token,
                      inspector=f"{app_id}|{app_secret}", base_url=base_url)
    return FacebookGrant(page_id, name, tasks, page_token, info)


def _find_page(graph: _Graph, page_id: str, user_token: str,
               app_secret: str) -> dict[str, Any]:
    step = _("listing your Pages")
    params = {"fields": "id,name,access_token,tasks", "limit": "100",
              "appsecret_proof": appsecret_proof(user_token, app_secret)}
    seen: list[str] = []
    for _page in range(_MAX_ACCOUNT_PAGES):
        _status, body = graph.get("me/accounts", params, user_token, step)
        error = _graph_error(body)
        if error is not None:
            raise _user_token_error(step, error)
        for page in body.get("data") or ():
            if isinstance(page, dict) and str(page.get("id")) == page_id:
                return page
            if isinstance(page, dict):
                seen.append(f"{page.get('name')} ({page.get('id')})")
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after") if isinstance(paging, dict) else None
        if not (isinstance(paging, dict) and paging.get("next") and after):
            break
        params = {**params, "after": str(after)}
    raise ConnectError(
        _("the person whose token this is does not manage the Page {id} (accounts.facebook."
          "page_id); Pages found: {pages}.").format(id=page_id, pages=", ".join(seen) or "-"),
        _("Generate the token while logged in as an admin of the BMN Page, and select the Page "
          "when the Explorer asks; or correct page_id in config.yaml."))


def token_info(session: requests.Session, *, version: str, token: str, inspector: str,
               base_url: str = GRAPH_URL) -> TokenInfo | None:
    """Graph's debug_token for ``token``, asked with ``inspector`` (an app token
    ``app_id|app_secret``, or the token itself); None when Graph does not say."""
    graph = _Graph(session, version, base_url)
    register(inspector)
    try:
        _status, body = graph.get("debug_token", {"input_token": token}, inspector,
                                  _("reading the token's expiry"))
    except ConnectError:
        return None
    data = body.get("data")
    if _graph_error(body) is not None or not isinstance(data, dict):
        return None
    return TokenInfo(valid=data.get("is_valid") is True,
                     expires_at=_epoch(data.get("expires_at")),
                     data_access_expires_at=_epoch(data.get("data_access_expires_at")),
                     scopes=tuple(str(s) for s in data.get("scopes") or ()),
                     kind=str(data.get("type") or ""))


# -- X -----------------------------------------------------------------------------------------

def _oauth_post(session: requests.Session, url: str, auth: Any, step: str) -> dict[str, str]:
    import requests

    try:
        response = session.post(url, auth=auth)
    except requests.RequestException as exc:
        raise ConnectError(_("could not reach X ({step}): {error}").format(
            step=step, error=redact(f"{type(exc).__name__}: {exc}")),
            _("Check the network connection and run the command again.")) from None
    if response.status_code == 401:
        raise ConnectError(_("X refused {step}: {said}").format(
            step=step, said=redact(response.text.strip()[:200]) or "401"), _(
            "Check the API key and secret (X developer portal → your app → Keys and tokens); "
            "a PIN is good for one try and a few minutes."))
    if not 200 <= response.status_code < 300:
        raise ConnectError(_("X answered {step} with HTTP {status}: {said}").format(
            step=step, status=response.status_code, said=redact(response.text.strip()[:200])),
            _("Try again later."))
    answer = dict(parse_qsl(response.text.strip()))
    register(*answer.values())
    return answer


def _oauth1(*args: Any, **kwargs: Any) -> Any:
    """requests-oauthlib's OAuth1 (the signer tweepy uses); it ships no type information."""
    import importlib

    return importlib.import_module("requests_oauthlib").OAuth1(*args, **kwargs)


def request_pin(session: requests.Session, *, consumer_key: str, consumer_secret: str,
                base_url: str = X_OAUTH_URL) -> PinRequest:
    register(consumer_key, consumer_secret)
    auth = _oauth1(consumer_key, client_secret=consumer_secret, callback_uri="oob")
    answer = _oauth_post(session, f"{base_url}/request_token", auth,
                         _("asking for a request token"))
    token, secret = answer.get("oauth_token", ""), answer.get("oauth_token_secret", "")
    if not token or not secret or answer.get("oauth_callback_confirmed") != "true":
        raise ConnectError(_("X's answer to the request token holds no token."))
    return PinRequest(f"{base_url}/authorize?{urlencode({'oauth_token': token})}", token,
                      secret)


def finish_pin(session: requests.Session, request: PinRequest, pin: str, *, consumer_key: str,
               consumer_secret: str, username: str, base_url: str = X_OAUTH_URL) -> XGrant:
    """The access token of the account that authorised the app, refused unless it is
    ``username`` (the configured account)."""
    auth = _oauth1(consumer_key, client_secret=consumer_secret,
                   resource_owner_key=request.token, resource_owner_secret=request.secret,
                   verifier=pin.strip())
    answer = _oauth_post(session, f"{base_url}/access_token", auth,
                         _("exchanging the PIN for an access token"))
    token, secret = answer.get("oauth_token", ""), answer.get("oauth_token_secret", "")
    if not token or not secret:
        raise ConnectError(_("X's answer to the PIN holds no access token."))
    grant = XGrant(answer.get("user_id", ""), answer.get("screen_name", ""), token, secret)
    if grant.screen_name.casefold() != username.casefold():
        raise ConnectError(_("X authorised @{actual}, but config.yaml names @{expected}; "
                             "nothing was stored.").format(actual=grant.screen_name,
                                                           expected=username),
                           _("Log in to X as @{expected} (or log out first), open the address "
                             "again and use the new PIN.").format(expected=username))
    return grant


# --- the flows as `accounts connect` and `accounts check` run them ---------------------------

def facebook_token_check(account: Any, q: TokenQuestion) -> TokenReport:
    """`accounts check` on Facebook: the Page token's expiry and permission (debug_token),
    and the tasks the person who connected it has on the Page."""
    token = q.credentials[account.token_env]
    info = token_info(q.session, version=account.api_version, token=token, inspector=token)
    details: list[str] = []
    problems: list[str] = []
    if q.tasks is None:
        details.append(_("tasks on the Page: unknown (run 'bmnsocial accounts connect "
                         "facebook' to read them)"))
    else:
        details.append(_("tasks on the Page: {tasks} (as of {when})").format(
            tasks=", ".join(q.tasks) or "-", when=q.describe(q.tasks_checked_at)
            if q.tasks_checked_at else "-"))
        if CREATE_CONTENT not in q.tasks:
            problems.append(_("the person who connected the Page may not create content on it "
                              "(no CREATE_CONTENT task): ask an admin for 'Content' access, "
                              "then run 'bmnsocial accounts connect facebook'"))
    if info is None:
        details.append(_("token expiry: Facebook did not say"))
        return TokenReport(False, details=tuple(details), problems=tuple(problems))
    if not info.valid:
        problems.append(_("Facebook says the token is no longer valid: run 'bmnsocial accounts "
                          "connect facebook'"))
    if info.scopes and POSTING_PERMISSION not in info.scopes:
        problems.append(_("the token lacks the {permission} permission: Facebook refuses every "
                          "post. Run 'bmnsocial accounts connect facebook' with a user token "
                          "that has it").format(permission=POSTING_PERMISSION))
    if info.expires_at is None:
        details.append(_("token: does not expire"))
    if info.data_access_expires_at is not None:
        details.append(_("data access until {when}").format(
            when=q.describe(info.data_access_expires_at)))
    return TokenReport(True, info.expires_at, info.data_access_expires_at, q.tasks,
                       tuple(details), tuple(problems))


def facebook_flow(account: Any, d: Dialogue) -> Connected:
    """`accounts connect facebook`: a short-lived user token exchanged for the Page's."""
    fake = d.fake()
    app_id = d.options.get("app_id") or fake.get("app_id") or d.visible(_("Meta app id"))
    user_token = d.secret(_("Short-lived user token (Graph API Explorer)"),
                          fake.get("user_access_token"))
    app_secret = d.secret(_("App secret"), fake.get("app_secret"))
    grant = connect_facebook(d.session, version=account.api_version, page_id=account.page_id,
                             app_id=app_id, app_secret=app_secret, user_token=user_token)
    stored = {account.token_env: grant.token}
    if account.app_secret_env:
        # The secret the exchange just proved right is the one every Graph call's
        # appsecret_proof needs (accounts.facebook.app_secret_env).
        stored[account.app_secret_env] = app_secret
    info = grant.info
    said = [_("Connected the Page {name} ({id}); your tasks: {tasks}.").format(
        name=grant.page_name, id=grant.page_id, tasks=", ".join(grant.tasks))]
    if info is None:
        said.append(_("Facebook did not say when the token expires."))
    elif info.expires_at is None:
        said.append(_("The Page token does not expire."))
    else:
        said.append(_("The Page token expires {when}.").format(
            when=d.describe(info.expires_at)))
    return Connected(stored, info.expires_at if info else None,
                     info.data_access_expires_at if info else None, grant.tasks, tuple(said))


def x_flow(account: Any, d: Dialogue) -> Connected:
    """`accounts connect twitter`: X's PIN authorisation for the configured account."""
    names = (account.consumer_key_env, account.consumer_secret_env)
    known = d.known(names)
    new_keys = {n: d.secret(_("API key (consumer key)") if n == names[0] else
                            _("API key secret (consumer secret)"))
                for n in names if not known.get(n)}
    key, secret = (new_keys.get(n) or known[n] for n in names)
    request = request_pin(d.session, consumer_key=key, consumer_secret=secret)
    d.say(_("Open this address while logged in to X as @{user}, authorise the app, and "
            "type the PIN it shows:").format(user=account.username))
    d.say(d.address(request.authorize_url))
    pin = d.visible(_("PIN"))
    grant = finish_pin(d.session, request, pin, consumer_key=key, consumer_secret=secret,
                       username=account.username)
    return Connected({**new_keys, account.access_token_env: grant.access_token,
                      account.access_token_secret_env: grant.access_token_secret},
                     said=(_("Connected @{user}; X's tokens do not expire (until revoked)."
                             ).format(user=grant.screen_name),))
