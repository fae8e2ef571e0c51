"""When people's questions were answered: what the service factor of `report engagement`
reads (docs/report-engagement.md).

The inbox (issue 13, item 3) keeps the comments and replies people leave and when the Page or
the account answered them. Until it is merged this module answers that nothing is known, and
the factor says so; the inbox replaces :func:`answer_times` with its own, of the same
signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bmnsocial.publish.ledger import Ledger


@dataclass(frozen=True, slots=True)
class AnswerTime:
    """One question a person asked: when, and when it was answered (None: not yet, or marked
    handled without an answer)."""

    asked_at: datetime
    answered_at: datetime | None


def answer_times(ledger: Ledger, since: datetime, until: datetime) -> list[AnswerTime]:
    """The questions asked from ``since`` until before ``until``, oldest first."""
    return []
