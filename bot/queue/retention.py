"""Retention: finished requisitions' texts anonymised after the retention period, and stored texts redacted again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput
from bot.people.actors import SYSTEM, Actor, actor_label
from bot.queue import workflow
from bot.queue.base import RequisitionsBase
from bot.queue.history import purge_history
from bot.queue.rescan import RescanReport, redact_stored
from bot.storage import audit
from bot.storage.models import FeedbackRow, NoteRow, OutboxRow, RequisitionRow

ANONYMISED = "[anonymiseret]"


class Retention(RequisitionsBase):
    """`purge` (the retention period) and `redact_stored` (after a better redactor)."""

    def purge(self, older_than_days: int | None = None, actor: Actor | None = None) -> int:
        """Anonymise the texts of finished requisitions past the retention period, and delete the chat history
        entries as old; returns how many requisitions were new."""
        actor = actor or SYSTEM
        self._require_coordinator(actor)
        days = self.settings.retention_days if older_than_days is None else older_than_days
        if days < 0:
            raise InvalidInput("The retention period cannot be negative.")

        def work(session: Session) -> int:
            cutoff = self.clock() - timedelta(days=days)
            rows = session.execute(
                select(RequisitionRow).where(
                    RequisitionRow.status.in_(workflow.FINAL_STATES),
                    RequisitionRow.finished_at <= cutoff,
                    RequisitionRow.purged_at.is_(None),
                ).with_for_update()
            ).scalars().all()
            ids = {r.id for r in rows}
            for row in rows:
                row.question = ANONYMISED
                row.context = ANONYMISED if row.context is not None else None
                row.answer = ANONYMISED if row.answer is not None else None
                row.info_request = ANONYMISED if row.info_request is not None else None
                row.reject_reason = ANONYMISED if row.reject_reason is not None else None
                row.embedding = None
                row.purged_at = self.clock()
            messages = 0
            if ids:
                for note in session.execute(select(NoteRow).where(NoteRow.requisition_id.in_(ids))).scalars():
                    note.text = ANONYMISED
                for message in session.execute(select(OutboxRow)).scalars():
                    if message.payload.get("requisition_id") in ids or message.payload.get("own_requisition_id") in ids:
                        message.payload = {
                            k: (ANONYMISED if k in ("question", "answer", "message", "reason") else v)
                            for k, v in message.payload.items()
                        }
                        messages += 1
            feedback = session.execute(
                select(FeedbackRow).where(FeedbackRow.created_at <= cutoff, FeedbackRow.question != ANONYMISED)
            ).scalars().all()
            for entry in feedback:
                entry.question = ANONYMISED
            chat = purge_history(session, cutoff, sorted(ids))  # the caseworkers' own history: deleted, not kept
            if rows or feedback or chat:
                audit.append(
                    session, actor=actor_label(actor), action="retention.purge", subject="retention",
                    details={"older_than_days": days, "requisitions": sorted(r.number or "" for r in rows),
                             "outbox_messages": messages, "feedback": len(feedback), "chat_history": chat},
                    at=self.clock(),
                )
            return len(rows)

        return self.database.run(work)

    def redact_stored(self, actor: Actor | None = None) -> RescanReport:
        """Redact every stored text again with the current redactor, so data an older version kept is cleaned."""
        actor = actor or SYSTEM
        self._require_coordinator(actor)
        return redact_stored(self.database.run, actor_label(actor), self.clock, self.settings.added_documents_dir)
