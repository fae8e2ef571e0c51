"""The Graph API versions Meta publishes and the day each stops answering
(bmnsocial/data/graph-versions.json, copied from Meta's changelog, source inside it).

A version is refused by the configuration when the table does not know it; one that ends
within ``WARN_DAYS`` is a warning in `config check` and `status`; one that has ended is an
error there (Graph no longer answers it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from bmnsocial.i18n import _

WARN_DAYS = 60

OK = "ok"
ENDING = "ending"
ENDED = "ended"


@dataclass(frozen=True, slots=True)
class GraphVersion:
    version: str
    released: date
    available_until: date | None  # None: Meta has not said yet


@dataclass(frozen=True, slots=True)
class VersionState:
    version: GraphVersion
    state: str  # OK, ENDING or ENDED
    days_left: int | None  # None while Meta has not given an end
    today: date

    @property
    def message(self) -> str:
        """A sentence for a person, empty while the version is fine."""
        until = self.version.available_until
        if self.state == ENDED:
            return _("Graph API {version} stopped answering on {date}: nothing reaches "
                     "Facebook. Set accounts.facebook.api_version to a current version ({current})"
                     ).format(version=self.version.version, date=until,
                              current=", ".join(current_names(self.today)))
        if self.state == ENDING:
            return _("Graph API {version} stops answering on {date} (in {days} days): set "
                     "accounts.facebook.api_version to a newer version ({newer}) after checking "
                     "Meta's changelog").format(
                version=self.version.version, date=until, days=self.days_left,
                newer=", ".join(v.version for v in table()
                                if v.released > self.version.released))
        return ""

    def to_json(self) -> dict[str, object]:
        until = self.version.available_until
        return {"version": self.version.version, "state": self.state,
                "available_until": until.isoformat() if until else None,
                "days_left": self.days_left}


@cache
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files("bmnsocial").joinpath(
        "data/graph-versions.json").read_text(encoding="utf-8"))
    return loaded


@cache
def table() -> tuple[GraphVersion, ...]:
    """Newest first."""
    return tuple(GraphVersion(v["version"], date.fromisoformat(v["released"]),
                              date.fromisoformat(v["available_until"])
                              if v["available_until"] else None)
                 for v in _data()["versions"])


def source() -> str:
    """Where the table comes from (Meta's changelog)."""
    return str(_data()["source"])


def find(name: str) -> GraphVersion | None:
    return next((v for v in table() if v.version == name), None)


def current_names(today: date) -> list[str]:
    """The versions Graph still answers on ``today``, newest first."""
    return [v.version for v in table() if v.available_until is None or v.available_until > today]


def state_of(name: str, now: datetime) -> VersionState | None:
    """How ``name`` stands at ``now`` (None: not in the table)."""
    found = find(name)
    if found is None:
        return None
    if found.available_until is None:
        return VersionState(found, OK, None, now.date())
    days = (found.available_until - now.date()).days
    state = ENDED if days <= 0 else ENDING if days <= WARN_DAYS else OK
    return VersionState(found, state, days, now.date())
