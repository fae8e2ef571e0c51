"""Dry-run previews: the rendered posts and their next occurrences, as text or JSON."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bmnsocial.config import Config
from bmnsocial.diagnostics import Diagnostic
from bmnsocial.media import human_size
from bmnsocial.planning import Occurrence, occurrences
from bmnsocial.platforms import LABELS
from bmnsocial.render import Rendered
from bmnsocial.timeutil import describe
from bmnsocial.validation import CheckedPost

NEXT_OCCURRENCES = 5


@dataclass(slots=True)
class Preview:
    checked: CheckedPost
    occurrences: list[Occurrence]
    diagnostics: list[Diagnostic]


def build(checked: CheckedPost, config: Config, now: datetime,
          diagnostics: list[Diagnostic]) -> Preview:
    occ = occurrences(checked.post, config, now, limit=NEXT_OCCURRENCES)
    return Preview(checked, occ, [d for d in diagnostics if d.file == checked.post.file])


def schedule_text(preview: Preview) -> str:
    s = preview.checked.post.schedule
    if s.kind == "at":
        return "once, at a fixed time"
    if s.kind == "slot":
        return "in the next free posting slot"
    if s.kind == "cron" and s.cron is not None:
        ends = (f", until {s.until:%Y-%m-%d}" if s.until else
                f", {s.count} times from {s.start:%Y-%m-%d}" if s.count and s.start else "")
        return f"recurring, cron '{s.cron.expression}'{ends}"
    return "not scheduled (publish it with 'bmnsocial post FILE --now')"


def format_text(preview: Preview, config: Config) -> str:
    post = preview.checked.post
    cat = post.category
    lines = [f"{post.file} — {post.id}",
             f"  Category {cat.rank}: {cat.slug} — {cat.label_es}",
             f"  Schedule: {schedule_text(preview)}"]
    if preview.occurrences:
        lines.append("  Next occurrences (" + config.timezone_name + "):")
        for occ in preview.occurrences:
            note = f"  [{occ.note}]" if occ.note else ""
            lines.append(f"    {describe(occ.due, config.timezone)}{note}")
    elif post.schedule.kind != "none":
        lines.append("  Next occurrences: none ahead")
    for rendered in preview.checked.rendered:
        lines.append("")
        lines.extend(_platform_lines(rendered))
    if preview.diagnostics:
        lines.append("")
        lines.extend(d.format() for d in preview.diagnostics)
    return "\n".join(lines)


def _platform_lines(rendered: Rendered) -> list[str]:
    label = LABELS[rendered.platform]
    parts = rendered.parts
    kind = f"thread of {len(parts)} tweets" if len(parts) > 1 else "1 message"
    lines = [f"  ── {label} ── {kind}"]
    for i, part in enumerate(parts, 1):
        over = "  OVER THE LIMIT" if part.length > part.limit else ""
        head = f"[{i}/{len(parts)}] " if len(parts) > 1 else ""
        lines.append(f"  {head}{part.length}/{part.limit} characters{over}")
        for text_line in part.text.splitlines() or [""]:
            lines.append(textwrap.indent(text_line, "  │ ") if text_line else "  │")
        for m in part.media:
            alt = f'alt: "{m.alt}"' if m.alt else "NO ALT TEXT"
            lines.append(f"  + {m.info.relative} ({m.info.mime}, {human_size(m.info.size)}) "
                         f"{alt}")
    if rendered.link:
        lines.append(f"  link (shown as a preview card): {rendered.link}")
    return lines


def to_json(preview: Preview, config: Config) -> dict[str, Any]:
    post = preview.checked.post
    return {
        "file": post.file,
        "id": post.id,
        "category": {"rank": post.category.rank, "slug": post.category.slug},
        "schedule": post.schedule.kind,
        "occurrences": [{"due": o.due.isoformat(), "note": o.note} for o in preview.occurrences],
        "platforms": [rendered_json(r) for r in preview.checked.rendered],
        "diagnostics": [d.to_json() for d in preview.diagnostics],
    }


def rendered_json(rendered: Rendered) -> dict[str, Any]:
    return {
        "platform": rendered.platform,
        "link": rendered.link,
        "parts": [{
            "text": p.text, "length": p.length, "limit": p.limit,
            "media": [{"path": m.info.relative, "type": m.info.mime, "bytes": m.info.size,
                       "alt": m.alt} for m in p.media],
        } for p in rendered.parts],
    }
