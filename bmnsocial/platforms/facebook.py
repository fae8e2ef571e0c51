"""Facebook Page: composition and limits. Sources for each number: docs/post-format.md."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from bmnsocial import graphversions, timeutil
from bmnsocial.accounts import AccountSchema, Credential, base_url, env_name
from bmnsocial.i18n import N_, _, number
from bmnsocial.platforms.base import (
    Adapter,
    AuthError,
    Checkpoint,
    Connect,
    ConnectOption,
    CredentialsMissing,
    Figures,
    Identity,
    NativeScheduling,
    Platform,
    PlatformSpec,
    Progress,
    Published,
    PublishError,
    RateLimited,
    Rejected,
    RemotePost,
    ScheduledPost,
    Transient,
    Unconfirmed,
    open_for_sending,
)
from bmnsocial.platforms.connect import facebook_flow, facebook_token_check
from bmnsocial.platforms.conversations import GraphConversations
from bmnsocial.platforms.rendered import Finding, Rendered, RenderedMedia, hashtag_line, join_blocks
from bmnsocial.reasons import Reason, Said
from bmnsocial.schema import Reader
from bmnsocial.secrets import redact, register
from bmnsocial.yamlsafe import PathKey

if TYPE_CHECKING:
    import requests

    from bmnsocial.posts.model import Content

DEFAULT_GRAPH_VERSION = "v23.0"
GRAPH_BASE_URL = "https://graph.facebook.com"
_GRAPH_VERSION = re.compile(r"^v\d{1,2}\.\d$")


@dataclass(frozen=True, slots=True)
class FacebookAccount:
    page_id: str
    page_name: str
    api_version: str
    token_env: str
    graph_base_url: str = GRAPH_BASE_URL
    app_secret_env: str | None = None  # set: every Graph call carries its appsecret_proof
    # "native": occurrences are handed to Facebook's own scheduler ahead of time
    # (publish/native.py); "off": sent at their time from here.
    handoff: str = "off"

    def credentials(self) -> list[Credential]:
        found = [Credential("facebook", N_("page access token"), self.token_env)]
        if self.app_secret_env:
            found.append(Credential("facebook", N_("app secret"), self.app_secret_env))
        return found

    def base_urls(self) -> dict[str, str]:
        """Graph's public origin -> the server that answers in its place, when not Graph."""
        return {} if self.graph_base_url == GRAPH_BASE_URL else {
            GRAPH_BASE_URL: self.graph_base_url}


def _read_account(r: Reader, m: dict[str, Any], path: PathKey) -> FacebookAccount:
    """accounts.facebook (docs/configuration.md)."""
    version = r.text(m.get("api_version", DEFAULT_GRAPH_VERSION),
                     (*path, "api_version")) or DEFAULT_GRAPH_VERSION
    if not _GRAPH_VERSION.match(version):
        r.error((*path, "api_version"), "CONFIG-VALUE",
                _("'{version}' is not a Graph API version.").format(version=version),
                _("Write it like v23.0."))
    elif graphversions.find(version) is None:
        r.error((*path, "api_version"), "CONFIG-GRAPH-VERSION", _(
            "Graph API {version} is not a version Meta publishes (bmnsocial knows "
            "{oldest} to {newest}).").format(
                version=version, oldest=graphversions.table()[-1].version,
                newest=graphversions.table()[0].version),
            _("Use a current one: {current} (Meta's changelog: {source}).").format(
                current=", ".join(graphversions.current_names(
                    timeutil.now().date())),
                source=graphversions.source()))
    return FacebookAccount(
        page_id=r.text(m.get("page_id"), (*path, "page_id")) or "",
        page_name=r.text(m.get("page_name", ""), (*path, "page_name"),
                         allow_empty=True) or "",
        api_version=version,
        token_env=env_name(r, m.get("token_env", "BMNSOCIAL_FACEBOOK_PAGE_TOKEN"),
                           (*path, "token_env")),
        graph_base_url=base_url(r, m.get("graph_base_url", GRAPH_BASE_URL),
                                (*path, "graph_base_url"), GRAPH_BASE_URL),
        app_secret_env=env_name(r, m["app_secret_env"], (*path, "app_secret_env"))
        if m.get("app_secret_env") is not None else None,
        handoff=r.choice(m.get("handoff", "off"), (*path, "handoff"), FACEBOOK_HANDOFFS)
        or "off")


#: accounts.facebook.handoff: 'native' hands occurrences to Facebook's own scheduler.
FACEBOOK_HANDOFFS = ("off", "native")
ACCOUNT = AccountSchema(keys=("page_id", "page_name", "api_version", "token_env",
                              "graph_base_url", "app_secret_env", "handoff"),
                        read=_read_account, required=("page_id",), help={
    "page_id": N_("The numeric id of the Facebook Page, in quotes."),
    "page_name": N_("A display name for people."),
    "api_version": N_("The Graph API version, like v23.0."),
    "token_env": N_("The name of the environment variable that holds the Page access token."),
    "graph_base_url": N_("Another server that answers in Graph's place."),
    "app_secret_env": N_("The name of the variable that holds the app's secret (every request "
                         "then carries appsecret_proof)."),
    "handoff": N_("off, or native: posts are handed to Facebook's own scheduler ahead of "
                  "time.")})

MAX_MESSAGE = 63_206
MAX_COMMENT = 8_000  # Facebook's comment box; Graph's reference gives no number
MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 4_000_000  # "under 4 MB", read as decimal megabytes (the stricter reading)
PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif"}
#: A Page post's address as a person copies it from Facebook (`bmnsocial done` checks it):
#: /{page}/posts/{id} (the id may be a pfbid…), permalink.php?story_fbid=…, a photo, a share
#: link. Group "id" is the post's id as the address gives it.
POST_URL = re.compile(
    r"^https://(?:www\.|m\.|web\.)?facebook\.com/(?:"
    r"[\w.\-]+/posts/(?P<id>[\w\-]+)"
    r"|permalink\.php\?(?:[^#]*&)?story_fbid=(?P<story>[\w\-]+)[^#]*"
    r"|photo/?\?(?:[^#]*&)?fbid=(?P<photo>\d+)[^#]*"
    r"|[\w.\-]+/photos/(?:[\w.\-]+/)?(?P<photos>\d+)"
    r"|share/p/(?P<share>[\w\-]+))/?(?:[?#].*)?$")


def person_account(account: FacebookAccount) -> tuple[str, str]:
    """The account a person publishes with by hand: its name, and where to find it."""
    return (account.page_name or account.page_id,
            f"https://www.facebook.com/{account.page_id}")


class FacebookSpec(PlatformSpec):
    name = "facebook"
    label = "Facebook"
    text_limit = MAX_MESSAGE
    comment_limit = MAX_COMMENT

    def compose(self, content: Content, default_hashtags: tuple[str, ...]) -> tuple[
            list[tuple[str, PathKey]], str | None]:
        text = content.text or ""
        link = content.link
        # A photo post has no link field, so the address goes into the message instead.
        inline_link = link if content.media and link and link not in text else None
        message = join_blocks(text, inline_link,
                              hashtag_line(text, content.hashtags, default_hashtags))
        return [(message, content.text_source)], None if content.media else link

    def measure(self, text: str) -> int:
        return len(text)

    def check(self, rendered: Rendered) -> Iterable[Finding]:
        return list(self._check(rendered))

    def _check(self, rendered: Rendered) -> Iterator[Finding]:
        for part in rendered.parts:
            if part.length > MAX_MESSAGE:
                yield Finding(part.source, "FB-LENGTH", _(
                    "the Facebook message is {length} characters; Facebook takes up to {limit}."
                ).format(length=part.length, limit=MAX_MESSAGE),
                    _("Shorten it and link to the full text."))
        media = rendered.media
        if len(media) > MAX_PHOTOS:
            yield Finding(media[0].source[:-1], "FB-MEDIA-COUNT", _(
                "{count} photos; bmnsocial publishes up to {limit} per Facebook post.").format(
                    count=len(media), limit=MAX_PHOTOS),
                _("Choose fewer, or give Facebook its own 'facebook: media:'."))
        for m in media:
            if m.info.kind == "video":
                yield Finding((*m.source, "path"), "FB-MEDIA-TYPE", _(
                    "bmnsocial does not publish videos to Facebook yet: '{path}' would not go "
                    "out there.").format(path=m.info.relative),
                    _("Upload the video by hand, or publish it only on X with "
                      "'twitter: media:'."))
            elif m.info.mime not in PHOTO_TYPES:
                yield Finding((*m.source, "path"), "FB-MEDIA-TYPE", _(
                    "Facebook photos must be JPEG, PNG or GIF, not {type}.").format(
                        type=m.info.mime), _("Export it as JPEG."))
            elif m.info.size > MAX_PHOTO_BYTES:
                yield Finding((*m.source, "path"), "FB-MEDIA-SIZE", _(
                    "'{path}' is {size} MB; Facebook takes photos up to 4 MB.").format(
                        path=m.info.relative, size=number(m.info.size / 1e6, 1)),
                    _("Export it smaller."))


# ---------------------------------------------------------------------------------------------
# Publishing, through facebook-sdk (imported only here, when an adapter is built).

THROTTLING_CODES = frozenset({4, 17, 32, 613, 80001})
TOKEN_CODES = frozenset({190, 102})
DUPLICATE_SUBCODES = frozenset({1455006})
_TOKEN_SUBCODES = {  # why a token was refused, as reasons' codes (bmnsocial.reasons)
    458: "fb-token-app-removed", 459: "fb-token-checkpointed", 460: "fb-token-password-changed",
    463: "fb-token-expired", 464: "fb-token-unconfirmed", 467: "fb-token-invalid",
    492: "fb-token-session-invalid",
}
_TOKEN_REFUSED = "fb-token-refused"
_THROTTLES = {  # whose calls Graph is limiting (Meta's "Rate Limits" guide), as reasons' codes
    4: "fb-limit-app", 17: "fb-limit-user", 32: "fb-limit-page", 613: "fb-limit-custom",
    80001: "fb-limit-page-calls",
}
_POST_FIELDS = "id,message,created_time,permalink_url"
# A post's figures in one read: each summary with no items (limit(0)), each reaction type under
# its own alias, as graph-recorded/posts/single_post_data.json shows them. Graph leaves out
# "shares" while a post has none.
REACTION_TYPES = ("like", "love", "care", "haha", "wow", "sad", "angry")
FIGURE_FIELDS = ",".join([
    "id", "shares", "comments.limit(0).summary(true)",
    "reactions.limit(0).summary(total_count)",
    *(f"reactions.type({r.upper()}).limit(0).summary(total_count).as({r})"
      for r in REACTION_TYPES)])
# Lifetime insights of a post (Meta's Page Post insights); they need the read_insights
# permission, which a token may lack: then the figures are read without them.
INSIGHT_METRICS = {"post_impressions": "impressions", "post_impressions_unique": "reach"}
# Reconciliation reads 100 posts at a time, back to the start of the window it checks. 20
# reads (2,000 posts) is far more than the Page publishes within a retry deadline; a window
# still unread after them is handed to a person rather than judged from part of it.
_MAX_READS = 20


def _now() -> datetime:
    return datetime.now(UTC)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _header_json(headers: Mapping[str, str], name: str) -> Any:
    try:
        return json.loads(headers.get(name) or "null")
    except ValueError:
        return None


def retry_at_from_usage(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When Graph will take calls again: the largest ``estimated_time_to_regain_access``
    (minutes) in X-Business-Use-Case-Usage (or X-Page-Usage / X-App-Usage when they carry
    one); else, with X-App-Usage at 100 %, one hour (Platform limits count calls over a
    rolling hour); else unknown."""
    minutes: list[float] = []
    buc = _header_json(headers, "X-Business-Use-Case-Usage")
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    found = _number(entry.get("estimated_time_to_regain_access"))
                    if found is not None:
                        minutes.append(found)
    for name in ("X-Page-Usage", "X-App-Usage"):
        usage = _header_json(headers, name)
        if isinstance(usage, dict):
            found = _number(usage.get("estimated_time_to_regain_access"))
            if found is not None:
                minutes.append(found)
    if minutes and max(minutes) > 0:
        return now + timedelta(minutes=max(minutes))
    for name in ("X-App-Usage", "X-Page-Usage"):
        usage = _header_json(headers, name)
        if isinstance(usage, dict) and any((_number(v) or 0) >= 100 for v in usage.values()):
            return now + timedelta(hours=1)
    return None


def error_from_graph(status: int, error: Mapping[str, Any], headers: Mapping[str, str],
                     now: datetime, action: str, token_env: str, *, version: str = "",
                     app_secret_env: str | None = None) -> PublishError:
    """The taxonomy error for a Graph API error object (``{"error": {...}}``), with what a
    person does about it: wait (throttling), act (tokens, permissions, the app secret, the
    API version, a policy block) or change the post."""
    code = _number(error.get("code"))
    subcode = _number(error.get("error_subcode"))
    c = int(code) if code is not None else 0
    sub = int(subcode) if subcode is not None else None
    label = f"{c}/{sub}" if sub is not None else str(c)
    said = str(error.get("message") or "")
    if error.get("error_user_msg"):
        said += f" {error['error_user_msg']}"
    # Graph's own words (said) stay as Graph wrote them.
    text = Reason("fb-answered" if said.strip() else "fb-answered-nothing", action=action,
                  status=str(status), code=label, said=Said(redact(said.strip())))
    if c in THROTTLING_CODES:
        return RateLimited(Reason("fb-throttled", error=text, limit=Reason(_THROTTLES[c])),
                           retry_at_from_usage(headers, now))
    if c in TOKEN_CODES and sub == 492:  # a new token fails the same way: the role is gone
        return AuthError(Reason("fb-page-role", error=text), sent=False)
    if c in TOKEN_CODES:
        return AuthError(Reason("fb-token-renew", error=text, variable=token_env,
                                why=Reason(_TOKEN_SUBCODES.get(sub or 0, _TOKEN_REFUSED))),
                         sent=False)
    if c == 10:
        return AuthError(Reason("fb-app-permission", error=text), sent=False)
    if 200 <= c <= 299:
        return AuthError(Reason("fb-permission-missing", error=text), sent=False)
    if c == 506 or (sub is not None and sub in DUPLICATE_SUBCODES):
        return Rejected(text, duplicate=True)
    if c == 368:
        return Rejected(Reason("fb-blocked", error=text))
    if c == 100 and "appsecret_proof" in said:
        if app_secret_env and "invalid" in said.lower():
            return AuthError(Reason("fb-app-secret-wrong", error=text, variable=app_secret_env),
                             sent=False)
        return AuthError(Reason("fb-app-secret-required", error=text), sent=False)
    if c == 2500 and said.startswith("Unknown path components") and version:
        return AuthError(Reason("fb-unknown-version", error=text, version=version), sent=False)
    if error.get("is_transient") is True or c in (1, 2):
        return Transient(text, sent=True)
    return Rejected(text)


class _GraphTransport:
    """What facebook-sdk is given as its ``session``. It sends the token in an Authorization
    header (facebook-sdk would put it in the URL of every GET, where logs and error messages
    show it) and turns every answer that is not a proper Graph success into the taxonomy,
    because facebook-sdk ignores HTTP status and breaks on non-JSON answers."""

    def __init__(self, session: requests.Session, token: str, token_env: str,
                 clock: Callable[[], datetime], *, version: str = "",
                 app_secret: str | None = None, app_secret_env: str | None = None) -> None:
        self.session = session
        self._token = token
        self.token_env = token_env
        self.clock = clock
        self.version = version
        self.app_secret_env = app_secret_env
        # Meta's "Secure Requests" guide: the hex HMAC-SHA256 of the token keyed with the app
        # secret, on every call. As good as the token to whoever holds both: masked like it.
        self._proof = hmac.new(app_secret.encode(), token.encode(),
                               hashlib.sha256).hexdigest() if app_secret else None
        register(self._proof)
        self.action = "Facebook"  # replaced by the adapter before each call

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        import requests

        from bmnsocial.platforms.http import transient_from

        params = {k: v for k, v in (kwargs.pop("params", None) or {}).items()
                  if k != "access_token"}
        data = kwargs.pop("data", None)
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "access_token"} or None
        if self._proof:  # in the body when there is one, so it stays out of the URL
            (data if isinstance(data, dict) else params)["appsecret_proof"] = self._proof
        # The Graph API takes the token in an Authorization header (Meta's resumable-upload
        # guide uses "Authorization: OAuth"; restfb and huandu/facebook offer the same switch),
        # so it never sits in a URL that logs, proxies or error messages could repeat.
        headers = {"Authorization": f"OAuth {self._token}"}
        try:
            response = self.session.request(method, url, params=params, data=data,
                                            headers=headers, **kwargs)
        except requests.RequestException as exc:
            raise transient_from(exc, self.action) from None
        self._check(response)
        return response

    def _check(self, response: requests.Response) -> None:
        status = response.status_code
        content_type = response.headers.get("Content-Type", "")
        content = response.content.strip()
        if (200 <= status < 300 and "json" in content_type.lower() and content[:1] == b"{"
                and content[-1:] == b"}" and b'"error"' not in content):
            return  # the usual success: facebook-sdk decodes it; no need to decode it twice
        body: Any = None
        if "json" in content_type.lower():
            try:
                body = response.json()
            except ValueError:
                body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            raise error_from_graph(status, body["error"], response.headers, self.clock(),
                                   self.action, self.token_env, version=self.version,
                                   app_secret_env=self.app_secret_env)
        if status == 429:
            raise RateLimited(Reason("fb-answered-429", action=self.action),
                              retry_at_from_usage(response.headers, self.clock()))
        if not 200 <= status < 300 or body is None:
            raise Transient(Reason("fb-not-graph" if content_type else "fb-not-graph-untyped",
                                   action=self.action, content_type=content_type,
                                   status=f"{status} {response.reason or ''}".rstrip()),
                            sent=True)


class FacebookAdapter(Adapter):
    """Publishes to one Facebook Page with a Page access token through facebook-sdk.

    A text post is ``POST /{page}/feed`` (``message``, ``link``); one photo is
    ``POST /{page}/photos`` (``source``, ``message``, ``alt_text_custom``, published); several
    photos are uploaded unpublished, then attached to a feed post with ``attached_media[i]``.
    """

    name = "facebook"

    def __init__(self, account: FacebookAccount, secrets: Mapping[str, str],
                 session: requests.Session, *, timeout: float,
                 clock: Callable[[], datetime] = _now) -> None:
        token = secrets.get(account.token_env, "")
        if not token:
            raise CredentialsMissing(Reason("fb-token-missing", variable=account.token_env))
        app_secret = secrets.get(account.app_secret_env, "") if account.app_secret_env else None
        if account.app_secret_env and not app_secret:
            raise CredentialsMissing(Reason("fb-app-secret-missing",
                                            variable=account.app_secret_env))
        register(token, app_secret)
        import facebook

        self.account = account
        self.transport = _GraphTransport(session, token, account.token_env, clock,
                                         version=account.api_version, app_secret=app_secret,
                                         app_secret_env=account.app_secret_env)
        self.graph = facebook.GraphAPI(access_token=token, timeout=timeout,
                                       session=self.transport)
        # facebook-sdk 3.1.0's constructor refuses any version above 3.1, but it reads the
        # attribute only when building each URL, so current versions work when set here.
        self.graph.version = account.api_version
        self._insights_refused: str | None = None  # why the token may not read insights

    @staticmethod
    def post_url(post_id: str) -> str:
        """The public address of a Page post whose Graph id is '{page}_{post}'."""
        page, _sep, post = post_id.partition("_")
        return f"https://www.facebook.com/{page}/posts/{post}" if post else (
            f"https://www.facebook.com/{post_id}")

    def _call(self, action: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import facebook

        self.transport.action = action
        try:
            return method(*args, **kwargs)
        except facebook.GraphAPIError as exc:  # only if an answer slipped past the transport
            raise Transient(Reason("fb-graph-error", action=action, said=Said(redact(str(exc)))),
                            sent=True) from None

    def whoami(self) -> Identity:
        me = self._call(Reason("fb-checking-token"), self.graph.get_object, "me",
                        fields="id,name")
        identity = Identity(self.name, str(me.get("id", "")), str(me.get("name", "")))
        if identity.id != self.account.page_id:
            raise AuthError(Reason("fb-other-page", name=repr(identity.name), id=identity.id,
                                   expected=self.account.page_id), sent=False)
        return identity

    def _photo(self, media: RenderedMedia, action: str, checkpoint: Checkpoint, *,
               published: bool, message: str = "", temporary: bool = False) -> dict[str, Any]:
        fields = {"published": "true" if published else "false"}
        if temporary:  # for a scheduled post (Meta's Pages API guide)
            fields["temporary"] = "true"
        if message:
            fields["message"] = message
        if media.alt:
            fields["alt_text_custom"] = media.alt
        checkpoint.check()
        # A photo is under 4 MB (checked when queued, and the size again on opening): requests
        # reads it into the body through ``opened.read``, never past that size.
        with open_for_sending(media.info) as opened:
            result: dict[str, Any] = self._call(
                action, self.graph.put_photo, (opened.name, opened, opened.info.mime),
                album_path=f"{self.account.page_id}/photos", **fields)
        return result

    def publish(self, rendered: Rendered, progress: Progress) -> Published:
        comment = rendered.comment
        post_id = (progress.part_ids[0] if progress.part_ids
                   else self._publish_post(rendered, progress, last=comment is None))
        ids = [post_id]
        if comment is not None:
            ids.append(progress.part_ids[1] if len(progress.part_ids) > 1
                       else self._comment(post_id, comment.text, progress))
        return Published(post_id, self.post_url(post_id), tuple(ids))

    def _comment(self, post_id: str, text: str, progress: Progress) -> str:
        """The first comment: ``POST /{post-id}/comments`` by the Page (its token's identity)."""
        progress.checkpoint(1, 2).check()
        result = self._call(Reason("fb-commenting"), self.graph.put_object, post_id,
                            "comments", message=text)
        comment_id = str(result.get("id") or "")
        if not comment_id:
            raise Unconfirmed(Reason("fb-comment-no-id", url=self.post_url(post_id)))
        progress.done(comment_id, last=True)
        return comment_id

    def own_replies(self, post_id: str, since: datetime) -> list[RemotePost]:
        from bmnsocial.platforms.conversations import GraphConversations

        return GraphConversations(self).answers(post_id, since)

    def _publish_post(self, rendered: Rendered, progress: Progress, *, last: bool) -> str:
        body = rendered.body
        if len(body) != 1:
            raise Rejected(Reason("fb-one-message", count=len(body)))
        part = body[0]
        media = part.media
        if any(m.info.kind == "video" for m in media):
            raise Rejected(Reason("fb-no-videos"))
        page = self.account.page_id
        checkpoint = progress.checkpoint(0, 1)
        if len(media) == 1:
            result = self._photo(media[0], Reason("fb-publishing-photo"), checkpoint,
                                 published=True, message=part.text)
            post_id = str(result.get("post_id") or "")
            if not post_id:
                raise Unconfirmed(Reason("fb-photo-no-id"))
        else:
            fields: dict[str, str] = {"message": part.text} if part.text else {}
            if not media and rendered.link:
                fields["link"] = rendered.link
            try:
                for i, m in enumerate(media):
                    photo = self._photo(m, Reason("fb-uploading-photo", number=i + 1,
                                                  count=len(media)),
                                        checkpoint, published=False)
                    fields[f"attached_media[{i}]"] = json.dumps({"media_fbid": str(photo["id"])})
            except Transient as exc:
                # Unpublished photos are not a post: nothing can have been published yet.
                exc.sent = False
                raise
            checkpoint.check()
            result = self._call(Reason("fb-publishing"), self.graph.put_object,
                                page, "feed", **fields)
            post_id = str(result["id"])
        progress.done(post_id, last=last)
        return post_id

    def read_figures(self, post_ids: Sequence[str]) -> list[Figures] | None:
        """Reactions (in all and by type), comments and shares of each post, and its
        impressions and reach when the token may read insights (else said, per figure)."""
        found: list[Figures] = []
        for post_id in post_ids:
            try:
                data = self._call(Reason("fb-reading-figures", post=post_id),
                                  self.graph.get_object, post_id, fields=FIGURE_FIELDS)
            except Rejected:  # deleted, or not ours to read: left out, and said by the caller
                continue
            counts = {"reactions": _summary(data.get("reactions")),
                      "comments": _summary(data.get("comments")),
                      "shares": _count(data.get("shares"), "count")}
            counts.update({f"reactions_{r}": _summary(data.get(r)) for r in REACTION_TYPES})
            insights, unavailable = self._insights(post_id)
            counts.update(insights)
            found.append(Figures(post_id, counts, unavailable))
        return found

    def _insights(self, post_id: str) -> tuple[dict[str, int], dict[str, str]]:
        if self._insights_refused is not None:
            return {}, dict.fromkeys(INSIGHT_METRICS.values(), self._insights_refused)
        try:
            answer = self._call(Reason("fb-reading-insights", post=post_id),
                                self.graph.get_connections, post_id, "insights",
                                metric=",".join(INSIGHT_METRICS))
        except (AuthError, Rejected) as exc:
            # A permission the token lacks, or metrics Graph no longer serves: the same for
            # every post, so asked once per pull.
            self._insights_refused = str(exc)
            return {}, dict.fromkeys(INSIGHT_METRICS.values(), self._insights_refused)
        counts: dict[str, int] = {}
        for entry in answer.get("data") or []:
            name = INSIGHT_METRICS.get(str(entry.get("name")))
            values = entry.get("values") or []
            if name and values and isinstance(values[-1], dict):
                counts[name] = _count(values[-1], "value")
        missing = _("Facebook did not send it")
        return counts, {n: missing for n in INSIGHT_METRICS.values() if n not in counts}

    def recent_posts(self, since: datetime) -> list[RemotePost]:
        """The Page's posts since ``since``, following ``paging.next`` in whatever form Graph
        gives it: cursors, or (after ``since``) ``until`` and ``__paging_token`` with
        ``since`` cleared, which reaches past the window, so reading stops at the first post
        older than ``since`` and such posts are left out."""
        since = since.replace(microsecond=0)  # Graph's times are whole seconds
        args = {"fields": _POST_FIELDS, "since": str(int(since.timestamp())), "limit": "100"}
        posts: list[RemotePost] = []
        for _read in range(_MAX_READS):
            page = self._call(Reason("fb-reading-recent"), self.graph.get_connections,
                              self.account.page_id, "published_posts", **args)
            data = page.get("data") or []
            past_the_window = False
            for item in data:
                post_id = str(item["id"])
                created = _parse_time(item.get("created_time"))
                if created is not None and created < since:
                    past_the_window = True
                    continue
                posts.append(RemotePost(post_id, str(item.get("message") or ""), created,
                                        str(item.get("permalink_url") or self.post_url(post_id))))
            next_link = (page.get("paging") or {}).get("next")
            if past_the_window or not data or not isinstance(next_link, str):
                return posts
            args = {k: v for k, v in parse_qsl(urlsplit(next_link).query, keep_blank_values=True)
                    if k not in {"access_token", "appsecret_proof"}}
        raise Unconfirmed(Reason("fb-too-many-recent", count=len(posts), since=since))


def _count(container: Any, key: str) -> int:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _summary(edge: Any) -> int:
    """``total_count`` of an edge's summary; 0 when Graph left the edge out."""
    return _count(edge.get("summary") if isinstance(edge, dict) else None, "total_count")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    for parse in (lambda v: datetime.strptime(v, "%Y-%m-%dT%H:%M:%S%z"), datetime.fromisoformat):
        try:
            return parse(value)
        except ValueError:
            continue
    return None


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


class FacebookScheduler:
    """Facebook's own scheduler for one Page (``accounts.facebook.handoff: native``): a
    scheduled post is ``POST /{page}/feed`` with ``published=false`` and
    ``scheduled_publish_time`` (Meta's Pages API guide, "Publish posts"); photos are uploaded
    unpublished and ``temporary`` and attached to it. ``/{page}/scheduled_posts`` lists them
    (the Page node's spec); ``POST /{post}`` changes the message or the time; ``DELETE
    /{post}`` removes one."""

    def __init__(self, adapter: Adapter) -> None:
        assert isinstance(adapter, FacebookAdapter)
        self.adapter = adapter

    def create(self, rendered: Rendered, when: datetime, checkpoint: Checkpoint) -> str:
        adapter = self.adapter
        if len(rendered.parts) != 1:
            raise Rejected(Reason("fb-one-message", count=len(rendered.parts)))
        part = rendered.parts[0]
        if any(m.info.kind == "video" for m in part.media):
            raise Rejected(Reason("fb-no-videos"))
        fields: dict[str, str] = {"published": "false", "scheduled_publish_time": _epoch(when)}
        if part.text:
            fields["message"] = part.text
        if not part.media and rendered.link:
            fields["link"] = rendered.link
        try:
            for i, m in enumerate(part.media):
                photo = adapter._photo(m, Reason("fb-uploading-photo", number=i + 1,
                                                 count=len(part.media)),
                                       checkpoint, published=False, temporary=True)
                fields[f"attached_media[{i}]"] = json.dumps({"media_fbid": str(photo["id"])})
        except Transient as exc:
            exc.sent = False  # unpublished photos are not a post
            raise
        checkpoint.check()
        result = adapter._call(Reason("fb-scheduling"), adapter.graph.put_object,
                               adapter.account.page_id, "feed", **fields)
        return str(result["id"])

    def scheduled(self) -> list[ScheduledPost]:
        adapter = self.adapter
        args = {"fields": "id,message,scheduled_publish_time", "limit": "100"}
        found: list[ScheduledPost] = []
        for _read in range(_MAX_READS):
            page = adapter._call(Reason("fb-reading-scheduled"), adapter.graph.get_connections,
                                 adapter.account.page_id, "scheduled_posts", **args)
            for item in page.get("data") or []:
                when = _number(item.get("scheduled_publish_time"))
                found.append(ScheduledPost(
                    str(item["id"]), str(item.get("message") or ""),
                    datetime.fromtimestamp(when, UTC) if when is not None else None))
            after = ((page.get("paging") or {}).get("cursors") or {}).get("after")
            if not page.get("data") or not (page.get("paging") or {}).get("next") or not after:
                return found
            args = {**args, "after": str(after)}
        raise Unconfirmed(Reason("fb-too-many-recent", count=len(found),
                                 since=datetime.now(UTC)))

    def update(self, post_id: str, *, message: str | None = None,
               when: datetime | None = None) -> None:
        adapter = self.adapter
        fields: dict[str, str] = {}
        if message is not None:
            fields["message"] = message
        if when is not None:
            fields["scheduled_publish_time"] = _epoch(when)
        adapter._call(Reason("fb-updating-scheduled"), adapter.graph.request,
                      f"{adapter.graph.version}/{post_id}", None, fields, None, "POST")

    def delete(self, post_id: str) -> None:
        adapter = self.adapter
        adapter._call(Reason("fb-deleting-scheduled"), adapter.graph.delete_object, post_id)

    def state(self, post_id: str) -> tuple[bool, str]:
        """Whether the post is published, and its address."""
        adapter = self.adapter
        found = adapter._call(Reason("fb-checking-scheduled"), adapter.graph.get_object,
                              post_id, fields="id,is_published,permalink_url")
        return (found.get("is_published") is True,
                str(found.get("permalink_url") or adapter.post_url(post_id)))



# Meta's Pages API guide: scheduled_publish_time from 10 minutes to 30 days after the request.
NATIVE = NativeScheduling(scheduler=FacebookScheduler,
                          enabled=lambda account: account.handoff == "native",
                          min_lead=timedelta(minutes=10), max_lead=timedelta(days=30))

CONNECT = Connect(
    help=N_("Exchange a short-lived user token from the Graph API Explorer for the Page's "
            "token, which does not expire, and store it in the secrets file.\n\nThe user "
            "token and the app secret are asked with the typing hidden, or read one per line "
            "from standard input when it is not a terminal (first the user token, then the "
            "app secret); never pass them as arguments."),
    run=facebook_flow,
    options=(ConnectOption("--app-id", "ID", N_("The Meta app's id (asked when not given).")),))

PLATFORM = Platform(
    connect=CONNECT, token_check=facebook_token_check,
    mockup="bmnsocial.platforms.facebook_mockup",
    display_name=lambda account: account.page_name or None,
    conversations=GraphConversations,
    name="facebook", label="Facebook", abbreviation="fb", account=ACCOUNT,
    post_keys=("text", "link", "hashtags", "media", "first_comment"), spec=FacebookSpec,
    adapter=FacebookAdapter,
    url=POST_URL, person=person_account,
    url_example="https://www.facebook.com/BMNCuba/posts/pfbid02abc…", metrics=True,
    native=NATIVE,
    api_version=lambda account, now: graphversions.state_of(account.api_version, now))
