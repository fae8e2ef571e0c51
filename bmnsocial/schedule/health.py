"""Is publishing healthy here? What `bmnsocial status` reports, gathered in one place.

Unhealthy means a person should look: no recent heartbeat, the daemon gone, publications that
failed or cannot be confirmed, or post files the last sync refused. Recent skips are listed
but are not a fault: they follow the configured misfire policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bmnsocial.i18n import _, ngettext
from bmnsocial.publish.ledger import DEFERRED, NO_CREDENTIALS, Row, Status
from bmnsocial.publish.runtime import Runtime
from bmnsocial.schedule.daemon import daemon_running, read_heartbeat
from bmnsocial.schedule.sync import Refused, last_refused

RECENT_SKIPS = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Health:
    found: list[tuple[str, str]]  # (stable code for scripts, sentence in the person's language)
    daemon_alive: bool
    heartbeat: dict[str, Any] | None
    heartbeat_age: float | None
    upcoming: list[Row]
    retrying: list[Row]  # queued, failed before, waiting for the next attempt
    held: list[Row]  # queued, held back by the catch-up cap until a later time
    no_credentials: list[Row]  # queued, held until this machine has the platform's credentials
    attention: list[Row]
    skipped: list[Row]
    refused: Refused | None
    last_published: dict[str, datetime | None]

    @property
    def problems(self) -> list[str]:
        return [sentence for _code, sentence in self.found]

    @property
    def codes(self) -> list[str]:
        return [code for code, _sentence in self.found]

    @property
    def healthy(self) -> bool:
        return not self.found

    def to_json(self, tz: ZoneInfo) -> dict[str, Any]:
        beat = self.heartbeat or {}
        refused = self.refused
        return {
            "healthy": self.healthy, "problems": self.problems, "problem_codes": self.codes,
            "daemon": {"running": self.daemon_alive, "heartbeat_age_seconds": self.heartbeat_age,
                       "mode": beat.get("mode"), "pid": beat.get("pid")},
            "next": [r.to_json(tz) for r in self.upcoming],
            "retrying": [r.to_json(tz) for r in self.retrying],
            "held": [r.to_json(tz) for r in self.held],
            "no_credentials": [r.to_json(tz) for r in self.no_credentials],
            "attention": [r.to_json(tz) for r in self.attention],
            "last_published": {p: at.isoformat() if at else None
                               for p, at in self.last_published.items()},
            "skipped_recently": [r.to_json(tz) for r in self.skipped],
            "not_queued": {"checked_at": refused.at.isoformat() if refused else None,
                           "problems": [d.to_json() for d in refused.problems] if refused
                           else []},
        }


def check_health(runtime: Runtime, *, now: datetime, stale_after: float) -> Health:
    """``now`` is the run's clock (BMNSOCIAL_NOW applies); heartbeat ages use the system's."""
    ledger = runtime.ledger
    beat = read_heartbeat(runtime.state_dir)
    age = None
    if beat and beat.get("at"):
        age = (datetime.now(UTC) - datetime.fromisoformat(beat["at"])).total_seconds()
    alive = daemon_running(runtime.state_dir)
    attention = ledger.rows(statuses=(Status.FAILED, Status.UNCONFIRMED))
    skipped = [r for r in ledger.rows(statuses=(Status.SKIPPED,), order="updated", limit=20)
               if r.updated_at >= now - RECENT_SKIPS]
    last: dict[str, datetime | None] = {}
    for platform in runtime.config.platforms_configured:
        rows = ledger.rows(statuses=(Status.PUBLISHED,), platform=platform, order="updated",
                           limit=1)
        last[platform] = rows[0].published_at if rows else None
    refused = last_refused(ledger)
    refused_files = {d.file for d in refused.problems} if refused else set()
    folder = str(runtime.config.posts_dir)
    found: list[tuple[str, str]] = []
    if folder in refused_files:
        refused_files.discard(folder)
        found.append(("posts-folder-unreadable", _(
            "the posts folder {folder} cannot be read: nothing new is queued (what was queued "
            "still goes out)").format(folder=folder)))
    if beat is None:
        found.append(("no-heartbeat",
                      _("no heartbeat: neither the daemon nor run-due has run here")))
    elif age is not None and age > stale_after:
        found.append(("stale-heartbeat", _("heartbeat is {seconds} s old ({mode})").format(
            seconds=int(age), mode=beat.get("mode"))))
    if refused_files:
        found.append(("not-queued", ngettext(
            "{count} post file could not be queued (fix it; the next sync takes it)",
            "{count} post files could not be queued (fix them; the next sync takes them)",
            len(refused_files)).format(count=len(refused_files))))
    if beat and beat.get("mode") == "daemon" and not alive:
        found.append(("daemon-down", _("the daemon is not running")))
    if attention:
        # English says "publication(s)" either way; other languages choose by the count.
        found.append(("needs-person", ngettext(
            "{count} publication(s) need a person (failed or unconfirmed)",
            "{count} publication(s) need a person (failed or unconfirmed)", len(attention)
        ).format(count=len(attention))))
    waiting = ledger.waiting(now)
    held = [r for r in waiting if r.error_kind == DEFERRED]
    no_credentials = [r for r in waiting if r.error_kind == NO_CREDENTIALS]
    retrying = [r for r in waiting if r.error_kind not in (DEFERRED, NO_CREDENTIALS)]
    if no_credentials:
        found.append(("no-credentials", ngettext(
            "{count} publication is held: this machine has no credentials for its platform",
            "{count} publications are held: this machine has no credentials for their platform",
            len(no_credentials)).format(count=len(no_credentials))))
    waiting_ids = {r.id for r in waiting}
    upcoming = [r for r in ledger.rows(statuses=(Status.QUEUED,), limit=5 + len(waiting))
                if r.id not in waiting_ids][:5]
    return Health(found, alive, beat, age, upcoming, retrying, held, no_credentials, attention,
                  skipped, refused, last)
