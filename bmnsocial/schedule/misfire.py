"""What to do with an occurrence that goes out late, whatever made it late: the daemon was
down, the power or the network was out, its attempts failed and it waits for a retry.

Three policies (config ``daemon.misfire``): ``publish`` it late, within a grace window;
``skip`` it; or move it to the ``next_slot``. Whatever the policy, late publications are capped
per platform per hour so a restart after a long outage never floods a timeline, they go out in
the order they were due, and every skip or move is recorded with its reason.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bmnsocial.config import Config
from bmnsocial.i18n import N_
from bmnsocial.publish.ledger import Ledger, Row
from bmnsocial.reasons import Reason
from bmnsocial.schedule.planning import next_free_slot

# The actions as the daemon's log names them.
ACTIONS = {"publish": N_("publish"), "skip": N_("skip"), "move": N_("move"),
           "defer": N_("defer")}


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # "publish", "skip", "move", "defer", "wait" (left as it is, looked at again)
    reason: str = ""
    until: datetime | None = None


def decide(row: Row, config: Config, ledger: Ledger, now: datetime,
           going: Collection[int] = ()) -> Decision:
    """``going``: rows already decided to go out in this pass, in due order (run-due)."""
    settings = config.daemon
    late = now - row.due
    if row.part_ids or late <= timedelta(minutes=settings.late_after_minutes):
        # On time; or a thread partly out already, whose rest must follow whenever it can.
        return Decision("publish")
    minutes = int(late.total_seconds() // 60)
    later = ledger.later_due(row, now)
    if later is not None:
        # Coalesced like APScheduler's coalesce: after an outage a recurring post goes out
        # once, for its latest missed occurrence, not once per missed week in a row.
        return Decision("skip", Reason("late-coalesced", minutes=minutes,
                                       later=later.astimezone(config.timezone)))
    policy = row.misfire or settings.misfire
    fate = settings.fate(late, row.misfire)
    if fate == "skipped" and policy == "skip":
        return Decision("skip", Reason("late-skip-policy", minutes=minutes))
    if fate == "moved":
        taken = {r.due for r in ledger.rows() if r.id != row.id}
        slot = next_free_slot(config, now, taken)
        if slot is None:
            return Decision("skip", Reason("late-no-free-slot", minutes=minutes))
        return Decision("move", Reason("late-moved", minutes=minutes), slot)
    if fate == "skipped":
        return Decision("skip", Reason("late-beyond-grace", minutes=minutes,
                                       grace=settings.grace_minutes))
    recent = ledger.late_publication_times(row.platform, now - timedelta(hours=1))
    if len(recent) >= settings.max_catchup_per_hour:
        return Decision("defer", Reason("catch-up-limit", limit=settings.max_catchup_per_hour,
                                        platform=row.platform),
                        recent[0] + timedelta(hours=1))
    first = _first_in_line(row, config, ledger, now, going)
    if first is not None:
        if first.next_attempt_at is not None and first.next_attempt_at > now:
            return Decision("defer", Reason("late-behind-earlier", minutes=minutes,
                                            post=first.post_id, platform=row.platform),
                            first.next_attempt_at)
        return Decision("wait")  # it is going out now: this one is looked at again after it
    return Decision("publish", Reason("late-within-grace", minutes=minutes))


def _first_in_line(row: Row, config: Config, ledger: Ledger, now: datetime,
                   going: Collection[int]) -> Row | None:
    """The earliest row on the same platform, due before this late one, that is still to go
    out late (waiting for a retry, held back, being sent or about to be): late rows go out in
    the order they were due, whatever made each of them late."""
    settings = config.daemon
    for earlier in ledger.still_to_go_before(row, now - timedelta(minutes=settings.grace_minutes)):
        if earlier.id in going or earlier.part_ids:
            continue  # already on its way, or partly out: it went first
        if settings.fate(now - earlier.due, earlier.misfire) != "late":
            continue  # it will be skipped or moved, not published before this one
        if earlier.post_id == row.post_id or ledger.later_due(earlier, now):
            continue  # coalesced: only the latest occurrence of a post goes out
        return earlier
    return None


def apply(decision: Decision, row: Row, ledger: Ledger, now: datetime) -> Row | None:
    """Carry out a non-publish decision; None means: go ahead and publish."""
    # Each only while the row is still queued for the time the decision was made on.
    if decision.action == "skip":
        return ledger.mark_skipped(row.id, decision.reason, now, due_is=row.due)
    if decision.action == "move" and decision.until is not None:
        return ledger.move(row.id, decision.until, decision.reason, now, due_is=row.due)
    if decision.action == "defer" and decision.until is not None:
        return ledger.defer(row.id, decision.until, decision.reason, now, due_is=row.due)
    if decision.action == "wait":
        return row
    if decision.reason:
        ledger.record(row.id, "late-publish", row.platform, now)
    return None
