"""Duplicates: open requisitions whose question embeds close to a new one, and marking one a duplicate."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput, NotFound
from bot.people.actors import Actor
from bot.queue import workflow
from bot.queue.base import RequisitionsBase
from bot.queue.outbox import enqueue
from bot.queue.views import DuplicateSuggestion, RequisitionView
from bot.storage.models import RequisitionRow

MAX_SUGGESTIONS = 5


class Duplicates(RequisitionsBase):
    """Similar open requisitions (same embedder), and `mark_duplicate`."""

    def _embed(self, text: str) -> np.ndarray | None:
        if self.embedder is None:
            return None
        return np.asarray(self.embedder.embed([text], kind="query")[0], dtype=np.float32)

    def _similar(self, session: Session, row: RequisitionRow, vector: np.ndarray | None) -> tuple[DuplicateSuggestion, ...]:
        """Open requisitions whose question embeds close to this one (same embedder)."""
        if vector is None or self.embedder is None:
            return ()
        others = session.execute(
            select(RequisitionRow).where(RequisitionRow.status.in_(workflow.OPEN_STATES), RequisitionRow.id != row.id)
        ).scalars().all()
        stale = [o for o in others if o.embedding is None or o.embedding_model != self.embedder.model_id]
        if stale:  # another embedder wrote these; embed them again once, with ours
            fresh = self.embedder.embed([o.question for o in stale], kind="query")
            for other, vec in zip(stale, fresh, strict=True):
                other.embedding = np.asarray(vec, dtype=np.float32).tobytes()
                other.embedding_model = self.embedder.model_id
        suggestions = []
        for other in others:
            assert other.embedding is not None
            similarity = float(np.dot(vector, np.frombuffer(other.embedding, dtype=np.float32)))
            if similarity >= self.settings.duplicate_threshold:
                suggestions.append(DuplicateSuggestion(other.id, other.number or "", other.question, other.status, similarity))
        suggestions.sort(key=lambda s: (-s.similarity, s.id))
        return tuple(suggestions[:MAX_SUGGESTIONS])

    def mark_duplicate(self, actor: Actor, requisition_id: int, duplicate_of: int) -> RequisitionView:
        """The same question is already in the works: new|assigned → duplicate; the asker gets its answer later."""
        self._require_coordinator(actor)

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            original = session.get(RequisitionRow, duplicate_of)
            seen = {row.id}
            while original is not None and original.status == workflow.DUPLICATE and original.duplicate_of is not None:
                if original.id in seen:
                    break
                seen.add(original.id)
                original = session.get(RequisitionRow, original.duplicate_of)
            if original is None:
                raise NotFound(f"There is no requisition with id {duplicate_of}.", key="requisition_missing", id=duplicate_of)
            if original.id == row.id:
                raise InvalidInput("A requisition cannot be a duplicate of itself.", key="duplicate_self")
            if original.status == workflow.REJECTED:
                raise InvalidInput(f"{original.number} was rejected; it cannot stand for other requisitions.", key="duplicate_rejected", number=original.number)
            row.duplicate_of = original.id
            if row.caseworker_id is not None:
                if original.answer and original.status in workflow.ANSWERED_STATES:
                    kind, payload = "answered", self._payload(original, own=row)
                else:
                    kind, payload = "duplicate", self._payload(row, duplicate_of=original.number)
                enqueue(session, kind=kind, caseworker_id=row.caseworker_id, now=self.clock(), payload=payload)
            return {"duplicate_of": original.number}

        return self._transition(actor, requisition_id, workflow.DUPLICATE, who="coordinator", extra=extra)
