"""Validation of post files: every problem of every file in one run, never an exception."""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bmnsocial.categories import Rule
from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic, Severity, sort_key
from bmnsocial.post import HASHTAG_IN_TEXT, Post, parse_post
from bmnsocial.render import MediaCache, Rendered, findings_to_diagnostics, render
from bmnsocial.twitter_text import extract_urls
from bmnsocial.yamlsafe import PathKey, load_file

POST_SUFFIXES = (".yaml", ".yml")
_QUESTION = re.compile(r"[?¿]")


@dataclass(slots=True)
class CheckedPost:
    post: Post
    rendered: list[Rendered]


@dataclass(slots=True)
class ValidationResult:
    files: list[str] = field(default_factory=list)
    posts: list[CheckedPost] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def invalid_files(self) -> set[str]:
        return {d.file for d in self.errors}

    @property
    def ok(self) -> bool:
        return not self.errors

    def forgive_history(self, post_ids: set[str]) -> None:
        """A post already in the ledger (queued, published…) may have its time in the past:
        that is history, not a mistake to report."""
        files = {c.post.file for c in self.posts if c.post.id in post_ids}
        self.diagnostics = [d for d in self.diagnostics
                            if not (d.code == "SCHED-PAST" and d.file in files)]

    def summary(self) -> str:
        n, bad = len(self.files), len(self.invalid_files)
        e, w = len(self.errors), len(self.warnings)
        return (f"{n} file{'s' * (n != 1)} checked: {n - bad} valid, {bad} invalid; "
                f"{e} error{'s' * (e != 1)}, {w} warning{'s' * (w != 1)}.")


def display_path(path: Path, cwd: str | None = None) -> str:
    """The path as the user would type it: relative to the current folder when inside it."""
    return _display(str(path), path.is_absolute(), cwd or os.getcwd())


def _display(text: str, absolute: bool, cwd: str) -> str:
    if not absolute:
        return os.path.normpath(text)
    prefix = cwd.rstrip(os.sep) + os.sep
    return text[len(prefix):] if text.startswith(prefix) else text


def discover(paths: Iterable[Path], config: Config) -> Iterator[Path]:
    """Post files under the given paths: *.yaml and *.yml, outside hidden and media folders."""
    for file, _, _ in _post_files(paths, config):
        yield Path(file)


def _post_files(paths: Iterable[Path], config: Config) -> Iterator[tuple[str, bool, str]]:
    """What discover() finds, as (file, whether it is absolute, default post id). Files found in
    folders stay strings: a Path per file costs ~3 µs, a few percent of validating a post."""
    media_root = config.media_root.resolve()
    for path in paths:
        if not path.is_dir():
            yield str(path), path.is_absolute(), path.stem
            continue
        absolute = path.is_absolute()
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and Path(root, d).resolve() != media_root)
            for name in sorted(files):
                if name.endswith(POST_SUFFIXES) and not name.startswith("."):
                    # The name ends in .yaml or .yml and does not start with a dot, so its
                    # Path.stem is what comes before the last dot.
                    yield os.path.join(root, name), absolute, name.rpartition(".")[0]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Validation keeps ~20 small objects per post (data, positions, renderings) and makes no
    reference cycles. Left running, the cyclic collector rescans that growing heap again and
    again: about a fifth of the time of validating 10,000 posts (benchmarks/README.md). Memory
    is still freed by reference counting meanwhile; the collector resumes at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Progress = Callable[[int, int], None]


def validate_paths(paths: Iterable[Path], config: Config, now: datetime,
                   progress: Progress | None = None) -> ValidationResult:
    """``progress(done, total)`` is called after each file, for a progress bar."""
    with _cyclic_gc_paused():
        return _validate_paths(paths, config, now, progress)


def _validate_paths(paths: Iterable[Path], config: Config, now: datetime,
                    progress: Progress | None) -> ValidationResult:
    result = ValidationResult()
    media = MediaCache(config)
    cwd = os.getcwd()
    found = list(_post_files(paths, config))
    for done, (file, absolute, default_id) in enumerate(found, 1):
        if progress is not None:
            progress(done, len(found))
        name = _display(file, absolute, cwd)
        result.files.append(name)
        loaded = load_file(file, name)
        if isinstance(loaded, Diagnostic):
            result.diagnostics.append(loaded)
            continue
        post, diagnostics = parse_post(loaded, config, default_id)
        result.diagnostics.extend(diagnostics)
        if post is None:
            continue
        checked, more = check_post(post, config, now, media)
        result.diagnostics.extend(more)
        result.posts.append(checked)
    result.diagnostics.extend(cross_checks(result.posts))
    result.diagnostics.sort(key=sort_key)
    return result


def check_post(post: Post, config: Config, now: datetime,
               media: MediaCache) -> tuple[CheckedPost, list[Diagnostic]]:
    rendered = [render(post, platform, config, media) for platform in post.platforms]
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[int, int, str]] = set()
    for r in rendered:
        for d in findings_to_diagnostics(post, r):
            if (d.line, d.column, d.code) not in seen:  # shared media is reported once
                seen.add((d.line, d.column, d.code))
                diagnostics.append(d)
    diagnostics.extend(_category_rules(post, rendered))
    diagnostics.extend(_schedule_rules(post, config, now))
    return CheckedPost(post, rendered), diagnostics


def _category_rules(post: Post, rendered: list[Rendered]) -> Iterator[Diagnostic]:
    doc, cat = post.doc, post.category
    label = f"category {cat.rank} ({cat.slug})"
    texts = [p.text for r in rendered for p in r.parts]
    has_link = bool(post.link or any(post.content(p).link for p in post.platforms)
                    or any(extract_urls(t) for t in texts))
    for rule in cat.rules:
        if rule is Rule.NEEDS_IMAGE:
            for r in rendered:
                if not any(m.info.kind in ("image", "gif") for m in r.media):
                    yield doc.diag(("media",), "CATEGORY-NEEDS-IMAGE",
                                   f"{label} needs at least one image, and the {r.platform} "
                                   "post has none.", "Add 'media:' with a photo and its alt text.",
                                   key=True)
        elif rule is Rule.NEEDS_HASHTAG:
            own = post.hashtags or any(post.content(p).hashtags for p in post.platforms)
            if not own and not any(HASHTAG_IN_TEXT.search(t) for t in post.source_texts()):
                yield doc.diag(("hashtags",), "CATEGORY-NEEDS-HASHTAG", f"{label} needs at least "
                               "one hashtag of its own (the config's defaults do not count).",
                               "Add 'hashtags: [SaludPública]' or a #hashtag in the text.",
                               key=True)
        elif rule is Rule.NEEDS_LINK and not has_link:
            yield doc.diag(("link",), "CATEGORY-NEEDS-LINK", f"{label} needs a link to the "
                           "publication.", "Add 'link: https://…'.", key=True)
        elif rule is Rule.SUGGESTS_LINK and not has_link:
            yield doc.diag(("link",), "CATEGORY-SUGGESTS-LINK", f"{label} usually carries a "
                           "link where readers learn more.", "Add 'link: https://…' if there "
                           "is one.", key=True, severity=Severity.WARNING)
        elif rule is Rule.SUGGESTS_IMAGE_OR_LINK and not has_link and not any(
                r.media for r in rendered):
            yield doc.diag(("media",), "CATEGORY-SUGGESTS-IMAGE", f"{label} shows best with a "
                           "photo of the item or a link to the catalogue.",
                           "Add 'media:' or 'link:'.", key=True, severity=Severity.WARNING)
        elif rule is Rule.SUGGESTS_QUESTION and not any(_QUESTION.search(t) for t in texts):
            yield doc.diag(("text",), "CATEGORY-SUGGESTS-QUESTION", f"{label} invites "
                           "replies, but the text asks no question.", "End with a question, "
                           "e.g. '¿Qué libro nos recomiendan?'.", key=True,
                           severity=Severity.WARNING)
        elif rule is Rule.NEEDS_EVENT_START and (post.event is None or not post.event.starts):
            yield doc.diag(("event",), "CATEGORY-NEEDS-EVENT", f"{label} needs the event's "
                           "date and time.", "Add 'event: {starts: 2027-01-20 10:00, place: …}'.",
                           key=True)
        elif rule is Rule.NEEDS_STREAM and (post.event is None or not post.event.starts
                                             or not post.event.url):
            yield doc.diag(("event",), "CATEGORY-NEEDS-STREAM", f"{label} needs the stream's "
                           "start time and link.", "Add 'event: {starts: 2027-01-20 10:00, "
                           "url: https://…}'.", key=True)
        elif rule is Rule.NEEDS_CONSENT and any(r.media for r in rendered) and not post.consent:
            yield doc.diag(("consent",), "CATEGORY-NEEDS-CONSENT", f"{label} shows people: "
                           "confirm that everyone pictured agreed to be published.",
                           "Add 'consent: true' once you have their permission.", key=True)
        elif rule is Rule.NEEDS_APPROVAL and not post.approved_by:
            yield doc.diag(("approved_by",), "CATEGORY-NEEDS-APPROVAL", f"{label} speaks for "
                           "the institution and needs the name of whoever approved it.",
                           "Add 'approved_by: <name of the director or editor>'.", key=True)


def _schedule_rules(post: Post, config: Config, now: datetime) -> Iterator[Diagnostic]:
    doc, s = post.doc, post.schedule
    if s.at is not None and s.at <= now:
        yield doc.diag(("schedule", "at"), "SCHED-PAST", f"the time {s.at:%Y-%m-%d %H:%M %z} "
                       "has already passed.", "Set a future time, or publish now with "
                       "'bmnsocial post FILE --now'.")
    if s.cron is not None and s.until is not None and s.until <= now:
        yield doc.diag(("schedule", "until"), "SCHED-PAST", "this recurring post ended on "
                       f"{s.until:%Y-%m-%d}.", "Move 'until' into the future, or delete the "
                       "file when the series is over.")
    if s.slot and not config.slots:
        yield doc.diag(("schedule", "slot"), "SCHED-NO-SLOTS", "'slot: next' needs posting "
                       "slots, and config.yaml defines none.", "Add 'slots:' to config.yaml, "
                       "or give the post an 'at:' time.")
    if post.event and post.event.starts and s.at and s.at >= post.event.starts:
        ends = post.event.ends
        late = ends is not None and s.at >= ends
        yield doc.diag(("schedule", "at"), "SCHED-AFTER-EVENT",
                       f"the post goes out after the event {'ended' if late else 'started'}.",
                       "Schedule it before 'event.starts'.",
                       severity=Severity.ERROR if late else Severity.WARNING)


def cross_checks(posts: list[CheckedPost]) -> Iterator[Diagnostic]:
    first_by_id: dict[str, Post] = {}
    for c in posts:
        post = c.post
        other = first_by_id.setdefault(post.id, post)
        if other is not post:
            line, _ = other.doc.position(("id",))
            yield post.doc.diag(("id",), "ID-DUPLICATE", f"the id '{post.id}' is already used "
                                f"by {other.file}:{line}.", "Give each post its own id "
                                "(by default the file name).", key=True)
    first_by_text: dict[str, tuple[Post, PathKey]] = {}
    for c in posts:
        for r in c.rendered:
            if r.platform != "twitter":
                continue
            for part in r.parts:
                owner, source = first_by_text.setdefault(part.text.strip(), (c.post, part.source))
                if owner is not c.post:
                    line, _ = owner.doc.position(source)
                    yield c.post.doc.diag(part.source, "X-DUPLICATE", "X refuses a tweet "
                                          f"identical to one in {owner.file}:{line}.",
                                          "Change the wording of one of them.")
            if c.post.schedule.cron is not None:
                yield c.post.doc.diag(("schedule", "cron"), "X-REPEAT", "this recurring post "
                                      "sends the same text to X every time; X refuses a repeat "
                                      "of a recent tweet.", "Publish it only on Facebook, or "
                                      "vary it: one post per occurrence.",
                                      severity=Severity.WARNING)
