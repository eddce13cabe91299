"""The per-user flood limit, on a clock the test turns by hand."""

from __future__ import annotations

from bot.channels.telegram.ratelimit import FloodLimiter, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_within_the_limit_everything_is_allowed_then_one_warning_then_drops() -> None:
    limiter = FloodLimiter(limit=3, window=10, clock=Clock())

    verdicts = [limiter.check(1) for _ in range(6)]

    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]


def test_the_window_slides_and_a_new_flood_is_warned_again() -> None:
    clock = Clock()
    limiter = FloodLimiter(limit=2, window=10, clock=clock)
    [limiter.check(1) for _ in range(3)]

    clock.now += 10
    assert limiter.check(1) is Verdict.ALLOW
    assert limiter.check(1) is Verdict.ALLOW
    assert limiter.check(1) is Verdict.WARN


def test_users_are_limited_separately() -> None:
    limiter = FloodLimiter(limit=1, window=10, clock=Clock())

    assert limiter.check(1) is Verdict.ALLOW
    assert limiter.check(2) is Verdict.ALLOW
    assert limiter.check(1) is Verdict.WARN


def test_idle_users_are_forgotten_once_the_table_is_full() -> None:
    clock = Clock()
    limiter = FloodLimiter(limit=1, window=10, clock=clock, max_users=2)
    for user in range(3):
        limiter.check(user)

    clock.now += 11
    limiter.check(99)

    assert set(limiter._seen) == {99}
