"""Intake: a question the engine could not answer becomes a numbered requisition, once per idempotency key."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.answering.answer import Answer
from bot.core.control_chars import strip_controls
from bot.core.errors import InvalidInput, InvalidQuestion, NotFound, PermissionDenied
from bot.people.actors import Caseworker
from bot.privacy.redaction import redact
from bot.queue import workflow
from bot.queue.duplicates import Duplicates
from bot.queue.texts import MAX_CONTEXT_CHARS, clean_text, clean_themes
from bot.queue.themes import themes_of
from bot.queue.views import Created
from bot.storage import audit
from bot.storage.models import AuditHeadRow, CaseworkerRow, RequisitionRow

MAX_IDEMPOTENCY_KEY_CHARS = 150


def _idempotency_key(caseworker: Caseworker, key: str | None) -> str | None:
    """The stored form of a client's key: scoped to the caseworker, so two clients' keys never collide."""
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable():
        raise InvalidInput(f"An idempotency key is 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable characters, e.g. a UUID.")
    return f"{caseworker.id}:{key}"


def _number_value(number: str | None) -> int:
    """42 for "R-00042"; 0 for none."""
    if not number:
        return 0
    digits = number.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else 0


class Intake(Duplicates):
    """Creating requisitions (with their duplicate suggestions) and replaying a retried one."""

    def create(
        self,
        caseworker: Caseworker,
        question: str,
        answer: Answer | None,
        context: str | None = None,
        themes: Sequence[str] = (),
        idempotency_key: str | None = None,
    ) -> Created:
        """Route a question the engine could not answer; returns the requisition, similar open ones, redactions.

        With an `idempotency_key` (the API's Idempotency-Key header, the web chat's per-message key, a Telegram
        message), a second call with the same key for the same caseworker returns the first requisition
        (`replayed=True`) instead of creating another: a client retrying after a dropped connection."""
        if not isinstance(caseworker, Caseworker):
            raise PermissionDenied("Only a registered caseworker can send a requisition.", key="caseworker_only")
        if not caseworker.active:
            raise PermissionDenied(f"Caseworker {caseworker.id} was deactivated by the coordinator and cannot send requisitions.", key="sender_deactivated")
        key = _idempotency_key(caseworker, idempotency_key)
        question = strip_controls(question) if isinstance(question, str) else question
        if not isinstance(question, str) or not question.strip():
            raise InvalidQuestion("The question is empty: write what you need to know.", key="question_empty")
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestion(
                f"The question is {len(question)} characters long; at most {self.settings.max_question_chars} are accepted."
            )
        q = redact(question.strip())
        context_text, context_found = clean_text(context, what="context", limit=MAX_CONTEXT_CHARS, required=False)
        # Nobody tags a question asked in chat: read the themes off its words, so the list's theme filter works.
        tags = clean_themes(themes) or clean_themes(themes_of(f"{q.text} {context_text or ''}"))
        candidates = [
            {
                "doc_id": c.doc_id,
                "section": c.section,
                "chunk_id": c.chunk_id,
                "quote": redact(c.quote).text,
                "score": float(c.score),
            }
            for c in (answer.citations if answer is not None else [])
        ]
        found = q.found + context_found
        if key is not None:
            replay = self._replay(key, q.text, found)
            if replay is not None:
                return replay
        vector = self._embed(q.text)
        anchored = self.anchor.read() if self.anchor is not None else None
        floor = anchored.requisition_number if anchored is not None else 0

        def work(session: Session) -> Created:
            owner = session.get(CaseworkerRow, caseworker.id)
            if owner is None:
                raise NotFound(f"Caseworker {caseworker.id} is not registered.", key="caseworker_missing", id=caseworker.id)
            if key is not None:
                earlier = session.scalar(select(RequisitionRow).where(RequisitionRow.idempotency_key == key))
                if earlier is not None:
                    return self._replayed(session, earlier, q.text, found)
            # Numbers are handed out one at a time (the audit head's lock), past the newest number in the database
            # and past any number this installation ever issued (the anchor file), so a restore reuses none.
            session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update())
            now = self.clock()
            row = RequisitionRow(
                status=workflow.NEW,
                question=q.text,
                language=answer.language if answer is not None else owner.language,
                department=owner.department,
                themes="".join(f"|{t}" for t in tags) + ("|" if tags else ""),
                candidates=candidates,
                confidence=float(answer.confidence) if answer is not None else None,
                context=context_text,
                embedding=vector.astype(np.float32).tobytes() if vector is not None else None,
                embedding_model=self.embedder.model_id if vector is not None and self.embedder else None,
                caseworker_id=owner.id,
                sources=[],
                created_at=now,
                updated_at=now,
                idempotency_key=key,
            )
            session.add(row)
            session.flush()
            newest = session.scalar(
                select(RequisitionRow.number).where(RequisitionRow.id != row.id, RequisitionRow.number.is_not(None))
                .order_by(func.length(RequisitionRow.number).desc(), RequisitionRow.number.desc()).limit(1)
            )
            issued = max(row.id, _number_value(newest) + 1, floor + 1)
            row.number = f"R-{issued:05d}"
            audit.note_requisition_number(session, issued)
            suggestions = self._similar(session, row, vector)
            self._audit(
                session,
                caseworker,
                "requisition.create",
                row,
                {"department": row.department, "themes": list(tags), "redacted": list(found),
                 "confidence": row.confidence, "duplicate_suggestions": [s.number for s in suggestions]},
            )
            return Created(self._view(session, row), suggestions, found)

        try:
            return self.database.run(work)
        except IntegrityError:
            if key is None:
                raise
            replay = self._replay(key, q.text, found)  # the same key, committed by a concurrent call just now
            if replay is None:
                raise
            return replay

    def _replay(self, key: str, question: str, found: tuple[str, ...]) -> Created | None:
        """The requisition an earlier call with this idempotency key created, or None."""

        def work(session: Session) -> Created | None:
            earlier = session.scalar(select(RequisitionRow).where(RequisitionRow.idempotency_key == key))
            return self._replayed(session, earlier, question, found) if earlier is not None else None

        return self.database.run(work, readonly=True)

    def _replayed(self, session: Session, earlier: RequisitionRow, question: str, found: tuple[str, ...]) -> Created:
        if earlier.question != question and earlier.purged_at is None:
            raise InvalidInput(
                f"This idempotency key was already used for {earlier.number}, with another question: "
                "send a new key for each new requisition.",
                key="idempotency_reused", number=earlier.number,
            )
        return Created(self._view(session, earlier), (), found, replayed=True)
