"""Dashboard figures, derived from the transition timestamps (nothing is counted twice or stored twice)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.people.actors import Actor
from bot.queue.base import RequisitionsBase
from bot.queue.views import Durations, GroupStats, Stats
from bot.queue.workflow import ANSWERED_STATES, OPEN_STATES, STATES
from bot.storage.models import RequisitionRow


@dataclass(frozen=True)
class Facts:
    """What the figures need from one requisition."""

    status: str
    department: str
    themes: tuple[str, ...]
    created_at: datetime
    first_response_at: datetime | None
    answered_at: datetime | None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolated percentile (like numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def durations(values: Sequence[float]) -> Durations:
    return Durations(
        count=len(values),
        median_seconds=statistics.median(values) if values else None,
        p90_seconds=percentile(values, 0.9),
    )


def _group(facts: Sequence[Facts]) -> GroupStats:
    first = [(f.first_response_at - f.created_at).total_seconds() for f in facts if f.first_response_at]
    answer = [(f.answered_at - f.created_at).total_seconds() for f in facts if f.answered_at]
    return GroupStats(
        count=len(facts),
        open=sum(f.status in OPEN_STATES for f in facts),
        answered=sum(f.status in ANSWERED_STATES for f in facts),
        first_response=durations(first),
        answer=durations(answer),
    )


def compute(all_facts: Iterable[Facts]) -> Stats:
    facts = list(all_facts)
    by_status = {state: 0 for state in STATES}
    departments: dict[str, list[Facts]] = defaultdict(list)
    themes: dict[str, list[Facts]] = defaultdict(list)
    months: dict[str, list[Facts]] = defaultdict(list)
    for f in facts:
        by_status[f.status] = by_status.get(f.status, 0) + 1
        departments[f.department].append(f)
        for theme in f.themes:
            themes[theme].append(f)
        months[f.created_at.strftime("%Y-%m")].append(f)
    overall = _group(facts)
    return Stats(
        total=len(facts),
        by_status=by_status,
        first_response=overall.first_response,
        answer=overall.answer,
        by_department={k: _group(v) for k, v in sorted(departments.items())},
        by_theme={k: _group(v) for k, v in sorted(themes.items())},
        by_month={k: _group(v) for k, v in sorted(months.items())},
    )


class Figures(RequisitionsBase):
    """The service's part: `stats` (coordinator)."""

    def stats(self, actor: Actor) -> Stats:
        """Dashboard figures: counts by status, median/p90 times, per department, theme and month (coordinator)."""
        self._require_coordinator(actor)

        def work(session: Session) -> Stats:
            rows = session.execute(
                select(RequisitionRow.status, RequisitionRow.department, RequisitionRow.themes, RequisitionRow.created_at,
                       RequisitionRow.first_response_at, RequisitionRow.answered_at)
            ).all()
            return compute(
                Facts(r[0], r[1], tuple(t for t in (r[2] or "").split("|") if t), r[3], r[4], r[5]) for r in rows
            )

        return self.database.run(work, readonly=True)
