"""Hashtags: how they are written in a post or the config, and how they are found in text."""

from __future__ import annotations

import re
import unicodedata

from bmnsocial.i18n import _
from bmnsocial.schema import Reader
from bmnsocial.yamlsafe import PathKey

_HASHTAG = re.compile(r"^\w+$")
HASHTAG_IN_TEXT = re.compile(r"(?<![\w&])[#＃](\w+)")


def check_hashtags(r: Reader, tags: list[str], path: PathKey) -> tuple[str, ...]:
    out: list[str] = []
    seen: set[str] = set()  # casefolded
    for i, tag in enumerate(tags):
        clean = unicodedata.normalize("NFC", tag.strip().lstrip("#"))
        if not _HASHTAG.match(clean):
            r.error((*path, i), "POST-HASHTAG", _(
                "'{tag}' is not a hashtag: hashtags are one word of letters, digits and '_'."
            ).format(tag=tag), _("Remove spaces and punctuation, e.g. SaludPública."))
            continue
        if clean.isdigit():
            r.error((*path, i), "POST-HASHTAG", _(
                "'{tag}' is only digits; the platforms do not link such hashtags.").format(
                    tag=tag), _("Add a letter, e.g. BMN2027."))
            continue
        if clean.casefold() not in seen:
            seen.add(clean.casefold())
            out.append(clean)
    return tuple(out)
