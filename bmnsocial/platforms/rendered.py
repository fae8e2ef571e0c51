"""What a platform receives: the rendered texts, link and media of one post, and what the
platform's own rules found wrong with them. Platform modules build and check these; they never
import the renderer."""

from __future__ import annotations

from dataclasses import dataclass, field

from bmnsocial.diagnostics import Severity
from bmnsocial.hashtags import HASHTAG_IN_TEXT
from bmnsocial.posts.media import MediaInfo
from bmnsocial.yamlsafe import PathKey


@dataclass(frozen=True, slots=True)
class Finding:
    path: PathKey
    code: str
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR
    key: bool = False


@dataclass(frozen=True, slots=True)
class RenderedMedia:
    info: MediaInfo
    alt: str | None
    source: PathKey


@dataclass(frozen=True, slots=True)
class Part:
    """One message: the Facebook post, or one tweet of a thread; or the post's first comment
    (``comment``), always the last part: a comment by the Page on Facebook, a reply to the
    last message elsewhere."""

    text: str
    source: PathKey
    length: int
    limit: int
    media: tuple[RenderedMedia, ...] = ()
    comment: bool = False


@dataclass(frozen=True, slots=True)
class Rendered:
    post_id: str
    platform: str
    parts: tuple[Part, ...]
    link: str | None = None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def body(self) -> tuple[Part, ...]:
        """The post's own messages, without its first comment."""
        parts = self.parts
        return parts[:-1] if parts and parts[-1].comment else parts

    @property
    def comment(self) -> Part | None:
        """The first comment, published right after the post."""
        parts = self.parts
        return parts[-1] if parts and parts[-1].comment else None

    @property
    def media(self) -> tuple[RenderedMedia, ...]:
        parts = self.parts
        if len(parts) == 1:  # the usual case, asked several times per post
            return parts[0].media
        return tuple(m for p in parts for m in p.media)


def hashtag_line(text: str, *hashtag_lists: tuple[str, ...]) -> str:
    """The hashtags to append: the post's then the config's, minus those already in the text."""
    # Each platform of a post asks in turn with the same text and lists: found once.
    key = (text, hashtag_lists)
    last_key, last = _last_hashtags[0]
    if key == last_key:
        return last
    line = _hashtag_line(text, hashtag_lists)
    _last_hashtags[0] = (key, line)
    return line


def _hashtag_line(text: str, hashtag_lists: tuple[tuple[str, ...], ...]) -> str:
    # Most texts have no '#' of their own: the regex (slow to scan) is not needed then.
    seen = ({t.casefold() for t in HASHTAG_IN_TEXT.findall(text)}
            if "#" in text or "＃" in text else set())
    line: list[str] = []
    for tags in hashtag_lists:
        for tag in tags:
            folded = tag.casefold()
            if folded not in seen:
                seen.add(folded)
                line.append(f"#{tag}")
    return " ".join(line)


def join_blocks(*blocks: str | None) -> str:
    # Platforms render one post in turn and most join the same blocks: the one text is then
    # shared, not held once per platform for every post of a folder being validated.
    last_blocks, last = _last_joined[0]
    if blocks == last_blocks:
        return last
    joined = "\n\n".join(b.strip() for b in blocks if b and b.strip())
    _last_joined[0] = (blocks, joined)
    return joined


_last_joined: list[tuple[tuple[str | None, ...], str]] = [((), "")]
_last_hashtags: list[tuple[tuple[str, tuple[tuple[str, ...], ...]], str]] = [(("", ()), "")]
