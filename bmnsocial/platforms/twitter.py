"""X (Twitter): composition and limits. Sources for each number: docs/post-format.md."""

from __future__ import annotations

import dataclasses
import html
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bmnsocial.accounts import LINK_POLICIES, AccountSchema, Credential, base_url, env_name
from bmnsocial.accounts import number as number_value
from bmnsocial.diagnostics import Severity
from bmnsocial.i18n import N_, _, number
from bmnsocial.platforms.base import (
    Adapter,
    AuthError,
    Checkpoint,
    Connect,
    CredentialsMissing,
    Figures,
    Identity,
    Platform,
    PlatformSpec,
    Pricing,
    Progress,
    Published,
    Rejected,
    RemotePost,
    Transient,
    Unconfirmed,
    open_for_sending,
)
from bmnsocial.platforms.connect import x_flow
from bmnsocial.platforms.conversations import XConversations
from bmnsocial.platforms.rendered import Finding, Rendered, RenderedMedia, hashtag_line, join_blocks
from bmnsocial.platforms.video import VideoCodes, VideoLimits, check_video, video_size_hint
from bmnsocial.platforms.x_costs import (
    X_PRICES_DATE,
    XPrices,
    answered_charge,
    describe_charge,
    publication_charges,
)
from bmnsocial.posts.twitter_mentions import (
    MAX_USERNAME,
    mention_spans,
    misshapen_mentions,
)
from bmnsocial.posts.twitter_text import MAX_WEIGHTED_LENGTH, weighted_length
from bmnsocial.reasons import Reason
from bmnsocial.schema import Reader
from bmnsocial.secrets import register
from bmnsocial.yamlsafe import PathKey

if TYPE_CHECKING:
    import requests

    from bmnsocial.posts.model import Content

DEFAULT_X_API_BASE_URL = "https://api.x.com"
# Every host tweepy and x_media send to; all of them go to accounts.twitter.api_base_url.
X_PUBLIC_ORIGINS = ("https://api.twitter.com", "https://api.x.com", "https://upload.twitter.com")


@dataclass(frozen=True, slots=True)
class TwitterAccount:
    username: str
    consumer_key_env: str
    consumer_secret_env: str
    access_token_env: str
    access_token_secret_env: str
    # Where X's requests go (a compatible stand-in server); the real host by default.
    api_base_url: str = DEFAULT_X_API_BASE_URL
    links: str = "inline"  # LINK_POLICIES: 'omit' sends X the text without the post's link
    monthly_budget_usd: float | None = None  # None: no budget, nothing is held
    prices: XPrices = field(default_factory=XPrices)

    def credentials(self) -> list[Credential]:
        return [
            Credential("twitter", N_("API key (consumer key)"), self.consumer_key_env),
            Credential("twitter", N_("API key secret (consumer secret)"),
                       self.consumer_secret_env),
            Credential("twitter", N_("access token"), self.access_token_env),
            Credential("twitter", N_("access token secret"), self.access_token_secret_env),
        ]

    def base_urls(self) -> dict[str, str]:
        """X's public origins -> the server that answers in X's place, when not X."""
        return {} if self.api_base_url == DEFAULT_X_API_BASE_URL else {
            origin: self.api_base_url for origin in X_PUBLIC_ORIGINS}


_CREDENTIAL_KEYS = ("consumer_key_env", "consumer_secret_env", "access_token_env",
                    "access_token_secret_env")
_CREDENTIAL_DEFAULTS = ("BMNSOCIAL_X_CONSUMER_KEY", "BMNSOCIAL_X_CONSUMER_SECRET",
                        "BMNSOCIAL_X_ACCESS_TOKEN", "BMNSOCIAL_X_ACCESS_TOKEN_SECRET")
_X_COST_KEYS = ("links", "monthly_budget_usd", "prices")


def _read_account(r: Reader, m: dict[str, Any], path: PathKey) -> TwitterAccount:
    """accounts.twitter (or accounts.x; docs/configuration.md)."""
    defaults = dict(zip(_CREDENTIAL_KEYS, _CREDENTIAL_DEFAULTS, strict=True))
    names: dict[str, Any] = {k: env_name(r, m.get(k, defaults[k]), (*path, k))
                             for k in _CREDENTIAL_KEYS}
    username = (r.text(m.get("username"), (*path, "username")) or "").lstrip("@")
    api_base = base_url(r, m.get("api_base_url", DEFAULT_X_API_BASE_URL),
                        (*path, "api_base_url"), DEFAULT_X_API_BASE_URL)
    return dataclasses.replace(
        TwitterAccount(username=username, **names, api_base_url=api_base),
        **_x_costs(r, m, path))


def _x_costs(r: Reader, m: dict[str, Any], path: PathKey) -> dict[str, Any]:
    """accounts.twitter's links, monthly_budget_usd and prices (docs/configuration.md)."""
    links = r.choice(m.get("links", "inline"), (*path, "links"), LINK_POLICIES) or "inline"
    budget = number_value(r, m.get("monthly_budget_usd"), (*path, "monthly_budget_usd"),
                          maximum=None, hint=_("US dollars per calendar month, e.g. 5 or 12.50."))
    prices = XPrices()
    if m.get("prices") is not None:
        names = tuple(f.name for f in dataclasses.fields(XPrices))
        given = r.mapping(m["prices"], (*path, "prices"), names) or {}
        hint = _("US dollars per request (per post or user returned, for reads).")
        found = {name: number_value(r, given.get(name), (*path, "prices", name), maximum=None,
                                    hint=hint) for name in names}
        prices = dataclasses.replace(prices, **{k: v for k, v in found.items() if v is not None})
    return {"links": links, "monthly_budget_usd": budget, "prices": prices}


ACCOUNT = AccountSchema(keys=("username", *_CREDENTIAL_KEYS, "api_base_url", *_X_COST_KEYS),
                        read=_read_account, required=("username",), help={
    "username": N_("The account's name, with or without '@'."),
    "consumer_key_env": N_("The name of the variable that holds the API key (consumer key)."),
    "consumer_secret_env": N_("The name of the variable that holds the API key's secret."),
    "access_token_env": N_("The name of the variable that holds the access token."),
    "access_token_secret_env": N_("The name of the variable that holds the access token's "
                                  "secret."),
    "api_base_url": N_("Another server that speaks X's API."),
    "links": N_("inline: the post's link goes in the text; omit: X gets the text without it "
                "(cheaper)."),
    "monthly_budget_usd": N_("Hold X publications that would take the month past this, in "
                             "US dollars."),
    "prices": N_("What X charges per request, in US dollars (docs/report-cost.md).")})

MAX_IMAGES = 4
#: A post's address as a person copies it from X (`bmnsocial done` checks it); "user" is the
#: account in it ("i" in X's own account-less form), "id" the post's id.
POST_URL = re.compile(r"^https://(?:www\.|mobile\.)?(?:x|twitter)\.com/"
                      r"(?:(?P<user>\w{1,15})|i/web)/status/(?P<id>\d{1,20})/?(?:[?#].*)?$")


def person_account(account: TwitterAccount) -> tuple[str, str]:
    """The account a person publishes with by hand: its name, and where to find it."""
    return f"@{account.username}", f"https://x.com/{account.username}"


MAX_THREAD = 25
MAX_ALT_TEXT = 1000
# X's metadata call takes alt text for images and GIFs only (docs.x.com, media metadata).
ALT_TEXT_KINDS = frozenset({"image", "gif"})
# Decimal megabytes: when a platform says "5 MB", refusing a file it might take is safer than
# a publication that fails at the last step.
MAX_BYTES = {"image": 5_000_000, "gif": 15_000_000, "video": 512_000_000}
# docs.x.com, X API v2, Media "Best practices": what a video must be (docs/post-format.md).
VIDEO_LIMITS = VideoLimits(
    platform="X", codes=VideoCodes("X-VIDEO-DURATION", "X-VIDEO-RESOLUTION", "X-VIDEO-ASPECT",
                                   "X-VIDEO-FRAME-RATE", "X-VIDEO-CODEC", "X-VIDEO-AUDIO"),
    min_seconds=0.5, max_seconds=140, min_side=32,
    max_long_side=1280, max_short_side=1024, max_fps=60, max_aspect=3,
    codecs=frozenset({"avc1", "avc3"}), codec_names="H.264", audio=frozenset({"mp4a"}),
    audio_types=frozenset({2}), max_channels=2)


class TwitterSpec(PlatformSpec):
    name = "twitter"
    label = "X (Twitter)"
    text_limit = MAX_WEIGHTED_LENGTH
    comment_limit = MAX_WEIGHTED_LENGTH  # a reply in the thread: a tweet like any other

    def compose(self, content: Content, default_hashtags: tuple[str, ...]) -> tuple[
            list[tuple[str, PathKey]], str | None]:
        texts: list[tuple[str, PathKey]] = list(content.thread) or [
            (content.text or "", content.text_source)]
        first, source = texts[0]
        link = content.link
        if link and any(link in t for t, _ in texts):
            link = None
        texts[0] = (join_blocks(first, link,
                                hashtag_line(first, content.hashtags, default_hashtags)), source)
        return [(t.strip(), s) for t, s in texts], None

    def measure(self, text: str) -> int:
        return weighted_length(text)

    def check(self, rendered: Rendered) -> Iterable[Finding]:
        return list(self._check(rendered))

    def mentions(self, text: str) -> list[tuple[int, int]]:
        return mention_spans(text)

    def _check(self, rendered: Rendered) -> Iterator[Finding]:
        parts = rendered.parts
        if len(parts) > MAX_THREAD:
            yield Finding(parts[MAX_THREAD].source[:-1], "X-THREAD-LENGTH",
                          _("the thread has {count} tweets; bmnsocial allows {limit}.").format(
                              count=len(parts), limit=MAX_THREAD),
                          _("Split it into two posts."), key=True)
        for i, part in enumerate(parts):
            # The tweet is named only in a finding: validation checks every post, most have none.
            if not part.text.strip():
                yield Finding(part.source, "X-EMPTY", _("{tweet} is empty.").format(
                    tweet=which_tweet(i, len(parts))), _("Write its text."))
            elif part.length > MAX_WEIGHTED_LENGTH:
                yield Finding(part.source, "X-LENGTH", _(
                    "{tweet} is {length}/{limit} characters as X counts them (links 23, emoji 2, "
                    "most non-Latin characters 2), hashtags and link included.").format(
                        tweet=which_tweet(i, len(parts)), length=part.length,
                        limit=MAX_WEIGHTED_LENGTH),
                    _("Shorten it by {excess}, or split it with 'twitter: thread:'.").format(
                        excess=part.length - MAX_WEIGHTED_LENGTH))
            if any(c in part.text for c in "\ufffe\ufeff\uffff"):
                yield Finding(part.source, "X-INVALID-CHAR", _(
                    "{tweet} contains an invisible character X refuses (U+FEFF, U+FFFE or "
                    "U+FFFF).").format(tweet=which_tweet(i, len(parts))),
                    _("Retype the text or paste it as plain text."))
            yield from _mention_findings(part.text, part.source, i, len(parts))
        media = rendered.media
        kinds = [m.info.kind for m in media]
        if media:
            src = media[0].source[:-1]
            if ("gif" in kinds or "video" in kinds) and len(media) > 1:
                yield Finding(src, "X-MEDIA-COUNT",
                              _("X takes one GIF or one video per tweet, alone."),
                              _("Keep one, or move the others to other posts."))
            elif len(media) > MAX_IMAGES:
                yield Finding(src, "X-MEDIA-COUNT", _(
                    "X takes at most {limit} images per tweet; this post has {count}.").format(
                        limit=MAX_IMAGES, count=len(media)),
                    _("Choose four, or give X its own 'twitter: media:'."))
        for m in media:
            limit = MAX_BYTES[m.info.kind]
            if m.info.size > limit:
                yield Finding((*m.source, "path"), "X-MEDIA-SIZE", _(
                    "'{path}' is {size} MB; X takes {kind} files up to {limit} MB.").format(
                        path=m.info.relative, size=number(m.info.size / 1e6, 1),
                        kind=m.info.kind, limit=limit // 1_000_000),
                    _("Export it smaller (e.g. 2048 px wide, JPEG quality 85).")
                    if m.info.kind != "video" else video_size_hint(m.info.relative))
            yield from check_video(m, VIDEO_LIMITS)
            if m.alt and m.info.kind not in ALT_TEXT_KINDS:
                yield Finding((*m.source, "alt"), "X-ALT-VIDEO", _(
                    "X takes no alt text for videos: '{path}' goes to X without it.").format(
                        path=m.info.relative),
                    _("Say what the video shows in the tweet's text, or give X its own "
                      "'twitter: media:' without 'alt'."), severity=Severity.WARNING)
            elif m.alt is not None and len(m.alt) > MAX_ALT_TEXT:
                yield Finding((*m.source, "alt"), "X-ALT-LENGTH", _(
                    "the alt text is {length} characters; X takes up to {limit}.").format(
                        length=len(m.alt), limit=MAX_ALT_TEXT),
                    _("Describe the image more briefly."))


def _mention_findings(text: str, source: PathKey, index: int, count: int) -> Iterator[Finding]:
    """The '@name's that are no X username, in one finding (one per text): X would link
    nobody, or another account."""
    bad = misshapen_mentions(text)
    if not bad:
        return
    said = [_("'@{name}' (X would link '@{linked}', another account)").format(
                name=b.written, linked=b.linked) if b.linked else
            _("'@{name}' (X would link nobody)").format(name=b.written) for b in bad]
    yield Finding(source, "X-MENTION", _(
        "{tweet} mentions what is not an X username: {mentions}. X usernames hold only letters "
        "without accents, digits and '_', at most {most}.").format(
            tweet=which_tweet(index, count), mentions=", ".join(said), most=MAX_USERNAME),
        _("Copy each username from the account's page on X (what follows 'x.com/'), e.g. "
          "@BMNCuba; a name that is no X account goes without '@'."))


def which_tweet(index: int, count: int) -> str:
    """'tweet 2 of 3', or 'the tweet' when there is only one."""
    if count > 1:
        return Reason("x-tweet-of", number=index + 1, count=count)
    return Reason("x-the-tweet")


# ---------------------------------------------------------------------------------------------
# Publishing, through tweepy (imported only here, when an adapter is built).

_CREDENTIALS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
_TWEET_FIELDS = ["created_at", "in_reply_to_user_id", "referenced_tweets"]
_MAX_PAGES = 10
# public_metrics as X names them; X's OpenAPI description (2.167) calls the reposts
# repost_count where its API answers retweet_count: either is read.
X_FIGURES = ("like_count", "retweet_count", "reply_count", "quote_count", "bookmark_count",
             "impression_count")
_FIGURE_ALIASES = {"retweet_count": "repost_count"}
# max_results per page of a user's timeline: X takes 5 to 100 and charges per post returned,
# so a reconciliation starts with the fewest and reads more only while it has not found.
_PAGE_SIZES = (5, 10, 20, 50, 100)




class TwitterAdapter(Adapter):
    """Publishes to X with OAuth 1.0a user context: tweets through ``tweepy.Client``, media
    through :mod:`bmnsocial.platforms.x_media`, both on ``session``.

    Errors: 429 -> RateLimited (retry_at from the reset headers); 401 -> AuthError; 403 with
    X's duplicate-content detail -> Rejected(duplicate=True); 403 saying the app or token
    lacks a permission -> AuthError (a person must fix the app's settings, retrying cannot
    help); other 403 and other 4xx -> Rejected; 5xx -> Transient(sent=True); network errors
    -> Transient via :func:`bmnsocial.platforms.http.transient_from`.
    """

    name = "twitter"
    figures_batch = 100  # ids per tweets lookup (X's maximum)

    def __init__(self, account: TwitterAccount, secrets: Mapping[str, str],
                 session: requests.Session, *, timeout: float,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        values: dict[str, str] = {}
        missing: list[str] = []
        for role in _CREDENTIALS:
            env = getattr(account, f"{role}_env")
            value = secrets.get(env, "")
            if not value:
                missing.append(env)
            values[role] = value
        if missing:
            raise CredentialsMissing(Reason("x-credentials-missing" if len(missing) == 1 else
                                            "x-credentials-missing-several",
                                            names=", ".join(missing)))
        register(*values.values())
        import tweepy

        from bmnsocial.platforms.x_media import XMediaUploader

        self.account = account
        # wait_on_rate_limit stays False: tweepy would sleep and retry without any bound.
        self.client = tweepy.Client(**values, wait_on_rate_limit=False)
        self.client.session = session
        auth = tweepy.OAuth1UserHandler(values["consumer_key"], values["consumer_secret"],
                                        values["access_token"],
                                        values["access_token_secret"]).apply_auth()
        self.media = XMediaUploader(session, auth, timeout=timeout, sleep=sleep)
        self._user_id: str | None = None
        self.access_level: str | None = None
        session.hooks["response"].append(self._note_access_level)

    def _note_access_level(self, response: requests.Response, *args: Any,
                           **kwargs: Any) -> None:
        level = response.headers.get("x-access-level")
        if level:
            self.access_level = level

    def tweet_url(self, tweet_id: str) -> str:
        return f"https://x.com/{self.account.username}/status/{tweet_id}"

    def _call(self, action: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import requests
        import tweepy

        from bmnsocial.platforms.http import transient_from
        from bmnsocial.platforms.x_media import error_from_response

        try:
            return method(*args, **kwargs)
        except tweepy.HTTPException as exc:
            raise error_from_response(exc.response, action) from None
        except requests.RequestException as exc:
            raise transient_from(exc, action) from None

    def whoami(self) -> Identity:
        """The account, refused (AuthError) when X says the app may only read."""
        identity = self._identify()
        if self.access_level == "read":
            raise AuthError(Reason("x-read-only", level=self.access_level), sent=False)
        return identity

    def _identify(self) -> Identity:
        response = self._call(Reason("x-checking-account"), self.client.get_me,
                              user_auth=True)
        user = response.data
        if user is None:
            raise AuthError(Reason("x-no-account"), sent=False)
        self._user_id = str(user.id)
        if user.username.casefold() != self.account.username.casefold():
            raise AuthError(Reason("x-other-account", actual=user.username,
                                   expected=self.account.username), sent=False)
        return Identity(self.name, str(user.id), user.username)

    def _upload(self, media: tuple[RenderedMedia, ...], checkpoint: Checkpoint) -> list[str]:
        ids: list[str] = []
        try:
            for m in media:
                with open_for_sending(m.info) as opened:
                    media_id = self.media.upload(opened, m.info.kind, checkpoint)
                if m.alt and m.info.kind in ALT_TEXT_KINDS:
                    self.media.set_alt_text(media_id, m.alt, m.info.path.name, checkpoint)
                ids.append(media_id)
        except Transient as exc:
            # No tweet can come out of a media call, whatever happened to the request.
            exc.sent = False
            raise
        return ids

    def publish(self, rendered: Rendered, progress: Progress) -> Published:
        parts = rendered.parts
        if not parts:
            raise Rejected(Reason("x-nothing-to-publish"))
        ids = list(progress.part_ids)
        for index, part in enumerate(parts):
            if index < len(ids):
                continue
            checkpoint = progress.checkpoint(index, len(parts))
            checkpoint.check()
            where = which_tweet(index, len(parts))
            media_ids = self._upload(part.media, checkpoint) if part.media else None
            checkpoint.check()
            response = self._call(Reason("x-publishing", tweet=where),
                                  self.client.create_tweet,
                                  text=part.text or None, media_ids=media_ids,
                                  in_reply_to_tweet_id=ids[-1] if ids else None,
                                  user_auth=True)
            data = response.data
            if not isinstance(data, dict) or not data.get("id"):
                raise Unconfirmed(Reason("x-no-id", tweet=where,
                                         url=f"https://x.com/{self.account.username}"))
            tweet_id = str(data["id"])
            progress.done(tweet_id, last=index == len(parts) - 1)
            ids.append(tweet_id)
        return Published(ids[0], self.tweet_url(ids[0]), tuple(ids))

    def read_figures(self, post_ids: Sequence[str]) -> list[Figures] | None:
        """public_metrics of up to 100 tweets in one lookup (X charges per tweet returned);
        a tweet X no longer has is left out."""
        response = self._call(Reason("x-reading-figures", count=len(post_ids)),
                              self.client.get_tweets, list(post_ids),
                              tweet_fields=["public_metrics"], user_auth=True)
        found: list[Figures] = []
        for tweet in response.data or []:
            metrics = tweet.public_metrics or {}
            counts: dict[str, int] = {}
            unavailable: dict[str, str] = {}
            for name in X_FIGURES:
                value = metrics.get(name, metrics.get(_FIGURE_ALIASES.get(name, name)))
                if isinstance(value, int) and not isinstance(value, bool):
                    counts[name] = value
                else:
                    unavailable[name] = _("X did not send it")
            found.append(Figures(str(tweet.id), counts, unavailable))
        return found

    def recent_posts(self, since: datetime) -> list[RemotePost]:
        return self.look_for(since, lambda posts: False)

    def look_for(self, since: datetime, enough: Callable[[list[RemotePost]], bool],
                 after_id: str | None = None) -> list[RemotePost]:
        """The account's tweets since ``since`` (or newer than ``after_id``), newest first,
        read in pages that grow from the smallest X takes: X charges per post returned."""
        user_id = self._user_id or self._identify().id
        posts: list[RemotePost] = []
        token: str | None = None
        window: dict[str, Any] = ({"since_id": after_id} if after_id else
                                  {"start_time": since})
        for page in range(_MAX_PAGES):
            size = _PAGE_SIZES[min(page, len(_PAGE_SIZES) - 1)]
            response = self._call(Reason("x-reading-recent"), self.client.get_users_tweets,
                                  user_id, max_results=size, tweet_fields=_TWEET_FIELDS,
                                  pagination_token=token, user_auth=True, **window)
            for tweet in response.data or []:
                reply_to = next((str(r.id) for r in tweet.referenced_tweets or []
                                 if r.type == "replied_to"), None)
                # X returns &, < and > as HTML entities (recorded traffic).
                posts.append(RemotePost(str(tweet.id), html.unescape(tweet.text),
                                        tweet.created_at,
                                        self.tweet_url(str(tweet.id)), reply_to))
            token = (response.meta or {}).get("next_token")
            if not token or enough(posts):
                break
        return posts


def common_figures(counts: Mapping[str, int], parts: int) -> dict[str, int]:
    """X's figures as the common ones: likes, replies (less the one reply a thread of ours
    makes to its first tweet), reposts and quotes, impressions when told."""
    own_reply = 1 if parts > 1 else 0
    found = {"reactions": counts.get("like_count", 0),
             "comments": max(0, counts.get("reply_count", 0) - own_reply),
             "shares": counts.get("retweet_count", 0) + counts.get("quote_count", 0)}
    if "impression_count" in counts:
        found["impressions"] = counts["impression_count"]
    return found



CONNECT = Connect(
    help=N_("Run X's PIN authorisation for the configured account and store its access token "
            "and secret in the secrets file.\n\nOpen the address shown while logged in to X "
            "as the BMN account, authorise the app, and type the PIN X shows. The API key and "
            "secret are taken from the environment or the secrets file, else asked with the "
            "typing hidden (or read one per line from standard input when it is not a "
            "terminal)."),
    run=x_flow)

PLATFORM = Platform(
    connect=CONNECT,
    mockup="bmnsocial.platforms.twitter_mockup",
    conversations=XConversations,
    name="twitter", label="X (Twitter)", abbreviation="x", account=ACCOUNT, aliases=("x",),
    post_keys=("text", "link", "hashtags", "media", "thread", "links", "first_comment"),
    spec=TwitterSpec,
    adapter=TwitterAdapter, thread_kind=N_("thread of {count} tweets"),
    token_note=N_("token: does not expire (X's OAuth 1.0a tokens last until revoked)"),
    url=POST_URL, person=person_account,
    url_example="https://x.com/BMN_Cuba/status/1880000000000000000",
    duplicate_window=timedelta(hours=24), metrics=True, common_figures=common_figures,
    pricing=Pricing(
        prices=lambda account: account.prices if account is not None else XPrices(),
        publication=publication_charges, answered=answered_charge, describe=describe_charge,
        budget=lambda account: account.monthly_budget_usd if account is not None else None,
        post_read=lambda prices: prices.posts_read,
        heading=N_("Cost on X (accounts.twitter.prices; X's prices of {date}):"),
        prices_date=X_PRICES_DATE))
