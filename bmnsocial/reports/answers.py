"""How long people waited for an answer: what the engagement report's "service to users"
factor reads (docs/inbox.md). One entry per inbox item created in the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bmnsocial.publish.inbox_store import DONE, REPLIED, answered_between
from bmnsocial.publish.ledger import Ledger


@dataclass(frozen=True, slots=True)
class AnswerTime:
    created_at: datetime  # when the person commented or replied
    answered_at: datetime | None  # our answer confirmed (or seen on the platform), or done
    platform: str
    post_id: str
    how: str | None  # "replied", "done", or None while waiting

    @property
    def answered(self) -> bool:
        """A question answered with words ("done" items were handled without)."""
        return self.how == REPLIED

    @property
    def seconds(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.created_at).total_seconds()


def answer_times(ledger: Ledger, since: datetime | None = None,
                 until: datetime | None = None) -> list[AnswerTime]:
    """Items created in [since, until), oldest first; ``answered_at`` None while waiting."""
    found = []
    for r in answered_between(ledger, since, until):
        how = r["state"] if r["state"] in (REPLIED, DONE) else None
        found.append(AnswerTime(
            datetime.fromisoformat(r["created_at"]),
            datetime.fromisoformat(r["answered_at"]) if how and r["answered_at"] else None,
            r["platform"], r["post_id"], how))
    return found
