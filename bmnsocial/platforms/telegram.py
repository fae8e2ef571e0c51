"""Telegram channel: composition, limits and publishing through the Bot API.

Plain HTTP through our own session (``platforms/http.py``): the Bot API is a handful of form
posts, and our session already brings the timeouts, proxies, sandbox routing and secret
masking a client library would have to be taught (docs/telegram.md). Text goes out with no
``parse_mode``: Telegram then shows it exactly as written, so nothing needs escaping, and
links and hashtags are still recognised.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bmnsocial.accounts import AccountSchema, Credential, env_name
from bmnsocial.i18n import N_, _, number
from bmnsocial.platforms.base import (
    Adapter,
    AuthError,
    Checkpoint,
    CredentialsMissing,
    Identity,
    Platform,
    PlatformSpec,
    Progress,
    Published,
    PublishedRows,
    PublishError,
    RateLimited,
    Rejected,
    RemotePost,
    Transient,
    Unconfirmed,
    open_for_sending,
)
from bmnsocial.platforms.rendered import Finding, Part, Rendered, hashtag_line, join_blocks
from bmnsocial.reasons import Reason, Said
from bmnsocial.schema import Reader
from bmnsocial.secrets import redact, register
from bmnsocial.yamlsafe import PathKey

if TYPE_CHECKING:
    import requests

    from bmnsocial.posts.model import Content

# Bot API, sendMessage / sendPhoto / sendMediaGroup; counted in code points (docs/telegram.md).
MAX_TEXT = 4096
#: A channel post's address (`bmnsocial done` checks it): t.me/<channel>/<message id>.
#: A channel post's address: t.me/<channel>/<id> (or t.me/s/…), t.me/c/<internal id>/<id>.
POST_URL = re.compile(r"^https://t\.me/(?:s/)?(?:c/\d+|(?P<user>[A-Za-z]\w{3,31}))/(?P<id>\d+)"
                      r"/?(?:[?#].*)?$")


def person_account(account: TelegramAccount) -> tuple[str, str]:
    """The channel a person publishes in by hand: its name, and where to find it."""
    chat = account.chat
    return chat, f"https://t.me/{chat[1:]}" if chat.startswith("@") else ""


MAX_CAPTION = 1024
MAX_ALBUM = 10
MAX_PHOTO_BYTES = 10_000_000  # "The photo must be at most 10 MB"
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
API = "https://api.telegram.org"


@dataclass(frozen=True, slots=True)
class TelegramAccount:
    chat: str  # "@channel" or the channel's numeric id
    token_env: str = "BMNSOCIAL_TELEGRAM_TOKEN"
    # A chat the bot may write to (its administrator's private chat with it): where it forwards
    # channel messages to learn whether a send whose answer was lost arrived.
    check_chat: str | None = None

    def credentials(self) -> list[Credential]:
        return [Credential("telegram", N_("bot token"), self.token_env)]

    def base_urls(self) -> dict[str, str]:
        return {}


# A public channel's @username (5-32 characters) or a chat's numeric id (-100… for channels).
_CHAT = re.compile(r"^(?:@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,20})$")


def _chat(r: Reader, value: Any, path: PathKey) -> str | None:
    text = r.text(value, path)
    if text is not None and not _CHAT.match(text.strip()):
        r.error(path, "CONFIG-VALUE", _("'{chat}' is not a Telegram chat.").format(chat=text),
                _("Write the channel's public name with its @ (\"@canal_bmn\") or its numeric "
                  "id (\"-1001234567890\"), in quotes."))
        return None
    return None if text is None else text.strip()


def _read_account(r: Reader, m: dict[str, Any], path: PathKey) -> TelegramAccount:
    """accounts.telegram (docs/configuration.md)."""
    return TelegramAccount(
        chat=_chat(r, m.get("chat"), (*path, "chat")) or "",
        token_env=env_name(r, m.get("token_env", "BMNSOCIAL_TELEGRAM_TOKEN"),
                           (*path, "token_env")),
        check_chat=_chat(r, m.get("check_chat"), (*path, "check_chat")))


ACCOUNT = AccountSchema(keys=("chat", "token_env", "check_chat"), read=_read_account,
                        required=("chat",), help={
    "chat": N_("The channel: its public name with '@' or its numeric id, in quotes."),
    "token_env": N_("The name of the variable that holds the bot's token."),
    "check_chat": N_("The administrator's private chat with the bot, where a lost answer is "
                     "checked.")})


class TelegramSpec(PlatformSpec):
    name = "telegram"
    label = "Telegram"
    text_limit = MAX_TEXT
    comment_limit = MAX_TEXT  # a reply to the channel message: a message like any other

    def compose(self, content: Content, default_hashtags: tuple[str, ...]) -> tuple[
            list[tuple[str, PathKey]], str | None]:
        texts: list[tuple[str, PathKey]] = list(content.thread) or [
            (content.text or "", content.text_source)]
        text, source = texts[0]
        link = content.link if content.link and content.link not in text else None
        texts[0] = (join_blocks(text, link, hashtag_line(text, content.hashtags,
                                                          default_hashtags)), source)
        return texts, content.link

    def measure(self, text: str) -> int:
        return len(text)

    def check(self, rendered: Rendered) -> Iterable[Finding]:
        return list(self._check(rendered))

    def _check(self, rendered: Rendered) -> Iterator[Finding]:
        for part in rendered.parts:
            if not part.text.strip() and not part.media:
                yield Finding(part.source, "TG-EMPTY", _("the Telegram message is empty."),
                              _("Write its text."))
            limit = MAX_CAPTION if part.media else MAX_TEXT
            if part.length > limit:
                what = (_("a caption under photos") if part.media else _("a message"))
                yield Finding(part.source, "TG-LENGTH", _(
                    "the Telegram text is {length} characters; Telegram takes {limit} for {what}."
                ).format(length=part.length, limit=limit, what=what),
                    _("Shorten it, or publish the photos and the text as two posts."))
        media = rendered.media
        if len(media) > MAX_ALBUM:
            yield Finding(media[0].source[:-1], "TG-MEDIA-COUNT", _(
                "{count} photos; a Telegram album takes up to {limit}.").format(
                    count=len(media), limit=MAX_ALBUM),
                _("Choose fewer photos."))
        for m in media:
            if m.info.mime not in PHOTO_TYPES:
                yield Finding((*m.source, "path"), "TG-MEDIA-TYPE", _(
                    "bmnsocial sends Telegram photos as JPEG, PNG or WebP, not {type}.").format(
                        type=m.info.mime), _("Export it as JPEG."))
            elif m.info.size > MAX_PHOTO_BYTES:
                yield Finding((*m.source, "path"), "TG-MEDIA-SIZE", _(
                    "'{path}' is {size} MB; Telegram takes photos up to 10 MB.").format(
                        path=m.info.relative, size=number(m.info.size / 1e6, 1)),
                    _("Export it smaller."))


# ---------------------------------------------------------------------------------------------
# Publishing.

# How far reconciliation looks: a run of this many missing message ids after the newest one
# found ends the search; never more than this many forwards in all.
MISSING_RUN = 5
MAX_PROBES = 60


class TelegramAdapter(Adapter):
    """Publishes to one channel as a bot that administers it.

    A message is ``sendMessage`` (replying to the part before, for threads), a photo
    ``sendPhoto``, 2–10 photos ``sendMediaGroup`` with the text as the first caption. Errors:
    429 -> RateLimited at ``retry_after``; 401 -> AuthError (token revoked); 403 or "need
    administrator rights" -> AuthError (the bot was removed or lost its right to post);
    other 4xx -> Rejected; 5xx and non-JSON answers -> Transient(sent=True); network errors ->
    Transient via :func:`bmnsocial.platforms.http.transient_from`.
    """

    name = "telegram"

    def __init__(self, account: TelegramAccount, secrets: Mapping[str, str],
                 session: requests.Session, *, timeout: float,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 last_known_id: Callable[[], int | None] = lambda: None) -> None:
        token = secrets.get(account.token_env, "")
        if not token:
            raise CredentialsMissing(Reason("tg-token-missing", name=account.token_env))
        register(token)
        self.account = account
        self.session = session
        self.timeout = timeout
        self.sleep = sleep
        self.now = now
        self.last_known_id = last_known_id
        self._base = f"{API}/bot{token}/"
        self._username: str | None = (account.chat[1:] if account.chat.startswith("@")
                                      else None)

    # -- requests ------------------------------------------------------------------------
    def _post(self, action: str, method: str, data: Mapping[str, Any] | None = None,
              files: Mapping[str, Any] | None = None) -> tuple[int, Any]:
        import requests

        from bmnsocial.platforms.http import transient_from

        failure: Transient | None = None
        try:
            response = self.session.post(self._base + method, data=data, files=files,
                                         timeout=self.timeout)
        except requests.RequestException as exc:
            failure = transient_from(exc, action)
        if failure is not None:
            # Raised outside the handler: the library's exception names the URL, which holds
            # the token, and would stay reachable as the __context__ of ours.
            raise failure
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def _call(self, action: str, method: str, data: Mapping[str, Any] | None = None,
              files: Mapping[str, Any] | None = None) -> Any:
        status, body = self._post(action, method, data, files)
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        raise self._error(action, status, body)

    def _error(self, action: str, status: int, body: Any) -> PublishError:
        if not isinstance(body, dict):
            return Transient(Reason("tg-not-json", action=action, status=status), sent=True)
        raw_code = body.get("error_code")
        code = raw_code if isinstance(raw_code, int) else status
        said = redact(str(body.get("description", "")))[:500]
        text = Reason("tg-answered", action=action, status=code, said=Said(said))
        if code == 429:
            parameters = body.get("parameters")
            wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
            retry_at = (self.now() + timedelta(seconds=wait)
                        if isinstance(wait, int) and wait >= 0 else None)
            return RateLimited(text, retry_at)
        if code == 401:
            return AuthError(Reason("tg-token-refused", error=text), sent=False)
        if code == 403 or "administrator rights" in said or "not enough rights" in said:
            return AuthError(Reason("tg-cannot-post", error=text, chat=self.account.chat),
                             sent=False)
        if code >= 500:
            return Transient(text, sent=True)
        if "chat not found" in said:
            return AuthError(Reason("tg-chat-not-found", error=text, chat=self.account.chat),
                             sent=False)
        return Rejected(text)

    # -- the account ---------------------------------------------------------------------
    def whoami(self) -> Identity:
        bot = self._call(Reason("tg-checking-bot"), "getMe")
        chat = self._call(Reason("tg-checking-channel"), "getChat",
                          {"chat_id": self.account.chat})
        member = self._call(Reason("tg-checking-rights"), "getChatMember",
                            {"chat_id": self.account.chat, "user_id": bot["id"]})
        allowed = member.get("status") == "creator" or (
            member.get("status") == "administrator" and member.get("can_post_messages"))
        if not allowed:
            raise AuthError(Reason("tg-not-admin", bot=bot.get("username", ""),
                                   chat=self.account.chat), sent=False)
        if self.account.check_chat and chat.get("has_protected_content"):
            raise AuthError(Reason("tg-protected-content", chat=self.account.chat), sent=False)
        self._username = chat.get("username") or self._username
        return Identity(self.name, str(chat["id"]),
                        f"@{chat['username']}" if chat.get("username") else
                        str(chat.get("title", chat["id"])))

    def channel_url(self) -> str:
        if self._username:
            return f"https://t.me/{self._username}"
        return f"https://t.me/c/{self.account.chat.removeprefix('-100')}"

    def message_url(self, message_id: str) -> str:
        return f"{self.channel_url()}/{message_id}"

    # -- publishing ----------------------------------------------------------------------
    def _send(self, part: Part, link: str | None, reply_to: str | None, action: str,
              checkpoint: Checkpoint) -> str:
        fields: dict[str, Any] = {"chat_id": self.account.chat}
        if reply_to is not None:
            fields["reply_parameters"] = f'{{"message_id": {int(reply_to)}}}'
        checkpoint.check()
        if not part.media:
            fields["text"] = part.text
            if link:
                fields["link_preview_options"] = _json({"url": link})
            result = self._call(action, "sendMessage", fields)
        elif len(part.media) == 1:
            if part.text:
                fields["caption"] = part.text
            with open_for_sending(part.media[0].info) as opened:
                result = self._call(action, "sendPhoto", fields,
                                    {"photo": (opened.name, opened, opened.info.mime)})
        else:
            items = [{"type": "photo", "media": f"attach://photo{i}"}
                     for i in range(len(part.media))]
            if part.text:
                items[0]["caption"] = part.text
            fields["media"] = _json(items)
            with ExitStack() as stack:
                files = {}
                for i, media in enumerate(part.media):
                    opened = stack.enter_context(open_for_sending(media.info))
                    files[f"photo{i}"] = (opened.name, opened, opened.info.mime)
                result = self._call(action, "sendMediaGroup", fields, files)
            result = result[0] if isinstance(result, list) and result else None
        if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
            raise Unconfirmed(Reason("tg-no-id", action=action, url=self.channel_url()))
        return str(result["message_id"])

    def publish(self, rendered: Rendered, progress: Progress) -> Published:
        parts = rendered.parts
        if not parts:
            raise Rejected(Reason("tg-nothing-to-publish"))
        ids = list(progress.part_ids)
        for index, part in enumerate(parts):
            if index < len(ids):
                continue
            checkpoint = progress.checkpoint(index, len(parts))
            action = Reason("tg-publishing", number=index + 1, count=len(parts))
            message_id = self._send(part, rendered.link if index == 0 else None,
                                    ids[-1] if ids else None, action, checkpoint)
            progress.done(message_id, last=index == len(parts) - 1)
            ids.append(message_id)
        return Published(ids[0], self.message_url(ids[0]), tuple(ids))

    # -- reconciliation ------------------------------------------------------------------
    def recent_posts(self, since: datetime) -> list[RemotePost]:
        """The channel's messages after the last one bmnsocial knows, read by forwarding them
        one by one to ``check_chat`` (the Bot API cannot read a channel's history)."""
        if not self.account.check_chat:
            raise Unconfirmed(Reason("tg-no-check-chat", chat=self.account.chat))
        start = self.last_known_id() or 0
        found: list[RemotePost] = []
        missing = 0
        message_id = start
        for _probe in range(MAX_PROBES):
            message_id += 1
            seen = self._forwarded(message_id)
            if seen is None:
                missing += 1
                if missing >= MISSING_RUN:
                    return sorted((p for p in found if p.created_at is None
                                   or p.created_at >= since),
                                  key=lambda p: int(p.id), reverse=True)
                continue
            missing = 0
            found.append(seen)
        raise Unconfirmed(Reason("tg-too-many-to-check", count=MAX_PROBES,
                                 chat=self.account.chat))

    def _forwarded(self, message_id: int) -> RemotePost | None:
        action = Reason("tg-checking-message", id=message_id)
        status, body = self._post(action, "forwardMessage", {
            "chat_id": self.account.check_chat, "from_chat_id": self.account.chat,
            "message_id": message_id, "disable_notification": "true"})
        if not (isinstance(body, dict) and body.get("ok") is True):
            if status == 400 and isinstance(body, dict) and "message to forward not found" in \
                    str(body.get("description", "")):
                return None
            raise self._error(action, status, body)
        copy = body.get("result")
        if isinstance(copy, dict) and isinstance(copy.get("message_id"), int):
            # A leftover copy in the administrator's own chat harms nobody.
            with suppress(Rejected):
                self._call(action, "deleteMessage", {"chat_id": self.account.check_chat,
                                                     "message_id": copy["message_id"]})
        origin = copy.get("forward_origin", {}) if isinstance(copy, dict) else {}
        date = origin.get("date")
        created = datetime.fromtimestamp(date, UTC) if isinstance(date, int) else None
        text = str(copy.get("text") or copy.get("caption") or "") if isinstance(copy, dict) \
            else ""
        return RemotePost(str(message_id), text, created, self.message_url(str(message_id)))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _adapter_options(account: TelegramAccount, published: PublishedRows) -> dict[str, Any]:
    """Reconciliation starts after the newest message the ledger knows in this channel."""
    if account.chat.startswith("@"):
        prefixes: tuple[str, ...] = (f"https://t.me/{account.chat[1:].lower()}/",)
    else:  # a numeric chat's links use its @username when it has one
        prefixes = ("https://t.me/",)

    def last_known_id() -> int | None:
        ids = [int(i) for ids, url in published() if url.lower().startswith(prefixes)
               for i in ids if i.isdigit()]
        return max(ids, default=None)

    return {"last_known_id": last_known_id}


PLATFORM = Platform(
    mockup="bmnsocial.platforms.telegram_mockup",
    name="telegram", label="Telegram", abbreviation="tg", account=ACCOUNT,
    post_keys=("text", "link", "hashtags", "media", "thread", "first_comment"), spec=TelegramSpec,
    adapter=TelegramAdapter, adapter_options=_adapter_options,
    token_note=N_("token: does not expire (a bot's token lasts until @BotFather revokes it)"),
    url=POST_URL, person=person_account, url_example="https://t.me/bmn_cuba/123",
    # The Bot API (10.1) has no method or field for a channel post's views or forwards, and
    # its reactions come only as `message_reaction_count` updates to a bot that listens,
    # never on request (docs/report-engagement.md).
    no_metrics=N_("the Telegram Bot API gives a bot no views or forwards of its channel "
                  "posts, and their reactions only as updates while it listens, never on "
                  "request"))
