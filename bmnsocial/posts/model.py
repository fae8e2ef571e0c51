"""The post file format (docs/post-format.md): parsing a loaded document into a Post."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from bmnsocial import categories
from bmnsocial.categories import Category, Rule
from bmnsocial.config import (
    LINK_POLICIES,
    MISFIRE_POLICIES,
    Config,
    platform_name,
)
from bmnsocial.diagnostics import Diagnostic
from bmnsocial.hashtags import check_hashtags
from bmnsocial.i18n import N_, _
from bmnsocial.platforms import registry
from bmnsocial.posts import cronspec, recurrence
from bmnsocial.posts.media import EXTENSION_TYPES, KIND_BY_TYPE
from bmnsocial.schema import Reader
from bmnsocial.timeutil import LocalTimeKind, classify, resolve_recurring, transition_offsets
from bmnsocial.yamlsafe import Document, PathKey

FORMAT_VERSION = 1
POST_KEYS = ("version", "id", "category", "text", "link", "hashtags", "media", "platforms",
             "schedule", "event", "consent", "approved_by", "draft", "recycle",
             "default_hashtags", "first_comment")
# Keys every platform section takes besides its platform's own ``post_keys``.
SECTION_KEYS = ("default_hashtags",)


def top_keys() -> tuple[str, ...]:
    """A post's keys: its own, then a section per platform (under its name or an alias)."""
    return _top_keys(tuple(registry.MODULES.items()))


@functools.cache
def _top_keys(platforms: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    # Asked once per post file; the platforms (the registry's modules) rarely change.
    return (*POST_KEYS[:8], *registry.names(), *registry.aliases(), *POST_KEYS[8:])


SCHEDULE_KEYS = ("at", "cron", "start", "until", "count", "slot", "misfire", "every")
EVENT_KEYS = ("name", "starts", "ends", "place", "url")
RECYCLE_KEYS = ("every_days", "until")
MEDIA_KEYS = ("path", "alt")
#: Each key a post file may hold, as a person reads it (hovering over it in an editor, or in
#: `bmnsocial schema post`): the post's own keys, then ``schedule.``, ``event.``, ``media.``
#: (one image), and ``platform.`` for what every platform section may override.
KEY_HELP: dict[str, str] = {
    "version": N_("Format version of this post file (1)."),
    "id": N_("The post's id, used by the queue and the history; by default the file name "
             "without .yaml. Letters without accents, digits, '.', '-' and '_'."),
    "category": N_("One of the 17 uses of the BMN's communication policy: its slug or its rank "
                   "(1 = most important). 'bmnsocial categories' lists them."),
    "text": N_("What the post says (the platforms' own sections may say it otherwise)."),
    "link": N_("A web address published with the post (https://…)."),
    "hashtags": N_("Hashtags added after the text, without '#': [SaludCuba, BMN]."),
    "media": N_("Images (or a video) in the media folder, each with its alt text."),
    "platforms": N_("Where it is published (default: the config's defaults.platforms)."),
    "schedule": N_("When: 'at' (once), 'cron' (recurring) or 'slot: next' (next free slot). "
                   "Without it the post goes out only with 'bmnsocial post'."),
    "event": N_("The event the post announces: name, starts, ends, place, url."),
    "consent": N_("true once everyone pictured agreed to be published."),
    "approved_by": N_("Who approved a post that speaks for the institution (category 17)."),
    "draft": N_("true while the post is a draft: checked and previewed, never queued or "
                "published."),
    "recycle": N_("An evergreen post: it comes back into the next free slot every "
                  "'every_days' days, until 'until'."),
    "default_hashtags": N_("false: the config's defaults.hashtags are left out of this post."),
    "first_comment": N_("Published once, right after the post: a comment by the Page on "
                        "Facebook, a reply on X and on Telegram."),
    "recycle.every_days": N_("Days from one time to the next (never within a platform's "
                             "duplicate window)."),
    "recycle.until": N_("No return after this date (or date and time)."),
    "schedule.at": N_("Date and time of a one-off publication: 2027-01-14 09:30 (local time)."),
    "schedule.cron": N_("A recurring schedule in cron's five fields: '0 9 * * mon' is Mondays "
                        "at 09:00."),
    "schedule.every": N_("A recurring schedule in words, in Spanish or English: 'de lunes a "
                         "viernes a las 08:00', 'the first Monday of the month at 09:00'."),
    "schedule.start": N_("The first day a recurring post may go out (date, or date and time)."),
    "schedule.until": N_("The last day a recurring post may go out (date, or date and time)."),
    "schedule.count": N_("How many times a recurring post goes out (needs 'start')."),
    "schedule.slot": N_("'next': the next free slot of the config's 'slots'."),
    "schedule.misfire": N_("What to do when found late: publish, skip or next_slot (overrides "
                           "the config's daemon.misfire)."),
    "event.name": N_("The event's name."),
    "event.starts": N_("When the event starts: 2027-01-20 10:00."),
    "event.ends": N_("When the event ends (after it starts)."),
    "event.place": N_("Where the event takes place."),
    "event.url": N_("The event's page, or the live stream's address (category 16)."),
    "media.path": N_("The file, relative to the media folder (media_root)."),
    "media.alt": N_("What the image shows, for people who use screen readers."),
    "platform.text": N_("This platform's own text, instead of the post's."),
    "platform.link": N_("This platform's own link, instead of the post's."),
    "platform.hashtags": N_("This platform's own hashtags, instead of the post's."),
    "platform.media": N_("This platform's own images, instead of the post's."),
    "platform.thread": N_("Several messages in a row (a thread): the first is the post, each "
                          "next one answers the one before."),
    "platform.default_hashtags": N_("false: this platform gets none of the config's "
                                    "defaults.hashtags."),
    "platform.first_comment": N_("This platform's own first comment, instead of the post's."),
    "platform.links": N_("inline: the link goes in the text; omit: no link on this platform."),
}
PLATFORM_SECTION_HELP = N_("What {platform} receives instead of the post's own fields.")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


def plain_id(text: str) -> str:
    """'Día del libro' -> 'dia-del-libro': lower case, no accents, other characters '-'."""
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9._-]+", "-", bare.lower()).strip("-._")[:100]
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MediaRef:
    path: str
    alt: str | None
    source: PathKey


@dataclass(frozen=True, slots=True)
class Content:
    """What one platform receives before rendering: the post's fields with overrides applied."""

    text: str | None
    text_source: PathKey
    link: str | None
    hashtags: tuple[str, ...]
    media: tuple[MediaRef, ...]
    thread: tuple[tuple[str, PathKey], ...] = ()
    default_hashtags: bool = True  # False: the config's defaults.hashtags are left out
    # Published once, right after the post: (text, where it was written).
    first_comment: tuple[str, PathKey] | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    at: datetime | None = None
    cron: cronspec.CronSpec | None = None
    start: datetime | None = None
    until: datetime | None = None
    count: int | None = None
    slot: bool = False
    misfire: str | None = None  # overrides config daemon.misfire for this post
    every: recurrence.Recurrence | None = None

    @property
    def kind(self) -> str:
        if self.at:
            return "at"
        if self.cron:
            return "cron"
        if self.every:
            return "every"
        return "slot" if self.slot else "none"

    @property
    def recurring(self) -> bool:
        return self.cron is not None or self.every is not None

    @property
    def signature(self) -> str:
        """What the file says about when, as text: a time given with --at holds until this
        changes (the file's schedule was edited after it)."""
        if self.at:
            return f"at {self.at.isoformat()}"
        if self.cron or self.every:
            bounds = [f"{name} {value.isoformat() if isinstance(value, datetime) else value}"
                      for name, value in (("start", self.start), ("until", self.until),
                                          ("count", self.count)) if value is not None]
            rule = (["cron", self.cron.expression] if self.cron else
                    ["every", self.every.phrase(recurrence.EN)] if self.every else [])
            return " ".join([*rule, *bounds])
        return "slot next" if self.slot else "none"


@dataclass(frozen=True, slots=True)
class Recycle:
    """An evergreen post brought back into the next free slot every ``every_days`` days."""

    every_days: int
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Event:
    name: str | None
    starts: datetime | None
    ends: datetime | None
    place: str | None
    url: str | None


@dataclass(slots=True)
class Post:
    id: str
    file: str
    category: Category
    text: str | None
    link: str | None
    hashtags: tuple[str, ...]
    media: tuple[MediaRef, ...]
    platforms: tuple[str, ...]
    overrides: dict[str, dict[str, Any]]
    schedule: Schedule
    event: Event | None
    consent: bool
    approved_by: str | None
    doc: Document = field(repr=False)
    draft: bool = False  # checked and previewed, never queued
    recycle: Recycle | None = None
    default_hashtags: bool = True
    first_comment: str | None = None

    def source_texts(self) -> list[str]:
        """Every text the author wrote: the post's, each platform's, each thread item."""
        texts = [self.text] if self.text else []
        for o in self.overrides.values():
            texts.extend(t for t in [o.get("text")] if t)
            texts.extend(t for t, _ in o.get("thread", ()))
        return texts

    @property
    def stream_url(self) -> str | None:
        """Where to watch a live stream: published with the post (categories that need it)."""
        if self.event is None or Rule.NEEDS_STREAM not in self.category.rules:
            return None
        return self.event.url

    def content(self, platform: str) -> Content:
        o = self.overrides.get(platform, {})
        text_source: PathKey = (o["section"], "text") if "text" in o else ("text",)
        text: str | None = o.get("text", self.text)
        link: str | None = o.get("link", self.link)
        thread = list(o.get("thread", ()))
        stream = self.stream_url
        written = [t for t, _ in thread] if thread else [text or ""]
        if stream and link != stream and not any(stream in t for t in written):
            # One link field per platform: the stream takes it, or joins the text after the
            # post's own link.
            if link is None:
                link = stream
            elif thread:
                first, source = thread[0]
                thread[0] = (f"{first.rstrip()}\n\n{stream}", source)
            else:
                text = f"{(text or '').rstrip()}\n\n{stream}"
        comment: tuple[str, PathKey] | None = (
            (o["first_comment"], (o["section"], "first_comment")) if "first_comment" in o
            else (self.first_comment, ("first_comment",)) if self.first_comment else None)
        return Content(
            text=text, text_source=text_source, link=link,
            hashtags=o.get("hashtags", self.hashtags), media=o.get("media", self.media),
            thread=tuple(thread), first_comment=comment,
            default_hashtags=o.get("default_hashtags", self.default_hashtags))


def parse_post(doc: Document, config: Config, default_id: str, *,
               best_effort: bool = False) -> tuple[Post | None, list[Diagnostic]]:
    """Read a post out of ``doc``; every schema problem becomes a diagnostic. A post with
    errors is None, unless ``best_effort``: then whatever could be read is kept (an unknown
    category as ``categories.UNKNOWN``), so that a preview can still draw it."""
    r = Reader(doc)
    data = r.mapping(doc.data, (), top_keys(), required=("category",))
    if data is None:
        if isinstance(doc.data, list):
            r.diagnostics[-1] = doc.diag((), "SCHEMA-TYPE", _(
                "the file holds a list, but a post file holds one post: a mapping of "
                "'key: value' lines."), _("Put one post per file, starting with 'category:'."))
        return None, r.diagnostics
    version = r.integer(data.get("version", FORMAT_VERSION), ("version",), minimum=1)
    if version is not None and version > FORMAT_VERSION:
        r.error(("version",), "POST-VERSION", _(
            "format version {version} is newer than this bmnsocial understands ({known})."
        ).format(version=version, known=FORMAT_VERSION), _("Upgrade bmnsocial."))

    post_id = r.text(data.get("id", default_id), ("id",)) or default_id
    if not _ID.match(post_id):
        suggestion = plain_id(post_id)
        r.error(("id",), "POST-ID", _(
            "the id '{id}' may use only letters without accents (a-z), digits, '.', '-' and "
            "'_' (up to 100, starting with a letter or digit).").format(id=post_id),
            _("Rename the file (or set 'id:') to '{suggestion}'.").format(suggestion=suggestion)
            if _ID.match(suggestion) else
            _("Rename the file or set 'id:' to something like 'jornada-2027-01'."))

    category = _category(r, data.get("category"))
    text = r.text(data.get("text"), ("text",))
    link = _url(r, data.get("link"), ("link",))
    hashtags = _hashtags(r, data.get("hashtags"), ("hashtags",))
    media = _media(r, data.get("media"), ("media",), config)
    platforms = _platforms(r, data.get("platforms"), config)

    overrides: dict[str, dict[str, Any]] = {}
    for name in registry.names():
        sections = [k for k in (name, *registry.aliases_of(name)) if data.get(k) is not None]
        if not sections:
            continue
        section = sections[0]
        for extra in sections[1:]:
            r.error((extra,), "POST-DUPLICATE-PLATFORM", _(
                "'{section}:' and '{other}:' are the same platform.").format(
                    section=extra, other=section),
                _("Keep one of the two sections."), key=True)
        m = r.mapping(data[section], (section,), (*registry.get(name).post_keys, *SECTION_KEYS))
        if m is None:
            continue
        o: dict[str, Any] = {}
        for key in ("text", "link", "hashtags", "media", "thread", "first_comment"):
            if key in m and m[key] is None and (section, key) not in doc.comment_after:
                r.error((section, key), "SCHEMA-EMPTY",
                        _("{where} is empty.").format(where=f"{section}.{key}"),
                        _("Write the {platform} {key}, or remove the line to use the post's "
                          "own.").format(platform=name, key=key), key=True)
        if m.get("text") is not None:
            o["text"] = r.text(m["text"], (section, "text"))
        if m.get("link") is not None:
            o["link"] = _url(r, m["link"], (section, "link"))
        if m.get("first_comment") is not None:
            o["first_comment"] = _comment(r, m["first_comment"], (section, "first_comment"))
        if m.get("hashtags") is not None:
            o["hashtags"] = _hashtags(r, m["hashtags"], (section, "hashtags"))
        if m.get("media") is not None:
            o["media"] = _media(r, m["media"], (section, "media"), config)
        own_defaults = r.boolean(m.get("default_hashtags"), (section, "default_hashtags"))
        if own_defaults is not None:
            o["default_hashtags"] = own_defaults
        if m.get("links") is not None:
            o["links"] = r.choice(m["links"], (section, "links"), LINK_POLICIES)
        if m.get("thread") is not None:
            items = r.text_list(m["thread"], (section, "thread")) or []
            o["thread"] = [(t, (section, "thread", i)) for i, t in enumerate(items)]
            if m.get("text") is not None:
                r.error((section, "thread"), "POST-THREAD-AND-TEXT",
                        _("{section} has both 'text' and 'thread'.").format(section=section),
                        _("The first item of 'thread' is the first tweet: move the text there."),
                        key=True)
        if name not in platforms:
            r.warning((section,), "POST-UNUSED-OVERRIDE",
                      _("'{section}:' is set but the post is not published on {platform}."
                        ).format(section=section, platform=name),
                      _("Add {platform} to 'platforms' or remove the section.").format(
                          platform=name), key=True)
        o["section"] = section
        overrides[name] = o

    for name in platforms:
        o = overrides.get(name, {})
        if not (o.get("thread") or o.get("text") or text):
            r.error((), "POST-NO-TEXT",
                    _("the post has no text for {platform}.").format(platform=name),
                    _("Add 'text:' (or a platform's own text) to the post."))

    schedule = _schedule(r, data.get("schedule"), config.timezone)
    event = _event(r, data.get("event"), config.timezone)
    consent = r.boolean(data.get("consent", False), ("consent",)) or False
    approved_by = r.text(data.get("approved_by"), ("approved_by",))
    draft = r.boolean(data.get("draft", False), ("draft",)) or False
    recycle = _recycle(r, data.get("recycle"), schedule, config.timezone)
    default_hashtags = r.boolean(data.get("default_hashtags", True), ("default_hashtags",))
    r.curly_quotes(is_prose)
    first_comment = _comment(r, data.get("first_comment"), ("first_comment",))
    r.empty_values_cut_by_comments()

    if not best_effort and (not r.ok or category is None):
        return None, r.diagnostics
    post = Post(id=post_id, file=doc.file, category=category or categories.UNKNOWN, text=text,
                link=link, hashtags=hashtags, media=media, platforms=platforms, overrides=overrides,
                schedule=schedule, event=event, consent=consent, approved_by=approved_by, doc=doc,
                draft=draft, recycle=recycle,
                default_hashtags=default_hashtags is not False,
                first_comment=first_comment)
    return post, r.diagnostics


#: Keys whose values are free text, published as written (curly quotes in them may be meant).
PROSE_KEYS = frozenset({"text", "thread", "alt", "name", "place", "approved_by",
                        "first_comment"})


def is_prose(path: PathKey) -> bool:
    return any(isinstance(step, str) and step in PROSE_KEYS for step in path[-2:])


def _comment(r: Reader, value: Any, path: PathKey) -> str | None:
    """A first comment as written, without the line break a YAML block leaves at its end."""
    text = r.text(value, path)
    return text.strip() if text is not None else None


def _category(r: Reader, value: Any) -> Category | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        r.error(("category",), "SCHEMA-TYPE", _("category must be a slug or a rank number."),
                _("Run 'bmnsocial categories' to see them."))
        return None
    found = categories.lookup(value)
    if found is None:
        from bmnsocial.schema import did_you_mean

        hint = did_you_mean(str(value), categories.BY_SLUG) or _(
            "Use a slug or a number from 1 to 17; run 'bmnsocial categories'.")
        r.error(("category",), "CATEGORY-UNKNOWN",
                _("'{value}' is not one of the 17 BMN categories.").format(value=value), hint)
    return found


def _url(r: Reader, value: Any, path: PathKey) -> str | None:
    text = r.text(value, path)
    if text is None:
        return None
    text = text.strip()
    if not _URL.match(text):
        r.error(path, "POST-LINK", _("'{value}' is not a web address.").format(value=text),
                _("Write the full address, starting with https://."))
        return None
    return text


def _hashtags(r: Reader, value: Any, path: PathKey) -> tuple[str, ...]:
    return check_hashtags(r, r.text_list(value, path) or [], path)


def _media(r: Reader, value: Any, path: PathKey, config: Config) -> tuple[MediaRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        value = [value]
    out: list[MediaRef] = []
    for i, item in enumerate(value):
        ipath = (*path, i)
        if isinstance(item, str):
            item = {"path": item}
        m = r.mapping(item, ipath, MEDIA_KEYS, required=("path",))
        if m is None:
            continue
        rel = r.text(m.get("path"), (*ipath, "path"))
        alt = r.text(m.get("alt"), (*ipath, "alt"))
        # Neither platform takes a video's alt text through its API (X: images and GIFs
        # only; Facebook videos are not published): the post's text describes a video.
        is_video = bool(rel) and KIND_BY_TYPE.get(
            EXTENSION_TYPES.get(PurePath(str(rel)).suffix.lower(), ""), "") == "video"
        if alt is None and config.require_alt_text and m.get("alt") is None and not is_video:
            r.error(ipath, "MEDIA-ALT-MISSING",
                    _("{where} has no alt text.").format(where=r.label(ipath)),
                    _("Add 'alt:' describing the image for people who use screen readers."))
        if rel:
            out.append(MediaRef(rel, alt, ipath))
    return tuple(out)


def _platforms(r: Reader, value: Any, config: Config) -> tuple[str, ...]:
    if value is None:
        return config.default_platforms
    names = r.text_list(value, ("platforms",)) or []
    out: list[str] = []
    for i, name in enumerate(names):
        checked = r.choice(platform_name(name), ("platforms", i), registry.names())
        if checked is None:
            continue
        if checked not in config.platforms_configured:
            r.error(("platforms", i), "POST-PLATFORM",
                    _("{platform} has no account in the configuration.").format(
                        platform=checked),
                    _("Add accounts.{platform} to config.yaml.").format(platform=checked))
        elif checked not in out:
            out.append(checked)
    if not out and not names:
        r.error(("platforms",), "POST-PLATFORM", _("the post names no platform."),
                _("List one or more of {platforms}, or remove 'platforms:' to use the "
                  "defaults.").format(platforms=", ".join(config.platforms_configured
                                                          or registry.names())))
    return tuple(out)


def parse_moment(r: Reader, value: Any, path: PathKey, tz: ZoneInfo, *,
                 date_only_time: time | None = None) -> datetime | None:
    """A date-time in the config zone or with an explicit offset; never a silent DST shift."""
    text = r.text(value, path)
    if text is None:
        return None
    text = text.strip()
    if date_only_time is None and ":" not in text and "t" not in text.lower():
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:  # a date alone would go out at midnight, which nobody means
            r.error(path, "SCHED-TIME", _("'{value}' is a date without a time.").format(
                value=text), _("Add the time, e.g. {example}.").format(
                    example=f"{day:%Y-%m-%d} 09:30"))
            return None
    try:
        if date_only_time is not None and len(text) == 10:
            # A whole day has no DST ambiguity: it starts at its first instant.
            return resolve_recurring(
                datetime.combine(date.fromisoformat(text), date_only_time), tz)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        r.error(path, "SCHED-TIME", _("'{value}' is not a date and time.").format(value=text),
                _("Write it as 2027-01-14 09:30 (local time) or 2027-01-14T09:30-05:00."))
        return None
    if moment.tzinfo is not None:
        return moment
    kind = classify(moment, tz)
    if kind is LocalTimeKind.NORMAL:  # the usual case: no need to format the messages below
        return moment.replace(tzinfo=tz)
    when, stamp = f"{moment:%Y-%m-%d %H:%M}", f"{moment:%Y-%m-%dT%H:%M}"
    if kind is LocalTimeKind.NONEXISTENT:
        before = transition_offsets(moment, tz)[0]
        r.error(path, "SCHED-DST-GAP", _(
            "{time} does not exist in {zone}: the clocks jump forward an hour that night."
        ).format(time=when, zone=tz.key), _(
            "Pick another time (e.g. one hour later), or give an explicit offset such as "
            "{example}.").format(example=stamp + before))
        return None
    if kind is LocalTimeKind.AMBIGUOUS:
        first, second = transition_offsets(moment, tz)
        r.error(path, "SCHED-DST-AMBIGUOUS", _(
            "{time} happens twice in {zone}: the clocks go back an hour that night."
        ).format(time=when, zone=tz.key), _(
            "Add the offset: {first} for the first time, {second} for the second.").format(
                first=stamp + first, second=stamp + second))
        return None
    return moment.replace(tzinfo=tz)


def _schedule(r: Reader, value: Any, tz: ZoneInfo) -> Schedule:
    if value is None:
        return Schedule()
    m = r.mapping(value, ("schedule",), SCHEDULE_KEYS)
    if m is None:
        return Schedule()
    kinds = [k for k in ("at", "every", "cron", "slot") if m.get(k) is not None]
    if len(kinds) != 1:
        message = (_("schedule needs exactly one of 'at', 'every', 'cron' or 'slot', not "
                     "{kinds}.").format(kinds=_(" and ").join(kinds)) if kinds else
                   _("schedule needs exactly one of 'at', 'every', 'cron' or 'slot'."))
        r.error(("schedule",), "SCHED-KIND", message,
                _("One-off: 'at: 2027-01-14 09:30'; recurring: 'every: lunes a las 09:00' "
                  "(or \"cron: '0 9 * * mon'\"); next free slot: 'slot: next'."), key=True)
        return Schedule()
    misfire = (r.choice(m["misfire"], ("schedule", "misfire"), MISFIRE_POLICIES)
               if m.get("misfire") is not None else None)
    kind = kinds[0]
    for extra in ("start", "until", "count"):
        if kind not in ("cron", "every") and m.get(extra) is not None:
            r.error(("schedule", extra), "SCHED-KIND",
                    _("'{key}' belongs to a recurring schedule ('every' or 'cron').").format(
                        key=extra),
                    _("Remove '{key}'.").format(key=extra), key=True)
    if kind == "at":
        return Schedule(at=parse_moment(r, m["at"], ("schedule", "at"), tz), misfire=misfire)
    if kind == "slot":
        if r.choice(m["slot"], ("schedule", "slot"), ("next",)) is None:
            return Schedule()
        return Schedule(slot=True, misfire=misfire)
    every = _every(r, m["every"]) if kind == "every" else None
    expression = r.text(m["cron"], ("schedule", "cron")) if kind == "cron" else None
    spec = None
    if expression is not None:
        try:
            spec = cronspec.parse(expression)
        except cronspec.CronSyntaxError as exc:
            r.error(("schedule", "cron"), "SCHED-CRON", f"'{expression}': {exc}.",
                    cronspec.slip_hint(expression) or
                    _("Five fields: minute hour day month weekday, e.g. '0 9 * * mon' for "
                      "Mondays at 09:00."))
        else:
            per_day = cronspec.fires_per_day(spec)
            if per_day > cronspec.MAX_PER_DAY:
                r.error(("schedule", "cron"), "SCHED-TOO-OFTEN", _(
                    "'{cron}' publishes {count} times a day; a recurring post publishes at "
                    "most {most} times a day.").format(cron=expression, count=per_day,
                                                       most=cronspec.MAX_PER_DAY),
                        _("Publish less often: '0 * * * *' is every hour, '0 9,13 * * *' at "
                          "09:00 and 13:00."))
    start = parse_moment(r, m.get("start"), ("schedule", "start"), tz, date_only_time=time(0, 0))
    until = parse_moment(r, m.get("until"), ("schedule", "until"), tz,
                         date_only_time=time(23, 59, 59))
    count = r.integer(m.get("count"), ("schedule", "count"), minimum=1, maximum=1000)
    if count is not None and until is not None:
        r.error(("schedule", "count"), "SCHED-KIND", _("give 'until' or 'count', not both."),
                _("Keep the one that says when the series ends."), key=True)
    if count is not None and start is None and m.get("start") is None:
        r.error(("schedule", "count"), "SCHED-COUNT-START", _(
            "'count' needs a 'start' date, so the series does not begin again every time the "
            "file is read."), _("Add 'start: 2027-01-04' (the first day the series may run)."),
            key=True)
    if start and until and until <= start:
        r.error(("schedule", "until"), "SCHED-RANGE", _("'until' is not after 'start'."),
                _("Check the two dates."))
    if every is not None and every.every_weeks > 1 and m.get("start") is None:
        r.error(("schedule", "every"), "SCHED-EVERY-START", _(
            "every {weeks} weeks needs a 'start' date: the weeks are counted from it."
        ).format(weeks=every.every_weeks), _(
            "Add 'start: 2027-01-04' (a day in the first week the post goes out)."), key=True)
    return Schedule(cron=spec, every=every, start=start, until=until, count=count,
                    misfire=misfire)


def _every(r: Reader, value: Any) -> recurrence.Recurrence | None:
    path: PathKey = ("schedule", "every")
    written = r.text(value, path)
    if written is None:
        return None
    try:
        every = recurrence.parse(written)
    except recurrence.RecurrenceError as exc:
        hint = (_("Write: every: '{phrase}'.").format(phrase=exc.phrase) if exc.phrase else
                exc.hint)
        r.error(path, "SCHED-EVERY", f"'{written}': {exc}.", hint)
        return None
    if every.times_per_day > cronspec.MAX_PER_DAY:
        r.error(path, "SCHED-TOO-OFTEN", _(
            "'{every}' publishes {count} times a day; a recurring post publishes at most "
            "{most} times a day.").format(every=written, count=every.times_per_day,
                                          most=cronspec.MAX_PER_DAY),
            _("Publish less often: name fewer times."))
        return None
    return every


def _recycle(r: Reader, value: Any, schedule: Schedule, tz: ZoneInfo) -> Recycle | None:
    if value is None:
        return None
    m = r.mapping(value, ("recycle",), RECYCLE_KEYS, required=("every_days",))
    if m is None:
        return None
    every = r.integer(m.get("every_days"), ("recycle", "every_days"), minimum=1, maximum=3650)
    until = parse_moment(r, m.get("until"), ("recycle", "until"), tz,
                         date_only_time=time(23, 59, 59))
    if schedule.kind not in ("at", "slot"):
        r.error(("recycle",), "RECYCLE-SCHEDULE", _(
            "'recycle' brings back a post that went out once: it needs 'schedule: {{at: …}}' "
            "or 'schedule: {{slot: next}}' for the first time.").format(),
                _("Give the first time ('at: 2027-01-14 09:30' or 'slot: next'); a recurring "
                  "'cron' post repeats already."), key=True)
        return None
    if every is None:
        return None
    return Recycle(every, until)


def _event(r: Reader, value: Any, tz: ZoneInfo) -> Event | None:
    if value is None:
        return None
    m = r.mapping(value, ("event",), EVENT_KEYS)
    if m is None:
        return None
    starts = parse_moment(r, m.get("starts"), ("event", "starts"), tz)
    ends = parse_moment(r, m.get("ends"), ("event", "ends"), tz)
    if starts and ends and ends <= starts:
        r.error(("event", "ends"), "EVENT-RANGE", _("the event ends before it starts."),
                _("Check 'starts' and 'ends'."))
    return Event(name=r.text(m.get("name"), ("event", "name")), starts=starts, ends=ends,
                 place=r.text(m.get("place"), ("event", "place")),
                 url=_url(r, m.get("url"), ("event", "url")))
