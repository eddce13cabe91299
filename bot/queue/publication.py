"""Publishing an answered requisition as best practice (a corpus document the engine cites), and taking it back."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import ConfigurationError, InvalidInput
from bot.people.actors import Actor
from bot.queue import workflow
from bot.queue.base import Publisher
from bot.queue.listing import Listing
from bot.queue.texts import MAX_ANSWER_CHARS, clean_text
from bot.queue.views import RequisitionView
from bot.storage.models import BestPracticeRow, RequisitionRow
from corpus.pipeline import safe_doc_id

log = logging.getLogger(__name__)

def best_practice_doc_id(number: str) -> str:
    """The corpus document a published requisition becomes: one per number, so publishing again finds it."""
    return safe_doc_id(f"taskforce-{number}")


def cited(view: RequisitionView) -> list[tuple[str, str, str]]:
    """The sources an answer cites, as the publisher takes them: (doc_id, section, quote)."""
    return [(s.doc_id, s.section, s.quote) for s in view.sources]


class Publication(Listing):
    """`preview`, `publish` and `unpublish`: the state commits first, the corpus changes after."""

    def preview(self, requisition_id: int, actor: Actor, text: str | None = None) -> str:
        """Exactly the document publishing would write today, with the answer as given (`text`) or as stored."""
        self._require_coordinator(actor)
        publisher = self._publisher()
        view = self.get(actor, requisition_id)
        if view.answer is None:
            raise InvalidInput(f"{view.number} has no answer yet: answer it before publishing.", key="publish_unanswered", number=view.number)
        answer = self._published_answer(view, text)
        return publisher.preview_best_practice(view.question, answer, view.answered_by_role or "coordinator",
                                               self.clock().date(), view.number, cited(view))

    def publish(self, requisition_id: int, actor: Actor, text: str | None = None) -> RequisitionView:
        """Make the answer best practice: a dated corpus document the assistant can cite; answered → published.

        `text` is the answer as the coordinator edited it for publication (the caseworker's answer is unchanged);
        None publishes the answer as given. The state change commits first; the document is written and indexed
        after that commit, never inside a transaction that may be retried (a retry published it twice), and the
        best-practice row that says it was written commits last. Publishing is idempotent per requisition number:
        a requisition left published without its document (the publisher failed, or a crash in between) is
        completed by publishing again."""
        self._require_coordinator(actor)
        publisher = self._publisher()
        edited = text is not None

        def pending(session: Session) -> bool:
            row = self._load(session, actor, requisition_id, lock=False)
            written = session.scalar(select(BestPracticeRow.id).where(BestPracticeRow.requisition_id == row.id))
            return row.status == workflow.PUBLISHED and written is None

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            assert row.number is not None
            row.published_doc_id = best_practice_doc_id(row.number)
            return {"doc_id": row.published_doc_id, "adviser_role": row.answered_by_role or "coordinator",
                    "edited": edited}

        if self.database.run(pending, readonly=True):
            view = self.get(actor, requisition_id)
            log.info("%s is published but its document was not written yet: publishing it now", view.number)
        else:
            self._published_answer(self.get(actor, requisition_id), text)  # refuse a bad edit before the state moves
            view = self._transition(actor, requisition_id, workflow.PUBLISHED, who="coordinator", extra=extra)
        answer = self._published_answer(view, text)
        role = view.answered_by_role or "coordinator"
        published_at = view.published_at or self.clock()
        doc_id = publisher.publish_best_practice(view.question, answer, role, published_at.date(), view.number,
                                                 cited(view))

        def record(session: Session) -> RequisitionView:
            row = self._load(session, actor, requisition_id)
            row.published_doc_id = doc_id
            if session.scalar(select(BestPracticeRow.id).where(BestPracticeRow.requisition_id == row.id)) is None:
                session.add(BestPracticeRow(requisition_id=row.id, question=row.question, answer=answer,
                                            adviser_role=role, published_at=published_at, doc_id=doc_id))
            return self._view(session, row)

        return self.database.run(record)

    def unpublish(self, requisition_id: int, actor: Actor) -> RequisitionView:
        """Take a published answer back: published → answered, and the document leaves the corpus and the index.

        As with publishing, the state change commits first and the index changes after it; the engine saves the
        index the way publishing does, so every worker reloads before its next question and stops citing it.
        Called again on an answered requisition (a crash after the commit), it only withdraws the document."""
        self._require_coordinator(actor)
        publisher = self._publisher()

        def work(session: Session) -> tuple[RequisitionView, str]:
            row = self._load(session, actor, requisition_id)
            assert row.number is not None
            doc_id = row.published_doc_id or best_practice_doc_id(row.number)
            if row.status in (workflow.ANSWERED, workflow.CLOSED):
                return self._view(session, row), best_practice_doc_id(row.number)
            previous = workflow.move(row, workflow.ANSWERED, self.clock())
            row.published_doc_id = None
            for written in session.execute(select(BestPracticeRow).where(BestPracticeRow.requisition_id == row.id)).scalars():
                session.delete(written)
            self._audit(session, actor, "requisition.unpublished", row,
                        {"from": previous, "to": workflow.ANSWERED, "doc_id": doc_id})
            return self._view(session, row), doc_id

        view, doc_id = self.database.run(work)
        publisher.withdraw_best_practice(doc_id)
        return view

    def _publisher(self) -> Publisher:
        if self.publisher is None:
            raise ConfigurationError("Publishing needs the answer engine: build RequisitionService with publisher=engine.")
        return self.publisher

    def _published_answer(self, view: RequisitionView, text: str | None) -> str:
        if text is None:
            if view.answer is None:
                raise InvalidInput(f"{view.number} has no answer yet: answer it before publishing.", key="publish_unanswered", number=view.number)
            return view.answer
        cleaned, _ = clean_text(text, what="answer to publish", limit=MAX_ANSWER_CHARS)
        assert cleaned is not None
        return cleaned
