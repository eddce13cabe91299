"""Service levels in working days: weekends do not count, and each state runs its own clock."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.queue.sla import DAY, add_working, clock_of, working_seconds

# 2026-11-27 is a Friday; Copenhagen is UTC+1 in winter.
FRIDAY_NOON = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
MONDAY_NOON = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def test_a_weekend_adds_no_working_time():
    assert working_seconds(FRIDAY_NOON, MONDAY_NOON) == DAY


def test_two_working_days_from_friday_noon_run_out_on_tuesday_noon():
    assert add_working(FRIDAY_NOON, 2 * DAY) == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def test_time_started_on_a_saturday_counts_from_monday_midnight():
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert working_seconds(saturday, MONDAY_NOON) == 12 * 3600  # Monday 00:00 to 12:00 Copenhagen time


def test_each_state_has_its_clock_and_finished_ones_have_none():
    times = {"answer_days": 2, "needs_info_days": 5}
    fresh = clock_of("new", FRIDAY_NOON, None, None, MONDAY_NOON, **times)
    assert fresh is not None and fresh.kind == "answer" and not fresh.overdue
    late = clock_of("in_progress", FRIDAY_NOON, None, None, datetime(2026, 12, 1, 12, 0, tzinfo=UTC), **times)
    assert late is not None and late.overdue and late.over_seconds == 3600
    waiting = clock_of("needs_info", FRIDAY_NOON, MONDAY_NOON, None, datetime(2026, 12, 4, 11, 0, tzinfo=UTC), **times)
    assert waiting is not None and waiting.kind == "needs_info" and not waiting.overdue
    # Back from the caseworker: the answer clock starts again from the reply.
    back = clock_of("in_progress", FRIDAY_NOON, MONDAY_NOON, MONDAY_NOON, datetime(2026, 12, 1, 11, 0, tzinfo=UTC), **times)
    assert back is not None and back.elapsed_seconds == DAY
    assert clock_of("answered", FRIDAY_NOON, None, None, MONDAY_NOON, **times) is None
