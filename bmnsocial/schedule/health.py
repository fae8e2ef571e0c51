"""Is publishing healthy here? What `bmnsocial status` reports, gathered in one place.

Unhealthy means a person should look: no recent heartbeat, the daemon gone, publications that
failed or cannot be confirmed, or post files the last sync refused. Recent skips are listed
but are not a fault: they follow the configured misfire policy.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bmnsocial.i18n import _, ngettext
from bmnsocial.platforms import registry
from bmnsocial.publish.clocktrust import TRUSTED, UNVERIFIED, Verdict
from bmnsocial.publish.ledger import DEFERRED, NO_CREDENTIALS, X_BUDGET, Row, Status
from bmnsocial.publish.runtime import Runtime
from bmnsocial.schedule.daemon import daemon_running, read_heartbeat
from bmnsocial.schedule.sync import Refused, in_reader_language, last_refused

RECENT_SKIPS = timedelta(days=7)
# The daemon and run-due write heartbeats with this machine's clock: one from further ahead
# than this means the clock went back.
FUTURE_HEARTBEAT_SECONDS = 5.0
# Less free space than this where the ledger lives, and a publication may go out unrecorded.
LOW_DISK_BYTES = 16 * 1024 * 1024


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
    clock: Verdict = TRUSTED
    over_budget: list[Row] = field(default_factory=list)  # queued, held by X's monthly budget
    budget_shortfall_usd: float = 0.0  # what the budget lacks for them all to go out
    # (code, sentence): worth knowing ahead (a token or the Graph version ending soon), healthy.
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # Publishing sheets waiting for a person (accounts.<platform>.mode: manual), oldest first,
    # with how long each has waited, and the sheets whose notify_command failed (name: why).
    awaiting: list[tuple[Row, timedelta, str]] = field(default_factory=list)
    notify_failures: dict[str, str] = field(default_factory=dict)
    inbox: dict[str, Any] = field(default_factory=dict)  # inbox_health()

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
            "warnings": [sentence for _code, sentence in self.warnings],
            "warning_codes": [code for code, _sentence in self.warnings],
            "daemon": {"running": self.daemon_alive, "heartbeat_age_seconds": self.heartbeat_age,
                       "mode": beat.get("mode"), "pid": beat.get("pid")},
            "clock": {"trusted": self.clock.trusted, "problem": self.clock.code or None,
                      "seconds": round(self.clock.seconds, 1)},
            "next": [r.to_json(tz) for r in self.upcoming],
            "retrying": [r.to_json(tz) for r in self.retrying],
            "held": [r.to_json(tz) for r in self.held],
            "no_credentials": [r.to_json(tz) for r in self.no_credentials],
            "x_budget": {"held": [r.to_json(tz) for r in self.over_budget],
                         "shortfall_usd": self.budget_shortfall_usd},
            "attention": [r.to_json(tz) for r in self.attention],
            "awaiting_manual": [{**r.to_json(tz), "sheet": sheet,
                                 "waiting_hours": round(waited.total_seconds() / 3600, 1)}
                                for r, waited, sheet in self.awaiting],
            "notify_failures": self.notify_failures,
            "last_published": {p: at.isoformat() if at else None
                               for p, at in self.last_published.items()},
            "skipped_recently": [r.to_json(tz) for r in self.skipped],
            "inbox": self.inbox,
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
    refused = in_reader_language(last_refused(ledger), runtime.config, ledger, now)
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
    elif age is not None and age < -FUTURE_HEARTBEAT_SECONDS:
        found.append(("future-heartbeat", _(
            "the heartbeat is from {seconds} s in the future ({mode}): the system clock went "
            "back since it was written").format(seconds=int(-age), mode=beat.get("mode"))))
    clock = runtime.clock_trust().check(say=False)
    if not clock.trusted and clock.code != UNVERIFIED:  # run-due and the daemon ask first
        found.append((clock.code, clock.message))
    if refused_files:
        found.append(("not-queued", ngettext(
            "{count} post file could not be queued (fix it; the next sync takes it)",
            "{count} post files could not be queued (fix them; the next sync takes them)",
            len(refused_files)).format(count=len(refused_files))))
    if beat and beat.get("mode") == "daemon" and not alive:
        found.append(("daemon-down", _("the daemon is not running")))
    stopped = beat.get("problem") if beat and alive else None
    if isinstance(stopped, dict):
        found.append((str(stopped.get("code")), _("the daemon publishes nothing: {why}").format(
            why=stopped.get("message"))))
    free = shutil.disk_usage(runtime.state_dir).free
    if free < LOW_DISK_BYTES:
        found.append(("disk-full", _(
            "the disk holding {folder} is full ({free} MB free): the ledger cannot record what "
            "is published. Free space on it (df -h {folder}), then restart the daemon").format(
                folder=runtime.state_dir, free=round(free / 1e6, 1))))
    if attention:
        # English says "publication(s)" either way; other languages choose by the count.
        found.append(("needs-person", ngettext(
            "{count} publication(s) need a person (failed or unconfirmed)",
            "{count} publication(s) need a person (failed or unconfirmed)", len(attention)
        ).format(count=len(attention))))
    warnings = _ahead(runtime, now, found)
    awaiting, notify_failures = _handed_off(runtime, now, found, warnings)
    inbox = inbox_health(runtime, now, found)
    waiting = ledger.waiting(now)
    held = [r for r in waiting if r.error_kind == DEFERRED]
    no_credentials = [r for r in waiting if r.error_kind == NO_CREDENTIALS]
    over_budget = [r for r in waiting if r.error_kind == X_BUDGET]
    retrying = [r for r in waiting if r.error_kind not in (DEFERRED, NO_CREDENTIALS, X_BUDGET)]
    shortfall = 0.0
    if over_budget:
        from bmnsocial.i18n import money
        from bmnsocial.publish.costs import budget_shortfall

        shortfall = budget_shortfall(ledger, runtime.config, over_budget, now)
        found.append(("x-budget", ngettext(
            "{count} X publication is held by the monthly budget "
            "(accounts.twitter.monthly_budget_usd): it needs {shortfall} more this month; "
            "raise the budget, then 'bmnsocial retry POST_ID'",
            "{count} X publications are held by the monthly budget "
            "(accounts.twitter.monthly_budget_usd): they need {shortfall} more this month; "
            "raise the budget, then 'bmnsocial retry POST_ID'",
            len(over_budget)).format(count=len(over_budget), shortfall=money(shortfall))))
    if no_credentials:
        found.append(("no-credentials", ngettext(
            "{count} publication is held: this machine has no credentials for its platform",
            "{count} publications are held: this machine has no credentials for their platform",
            len(no_credentials)).format(count=len(no_credentials))))
    waiting_ids = {r.id for r in waiting}
    upcoming = [r for r in ledger.rows(statuses=(Status.QUEUED, Status.HANDED_OFF),
                                       limit=5 + len(waiting))
                if r.id not in waiting_ids][:5]
    return Health(found, alive, beat, age, upcoming, retrying, held, no_credentials, attention,
                  skipped, refused, last, clock, over_budget, shortfall, warnings, awaiting,
                  notify_failures, inbox)


def _handed_off(runtime: Runtime, now: datetime, found: list[tuple[str, str]],
                warnings: list[tuple[str, str]]) -> tuple[list[tuple[Row, timedelta, str]],
                                                          dict[str, str]]:
    """The sheets waiting for a person, and how long each has; one waiting longer than
    handoff.alert_after_hours is a problem, a failed notify_command a warning."""
    from bmnsocial.publish.handoff import notify_failures, sheet_path

    rows = runtime.ledger.rows(statuses=(Status.AWAITING_MANUAL,))
    awaiting = sorted(((r, now - r.updated_at, str(sheet_path(runtime.state_dir, r)))
                       for r in rows), key=lambda a: -a[1])
    limit = timedelta(hours=runtime.config.handoff.alert_after_hours)
    overdue = [r for r, waited, _sheet in awaiting if waited > limit]
    if overdue:
        found.append(("handoff-overdue", ngettext(
            "{count} publishing sheet has waited for a person more than {hours} h: publish "
            "it by hand, then 'bmnsocial done'",
            "{count} publishing sheets have waited for a person more than {hours} h: publish "
            "them by hand, then 'bmnsocial done'", len(overdue)).format(
                count=len(overdue), hours=runtime.config.handoff.alert_after_hours)))
    failures = notify_failures(runtime.state_dir) if rows else {}
    for sheet, why in failures.items():
        warnings.append(("notify-failed", _(
            "handoff.notify_command failed for {sheet}: {error}").format(sheet=sheet,
                                                                          error=why)))
    return awaiting, failures


def inbox_health(runtime: Runtime, now: datetime, found: list[tuple[str, str]]) -> dict[
        str, Any]:
    """People waiting for an answer, as the last `bmnsocial inbox` read them: longer than
    inbox.answer_within_hours is a problem (a question left unanswered is the library's
    service failing, as much as a post that failed)."""
    from bmnsocial.publish.inbox import overdue
    from bmnsocial.publish.inbox_store import items

    hours = runtime.config.inbox.answer_within_hours
    waiting = items(runtime.ledger)
    late = overdue(waiting, now, hours)
    if late:
        found.append(("inbox-overdue", ngettext(
            "{count} comment or reply has waited longer than {hours} h for an answer "
            "(bmnsocial inbox)",
            "{count} comments or replies have waited longer than {hours} h for an answer "
            "(bmnsocial inbox)", len(late)).format(count=len(late), hours=hours)))
    return {"waiting": len(waiting), "overdue": len(late), "answer_within_hours": hours,
            "oldest_created_at": waiting[0].created_at.isoformat() if waiting else None}


def _ahead(runtime: Runtime, now: datetime, found: list[tuple[str, str]]) -> list[
        tuple[str, str]]:
    """What ends soon: the tokens (as `accounts check` last heard) and the Graph API version.
    What has already ended goes to ``found``; the warnings are returned."""
    from bmnsocial import graphversions
    from bmnsocial.publish import tokenexpiry

    config = runtime.config
    warnings: list[tuple[str, str]] = []
    for platform in config.platforms_configured:
        if platform in config.manual_platforms:  # no token in use
            continue
        expiry = tokenexpiry.read(runtime.ledger, platform)
        judged = tokenexpiry.judge(expiry, now, config.timezone) if expiry else None
        if judged:
            code, sentence, problem = judged
            (found if problem else warnings).append((code, sentence))
    version = registry.api_version(config, now)
    if version and version.state == graphversions.ENDED:
        found.append(("graph-version-ended", version.message))
    elif version and version.state == graphversions.ENDING:
        warnings.append(("graph-version-ending", version.message))
    return warnings
