"""A new post file from a person's answers (`bmnsocial new`): what each category needs, and
the file's text, with short comments in the writer's language."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from enum import StrEnum

from bmnsocial.categories import Category, Rule
from bmnsocial.i18n import _
from bmnsocial.posts.model import plain_id


class Need(StrEnum):
    """A question that only some categories ask (their template)."""

    EVENT = "event"  # the event's name, start and place
    STREAM = "stream"  # the live stream's address
    QUESTION = "question"  # an invitation to comment
    IMAGE = "image"  # at least one image
    LINK = "link"  # a link
    HASHTAG = "hashtag"  # a hashtag of its own
    CONSENT = "consent"  # everyone pictured agreed
    APPROVAL = "approval"  # who approved it


_NEEDS: dict[Rule, tuple[Need, ...]] = {
    Rule.NEEDS_EVENT_START: (Need.EVENT,),
    Rule.NEEDS_STREAM: (Need.EVENT, Need.STREAM),
    Rule.SUGGESTS_QUESTION: (Need.QUESTION,),
    Rule.NEEDS_IMAGE: (Need.IMAGE,),
    Rule.NEEDS_LINK: (Need.LINK,),
    Rule.NEEDS_HASHTAG: (Need.HASHTAG,),
    Rule.NEEDS_CONSENT: (Need.CONSENT,),
    Rule.NEEDS_APPROVAL: (Need.APPROVAL,),
}


def needs(category: Category) -> tuple[Need, ...]:
    return tuple(dict.fromkeys(n for rule in category.rules for n in _NEEDS.get(rule, ())))


@dataclass(slots=True)
class Answers:
    category: Category
    text: str
    link: str | None = None
    images: list[tuple[str, str | None]] = field(default_factory=list)  # (path, alt)
    hashtags: list[str] = field(default_factory=list)
    at: str | None = None  # as written: 2027-01-14 09:30
    next_slot: bool = False
    event_name: str | None = None
    event_starts: str | None = None
    event_place: str | None = None
    stream_url: str | None = None
    question: str | None = None
    consent: bool = False
    approved_by: str | None = None


def file_stem(answers: Answers) -> str:
    """A file name from the event's name or the text's first words."""
    words = (answers.event_name or answers.text).split()[:6]
    return plain_id(" ".join(words))[:60].strip("-._") or answers.category.slug


_PLAIN_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$")


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value`` (a JSON string is YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _moment(value: str) -> str:
    return value if _PLAIN_MOMENT.match(value.strip()) else _scalar(value)


def _block(key: str, value: str, indent: str = "") -> list[str]:
    """Text as it was typed: several lines as a literal block; a long line folded (``>-``
    joins its lines with one space again), when that gives back exactly the same text."""
    lines = value.strip("\n").split("\n")
    if len(lines) > 1 and not lines[0].startswith((" ", "\t")):
        return [f"{indent}{key}: |-", *(f"{indent}  {line}".rstrip() for line in lines)]
    text = value.strip()
    folded = textwrap.wrap(text, width=90, break_long_words=False, break_on_hyphens=False)
    if len(folded) > 1 and " ".join(folded) == text and "\t" not in text:
        return [f"{indent}{key}: >-", *(f"{indent}  {line}" for line in folded)]
    return [f"{indent}{key}: {_scalar(text)}"]


def post_text(answers: Answers, schema_line: str | None = None) -> str:
    """The post file. Comments say what each part is for, in the writer's language."""
    a, cat = answers, answers.category
    out: list[str] = []
    if schema_line:
        out.append(f"# yaml-language-server: $schema={schema_line}")
    heading = _("Category {rank} ({slug}): {label}").format(rank=cat.rank, slug=cat.slug,
                                                            label=cat.label())
    out += [f"# {heading}",
            "# " + _("Check it with 'bmnsocial validate', see it with 'bmnsocial preview'; "
                     "docs/post-format.md says what each key means."),
            "version: 1", f"category: {cat.slug}", "# " + _("What the post says.")]
    text = a.text.rstrip()
    if a.question:
        text = f"{text}\n\n{a.question.strip()}" if "\n" in text else f"{text} {a.question.strip()}"
    out += _block("text", text)
    if a.link:
        out += ["# " + _("Where readers learn more."), f"link: {_scalar(a.link.strip())}"]
    if a.hashtags:
        tags = ", ".join(_scalar(t.strip().lstrip("#")) for t in a.hashtags)
        out += ["# " + _("Hashtags, without '#' (the config's default ones are added too)."),
                f"hashtags: [{tags}]"]
    if a.images:
        out += ["# " + _("Images in the media folder, each with what it shows (alt)."), "media:"]
        for path, alt in a.images:
            out.append(f"  - path: {_scalar(path)}")
            if alt:
                out.append(f"    alt: {_scalar(alt.strip())}")
    if Need.CONSENT in needs(cat) and a.consent:
        out += ["# " + _("Everyone pictured agreed to be published."), "consent: true"]
    if a.approved_by:
        out += ["# " + _("Who approved it (a post that speaks for the institution)."),
                f"approved_by: {_scalar(a.approved_by.strip())}"]
    if a.event_name or a.event_starts or a.event_place or a.stream_url:
        out += ["# " + _("The event: its name, when it starts (local time), where."), "event:"]
        if a.event_name:
            out.append(f"  name: {_scalar(a.event_name.strip())}")
        if a.event_starts:
            out.append(f"  starts: {_moment(a.event_starts)}")
        if a.event_place:
            out.append(f"  place: {_scalar(a.event_place.strip())}")
        if a.stream_url:
            out.append(f"  url: {_scalar(a.stream_url.strip())}")
    if a.at:
        out += ["# " + _("When it goes out (local time)."), "schedule:",
                f"  at: {_moment(a.at)}"]
    elif a.next_slot:
        out += ["# " + _("It goes out in the next free slot of the config's 'slots'."),
                "schedule:", "  slot: next"]
    else:
        out.append("# " + _("No schedule: it goes out with 'bmnsocial post'; add 'schedule: "
                            "{at: 2027-01-14 09:30}' to plan it."))
    return "\n".join(out) + "\n"
