"""Facebook Page: composition and limits. Sources for each number: docs/post-format.md."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bmnsocial.platforms.base import PlatformSpec
from bmnsocial.post import Content
from bmnsocial.render import Finding, Rendered, hashtag_line, join_blocks
from bmnsocial.yamlsafe import PathKey

MAX_MESSAGE = 63_206
MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 4_000_000  # "under 4 MB", read as decimal megabytes (the stricter reading)
PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif"}


class FacebookSpec(PlatformSpec):
    name = "facebook"
    label = "Facebook"
    text_limit = MAX_MESSAGE

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
                yield Finding(part.source, "FB-LENGTH", f"the Facebook message is {part.length} "
                              f"characters; Facebook takes up to {MAX_MESSAGE}.",
                              "Shorten it and link to the full text.")
        media = rendered.media
        if len(media) > MAX_PHOTOS:
            yield Finding(media[0].source[:-1], "FB-MEDIA-COUNT", f"{len(media)} photos; "
                          f"bmnsocial publishes up to {MAX_PHOTOS} per Facebook post.",
                          "Choose fewer, or give Facebook its own 'facebook: media:'.")
        for m in media:
            if m.info.kind == "video":
                yield Finding((*m.source, "path"), "FB-MEDIA-TYPE", "bmnsocial does not "
                              "publish videos to Facebook yet.", "Upload the video by hand, or "
                              "publish it only on X with 'twitter: media:'.")
            elif m.info.mime not in PHOTO_TYPES:
                yield Finding((*m.source, "path"), "FB-MEDIA-TYPE", f"Facebook photos must be "
                              f"JPEG, PNG or GIF, not {m.info.mime}.", "Export it as JPEG.")
            elif m.info.size > MAX_PHOTO_BYTES:
                yield Finding((*m.source, "path"), "FB-MEDIA-SIZE",
                              f"'{m.info.relative}' is {m.info.size / 1e6:.1f} MB; Facebook "
                              "takes photos up to 4 MB.", "Export it smaller.")
