"""The one "ask" every door calls (web chat, `/api/ask`, Telegram): the engine's answer, a routed question counted on
the gap map, and the answer kept for its buttons, so a click on "send to the task force" or 👍/👎 acts on the answer
the caseworker saw instead of asking the engine again.

Blocking calls: the async doors run them in a thread. The command line answers through the engine alone: an
operator's test question is not a caseworker's gap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from bot.answer_memory import AnswerMemory, PendingAnswer
from bot.answering.answer import Answer, Citation
from bot.people.actors import Caseworker

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine
    from bot.queue import RequisitionService
    from bot.queue.views import Created

log = logging.getLogger(__name__)

Vote = Literal["up", "down"]


class Assistant:
    """Answers a caseworker's question and carries out what she does with the answer, the same for every door."""

    def __init__(self, engine: AnswerEngine, requisitions: RequisitionService, memory: AnswerMemory) -> None:
        self.engine = engine
        self.requisitions = requisitions
        self.memory = memory

    def ask(self, caseworker: Caseworker | None, channel: str, question: object) -> Answer:
        """The engine's answer; a question it routes counts on the gap map (a failure to count it is logged, so the
        caseworker still gets her answer)."""
        answer = self.engine.ask(question)
        if answer.status == "route":
            try:
                self.requisitions.record_routed(caseworker, channel, answer.question, _ids(answer.citations))
            except Exception:
                log.warning("could not record a routed question for the gap map", exc_info=True)
        return answer

    def keep(self, caseworker: Caseworker, answer: Answer, language: Literal["da", "en"],
             shown: Sequence[Citation]) -> tuple[str, PendingAnswer]:
        """Keep an answer shown with buttons; the token its buttons carry finds it again on any worker."""
        pending = PendingAnswer(question=answer.question, answer=answer, language=language, citations=tuple(_ids(shown)))
        return self.memory.remember(caseworker.id, pending), pending

    def recall(self, caseworker: Caseworker, token: str) -> PendingAnswer | None:
        """The caseworker's kept answer with this token; None when it expired or is not hers."""
        return self.memory.recall(caseworker.id, token)

    def vote(self, caseworker: Caseworker, channel: str, token: str, pending: PendingAnswer, vote: Vote) -> bool:
        """👍/👎 on a kept answer, counted once however often it is clicked; True when this click counted."""
        if pending.voted:
            return False
        self.requisitions.record_feedback(caseworker, channel, pending.question, list(pending.citations), vote)
        pending.voted = True
        self.memory.save(caseworker.id, token, pending)
        return True

    def route(self, caseworker: Caseworker, token: str, pending: PendingAnswer, context: str | None,
              idempotency_key: str | None) -> Created:
        """Send a kept answer's question to the task force with the passages the engine found; the answer then
        remembers its requisition, so its route button says where it went."""
        created = self.requisitions.create(caseworker, pending.question, pending.answer, context=context,
                                           idempotency_key=idempotency_key)
        pending.routed_as = created.requisition.number
        self.memory.save(caseworker.id, token, pending)
        return created


def _ids(citations: Sequence[Citation]) -> list[str]:
    return [c.chunk_id or c.doc_id for c in citations]
