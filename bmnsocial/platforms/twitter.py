"""X (Twitter): composition and limits. Sources for each number: docs/post-format.md."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bmnsocial.platforms.base import PlatformSpec
from bmnsocial.post import Content
from bmnsocial.render import Finding, Rendered, hashtag_line, join_blocks
from bmnsocial.twitter_text import MAX_WEIGHTED_LENGTH, weighted_length
from bmnsocial.yamlsafe import PathKey

MAX_IMAGES = 4
MAX_THREAD = 25
MAX_ALT_TEXT = 1000
# Decimal megabytes: when a platform says "5 MB", refusing a file it might take is safer than
# a publication that fails at the last step.
MAX_BYTES = {"image": 5_000_000, "gif": 15_000_000, "video": 512_000_000}


class TwitterSpec(PlatformSpec):
    name = "twitter"
    label = "X (Twitter)"
    text_limit = MAX_WEIGHTED_LENGTH

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

    def _check(self, rendered: Rendered) -> Iterator[Finding]:
        parts = rendered.parts
        if len(parts) > MAX_THREAD:
            yield Finding(parts[MAX_THREAD].source[:-1], "X-THREAD-LENGTH",
                          f"the thread has {len(parts)} tweets; bmnsocial allows {MAX_THREAD}.",
                          "Split it into two posts.", key=True)
        for i, part in enumerate(parts):
            where = f"tweet {i + 1} of {len(parts)}" if len(parts) > 1 else "the tweet"
            if not part.text.strip():
                yield Finding(part.source, "X-EMPTY", f"{where} is empty.", "Write its text.")
            elif part.length > MAX_WEIGHTED_LENGTH:
                yield Finding(part.source, "X-LENGTH",
                              f"{where} is {part.length}/{MAX_WEIGHTED_LENGTH} characters as X "
                              "counts them (links 23, emoji 2, most non-Latin characters 2), "
                              "hashtags and link included.",
                              f"Shorten it by {part.length - MAX_WEIGHTED_LENGTH}, or split it "
                              "with 'twitter: thread:'.")
            if any(c in part.text for c in "\ufffe\ufeff\uffff"):
                yield Finding(part.source, "X-INVALID-CHAR", f"{where} contains an invisible "
                              "character X refuses (U+FEFF, U+FFFE or U+FFFF).",
                              "Retype the text or paste it as plain text.")
        media = rendered.media
        kinds = [m.info.kind for m in media]
        if media:
            src = media[0].source[:-1]
            if ("gif" in kinds or "video" in kinds) and len(media) > 1:
                yield Finding(src, "X-MEDIA-COUNT", "X takes one GIF or one video per tweet, "
                              "alone.", "Keep one, or move the others to other posts.")
            elif len(media) > MAX_IMAGES:
                yield Finding(src, "X-MEDIA-COUNT", f"X takes at most {MAX_IMAGES} images per "
                              f"tweet; this post has {len(media)}.",
                              "Choose four, or give X its own 'twitter: media:'.")
        for m in media:
            limit = MAX_BYTES[m.info.kind]
            if m.info.size > limit:
                yield Finding((*m.source, "path"), "X-MEDIA-SIZE",
                              f"'{m.info.relative}' is {m.info.size / 1e6:.1f} MB; X takes "
                              f"{m.info.kind} files up to {limit // 1_000_000} MB.",
                              "Export it smaller (e.g. 2048 px wide, JPEG quality 85).")
            if m.alt is not None and len(m.alt) > MAX_ALT_TEXT:
                yield Finding((*m.source, "alt"), "X-ALT-LENGTH",
                              f"the alt text is {len(m.alt)} characters; X takes up to "
                              f"{MAX_ALT_TEXT}.", "Describe the image more briefly.")
