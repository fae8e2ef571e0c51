"""The one renderer: what each platform receives. Previews print it; adapters send it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic, Severity
from bmnsocial.media import MediaInfo, MediaProblem, inspect
from bmnsocial.platforms import get_spec
from bmnsocial.post import HASHTAG_IN_TEXT, Post
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
    """One message: the Facebook post, or one tweet of a thread."""

    text: str
    source: PathKey
    length: int
    limit: int
    media: tuple[RenderedMedia, ...] = ()


@dataclass(frozen=True, slots=True)
class Rendered:
    post_id: str
    platform: str
    parts: tuple[Part, ...]
    link: str | None = None
    findings: tuple[Finding, ...] = field(default=())

    @property
    def media(self) -> tuple[RenderedMedia, ...]:
        parts = self.parts
        if len(parts) == 1:  # the usual case, asked several times per post
            return parts[0].media
        return tuple(m for p in parts for m in p.media)


class MediaCache:
    """One look at each file per run, however many posts use it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._seen: dict[str, MediaInfo | MediaProblem] = {}

    def get(self, relative: str) -> MediaInfo | MediaProblem:
        if relative not in self._seen:
            try:
                self._seen[relative] = inspect(self.config.media_root, relative)
            except MediaProblem as problem:
                self._seen[relative] = problem
        return self._seen[relative]


def hashtag_line(text: str, *hashtag_lists: tuple[str, ...]) -> str:
    """The hashtags to append: the post's then the config's, minus those already in the text."""
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
    return "\n\n".join(b.strip() for b in blocks if b and b.strip())


def render(post: Post, platform: str, config: Config, media: MediaCache) -> Rendered:
    spec = get_spec(platform)
    content = post.content(platform)
    findings: list[Finding] = []
    rendered_media: list[RenderedMedia] = []
    for ref in content.media:
        found = media.get(ref.path)
        if isinstance(found, MediaProblem):
            findings.append(Finding((*ref.source, "path"), found.code, found.message, found.hint))
        else:
            rendered_media.append(RenderedMedia(found, ref.alt, ref.source))
    texts, link = spec.compose(content, config.default_hashtags)
    first_media = tuple(rendered_media)
    parts = tuple([
        Part(text, source, spec.measure(text), spec.text_limit, first_media if i == 0 else ())
        for i, (text, source) in enumerate(texts)])
    rendered = Rendered(post.id, platform, parts, link)
    findings.extend(spec.check(rendered))
    if not findings:
        return rendered
    return Rendered(post.id, platform, parts, link, tuple(findings))


def findings_to_diagnostics(post: Post, rendered: Rendered) -> list[Diagnostic]:
    return [post.doc.diag(f.path, f.code, f.message, f.hint, key=f.key, severity=f.severity)
            for f in rendered.findings]
