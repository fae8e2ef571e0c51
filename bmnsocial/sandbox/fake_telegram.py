"""Fake Telegram Bot API server for one channel, built from the Bot API description.

Requests are ``GET`` or ``POST https://api.telegram.org/bot<token>/<method>`` with
parameters in the query string, a form, a multipart body (files) or a JSON body, as
the Bot API accepts them ("Making requests"). Every parameter is checked against the
method's fields in ``telegram_spec`` (generated from Telegram's description): the
required ones must be there, each value must have one of the listed types, JSON
objects must have their required fields; unknown parameters are ignored, as
Telegram ignores them. Answers are ``{"ok": true, "result": …}`` or
``{"ok": false, "error_code", "description", "parameters"?}``.

What it keeps of the real platform (docs and observed answers, cited in
docs/telegram.md):

- message ids are sequential per chat and never reused, also after a deletion;
- text is 1–4096 characters after entities parsing, a caption at most 1024
  (counted in Unicode code points: a live test measured that 4,096 emoji pass);
- ``parse_mode`` HTML and MarkdownV2 are parsed as documented and refused with
  "can't parse entities" when malformed (``telegram_markup``);
- an album (``sendMediaGroup``) has 2–10 items and answers one message per item
  with one ``media_group_id``;
- a bot posts in a channel only as an administrator with ``can_post_messages``;
- about 20 messages a minute to one chat, then 429 with ``retry_after``;
- ``forwardMessage``/``copyMessage`` of a message that does not exist (or was
  deleted) answer "message to forward/copy not found": how a sender can learn
  whether a message it sent exists.

Admin calls (besides the common ones in ``server.py``): ``POST /__sandbox__/bot``
``{"status": "administrator"|"member"|"left", "can_post_messages": bool}`` and
``POST /__sandbox__/auth`` ``{"state": "valid"|"revoked"}``, ``POST /__sandbox__/channel``
``{"has_protected_content": bool}`` (a channel that restricts saving content: its messages
cannot be forwarded or copied).
"""

from __future__ import annotations

import collections
import json
import re
import secrets
import time
from collections.abc import Callable
from os import PathLike
from typing import Any

from bmnsocial.sandbox.faults import Fault
from bmnsocial.sandbox.server import ApiResponse, FakeServer, RecordedRequest
from bmnsocial.sandbox.sniff import sniff
from bmnsocial.sandbox.store import Item, iso_utc
from bmnsocial.sandbox.telegram_markup import EntityError, parse
from bmnsocial.sandbox.telegram_spec import METHODS, TYPES

__all__ = ["FakeTelegram", "TelegramError"]

SANDBOX_BOT_TOKEN = "7700000001:AAsandboxTelegramBotToken000000000"
SANDBOX_CHANNEL = {"id": -1001700000001, "username": "bmn_sandbox",
                   "title": "Biblioteca Médica Nacional (sandbox)"}
SANDBOX_CHECK_CHAT = {"id": 900000001, "first_name": "BMN", "last_name": "admin",
                      "username": "bmn_admin_sandbox"}

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
_METHODS_BY_LOWER = {name.lower(): name for name in METHODS}
_PRIMITIVE_TYPES = {"Integer", "String", "Boolean", "Float", "True", "InputFile"}
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MESSAGES_PER_MINUTE = 20


class TelegramError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def response(self) -> ApiResponse:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return ApiResponse.json(self.code, body, content_type="application/json")


def bad_request(what: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {what}")


_EMPTY = {"text": "message text is empty", "photo": "there is no photo in the request",
          "media": "media is empty"}


class FakeTelegram(FakeServer):
    """One bot that administers one channel; a private chat with its admin for checks."""

    platform = "telegram"
    server_header = "nginx/1.18.0"

    def __init__(
        self,
        *,
        store_path: str | PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        bot_token: str = SANDBOX_BOT_TOKEN,
        channel: dict[str, Any] | None = None,
        messages_per_minute: int = MESSAGES_PER_MINUTE,
        check_chat_id: int | None = None,
    ) -> None:
        super().__init__(host=host, port=port, store_path=store_path, clock=clock)
        self._token = bot_token
        self.bot_id = int(bot_token.split(":", 1)[0])
        self.channel = dict(channel or SANDBOX_CHANNEL)
        self.messages_per_minute = messages_per_minute
        self.check_chat = {**SANDBOX_CHECK_CHAT,
                           "id": check_chat_id or SANDBOX_CHECK_CHAT["id"]}
        self.reset_state()

    def reset_state(self) -> None:
        self.bot_status = "administrator"
        self.can_post_messages = True
        self.has_protected_content = False
        self.token_state = "valid"
        self._sent: dict[int, collections.deque[float]] = {}

    def redact_path(self, path: str) -> str:
        return _PATH.sub(lambda m: f"/bot<redacted>/{m.group('method')}", path)

    def permalink(self, message_id: int) -> str:
        return f"https://t.me/{self.channel['username']}/{message_id}"

    def admin_extra(self, request: RecordedRequest, action: str) -> ApiResponse | None:
        if request.method != "POST" or action not in {"bot", "auth", "channel"}:
            return None
        spec = request.json()
        if not isinstance(spec, dict):
            raise ValueError("expected a JSON object")
        if action == "channel":
            self.has_protected_content = bool(spec.get("has_protected_content"))
            return ApiResponse.json(200, {"data": {
                "has_protected_content": self.has_protected_content}})
        if action == "auth":
            if spec.get("state") not in {"valid", "revoked"}:
                raise ValueError("state must be 'valid' or 'revoked'")
            self.token_state = spec["state"]
            return ApiResponse.json(200, {"data": {"state": self.token_state}})
        status = spec.get("status", self.bot_status)
        if status not in {"administrator", "member", "left"}:
            raise ValueError("status must be 'administrator', 'member' or 'left'")
        self.bot_status = status
        self.can_post_messages = bool(spec.get("can_post_messages", self.can_post_messages))
        return ApiResponse.json(200, {"data": {"status": status,
                                               "can_post_messages": self.can_post_messages}})

    # -- faults ------------------------------------------------------------
    def fault_response(self, fault: Fault, request: RecordedRequest) -> ApiResponse:
        if fault.kind == "http429":
            seconds = max(1, int(fault.delay) if fault.delay > 0 else 30)
            return TelegramError(429, f"Too Many Requests: retry after {seconds}",
                                 seconds).response()
        if fault.kind == "http503":
            return ApiResponse.html(502, "<html>\r\n<head><title>502 Bad Gateway</title></head>"
                                    "\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>"
                                    "\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n"
                                    "</html>\r\n")
        return self.internal_error()

    def internal_error(self) -> ApiResponse:
        return TelegramError(500, "Internal Server Error").response()

    # -- request flow ------------------------------------------------------
    def handle_api(self, request: RecordedRequest) -> ApiResponse:
        m = _PATH.match(request.path)
        if m is None or m.group("token") != self._token or self.token_state != "valid":
            code = 404 if m is None else 401
            return TelegramError(code, "Not Found" if code == 404 else "Unauthorized").response()
        name = _METHODS_BY_LOWER.get(m.group("method").lower())
        if name is None:
            return TelegramError(404, "Not Found").response()
        try:
            params, files = self._params(request)
            values = self._checked(name, params, files)
            result = getattr(self, "_" + _snake(name))(values, files)
        except TelegramError as error:
            return error.response()
        return ApiResponse.json(200, {"ok": True, "result": result},
                                content_type="application/json")

    def _params(self, request: RecordedRequest) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        ctype = request.content_type
        try:
            if ctype == "application/json" and request.body.strip():
                body = request.json()
                if not isinstance(body, dict):
                    raise bad_request("can't parse JSON object")
                params.update(body)
            elif ctype == "application/x-www-form-urlencoded":
                params.update(request.form())
            elif ctype == "multipart/form-data":
                for part in request.multipart():
                    if part.filename is not None:
                        files[part.name] = part.data
                    else:
                        params[part.name] = part.text
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request("can't parse request body") from exc
        return params, files

    def _checked(self, method: str, params: dict[str, Any],
                 files: dict[str, bytes]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, types, required in METHODS[method]["fields"]:
            if name not in params and name not in files:
                if required:
                    raise bad_request(_EMPTY.get(name, f"{name} is empty"))
                continue
            if name in files:
                if "InputFile" not in types:
                    raise bad_request(f"{name} must not be a file")
                values[name] = files[name]
                continue
            values[name] = _typed(name, params[name], types)
        return values

    # -- chats -------------------------------------------------------------
    def _chat(self, chat_id: Any) -> dict[str, Any]:
        key = str(chat_id)
        if key.lower() in {f"@{self.channel['username'].lower()}", str(self.channel["id"])}:
            return {"id": self.channel["id"], "title": self.channel["title"],
                    "username": self.channel["username"], "type": "channel"}
        if key == str(self.check_chat["id"]):
            return {**self.check_chat, "type": "private"}
        raise bad_request("chat not found")

    def _writable_chat(self, chat_id: Any) -> dict[str, Any]:
        chat = self._chat(chat_id)
        if chat["type"] == "channel":
            if self.bot_status == "left":
                raise TelegramError(403, "Forbidden: bot is not a member of the channel chat")
            if self.bot_status != "administrator" or not self.can_post_messages:
                raise bad_request("need administrator rights in the channel chat")
        return chat

    def _throttle(self, chat: dict[str, Any], count: int = 1) -> None:
        now = self.clock()
        sent = self._sent.setdefault(chat["id"], collections.deque())
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if len(sent) + count > self.messages_per_minute:
            wait = int(sent[0] + 60 - now) + 1 if sent else 60
            raise TelegramError(429, f"Too Many Requests: retry after {wait}", wait)
        sent.extend([now] * count)

    # -- messages in the store -----------------------------------------------
    def _item_id(self, chat_id: int, message_id: int) -> str:
        return f"{chat_id}_{message_id}"

    def _next_id(self, chat_id: int) -> int:
        newest = self.store.items(self.platform, ["message"], str(chat_id))
        return int(newest[0].id.rsplit("_", 1)[1]) + 1 if newest else 1

    def _message(self, chat_id: int, message_id: Any) -> dict[str, Any] | None:
        item = self.store.get(self.platform, self._item_id(chat_id, int(message_id)))
        if item is None or not item.published:
            return None
        message: dict[str, Any] = item.data["message"]
        return message

    def _store(self, messages: list[dict[str, Any]]) -> None:
        items = []
        for message in messages:
            chat = message["chat"]
            url = self.permalink(message["message_id"]) if chat["type"] == "channel" else None
            items.append(Item(platform=self.platform, kind="message",
                              id=self._item_id(chat["id"], message["message_id"]),
                              account_id=str(chat["id"]), created_at=iso_utc(message["date"]),
                              text=message.get("text", message.get("caption")), url=url,
                              data={"message": message}))
        self.store.insert(*items)

    def _new_message(self, chat: dict[str, Any], message_id: int) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": message_id, "date": int(self.clock()),
                                   "chat": chat}
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self._bot_user()
        return message

    def _reply(self, chat: dict[str, Any], values: dict[str, Any]) -> dict[str, Any] | None:
        reply = values.get("reply_parameters")
        if reply is None:
            return None
        target = self._message(chat["id"], reply["message_id"])
        if target is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return target

    def _text(self, values: dict[str, Any], key: str, limit: int,
              too_long: str) -> tuple[str, list[dict[str, Any]]]:
        try:
            parsed = parse(values[key], values.get("parse_mode"))
        except EntityError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        if len(parsed.text) > limit:
            raise bad_request(too_long)
        return parsed.text, parsed.entities

    # -- methods -------------------------------------------------------------
    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "BMN sandbox bot",
                "username": "bmn_sandbox_bot"}

    def _get_me(self, values: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False, "has_topics_enabled": False,
                "allows_users_to_create_topics": False, "can_manage_bots": False}

    def _get_chat(self, values: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._chat(values["chat_id"])
        if chat["type"] == "channel" and self.bot_status == "left":
            raise bad_request("chat not found")
        if chat["type"] == "channel" and self.has_protected_content:
            chat = {**chat, "has_protected_content": True}
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _member(self, user_id: int) -> dict[str, Any]:
        if user_id != self.bot_id:
            return {"status": "left", "user": {"id": user_id, "is_bot": False,
                                               "first_name": "?"}}
        if self.bot_status != "administrator":
            return {"status": self.bot_status, "user": self._bot_user()}
        rights = {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                  "can_delete_messages": True, "can_manage_video_chats": False,
                  "can_restrict_members": True, "can_promote_members": False,
                  "can_change_info": True, "can_invite_users": True,
                  "can_post_stories": False, "can_edit_stories": False,
                  "can_delete_stories": False, "can_post_messages": self.can_post_messages,
                  "can_edit_messages": True}
        return {"status": "administrator", "user": self._bot_user(), **rights}

    def _get_chat_member(self, values: dict[str, Any],
                         files: dict[str, bytes]) -> dict[str, Any]:
        self._chat(values["chat_id"])
        return self._member(int(values["user_id"]))

    def _get_chat_administrators(self, values: dict[str, Any],
                                 files: dict[str, bytes]) -> list[dict[str, Any]]:
        self._chat(values["chat_id"])
        owner = {"status": "creator", "is_anonymous": False,
                 "user": {"id": self.check_chat["id"], "is_bot": False,
                          "first_name": self.check_chat["first_name"]}}
        return [owner, *([self._member(self.bot_id)]
                         if self.bot_status == "administrator" else [])]

    def _send_message(self, values: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._writable_chat(values["chat_id"])
        text, entities = self._text(values, "text", MAX_TEXT, "message is too long")
        if not text.strip():
            raise bad_request(_EMPTY["text"])
        reply = self._reply(chat, values)
        self._throttle(chat)
        message = self._new_message(chat, self._next_id(chat["id"]))
        message["text"] = text
        if entities:
            message["entities"] = entities
        if "link_preview_options" in values:
            message["link_preview_options"] = values["link_preview_options"]
        if reply is not None:
            message["reply_to_message"] = reply
        self._store([message])
        return message

    def _photo_sizes(self, data: bytes) -> list[dict[str, Any]]:
        if len(data) > MAX_PHOTO_BYTES:
            raise bad_request("file is too big")
        info = sniff(data)
        if info is None or not info.is_image or not info.width or not info.height:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = info.width, info.height
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        unique = secrets.token_urlsafe(9)
        sizes = []
        for side in (90, 320, 800, 1280, 2560):
            scale = min(1.0, side / max(width, height))
            sizes.append({"file_id": "AgACAgEAAxkDAAI" + secrets.token_urlsafe(40),
                          "file_unique_id": f"AQAD{unique}{side}",
                          "width": max(1, round(width * scale)),
                          "height": max(1, round(height * scale)),
                          "file_size": max(1, round(len(data) * scale * scale))})
            if scale == 1.0:
                break
        self.store.insert(*(Item(platform=self.platform, kind="photo", id=str(s["file_id"]),
                                 account_id="", created_at=iso_utc(self.clock()),
                                 data={"sizes": sizes}) for s in sizes))
        return sizes

    def _photo(self, value: Any, files: dict[str, bytes]) -> list[dict[str, Any]]:
        if isinstance(value, bytes):
            return self._photo_sizes(value)
        text = str(value)
        if text.startswith("attach://"):
            data = files.get(text[len("attach://"):])
            if data is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return self._photo_sizes(data)
        known = self.store.get(self.platform, text)
        if known is None or known.kind != "photo":
            raise bad_request("wrong file identifier/HTTP URL specified")
        sizes: list[dict[str, Any]] = known.data["sizes"]
        return sizes

    def _caption(self, values: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        if not values.get("caption"):
            return "", []
        return self._text(values, "caption", MAX_CAPTION, "message caption is too long")

    def _photo_message(self, chat: dict[str, Any], message_id: int, photo: list[dict[str, Any]],
                       caption: tuple[str, list[dict[str, Any]]],
                       reply: dict[str, Any] | None) -> dict[str, Any]:
        message = self._new_message(chat, message_id)
        message["photo"] = photo
        text, entities = caption
        if text:
            message["caption"] = text
            if entities:
                message["caption_entities"] = entities
        if reply is not None:
            message["reply_to_message"] = reply
        return message

    def _send_photo(self, values: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._writable_chat(values["chat_id"])
        caption = self._caption(values)
        reply = self._reply(chat, values)
        photo = self._photo(values["photo"], files)
        self._throttle(chat)
        message = self._photo_message(chat, self._next_id(chat["id"]), photo, caption, reply)
        self._store([message])
        return message

    def _send_media_group(self, values: dict[str, Any],
                          files: dict[str, bytes]) -> list[dict[str, Any]]:
        chat = self._writable_chat(values["chat_id"])
        media = values["media"]
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified" if media else _EMPTY["media"])
        if any(item.get("type") != "photo" for item in media):
            raise bad_request("only photos can be sent in this album")
        captions = [self._caption(item) for item in media]
        reply = self._reply(chat, values)
        photos = [self._photo(item["media"], files) for item in media]
        self._throttle(chat, len(media))
        group = str(int(self.clock() * 1000) * 1000 + secrets.randbelow(1000))
        first = self._next_id(chat["id"])
        messages = [self._photo_message(chat, first + offset, photo, caption, reply)
                    for offset, (photo, caption) in enumerate(zip(photos, captions, strict=True))]
        for message in messages:
            message["media_group_id"] = group
        self._store(messages)
        return messages

    def _source(self, values: dict[str, Any], verb: str) -> dict[str, Any]:
        source_chat = self._chat(values["from_chat_id"])
        original = self._message(source_chat["id"], values["message_id"])
        if original is None:
            raise bad_request(f"message to {verb} not found")
        if source_chat["type"] == "channel" and self.has_protected_content:
            raise bad_request("message has protected content and can't be forwarded")
        return original

    def _forward_message(self, values: dict[str, Any],
                         files: dict[str, bytes]) -> dict[str, Any]:
        original = self._source(values, "forward")
        chat = self._writable_chat(values["chat_id"])
        self._throttle(chat)
        message = self._new_message(chat, self._next_id(chat["id"]))
        message["forward_origin"] = {"type": "channel", "chat": original["chat"],
                                     "message_id": original["message_id"],
                                     "date": original["date"]}
        for key in ("text", "entities", "photo", "caption", "caption_entities",
                    "media_group_id"):
            if key in original:
                message[key] = original[key]
        self._store([message])
        return message

    def _copy_message(self, values: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        original = self._source(values, "copy")
        chat = self._writable_chat(values["chat_id"])
        self._throttle(chat)
        message = self._new_message(chat, self._next_id(chat["id"]))
        for key in ("text", "entities", "photo", "caption", "caption_entities"):
            if key in original:
                message[key] = original[key]
        self._store([message])
        return {"message_id": message["message_id"]}

    def _delete_message(self, values: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat = self._writable_chat(values["chat_id"])
        item = self.store.get(self.platform, self._item_id(chat["id"],
                                                           int(values["message_id"])))
        if item is None or not item.published:
            raise bad_request("message to delete not found")
        item.published = False
        self.store.update(item)
        return True

    def _edit(self, values: dict[str, Any], key: str, limit: int,
              too_long: str) -> dict[str, Any]:
        if "chat_id" not in values or "message_id" not in values:
            raise bad_request("message identifier is not specified")
        chat = self._writable_chat(values["chat_id"])
        message = self._message(chat["id"], values["message_id"])
        if message is None:
            raise bad_request("message to edit not found")
        if key not in values:
            raise bad_request(_EMPTY.get(key, f"{key} is empty"))
        text, entities = self._text(values, key, limit, too_long)
        entity_key = "entities" if key == "text" else "caption_entities"
        if (key == "text") != ("text" in message):
            raise bad_request("there is no text in the message to edit" if key == "text"
                              else "there is no caption in the message to edit")
        if message.get(key) == text and message.get(entity_key, []) == entities:
            raise bad_request("message is not modified: specified new message content and "
                              "reply markup are exactly the same as a current content and "
                              "reply markup of the message")
        message = {**message, key: text, "edit_date": int(self.clock())}
        message.pop(entity_key, None)
        if entities:
            message[entity_key] = entities
        item = self.store.get(self.platform, self._item_id(chat["id"], message["message_id"]))
        assert item is not None
        item.text = text
        item.data = {"message": message}
        self.store.update(item)
        return message

    def _edit_message_text(self, values: dict[str, Any],
                           files: dict[str, bytes]) -> dict[str, Any]:
        return self._edit(values, "text", MAX_TEXT, "message is too long")

    def _edit_message_caption(self, values: dict[str, Any],
                              files: dict[str, bytes]) -> dict[str, Any]:
        return self._edit(values, "caption", MAX_CAPTION, "message caption is too long")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _typed(name: str, value: Any, types: tuple[str, ...]) -> Any:
    """``value`` as one of ``types`` (form values arrive as text), or Telegram's 400."""
    for kind in types:
        converted = _as(kind, value)
        if converted is not _NO:
            return converted
    raise bad_request(f"invalid {name} specified" if all(t in _PRIMITIVE_TYPES for t in types)
                      else f"can't parse {name} JSON object")


_NO = object()


def _as(kind: str, value: Any) -> Any:
    if kind == "String":
        return value if isinstance(value, str) else _NO
    if kind == "Integer":
        if isinstance(value, bool):
            return _NO
        if isinstance(value, int):
            return value
        return int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value) else _NO
    if kind == "Float":
        try:
            return float(value) if not isinstance(value, bool) else _NO
        except (TypeError, ValueError):
            return _NO
    if kind in {"Boolean", "True"}:
        if isinstance(value, bool):
            return value
        lowered = str(value).lower()
        return {"true": True, "1": True, "false": False, "0": False}.get(lowered, _NO)
    if kind == "InputFile":
        return _NO
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return _NO
    if kind.startswith("Array of "):
        inner = kind[len("Array of "):]
        if not isinstance(value, list):
            return _NO
        items = [_as(inner, v) for v in value]
        return _NO if any(i is _NO for i in items) else items
    if kind.startswith("InputMedia") and isinstance(value, dict):
        wanted = kind[len("InputMedia"):].lower()
        if value.get("type") != wanted:
            return _NO
    fields = TYPES.get(kind)
    if fields is None or not isinstance(value, dict):
        return _NO
    for field_name, field_types, required in fields:
        if field_name not in value:
            if required:
                return _NO
            continue
        if all(t in _PRIMITIVE_TYPES for t in field_types) and all(
                _as(t, value[field_name]) is _NO for t in field_types):
            return _NO
    return value
