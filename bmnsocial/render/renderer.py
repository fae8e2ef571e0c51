"""The one renderer: what each platform receives. Previews print it; adapters send it."""

from __future__ import annotations

import dataclasses

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic, Severity
from bmnsocial.i18n import _
from bmnsocial.platforms.base import PlatformSpec
from bmnsocial.platforms.registry import get_spec
from bmnsocial.platforms.rendered import Finding, Part, Rendered, RenderedMedia
from bmnsocial.posts.media import MediaInfo, MediaProblem, inspect
from bmnsocial.posts.model import Content, Post
from bmnsocial.yamlsafe import PathKey


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


def link_policy(post: Post, platform: str, config: Config) -> str:
    """'inline' or 'omit': whether ``platform`` receives the post's link (the post's own
    ``links`` for it, else its account's; a platform without the key always does)."""
    chosen: str | None = post.overrides.get(platform, {}).get("links")
    if chosen is None:
        chosen = getattr(config.account(platform), "links", "inline")
    return chosen


def render_all(post: Post, config: Config, media: MediaCache) -> list[Rendered]:
    """What each of the post's platforms receives. Those without a section of their own in the
    post receive the same content: it is gathered once for them all."""
    shared: Content | None = None
    rendered: list[Rendered] = []
    for platform in post.platforms:
        if platform in post.overrides:
            rendered.append(render(post, platform, config, media))
            continue
        if shared is None:
            shared = post.content(platform)
        rendered.append(render(post, platform, config, media, shared))
    return rendered


def render(post: Post, platform: str, config: Config, media: MediaCache,
           content: Content | None = None) -> Rendered:
    """``content``: ``post.content(platform)``, when the caller has it already."""
    spec = get_spec(platform)
    if content is None:
        content = post.content(platform)
    if content.link and link_policy(post, platform, config) == "omit":
        # The one place the link is dropped: a preview and the request show the same text,
        # and its length is measured without the link.
        content = dataclasses.replace(content, link=None)
    findings: list[Finding] = []
    rendered_media: list[RenderedMedia] = []
    for ref in content.media:
        found = media.get(ref.path)
        if isinstance(found, MediaProblem):
            findings.append(Finding((*ref.source, "path"), found.code, found.message, found.hint))
        else:
            rendered_media.append(RenderedMedia(found, ref.alt, ref.source))
    texts, link = spec.compose(
        content, config.default_hashtags if content.default_hashtags else ())
    first_media = tuple(rendered_media)
    parts = tuple([
        Part(text, source, spec.measure(text), spec.text_limit, first_media if i == 0 else ())
        for i, (text, source) in enumerate(texts)])
    rendered = Rendered(post.id, platform, parts, link)
    findings.extend(spec.check(rendered))
    if content.first_comment is not None:
        comment = _comment(spec, content.first_comment, findings)
        if comment is not None:
            parts = (*parts, comment)
            rendered = Rendered(post.id, platform, parts, link)
    if not findings:
        return rendered
    return Rendered(post.id, platform, parts, link, tuple(findings))


def _comment(spec: PlatformSpec, written: tuple[str, PathKey],
             findings: list[Finding]) -> Part | None:
    """The first comment as ``spec``'s platform receives it, measured by its rules; None
    (and said) where the platform takes none."""
    text, source = written
    if not spec.comment_limit:
        findings.append(Finding(source, "POST-COMMENT-UNSUPPORTED", _(
            "{platform} takes no first comment: the post goes out there without it.").format(
                platform=spec.label), _("Remove 'first_comment:' if that is not what you want."),
            severity=Severity.WARNING))
        return None
    part = Part(text, source, spec.measure(text), spec.comment_limit, comment=True)
    if part.length > part.limit:
        findings.append(Finding(source, "POST-COMMENT-LENGTH", _(
            "the first comment on {platform} is {length} characters as {platform} counts them; "
            "it takes up to {limit}.").format(platform=spec.label, length=part.length,
                                             limit=part.limit),
            _("Shorten it, or give {platform} its own 'first_comment:' under '{section}:'."
              ).format(platform=spec.label, section=spec.name)))
    return part


def findings_to_diagnostics(post: Post, rendered: Rendered) -> list[Diagnostic]:
    return [post.doc.diag(f.path, f.code, f.message, f.hint, key=f.key, severity=f.severity)
            for f in rendered.findings]
