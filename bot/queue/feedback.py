"""Feedback: caseworkers' votes on answers and the questions routed on, for the coordinator's gap map."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput
from bot.people.actors import Actor, Caseworker
from bot.queue.base import RequisitionsBase
from bot.queue.texts import clean_text
from bot.queue.views import FeedbackSummary, GapSignal
from bot.storage.models import FeedbackRow


class Feedback(RequisitionsBase):
    """Votes and routed questions, stored redacted; the gap signals and the vote counts."""

    def record_feedback(
        self, caseworker: Caseworker | None, channel: str, question: str, citations: Sequence[str], vote: str
    ) -> tuple[str, ...]:
        """A thumbs up or down on an answer; returns the kinds of personal data removed from the question."""
        if vote not in ("up", "down"):
            raise InvalidInput("A vote is 'up' or 'down'.")
        return self._store_feedback(caseworker, channel, question, citations, vote)

    def record_routed(
        self, caseworker: Caseworker | None, channel: str, question: str, citations: Sequence[str]
    ) -> tuple[str, ...]:
        """A question the engine could not answer (status `route`), sent on or not: a gap for the gap map.
        Kept beside the votes (vote "routed"), so retention anonymises it the same way."""
        return self._store_feedback(caseworker, channel, question, citations, "routed")

    def gap_signals(self, actor: Actor, *, limit: int = 5_000) -> list[GapSignal]:
        """The newest 👎 votes and routed questions, for the gap map (coordinator)."""
        self._require_coordinator(actor)

        def work(session: Session) -> list[GapSignal]:
            rows = session.execute(
                select(FeedbackRow).where(FeedbackRow.vote.in_(("down", "routed")))
                .order_by(FeedbackRow.created_at.desc(), FeedbackRow.id.desc()).limit(limit)
            ).scalars()
            return [GapSignal(kind=row.vote, question=row.question, citations=tuple(row.citations or ()),
                              created_at=row.created_at) for row in rows]

        return self.database.run(work, readonly=True)

    def _store_feedback(
        self, caseworker: Caseworker | None, channel: str, question: str, citations: Sequence[str], vote: str
    ) -> tuple[str, ...]:
        text, found = clean_text(question, what="question", limit=self.settings.max_question_chars)
        assert text is not None

        def work(session: Session) -> tuple[str, ...]:
            session.add(FeedbackRow(channel=channel, caseworker_id=caseworker.id if caseworker else None, question=text,
                                    citations=[str(c) for c in citations][:20], vote=vote, created_at=self.clock()))
            return found

        return self.database.run(work)

    def feedback_summary(self, actor: Actor) -> FeedbackSummary:
        """How many answers were voted up and down (coordinator)."""
        self._require_coordinator(actor)

        def work(session: Session) -> FeedbackSummary:
            counts = dict(session.execute(select(FeedbackRow.vote, func.count()).group_by(FeedbackRow.vote)).all())
            return FeedbackSummary(up=counts.get("up", 0), down=counts.get("down", 0))

        return self.database.run(work, readonly=True)
