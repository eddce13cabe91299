"""The requisition state machine: which state may follow which, and what each move stamps.

    new → assigned → in_progress ⇄ needs_info → answered → closed
    new | assigned → duplicate | rejected
    answered ⇄ published            (back: unpublished, the answer leaves the corpus)
"""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import InvalidTransition
from bot.storage.models import RequisitionRow

NEW, ASSIGNED, IN_PROGRESS, NEEDS_INFO = "new", "assigned", "in_progress", "needs_info"
ANSWERED, CLOSED, DUPLICATE, REJECTED, PUBLISHED = "answered", "closed", "duplicate", "rejected", "published"

STATES: tuple[str, ...] = (NEW, ASSIGNED, IN_PROGRESS, NEEDS_INFO, ANSWERED, CLOSED, DUPLICATE, REJECTED, PUBLISHED)

ALLOWED: dict[str, tuple[str, ...]] = {
    NEW: (ASSIGNED, DUPLICATE, REJECTED),
    ASSIGNED: (IN_PROGRESS, DUPLICATE, REJECTED),
    IN_PROGRESS: (NEEDS_INFO, ANSWERED),
    NEEDS_INFO: (IN_PROGRESS,),
    ANSWERED: (CLOSED, PUBLISHED),
    CLOSED: (),
    DUPLICATE: (),
    REJECTED: (),
    PUBLISHED: (ANSWERED,),
}

OPEN_STATES: tuple[str, ...] = (NEW, ASSIGNED, IN_PROGRESS, NEEDS_INFO)
FINAL_STATES: tuple[str, ...] = (CLOSED, DUPLICATE, REJECTED, PUBLISHED)
ANSWERED_STATES: tuple[str, ...] = (ANSWERED, CLOSED, PUBLISHED)
# The task force's first reaction, for "time to first response".
RESPONSE_STATES: frozenset[str] = frozenset({ASSIGNED, IN_PROGRESS, NEEDS_INFO, ANSWERED, DUPLICATE, REJECTED})

# The timestamp column each state stamps when entered.
STAMP: dict[str, str] = {
    ASSIGNED: "assigned_at",
    IN_PROGRESS: "started_at",
    NEEDS_INFO: "info_requested_at",
    ANSWERED: "answered_at",
    CLOSED: "closed_at",
    DUPLICATE: "duplicate_at",
    REJECTED: "rejected_at",
    PUBLISHED: "published_at",
}


def check(current: str, requested: str) -> None:
    """Raise InvalidTransition, naming the allowed next states, unless `requested` may follow `current`."""
    allowed = ALLOWED.get(current, ())
    if requested not in allowed:
        raise InvalidTransition(current, requested, list(allowed))


def move(row: RequisitionRow, requested: str, now: datetime) -> str:
    """Apply a checked transition to the row and stamp its times; returns the previous state."""
    previous = row.status
    check(previous, requested)
    row.status = requested
    row.updated_at = now
    if requested == IN_PROGRESS and previous == NEEDS_INFO:
        row.info_provided_at = now  # back from the caseworker; started_at keeps the first start
    elif requested == ANSWERED and previous == PUBLISHED:
        row.published_at = None  # unpublished: answered_at keeps when the answer was given
        row.finished_at = None
    elif getattr(row, STAMP[requested]) is None or requested != IN_PROGRESS:
        setattr(row, STAMP[requested], now)
    if requested in RESPONSE_STATES and row.first_response_at is None:
        row.first_response_at = now
    if requested in FINAL_STATES:
        row.finished_at = now
    return previous
