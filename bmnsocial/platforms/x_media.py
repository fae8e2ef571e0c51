"""X API v2 media upload, over tweepy's authenticated session (tweepy's ``Client`` has none).

Endpoints (X developer docs; shapes checked against X's OpenAPI description 2.167):

* simple upload, images: ``POST https://api.x.com/2/media/upload`` (multipart ``media``,
  ``media_category``) https://docs.x.com/x-api/media/media-upload
* chunked upload, GIF and video: ``POST /2/media/upload/initialize`` (JSON ``media_type``,
  ``total_bytes``, ``media_category``), ``POST /2/media/upload/{id}/append`` (multipart
  ``segment_index`` 0-999, ``media``), ``POST /2/media/upload/{id}/finalize`` (no body)
  https://docs.x.com/x-api/media/media-upload
* processing status: ``GET /2/media/upload?command=STATUS&media_id=…``
  https://docs.x.com/x-api/media/media-upload-status
* alt text: ``POST /2/media/metadata`` ``{"id", "metadata": {"alt_text": {"text"}}}``
  https://docs.x.com/x-api/media/media-metadata-create

Every call is signed with OAuth 1.0a user context. HTTP errors map onto the publishing
taxonomy exactly as tweet errors do (:func:`error_from_response`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from bmnsocial.platforms.base import AuthError, PublishError, RateLimited, Rejected, Transient
from bmnsocial.platforms.http import transient_from
from bmnsocial.reasons import Reason, Said
from bmnsocial.secrets import redact

if TYPE_CHECKING:
    from bmnsocial.platforms.base import Checkpoint
    from bmnsocial.posts.media import OpenedMedia

__all__ = ["CATEGORIES", "XMediaUploader", "error_from_response", "retry_at_from_headers"]

API = "https://api.x.com"
CATEGORIES = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}
CHUNK_BYTES = 4 * 1024 * 1024
MAX_SEGMENTS = 1000
DUPLICATE_MARK = "duplicate content"
# 403 problems that mean the app or the token lacks a permission, not that the post is bad.
_PERMISSION_TYPES = ("client-forbidden", "oauth1-permissions", "unsupported-authentication")
_PERMISSION_WORDS = ("not permitted to perform this action", "permission")


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _problem_text(body: Any) -> str:
    """The human part of an X error body: RFC 7807 ``detail``/``title`` plus ``errors[]``."""
    if not isinstance(body, dict):
        return ""
    texts: list[str] = []
    for key in ("detail", "title"):
        value = body.get(key)
        if isinstance(value, str) and value and value not in texts:
            texts.append(value)
            break
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail")
            if isinstance(message, str) and message not in texts:
                texts.append(message)
        elif isinstance(error, str):
            texts.append(error)
    return "; ".join(texts)


def retry_at_from_headers(headers: Mapping[str, str]) -> datetime | None:
    """When X will take calls again: the 15-minute window's reset, or a 24-hour cap's reset
    when that cap is the one exhausted (epoch seconds in both)."""
    candidates: list[int] = []
    for reset, remaining in (("x-rate-limit-reset", None),
                             ("x-user-limit-24hour-reset", "x-user-limit-24hour-remaining"),
                             ("x-app-limit-24hour-reset", "x-app-limit-24hour-remaining")):
        value = headers.get(reset, "")
        if not value.strip().isdigit():
            continue
        if remaining is not None and headers.get(remaining, "").strip() != "0":
            continue
        candidates.append(int(value))
    return datetime.fromtimestamp(max(candidates), UTC) if candidates else None


def _daily_cap(headers: Mapping[str, str], error: str = "") -> Reason | None:
    """Which 24-hour cap (the account's or the app's) is used up, and when it resets."""
    for scope in ("user", "app"):
        prefix = f"x-{scope}-limit-24hour-"
        reset = headers.get(prefix + "reset", "").strip()
        if headers.get(prefix + "remaining", "").strip() == "0" and reset.isdigit():
            limit = headers.get(prefix + "limit", "").strip()
            return Reason(f"x-daily-cap-{scope}", error=error,
                          limit=int(limit) if limit.isdigit() else "?",
                          reset=datetime.fromtimestamp(int(reset), UTC))
    return None


def error_from_response(response: requests.Response, action: str) -> PublishError:
    """The taxonomy error for an X answer that is not a success."""
    status = response.status_code
    body = _json(response)
    said = redact(_problem_text(body))[:500]
    # X's own words (said) stay as X wrote them.
    answered = f"{status} {response.reason or ''}".rstrip()
    text = (Reason("x-answered-said", action=action, status=answered, said=Said(said)) if said
            else Reason("x-answered", action=action, status=answered))
    problem_type = str(body.get("type", "")) if isinstance(body, dict) else ""
    if status == 429:
        if problem_type.endswith("/usage-capped"):
            return AuthError(Reason("x-usage-capped", error=text), sent=False)
        return RateLimited(_daily_cap(response.headers, text) or text,
                           retry_at_from_headers(response.headers))
    if status == 401:
        return AuthError(Reason("x-credentials-refused", error=text), sent=False)
    if status == 403:
        lowered = said.lower()
        if DUPLICATE_MARK in lowered:
            return Rejected(text, duplicate=True)
        if isinstance(body, dict) and body.get("reason") == "client-not-enrolled":
            return AuthError(Reason("x-client-not-enrolled", error=text), sent=False)
        if response.headers.get("x-access-level") == "read":
            return AuthError(Reason("x-read-only", level="read"), sent=False)
        if (problem_type.endswith(_PERMISSION_TYPES)
                or any(word in lowered for word in _PERMISSION_WORDS)):
            return AuthError(Reason("x-permission-missing", error=text), sent=False)
        return Rejected(text)
    if status >= 500 or status == 408:
        return Transient(text, sent=True)
    return Rejected(text)


def _processing_failure(name: str, error: Any) -> str:
    """Why X could not process a file, with what X said: ``processing_info.error`` holds
    ``code``, ``name`` and ``message`` (X's media-upload-status docs)."""
    if isinstance(error, dict) and any(error.get(k) for k in ("code", "name", "message")):
        return Reason("x-processing-failed", file=name,
                      name=Said(redact(str(error.get("name") or "?"))[:100]),
                      code=redact(str(error.get("code", "?")))[:20],
                      said=Said(redact(str(error.get("message") or ""))[:300]))
    if error:
        return Reason("x-could-not-process", file=name,
                      reason=Said(redact(json.dumps(error, ensure_ascii=False))[:300]))
    return Reason("x-could-not-process-unsaid", file=name)


class XMediaUploader:
    """Uploads files for a tweet and sets their alt text; returns media ids."""

    def __init__(self, session: requests.Session, auth: Any, *, timeout: float,
                 sleep: Callable[[float], None] = time.sleep, max_wait: float = 600.0,
                 max_polls: int = 120, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.session = session
        self.auth = auth
        self.timeout = timeout
        self.sleep = sleep
        self.max_wait = max_wait
        self.max_polls = max_polls
        self.chunk_bytes = chunk_bytes

    # -- one call ---------------------------------------------------------------------------
    def _call(self, method: str, path: str, action: str, *, answers: bool = True,
              **kwargs: Any) -> dict[str, Any]:
        """One signed call; its ``data``. ``answers=False``: any 2xx will do, with or without
        a body (X answers APPEND with 204 and nothing else)."""
        try:
            response = self.session.request(method, API + path, auth=self.auth,
                                            timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise transient_from(exc, action) from None
        with response:
            if not 200 <= response.status_code < 300:
                raise error_from_response(response, action)
            if not answers:
                return {}
            body = _json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise Transient(Reason("x-no-data", action=action, status=str(response.status_code)),
                            sent=True)
        return data

    # -- uploads ----------------------------------------------------------------------------
    def upload(self, media: OpenedMedia, kind: str, checkpoint: Checkpoint) -> str:
        """Upload one opened file; images in one request, GIFs and videos in chunks read from
        it one at a time. Returns its media id once X has finished processing it. A stop is
        obeyed before every request (``checkpoint``)."""
        category = CATEGORIES[kind]
        name = media.name
        checkpoint.check()
        if kind == "image":
            # An image is at most 5 MB (checked when queued, and the size again on opening):
            # requests reads it into the body through ``media.read``, never past that size.
            data = self._call(
                "POST", "/2/media/upload", Reason("x-uploading", file=name),
                files={"media": (name, media, media.info.mime)},
                data={"media_category": category})
        else:
            data = self._chunked(media, category, checkpoint)
        media_id = str(data["id"])
        self._wait_for_processing(media_id, data, name, checkpoint)
        return media_id

    def _chunked(self, media: OpenedMedia, category: str,
                 checkpoint: Checkpoint) -> dict[str, Any]:
        size, name = media.info.size, media.name
        if -(-size // self.chunk_bytes) > MAX_SEGMENTS:
            raise Rejected(Reason("x-too-many-segments", file=name, limit=MAX_SEGMENTS))
        started = self._call("POST", "/2/media/upload/initialize",
                             Reason("x-upload-starting", file=name),
                             json={"media_type": media.info.mime, "total_bytes": size,
                                   "media_category": category})
        media_id = str(started["id"])
        for index, chunk in enumerate(media.chunks(self.chunk_bytes)):
            checkpoint.check()
            self._call("POST", f"/2/media/upload/{media_id}/append",
                       Reason("x-uploading-part", number=index + 1, file=name),
                       answers=False,
                       files={"media": (name, chunk, "application/octet-stream")},
                       data={"segment_index": str(index)})
        checkpoint.check()
        return self._call("POST", f"/2/media/upload/{media_id}/finalize",
                          Reason("x-upload-finishing", file=name))

    def _wait_for_processing(self, media_id: str, data: dict[str, Any], name: str,
                             checkpoint: Checkpoint) -> None:
        waited = 0.0
        polls = 0
        info = data.get("processing_info")
        while isinstance(info, dict) and info.get("state") in ("pending", "in_progress"):
            asked = info.get("check_after_secs")
            delay = max(0.0, float(asked)) if isinstance(asked, int | float) else 1.0
            if waited + delay > self.max_wait or polls >= self.max_polls:
                raise Transient(Reason("x-still-processing", file=name, seconds=round(waited)),
                                sent=False)
            checkpoint.pause(delay, self.sleep)
            waited += delay
            polls += 1
            data = self._call("GET", "/2/media/upload",
                              Reason("x-checking-processing", file=name),
                              params={"command": "STATUS", "media_id": media_id})
            info = data.get("processing_info")
        if isinstance(info, dict) and info.get("state") == "failed":
            raise Rejected(_processing_failure(name, info.get("error")))

    def set_alt_text(self, media_id: str, text: str, name: str, checkpoint: Checkpoint) -> None:
        checkpoint.check()
        self._call("POST", "/2/media/metadata",
                   Reason("x-setting-alt-text", file=name),
                   json={"id": media_id, "metadata": {"alt_text": {"text": text}}})
