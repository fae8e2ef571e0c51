"""Mastodummy: a made-up platform declared the way every platform is (bmnsocial/platforms/):
account schema, rules, adapter and URL shape in one module. It talks JSON over HTTP to
``api_base_url`` (tests/dummy_platform/fake.py answers there on 127.0.0.1)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bmnsocial.accounts import AccountSchema, Credential, base_url, env_name
from bmnsocial.platforms.base import (
    Adapter,
    CredentialsMissing,
    Identity,
    Platform,
    PlatformSpec,
    Progress,
    Published,
    RemotePost,
    Transient,
)
from bmnsocial.platforms.rendered import Finding, Rendered, hashtag_line, join_blocks
from bmnsocial.schema import Reader
from bmnsocial.yamlsafe import PathKey

if TYPE_CHECKING:
    import requests

    from bmnsocial.posts.model import Content

PUBLIC = "https://dummy.example"
LIMIT = 500


@dataclass(frozen=True, slots=True)
class DummyAccount:
    handle: str
    token_env: str
    api_base_url: str

    def credentials(self) -> list[Credential]:
        return [Credential("dummy", "token", self.token_env)]

    def base_urls(self) -> dict[str, str]:
        return {PUBLIC: self.api_base_url}


def _read(r: Reader, m: dict[str, Any], path: PathKey) -> DummyAccount:
    return DummyAccount(handle=r.text(m.get("handle"), (*path, "handle")) or "",
                        token_env=env_name(r, m.get("token_env", "DUMMY_TOKEN"),
                                           (*path, "token_env")),
                        api_base_url=base_url(r, m.get("api_base_url", PUBLIC),
                                              (*path, "api_base_url"), PUBLIC))


class DummySpec(PlatformSpec):
    name = "dummy"
    label = "Mastodummy"
    text_limit = LIMIT

    def compose(self, content: Content, default_hashtags: tuple[str, ...]) -> tuple[
            list[tuple[str, PathKey]], str | None]:
        text = content.text or ""
        link = content.link if content.link and content.link not in text else None
        return [(join_blocks(text, link, hashtag_line(text, content.hashtags,
                                                       default_hashtags)),
                 content.text_source)], None

    def measure(self, text: str) -> int:
        return len(text)

    def check(self, rendered: Rendered) -> Iterable[Finding]:
        return [Finding(p.source, "DUMMY-LENGTH", f"{p.length} > {LIMIT}", "Shorten it.")
                for p in rendered.parts if p.length > LIMIT]


class DummyAdapter(Adapter):
    name = "dummy"

    def __init__(self, account: DummyAccount, secrets: Mapping[str, str],
                 session: requests.Session, *, timeout: float) -> None:
        token = secrets.get(account.token_env, "")
        if not token:
            raise CredentialsMissing(f"set {account.token_env}")
        self.account, self.session, self.timeout = account, session, timeout
        self.headers = {"Authorization": f"Bearer {token}"}

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, PUBLIC + path, headers=self.headers,
                                        timeout=self.timeout, **kwargs)
        if response.status_code >= 500:
            raise Transient(f"dummy answered {response.status_code}")
        return response.json()

    def whoami(self) -> Identity:
        me = self._json("GET", "/api/me")
        return Identity("dummy", str(me["id"]), str(me["handle"]))

    def publish(self, rendered: Rendered, progress: Progress) -> Published:
        posted = self._json("POST", "/api/posts", json={"text": rendered.parts[0].text})
        progress.done(str(posted["id"]), last=True)
        return Published(str(posted["id"]), str(posted["url"]), (str(posted["id"]),))

    def recent_posts(self, since: datetime) -> list[RemotePost]:
        return [RemotePost(str(p["id"]), p["text"], datetime.fromtimestamp(p["at"], UTC),
                           p["url"]) for p in reversed(self._json("GET", "/api/posts"))]


PLATFORM = Platform(
    name="dummy", label="Mastodummy", abbreviation="md",
    account=AccountSchema(keys=("handle", "token_env", "api_base_url"), read=_read,
                          required=("handle",)),
    post_keys=("text", "link", "hashtags"), spec=DummySpec, adapter=DummyAdapter,
    url=re.compile(r"https://dummy\.example/@\w+/\d+"))
