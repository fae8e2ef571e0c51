"""Dry-run previews: the rendered posts and their next occurrences, as text or JSON."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bmnsocial.categories import UNKNOWN
from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic
from bmnsocial.i18n import _, current, money, ngettext
from bmnsocial.platforms import registry
from bmnsocial.platforms.base import Charge, Pricing, total
from bmnsocial.platforms.rendered import Rendered
from bmnsocial.posts.media import VideoInfo, human_size, video_summary
from bmnsocial.posts.model import Recycle, Schedule
from bmnsocial.render.validation import CheckedPost
from bmnsocial.schedule.planning import Occurrence, occurrences
from bmnsocial.terminal import visible
from bmnsocial.timeutil import describe

NEXT_OCCURRENCES = 5


@dataclass(slots=True)
class Preview:
    checked: CheckedPost
    occurrences: list[Occurrence]
    diagnostics: list[Diagnostic]
    # (platform, due) of queued rows whose time was given with --at, not by the file
    pinned: list[tuple[str, datetime]] = field(default_factory=list)


def build(checked: CheckedPost, config: Config, now: datetime, diagnostics: list[Diagnostic],
          *, platforms: tuple[str, ...] = (), when: datetime | None = None,
          when_note: str = "", slots: SlotView | None = None) -> Preview:
    """``platforms``: only these renderings; ``when``: this one time instead of the post's
    schedule (a command line's --now or --at)."""
    if platforms:
        checked = CheckedPost(checked.post,
                              [r for r in checked.rendered if r.platform in platforms])
    if when is not None:
        occ = [Occurrence(checked.post.id, when, when_note)]
    elif checked.post.schedule.slot and slots is not None:
        occ = _slot(checked, config, now, slots)
    else:
        occ = occurrences(checked.post, config, now, limit=NEXT_OCCURRENCES)
    return Preview(checked, occ, [d for d in diagnostics if d.file == checked.post.file])


@dataclass(frozen=True, slots=True)
class SlotView:
    """What the ledger says about posting slots: the times taken, and the slot each queued
    ``slot: next`` post already has. ``known`` is False where there is no ledger to ask."""

    taken: frozenset[datetime] = frozenset()
    queued: dict[str, datetime] = field(default_factory=dict)
    known: bool = True


def _slot(checked: CheckedPost, config: Config, now: datetime,
          slots: SlotView) -> list[Occurrence]:
    """The slot the queue gives a ``slot: next`` post: the one it holds, else the next free
    one, as the ledger sees them."""
    post = checked.post
    if post.id in slots.queued:
        return [Occurrence(post.id, slots.queued[post.id].astimezone(config.timezone),
                           _("its slot in the queue"))]
    found = occurrences(post, config, now, taken=slots.taken)
    if slots.known:
        return found
    return [Occurrence(o.post_id, o.due, _("next free posting slot; no ledger here to see "
                                          "which slots are taken: the server may give a "
                                          "later one")) for o in found]


def schedule_text(preview: Preview) -> str:
    s = preview.checked.post.schedule
    if s.kind == "at":
        return _("once, at a fixed time")
    if s.kind == "slot":
        return _("in the next free posting slot")
    if s.every is not None:
        return _every_text(s)
    if s.kind == "cron" and s.cron is not None:
        if s.until:
            return _("recurring, cron '{cron}', until {date}").format(
                cron=s.cron.expression, date=f"{s.until:%Y-%m-%d}")
        if s.count and s.start:
            return ngettext("recurring, cron '{cron}', {count} time from {date}",
                            "recurring, cron '{cron}', {count} times from {date}",
                            s.count).format(cron=s.cron.expression, count=s.count,
                                            date=f"{s.start:%Y-%m-%d}")
        return _("recurring, cron '{cron}'").format(cron=s.cron.expression)
    return _("not scheduled (publish it with 'bmnsocial post FILE --now')")


def recycle_text(recycle: Recycle) -> str:
    if recycle.until is not None:
        return ngettext("Evergreen: back in the next free slot every {days} day, until {date}",
                        "Evergreen: back in the next free slot every {days} days, until {date}",
                        recycle.every_days).format(days=recycle.every_days,
                                                   date=f"{recycle.until:%Y-%m-%d}")
    return ngettext("Evergreen: back in the next free slot every {days} day",
                    "Evergreen: back in the next free slot every {days} days",
                    recycle.every_days).format(days=recycle.every_days)


def _every_text(s: Schedule) -> str:
    assert s.every is not None
    text = _("recurring: {words}").format(words=s.every.phrase(current()))
    if s.until:
        return _("{schedule}, until {date}").format(schedule=text, date=f"{s.until:%Y-%m-%d}")
    if s.count and s.start:
        return ngettext("{schedule}, {count} time from {date}",
                        "{schedule}, {count} times from {date}", s.count).format(
                            schedule=text, count=s.count, date=f"{s.start:%Y-%m-%d}")
    if s.start:
        return _("{schedule}, from {date}").format(schedule=text, date=f"{s.start:%Y-%m-%d}")
    return text


def format_text(preview: Preview, config: Config) -> str:
    post = preview.checked.post
    cat = post.category
    lines = [f"{post.file} — {post.id}",
             "  " + (_("Category: unknown (see the errors below)") if cat is UNKNOWN else
                     _("Category {rank}: {slug} — {label}").format(
                         rank=cat.rank, slug=cat.slug, label=cat.label())),
             "  " + _("Schedule: {schedule}").format(schedule=schedule_text(preview))]
    if post.recycle is not None:
        lines.append("  " + recycle_text(post.recycle))
    if post.draft:
        lines.append("  " + _("Draft: checked and previewed here, never queued or published "
                              "(remove 'draft: true' when it is ready)."))
    if preview.occurrences:
        lines.append("  " + _("Next occurrences ({zone}):").format(zone=config.timezone_name))
        for occ in preview.occurrences:
            note = f"  [{occ.note}]" if occ.note else ""
            lines.append(f"    {describe(occ.due, config.timezone, aligned=True)}{note}")
    elif post.schedule.kind != "none":
        lines.append("  " + _("Next occurrences: none ahead"))
    for platform, due in preview.pinned:
        lines.append("  " + _("Queued for {platform} at {when}: a time given with --at, which "
                              "holds until the file's schedule changes.").format(
                                  platform=platform, when=describe(due, config.timezone)))
    for rendered in preview.checked.rendered:
        lines.append("")
        lines.extend(_platform_lines(rendered))
        lines.extend("  " + line for line in cost_lines(rendered, config))
    if preview.diagnostics:
        lines.append("")
        lines.extend(d.format() for d in preview.diagnostics)
    return visible("\n".join(lines), keep="\n\t")


def _platform_lines(rendered: Rendered) -> list[str]:
    label = registry.label(rendered.platform)
    parts = rendered.body
    kind = (registry.thread_kind(rendered.platform, len(parts)) if len(parts) > 1
            else _("1 message"))
    lines = [f"  ── {label} ── {kind}"]
    for i, part in enumerate(rendered.parts, 1):
        over = "  " + _("OVER THE LIMIT") if part.length > part.limit else ""
        head = f"[{i}/{len(parts)}] " if len(parts) > 1 else ""
        if part.comment:
            head = _("first comment, right after the post:") + " "
        lines.append(f"  {head}" + _("{length}/{limit} characters").format(
            length=part.length, limit=part.limit) + over)
        # split("\n"), not splitlines(): a vertical tab or U+2028 in the text stays to be seen
        for text_line in part.text.removesuffix("\n").split("\n"):
            lines.append(textwrap.indent(text_line, "  │ ") if text_line else "  │")
        names = mentions(rendered.platform, part.text)
        if names:
            lines.append("  " + ngettext("{count} mention: {names}", "{count} mentions: {names}",
                                         len(names)).format(count=len(names),
                                                            names=", ".join(
                                                                "@" + n for n in names)))
        for m in part.media:
            alt = (_('alt: "{alt}"').format(alt=m.alt) if m.alt else _("NO ALT TEXT"))
            video = f", {video_summary(m.info.video)}" if m.info.video else ""
            lines.append(f"  + {m.info.relative} ({m.info.mime}, {human_size(m.info.size)}"
                         f"{video}) {alt}")
    if rendered.link:
        lines.append("  " + _("link (shown as a preview card): {link}").format(
            link=rendered.link))
    return lines


def _pricing(rendered: Rendered, config: Config) -> Pricing | None:
    """How the platform prices this rendering: None for a free API (Facebook's), and for an
    account in manual mode (a person publishes it: no request)."""
    if rendered.platform in config.manual_platforms:
        return None
    pricing: Pricing | None = registry.capability(rendered.platform, "pricing")
    return pricing


def mentions(platform: str, text: str) -> list[str]:
    """The accounts ``platform`` links in ``text`` ('usuario' for '@usuario')."""
    return [text[start + 1:end] for start, end in registry.get_spec(platform).mentions(text)]


def _charges(rendered: Rendered, config: Config) -> list[Charge]:
    pricing = _pricing(rendered, config)
    if pricing is None:
        return []
    return pricing.publication(rendered, pricing.prices(config.account(rendered.platform)), 0)


def cost_lines(rendered: Rendered, config: Config) -> list[str]:
    """What the platform will charge for ``rendered``: a heading, then each request indented
    and the total (none for a platform that charges nothing); the terminal and the HTML page
    both."""
    pricing = _pricing(rendered, config)
    charges = _charges(rendered, config)
    if pricing is None or not charges:
        return []
    count = len(rendered.body)
    lines = [_(pricing.heading).format(date=pricing.prices_date)]
    for charge in charges:
        head = f"[{charge.part + 1}/{count}] " if count > 1 else ""
        if charge.part == count:  # past the post's own parts: its first comment
            head = _("first comment:") + " "
        lines.append(f"  {head}{pricing.describe(charge)}")
    lines.append("  " + _("total: {usd}").format(usd=money(total(charges))))
    return lines


def cost_usd(rendered: Rendered, config: Config) -> float:
    return total(_charges(rendered, config))


def to_json(preview: Preview, config: Config) -> dict[str, Any]:
    post = preview.checked.post
    return {
        "file": post.file,
        "id": post.id,
        "category": {"rank": post.category.rank, "slug": post.category.slug},
        "schedule": post.schedule.kind,
        "draft": post.draft,
        "recycle": None if post.recycle is None else {
            "every_days": post.recycle.every_days,
            "until": post.recycle.until.isoformat() if post.recycle.until else None},
        "schedule_text": schedule_text(preview),
        "every": ({"written": post.schedule.every.written,
                   "words": post.schedule.every.phrase(current())}
                  if post.schedule.every is not None else None),
        "occurrences": [{"due": o.due.isoformat(), "note": o.note} for o in preview.occurrences],
        "platforms": [{**rendered_json(r), "cost_usd": cost_usd(r, config),
                       "costs": [{"request": c.kind, "units": c.units, "usd": c.usd,
                                  "part": c.part + 1} for c in _charges(r, config)]}
                      for r in preview.checked.rendered],
        "diagnostics": [d.to_json() for d in preview.diagnostics],
        "valid": not any(d.is_error for d in preview.diagnostics),
        "pinned": [{"platform": platform, "due": due.astimezone(config.timezone).isoformat()}
                   for platform, due in preview.pinned],
    }


def rendered_json(rendered: Rendered) -> dict[str, Any]:
    return {
        "platform": rendered.platform,
        "link": rendered.link,
        "parts": [{
            "text": p.text, "length": p.length, "limit": p.limit,
            "mentions": mentions(rendered.platform, p.text),
            "media": [{"path": m.info.relative, "type": m.info.mime, "bytes": m.info.size,
                       "alt": m.alt, **_video_json(m.info.video)} for m in p.media],
        } for p in rendered.body],
        "first_comment": ({"text": comment.text, "length": comment.length,
                           "limit": comment.limit}
                          if (comment := rendered.comment) is not None else None),
    }


def _video_json(video: VideoInfo | None) -> dict[str, Any]:
    if video is None:
        return {}
    return {"video": {"seconds": video.seconds, "width": video.width, "height": video.height,
                      "rotation": video.rotation, "fps": video.fps, "codec": video.codec,
                      "audio": video.audio}}
