"""Service levels: how long a requisition may wait in its state, counted in working days (Monday to Friday).

A working day is a whole weekday in Copenhagen time; Saturdays and Sundays do not count (public holidays are
not known to the service and do count). The clock per state:

    new | assigned | in_progress   "answer": from creation, or from the caseworker's reply to a request for info
    needs_info                     "needs_info": from the request for information
    anything else                  no clock (answered or finished)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.queue import workflow

LOCAL = ZoneInfo("Europe/Copenhagen")
DAY = 24 * 3600.0
ANSWER_STATES = (workflow.NEW, workflow.ASSIGNED, workflow.IN_PROGRESS)


@dataclass(frozen=True)
class Sla:
    """One requisition's clock: what it waits for, since when, until when, and how much working time has gone."""

    kind: str  # "answer" or "needs_info"
    started_at: datetime
    due_at: datetime
    elapsed_seconds: float  # working time from started_at until now
    allowed_seconds: float  # the service level, in working seconds

    @property
    def overdue(self) -> bool:
        """Past its service level."""
        return self.elapsed_seconds >= self.allowed_seconds

    @property
    def over_seconds(self) -> float:
        """Working time past the service level (0 when not overdue)."""
        return max(0.0, self.elapsed_seconds - self.allowed_seconds)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _day_start(day: datetime) -> datetime:
    """Local midnight of the day `day` falls on, as an aware local datetime."""
    local = day.astimezone(LOCAL)
    return datetime.combine(local.date(), time(0), tzinfo=LOCAL)


def _next_day(start: datetime) -> datetime:
    return datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=LOCAL)


def working_seconds(start: datetime, end: datetime) -> float:
    """Seconds between start and end that fall on a weekday (Copenhagen time); 0 when end is before start."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0.0
    total = 0.0
    day = _day_start(start)
    while day < end:
        following = _next_day(day)
        if day.weekday() < 5:
            lo, hi = max(day, start), min(following, end)
            total += max(0.0, (hi - lo).total_seconds())
        day = following
    return total


def add_working(start: datetime, seconds: float) -> datetime:
    """The moment `seconds` of working time after `start` (weekends skipped)."""
    start = _aware(start)
    remaining = seconds
    day = _day_start(start)
    cursor = start
    while True:
        following = _next_day(day)
        if day.weekday() < 5:
            available = (following - max(day, cursor)).total_seconds()
            if remaining <= available:
                return (max(day, cursor) + timedelta(seconds=remaining)).astimezone(UTC)
            remaining -= available
        day = cursor = following


def clock_of(
    status: str,
    created_at: datetime,
    info_requested_at: datetime | None,
    info_provided_at: datetime | None,
    now: datetime,
    *,
    answer_days: float,
    needs_info_days: float,
) -> Sla | None:
    """The requisition's running clock in its current state, or None when nothing is waited for."""
    if status in ANSWER_STATES:
        started = _aware(created_at)
        if info_provided_at is not None and _aware(info_provided_at) > started:
            started = _aware(info_provided_at)
        kind, allowed = "answer", answer_days * DAY
    elif status == workflow.NEEDS_INFO and info_requested_at is not None:
        started, kind, allowed = _aware(info_requested_at), "needs_info", needs_info_days * DAY
    else:
        return None
    return Sla(kind, started, add_working(started, allowed), working_seconds(started, _aware(now)), allowed)
