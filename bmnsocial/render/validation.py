"""Validation of post files: every problem of every file in one run, never an exception."""

from __future__ import annotations

import gc
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bmnsocial.categories import Rule
from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic, Severity, sort_key
from bmnsocial.hashtags import HASHTAG_IN_TEXT
from bmnsocial.i18n import _, ngettext
from bmnsocial.platforms import registry
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.posts.cronspec import fires_at, may_coincide, weekly_slots
from bmnsocial.posts.model import Post, Schedule, parse_post
from bmnsocial.posts.twitter_text import extract_urls
from bmnsocial.render.renderer import MediaCache, findings_to_diagnostics, render_all
from bmnsocial.terminal import first_control
from bmnsocial.yamlsafe import Document, PathKey, load_file

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
    # Posts that could only be read in part (a field error): drawn by previews with their
    # problems, never queued. Filled only when asked for (validate_paths(drafts=True)).
    drafts: list[CheckedPost] = field(default_factory=list)
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
        # A misnamed post file or an unreadable folder is reported but not read: it counts as
        # looked at and invalid, never as a negative number of valid files.
        checked, invalid = set(self.files), self.invalid_files
        n, bad = len(checked | invalid), len(invalid)
        e, w = len(self.errors), len(self.warnings)
        files = ngettext("1 file checked", "{n} files checked", n).format(n=n)
        errors = ngettext("1 error", "{n} errors", e).format(n=e)
        warnings = ngettext("1 warning", "{n} warnings", w).format(n=w)
        # TRANSLATORS: e.g. "3 files checked: 2 valid, 1 invalid; 1 error, 0 warnings."
        return _("{files}: {valid} valid, {invalid} invalid; {errors}, {warnings}.").format(
            files=files, valid=n - bad, invalid=bad, errors=errors, warnings=warnings)


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
    for file, _absolute, _id in _post_files(paths, config):
        yield Path(file)


def is_post_file(name: str) -> bool:
    return name.lower().endswith(POST_SUFFIXES) and not name.startswith(".")


def near_miss(name: str) -> str | None:
    """The name a file was surely meant to have when it looks like a post but would not be
    read ('taller.yaml.txt' from a Windows editor, 'taller.yaml ' with a trailing space)."""
    if name.startswith(".") or is_post_file(name):
        return None
    stripped = name.strip()
    if is_post_file(stripped):
        return stripped
    lower = stripped.lower()
    for suffix in POST_SUFFIXES:
        if lower.endswith(suffix + ".txt"):
            return stripped[:-len(".txt")]
    return None


def _post_files(paths: Iterable[Path], config: Config,
                unreadable: list[OSError] | None = None,
                misnamed: list[tuple[str, str]] | None = None
                ) -> Iterator[tuple[str, bool, str]]:
    """What discover() finds, as (file, whether it is absolute, default post id). Files found in
    folders stay strings: a Path per file costs ~3 µs, a few percent of validating a post.
    Folders that cannot be listed are added to ``unreadable``."""
    media_root = config.media_root.resolve()
    paths = list(paths)
    # The same file named twice (or also inside a named folder) is checked once; with a single
    # path there are no twins, and the realpath per file is saved.
    seen: set[str] | None = set() if len(paths) > 1 else None
    for path in paths:
        if not path.is_dir():
            if seen is not None:
                key = os.path.realpath(path)
                if key in seen:
                    continue
                seen.add(key)
            yield str(path), path.is_absolute(), path.stem
            continue
        absolute = path.is_absolute()
        for root, dirs, files in os.walk(path, onerror=unreadable.append if unreadable is not None
                                         else None):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and Path(root, d).resolve() != media_root)
            for name in sorted(files):
                if misnamed is not None and (meant := near_miss(name)) is not None:
                    misnamed.append((os.path.join(root, name), meant))
                if is_post_file(name):
                    file = os.path.join(root, name)
                    if seen is not None:
                        key = os.path.realpath(file)
                        if key in seen:
                            continue
                        seen.add(key)
                    # The name ends in .yaml or .yml and does not start with a dot, so its
                    # Path.stem is what comes before the last dot.
                    yield file, absolute, name.rpartition(".")[0]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
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
            # What validation made is long-lived now (the caller keeps the result): file it
            # with the old objects at once. Re-enabled with ~200,000 young objects, the
            # collector would scan them all in the next young collections (tens of ms).
            # freeze() + unfreeze() moves every tracked object to the oldest generation
            # without a scan; a later full collection still sees them all.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


Progress = Callable[[int, int], None]


def validate_paths(paths: Iterable[Path], config: Config, now: datetime,
                   progress: Progress | None = None, *, drafts: bool = False,
                   published: Mapping[str, datetime] | None = None,
                   owners: Mapping[str, str] | None = None) -> ValidationResult:
    """``progress(done, total)`` is called after each file, for a progress bar. ``drafts``:
    also read what can be read of posts with field errors (``ValidationResult.drafts``).
    ``published``: post id -> when the ledger says it went out on X (duplicate checks);
    ``owners``: post id -> the file the ledger holds it from (duplicate ids)."""
    with cyclic_gc_paused():
        return _validate_paths(paths, config, now, progress, drafts, published, owners)


def _validate_paths(paths: Iterable[Path], config: Config, now: datetime,
                    progress: Progress | None, drafts: bool,
                    published: Mapping[str, datetime] | None,
                    owners: Mapping[str, str] | None) -> ValidationResult:
    result = ValidationResult()
    media = MediaCache(config)
    cwd = os.getcwd()
    unreadable: list[OSError] = []
    misnamed: list[tuple[str, str]] = []
    found = list(_post_files(paths, config, unreadable, misnamed))
    for file, meant in misnamed:
        result.diagnostics.append(Diagnostic(
            _display(file, os.path.isabs(file), cwd), 1, 1, Severity.ERROR, "FILE-NAME",
            _("this looks like a post, but its name does not end in .yaml, so it is not "
              "read (nor published)."),
            _("Rename it to '{name}'.").format(name=meant)))
    for exc in unreadable:
        folder = str(exc.filename)
        result.diagnostics.append(Diagnostic(
            _display(folder, os.path.isabs(folder), cwd), 1, 1, Severity.ERROR,
            "FOLDER-UNREADABLE",
            _("cannot read the folder: {reason}; the posts in it were not checked.").format(
                reason=exc.strerror or exc),
            _("Check that it exists and that you may read it.")))
    for start in range(0, len(found), _BATCH):
        batch = _load_batch(result, found, start, cwd, progress)
        checking: list[tuple[Post, bool]] = []
        for loaded, default_id in batch:
            post, diagnostics = parse_post(loaded, config, default_id)
            result.diagnostics.extend(diagnostics)
            if post is not None:
                checking.append((post, False))
            elif drafts:
                draft, _diagnostics = parse_post(loaded, config, default_id, best_effort=True)
                if draft is not None:
                    checking.append((draft, True))
        for post, is_draft in checking:
            checked, more = check_post(post, config, now, media)
            result.diagnostics.extend(more)
            (result.drafts if is_draft else result.posts).append(checked)
    result.diagnostics.extend(cross_checks(
        result.posts, published, timedelta(days=config.publish.duplicate_window_days), owners))
    result.diagnostics.extend(same_minute(result.posts, now, config.timezone))
    result.diagnostics.sort(key=sort_key)
    return result


#: Files read, then parsed, then checked, this many at a time: each step runs over a batch
#: with its code and tables still in the processor's caches, a quarter faster than taking
#: every file through all three in turn (benchmarks/README.md). Each file's diagnostics keep
#: their order, and they are sorted by file at the end.
_BATCH = 256


def _load_batch(result: ValidationResult, found: list[tuple[str, bool, str]], start: int,
                cwd: str, progress: Progress | None) -> list[tuple[Document, str]]:
    """The documents of ``found[start:start + _BATCH]`` that could be read, each with its
    default post id; what could not is reported in ``result``."""
    batch: list[tuple[Document, str]] = []
    for done, (file, absolute, default_id) in enumerate(found[start:start + _BATCH], start + 1):
        if progress is not None:
            progress(done, len(found))
        name = _display(file, absolute, cwd)
        result.files.append(name)
        if first_control(name, keep="") >= 0:
            result.diagnostics.append(Diagnostic(
                name, 1, 1, Severity.ERROR, "FILE-NAME-CONTROL",
                _("the file's name holds a control character, shown here as an escape: a "
                  "terminal would show another name."),
                _("Rename the file with letters, digits, '-' and '_' only.")))
            continue
        loaded = load_file(file, name)
        if isinstance(loaded, Diagnostic):
            result.diagnostics.append(loaded)
            continue
        batch.append((loaded, default_id))
    return batch


def check_post(post: Post, config: Config, now: datetime,
               media: MediaCache) -> tuple[CheckedPost, list[Diagnostic]]:
    rendered = render_all(post, config, media)
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[int, int, str]] = set()
    for r in rendered:
        for d in findings_to_diagnostics(post, r):
            if (d.line, d.column, d.code) not in seen:  # shared media is reported once
                seen.add((d.line, d.column, d.code))
                diagnostics.append(d)
    diagnostics.extend(_category_rules(post, rendered))
    diagnostics.extend(_schedule_rules(post, config, now))
    diagnostics.extend(_draft_and_recycle_rules(post))
    return CheckedPost(post, rendered), diagnostics


def forbidden_draft(draft: Diagnostic) -> Diagnostic:
    """POST-DRAFT where config.yaml's review.forbid_drafts is set: an error."""
    return replace(draft, severity=Severity.ERROR, message=_(
        "this post is a draft, and review.forbid_drafts in config.yaml refuses drafts here."),
        hint=_("Remove 'draft: true' before the post is merged, or keep the draft on its "
               "own branch."))


def _draft_and_recycle_rules(post: Post) -> Iterator[Diagnostic]:
    if post.draft:
        yield post.doc.diag(("draft",), "POST-DRAFT", _(
            "this post is a draft: it is checked and previewed, but never queued or "
            "published."), _("Remove 'draft: true' when it is ready."), key=True,
            severity=Severity.WARNING)
    if post.recycle is not None:
        every = timedelta(days=post.recycle.every_days)
        for platform in post.platforms:
            window = registry.get(platform).duplicate_window
            if window is not None and every < window:
                yield post.doc.diag(("recycle", "every_days"), "RECYCLE-TOO-OFTEN", _(
                    "{platform} refuses the same text again within {hours} h, and this post "
                    "comes back every {days} days.").format(
                        platform=registry.label(platform), hours=int(window.total_seconds()
                                                                     // 3600),
                        days=post.recycle.every_days),
                    _("Bring it back less often."))


def _category_rules(post: Post, rendered: list[Rendered]) -> Iterator[Diagnostic]:
    doc, cat = post.doc, post.category
    label = _("category {rank} ({slug})").format(rank=cat.rank, slug=cat.slug)
    texts = [p.text for r in rendered for p in r.parts]
    has_link = bool(post.link or any(post.content(p).link for p in post.platforms)
                    or any(extract_urls(t) for t in texts))
    for rule in cat.rules:
        if rule is Rule.NEEDS_IMAGE:
            for r in rendered:
                if not any(m.info.kind in ("image", "gif") for m in r.media):
                    yield doc.diag(("media",), "CATEGORY-NEEDS-IMAGE",
                                   _("{category} needs at least one image, and the {platform} "
                                     "post has none.").format(category=label, platform=r.platform),
                                   _("Add 'media:' with a photo and its alt text."), key=True)
        elif rule is Rule.NEEDS_HASHTAG:
            own = post.hashtags or any(post.content(p).hashtags for p in post.platforms)
            if not own and not any(HASHTAG_IN_TEXT.search(t) for t in post.source_texts()):
                yield doc.diag(("hashtags",), "CATEGORY-NEEDS-HASHTAG", _(
                    "{category} needs at least one hashtag of its own (the config's defaults do "
                    "not count).").format(category=label),
                    _("Add 'hashtags: [SaludPública]' or a #hashtag in the text."), key=True)
        elif rule is Rule.NEEDS_LINK and not has_link:
            yield doc.diag(("link",), "CATEGORY-NEEDS-LINK", _(
                "{category} needs a link to the publication.").format(category=label),
                _("Add 'link: https://…'."), key=True)
        elif rule is Rule.SUGGESTS_LINK and not has_link:
            yield doc.diag(("link",), "CATEGORY-SUGGESTS-LINK", _(
                "{category} usually carries a link where readers learn more.").format(
                    category=label), _("Add 'link: https://…' if there is one."), key=True,
                severity=Severity.WARNING)
        elif rule is Rule.SUGGESTS_IMAGE_OR_LINK and not has_link and not any(
                r.media for r in rendered):
            yield doc.diag(("media",), "CATEGORY-SUGGESTS-IMAGE", _(
                "{category} shows best with a photo of the item or a link to the catalogue."
            ).format(category=label), _("Add 'media:' or 'link:'."), key=True,
                severity=Severity.WARNING)
        elif rule is Rule.SUGGESTS_QUESTION and not any(_QUESTION.search(t) for t in texts):
            yield doc.diag(("text",), "CATEGORY-SUGGESTS-QUESTION", _(
                "{category} invites replies, but the text asks no question.").format(
                    category=label), _("End with a question, e.g. '¿Qué libro nos "
                                       "recomiendan?'."), key=True, severity=Severity.WARNING)
        elif rule is Rule.NEEDS_EVENT_START and (post.event is None or not post.event.starts):
            yield doc.diag(("event",), "CATEGORY-NEEDS-EVENT", _(
                "{category} needs the event's date and time.").format(category=label),
                _("Add 'event: {{starts: 2027-01-20 10:00, place: …}}'.").format(), key=True)
        elif rule is Rule.NEEDS_STREAM and (post.event is None or not post.event.starts
                                             or not post.event.url):
            yield doc.diag(("event",), "CATEGORY-NEEDS-STREAM", _(
                "{category} needs the stream's start time and link.").format(category=label),
                _("Add 'event: {{starts: 2027-01-20 10:00, url: https://…}}'.").format(),
                key=True)
        elif rule is Rule.NEEDS_CONSENT and any(r.media for r in rendered) and not post.consent:
            yield doc.diag(("consent",), "CATEGORY-NEEDS-CONSENT", _(
                "{category} shows people: confirm that everyone pictured agreed to be published."
            ).format(category=label), _("Add 'consent: true' once you have their permission."),
                key=True)
        elif rule is Rule.NEEDS_APPROVAL and not post.approved_by:
            yield doc.diag(("approved_by",), "CATEGORY-NEEDS-APPROVAL", _(
                "{category} speaks for the institution and needs the name of whoever approved "
                "it.").format(category=label),
                _("Add 'approved_by: <name of the director or editor>'."), key=True)


def _schedule_rules(post: Post, config: Config, now: datetime) -> Iterator[Diagnostic]:
    doc, s = post.doc, post.schedule
    if s.at is not None and s.at <= now:
        yield doc.diag(("schedule", "at"), "SCHED-PAST", _(
            "the time {time} has already passed.").format(time=f"{s.at:%Y-%m-%d %H:%M %z}"),
            _("Set a future time, or publish now with 'bmnsocial post FILE --now'."))
    if s.recurring and s.until is not None and s.until <= now:
        yield doc.diag(("schedule", "until"), "SCHED-PAST", _(
            "this recurring post ended on {date}.").format(date=f"{s.until:%Y-%m-%d}"),
            _("Move 'until' into the future, or delete the file when the series is over."))
    if s.slot and not config.slots:
        yield doc.diag(("schedule", "slot"), "SCHED-NO-SLOTS", _(
            "'slot: next' needs posting slots, and config.yaml defines none."),
            _("Add 'slots:' to config.yaml, or give the post an 'at:' time."))
    if post.event and post.event.starts and s.at and s.at >= post.event.starts:
        ends = post.event.ends
        late = ends is not None and s.at >= ends
        yield doc.diag(("schedule", "at"), "SCHED-AFTER-EVENT",
                       _("the post goes out after the event ended.") if late else
                       _("the post goes out after the event started."),
                       _("Schedule it before 'event.starts'."),
                       severity=Severity.ERROR if late else Severity.WARNING)


def _id_duplicates(posts: list[CheckedPost], owners: Mapping[str, str]) -> Iterator[Diagnostic]:
    """Two files with one id. An id is owned: when the ledger names the file that holds it,
    only the other files are refused (each on its own line, naming the owner) and the
    owner's queue is untouched; without a ledger every file of the id is refused, each
    naming the others."""
    by_id: dict[str, list[Post]] = defaultdict(list)
    for c in posts:
        by_id[c.post.id].append(c.post)
    for post_id, same in by_id.items():
        if len(same) < 2:
            continue
        owner_file = owners.get(post_id)
        owner = next((p for p in same if str(Path(p.file).resolve()) == owner_file), None)
        for post in same:
            if post is owner:
                continue
            others = [owner] if owner is not None else [p for p in same if p is not post]
            places = ", ".join(f"{o.file}:{o.doc.position(('id',))[0]}" for o in others)
            message = (_("the id '{id}' belongs to {place}, which the ledger has queued or "
                         "published under it.").format(id=post_id, place=places)
                       if owner is not None else
                       _("the id '{id}' is already used by {place}.").format(
                           id=post_id, place=places))
            yield post.doc.diag(("id",), "ID-DUPLICATE", message,
                                _("Give each post its own id (by default the file name)."),
                                key=True)


def _x_duplicates(posts: list[CheckedPost], published: Mapping[str, datetime],
                  window: timedelta) -> Iterator[Diagnostic]:
    """The same text in two posts, on a platform that refuses a repeat (X). The one that goes
    out later is reported, never the one already out: an error closer than ``window`` (the
    platform refuses a recent duplicate), a warning beyond it (an evergreen post brought
    back)."""
    refusing = registry.having("duplicate_window")
    far_future = datetime.max.replace(tzinfo=UTC)
    by_text: dict[str, list[tuple[datetime, int, CheckedPost, PathKey]]] = defaultdict(list)
    for order, c in enumerate(posts):
        when = published.get(c.post.id) or c.post.schedule.at or far_future
        for r in c.rendered:
            if r.platform in refusing:
                for part in r.parts:
                    by_text[part.text.strip()].append((when, order, c, part.source))
    for same in by_text.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda item: (item[0], item[1]))
        first_when, _order, first, first_source = same[0]
        for when, _order, c, source in same[1:]:
            if c.post is first.post or c.post.id in published:
                continue
            place = f"{first.post.file}:{first.post.doc.position(first_source)[0]}"
            went = first.post.id in published
            dated = first_when != far_future
            apart = when - first_when if dated and when != far_future else None
            if apart is not None and apart >= window:
                yield c.post.doc.diag(source, "X-DUPLICATE", _(
                    "the same tweet as {place}, {days} days after it ({date}): X takes it, "
                    "but followers see it again.").format(
                        place=place, days=apart.days, date=f"{first_when:%Y-%m-%d}"),
                    _("Fine for an evergreen post; otherwise change the wording."),
                    severity=Severity.WARNING)
                continue
            message = (_("X refuses a tweet identical to one it published on {date} "
                         "({place}).").format(date=f"{first_when:%Y-%m-%d}", place=place)
                       if went else
                       _("X refuses a tweet identical to one in {place}.").format(place=place))
            yield c.post.doc.diag(source, "X-DUPLICATE", message, _(
                "Change the wording, or publish it {days} days or more after the first.").format(
                    days=window.days))


#: Files named in one same-minute warning; more are counted.
SAME_MINUTE_NAMED = 3


def same_minute(posts: list[CheckedPost], now: datetime, zone: ZoneInfo) -> Iterator[Diagnostic]:
    """Posts due in the same minute on one platform (one-off times, and the series that fire
    then): a warning on each but the first, naming the files it meets there."""
    by_minute: dict[datetime, list[Post]] = defaultdict(list)
    series: list[Post] = []
    for c in posts:
        if c.post.draft:  # never goes out while it is one
            continue
        s = c.post.schedule
        if s.at is not None and s.at > now:
            by_minute[s.at.replace(second=0, microsecond=0)].append(c.post)
        elif s.recurring and (s.until is None or s.until > now):
            series.append(c.post)
    # The series that may fire at each weekday and time, in file order: a minute is checked
    # against those only, not against every series of the folder.
    by_slot: dict[tuple[int, time], list[Post]] = defaultdict(list)
    for post in series:
        for slot in _weekly(post.schedule):
            by_slot[slot].append(post)
    crowd = _Crowd()
    for minute, same in by_minute.items():
        if len(same) < 2 and not by_slot:
            continue
        local = minute.astimezone(zone)
        candidates = by_slot.get((local.weekday(), local.time()), [])
        if len(same) < 2 and not candidates:
            continue
        runs = [p for p in candidates
                if _within(p.schedule, minute) and _fires(p.schedule, local)]
        yield from crowd.one_minute(same, runs, f"{local:%Y-%m-%d %H:%M}")
    for i, post in enumerate(series):
        met = [other for other in series[:i]
               if _overlap(post.schedule, other.schedule)
               and _may_meet(post.schedule, other.schedule)]
        yield from crowd.warn(post, met, ("schedule", post.schedule.kind),
                              crowd.series_message, "")


def _fires(s: Schedule, local: datetime) -> bool:
    if s.cron is not None:
        return fires_at(s.cron, local)
    assert s.every is not None
    return s.every.fires_at(local, s.start.astimezone(local.tzinfo).date() if s.start else None)


def _may_meet(a: Schedule, b: Schedule) -> bool:
    if a.cron is not None and b.cron is not None:
        return may_coincide(a.cron, b.cron)
    return not _weekly(a).isdisjoint(_weekly(b))


def _weekly(s: Schedule) -> set[tuple[int, time]]:
    if s.cron is not None:
        return weekly_slots(s.cron)
    assert s.every is not None
    return s.every.weekly_slots()


def _within(s: Schedule, moment: datetime) -> bool:
    return (s.start is None or s.start <= moment) and (s.until is None or moment <= s.until)


def _overlap(a: Schedule, b: Schedule) -> bool:
    return ((a.start is None or b.until is None or a.start <= b.until)
            and (b.start is None or a.until is None or b.start <= a.until))


class _Crowd:
    """The same-minute warnings: their words translated once, and each minute's posts met in
    one pass (a folder may hold thousands of posts, many in one minute)."""

    def __init__(self) -> None:
        self.at_message = _("due in the same minute ({when}) on {platforms} as {files}.")
        self.series_message = _("this series publishes on {platforms} in the same minute as "
                                "{files}, on some days.")
        self.hint = _("Move one of them a few minutes apart: posts that go out together take "
                      "readers from each other.")
        self.labels: dict[tuple[str, ...], str] = {}

    def one_minute(self, same: list[Post], runs: list[Post], when: str
                   ) -> Iterator[Diagnostic]:
        """Each post of ``same`` (one-off, in file order) meets the ones before it and the
        series in ``runs``. The posts before are kept by their set of platforms: a count and
        the first few, enough to name and count them."""
        counts: dict[frozenset[str], int] = {}
        firsts: dict[frozenset[str], list[tuple[int, Post]]] = {}
        for i, post in enumerate(same):
            mine = frozenset(post.platforms)
            met_sets = [g for g in counts if not mine.isdisjoint(g)]
            if met_sets or runs:
                earlier = sorted(p for g in met_sets for p in firsts[g])
                named = [p for _i, p in earlier][:SAME_MINUTE_NAMED]
                yield from self.warn(post, named + runs, ("schedule", "at"), self.at_message,
                                     when, extra=sum(counts[g] for g in met_sets) - len(named),
                                     reach=frozenset().union(*met_sets))
            counts[mine] = counts.get(mine, 0) + 1
            head = firsts.setdefault(mine, [])
            if len(head) < SAME_MINUTE_NAMED:
                head.append((i, post))

    def warn(self, post: Post, others: list[Post], path: PathKey, message: str, when: str,
             *, extra: int = 0, reach: frozenset[str] = frozenset()) -> Iterator[Diagnostic]:
        """``others``: the posts to name (and count, with ``extra`` more not listed, on the
        platforms ``reach``)."""
        mine = frozenset(post.platforms)
        met = [o for o in others if not mine.isdisjoint(o.platforms)]
        if not met:
            return
        shared = tuple(p for p in post.platforms
                       if p in reach or any(p in o.platforms for o in met))
        if shared not in self.labels:
            self.labels[shared] = ", ".join(registry.label(p) for p in shared)
        files = ", ".join(o.file for o in met[:SAME_MINUTE_NAMED])
        rest = len(met) + extra - SAME_MINUTE_NAMED
        if rest > 0:
            files = ngettext("{files} and 1 more", "{files} and {count} more", rest).format(
                files=files, count=rest)
        yield post.doc.diag(path, "SCHED-SAME-MINUTE", message.format(
            when=when, platforms=self.labels[shared], files=files), self.hint,
            severity=Severity.WARNING)


def cross_checks(posts: list[CheckedPost], published: Mapping[str, datetime] | None = None,
                 window: timedelta = timedelta(days=30),
                 owners: Mapping[str, str] | None = None) -> Iterator[Diagnostic]:
    """``published``: post id -> when its X publication went out (from the ledger).
    ``owners``: post id -> the file (resolved) whose post the ledger holds under that id."""
    yield from _id_duplicates(posts, owners or {})
    yield from _x_duplicates(posts, published or {}, window)
    # the platforms that refuse the same text again (their duplicate_window: X)
    refusing = registry.having("duplicate_window")
    for c in posts:
        for r in c.rendered:
            if r.platform not in refusing:
                continue
            if c.post.schedule.recurring:
                yield c.post.doc.diag(("schedule", c.post.schedule.kind), "X-REPEAT", _(
                    "this recurring post sends the same text to X every time; X refuses a "
                    "repeat of a recent tweet."),
                    _("Publish it only on Facebook, or vary it: one post per occurrence."),
                    severity=Severity.WARNING)
