"""Per-user flood limit: a sliding window of recent messages, so one chatty user cannot hog the answer engine.

Two windows per user: messages that cost an answer (a question, a context, a paste) count against the
setting `telegram_rate_limit`; button taps and commands are cheap and have their own, generous cap.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

TAP_FACTOR = 5  # taps and commands allowed per window, relative to the answer limit
TAP_MINIMUM = 40


def tap_limit(answer_limit: int) -> int:
    """The cap on button taps and commands per window: generous, but still a cap."""
    return max(TAP_MINIMUM, TAP_FACTOR * answer_limit)


class Verdict(Enum):
    """What to do with one message: handle it, warn once that the user is too fast, or drop it quietly."""

    ALLOW = "allow"
    WARN = "warn"
    DROP = "drop"


class FloodLimiter:
    """At most `limit` messages per `window` seconds per user; the first message over the limit gets a warning."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic, max_users: int = 10_000) -> None:
        self.limit, self.window, self.clock, self.max_users = limit, window, clock, max_users
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        recent = self._seen.setdefault(user_id, deque())
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self._warned.pop(user_id, None)
            self._forget_idle(now)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def _forget_idle(self, now: float) -> None:
        """Bound memory: drop users whose window has passed once the table grows large."""
        if len(self._seen) <= self.max_users:
            return
        for user_id in [u for u, times in self._seen.items() if not times or now - times[-1] >= self.window]:
            del self._seen[user_id]
            self._warned.pop(user_id, None)
