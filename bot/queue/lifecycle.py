"""A requisition's way through the workflow (bot/queue/workflow.py): assigned, started, asked about, answered, closed or rejected."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput, NotFound, StaleVersion
from bot.people.actors import Actor, Caseworker
from bot.privacy.redaction import redact
from bot.queue import workflow
from bot.queue.base import RequisitionsBase
from bot.queue.history import add_reply
from bot.queue.outbox import enqueue
from bot.queue.texts import MAX_ANSWER_CHARS, MAX_CONTEXT_CHARS, clean_text
from bot.queue.views import Changed, CitedSource, RequisitionView
from bot.storage.models import RequisitionRow, StaffUserRow

MAX_BULK = 200


class Lifecycle(RequisitionsBase):
    """The moves of the workflow, each one transaction with its audit entry and notifications."""

    def assign_many(self, actor: Actor, requisition_ids: Sequence[int], adviser_id: int) -> builtins.list[RequisitionView]:
        """Give several requisitions to one adviser in one transaction (all or none), each change audited."""
        self._require_coordinator(actor)
        ids = builtins.list(dict.fromkeys(requisition_ids))
        if not ids:
            raise InvalidInput("Select at least one requisition to assign.", key="select_some")
        if len(ids) > MAX_BULK:
            raise InvalidInput(f"At most {MAX_BULK} requisitions can be assigned at once.", key="select_many", limit=MAX_BULK)

        def work(session: Session) -> builtins.list[RequisitionView]:
            adviser = session.get(StaffUserRow, adviser_id)
            if adviser is None or not adviser.active:
                raise NotFound(f"There is no active task-force member with id {adviser_id}.", key="adviser_missing", id=adviser_id)
            return [self._assign_row(session, actor, self._load(session, actor, i), adviser) for i in ids]

        return self.database.run(work)

    def _assign_row(self, session: Session, actor: Actor, row: RequisitionRow, adviser: StaffUserRow) -> RequisitionView:
        previous = row.status
        if row.status in (workflow.ASSIGNED, workflow.IN_PROGRESS, workflow.NEEDS_INFO):
            row.updated_at = self.clock()
            action = "requisition.reassign"
        else:
            workflow.move(row, workflow.ASSIGNED, self.clock())
            action = "requisition.assigned"
        before = row.assignee_id
        row.assignee_id = adviser.id
        self._audit(session, actor, action, row,
                    {"from": previous, "to": row.status, "assignee": adviser.username, "previous_assignee": before})
        return self._view(session, row)

    def assign(
        self, actor: Actor, requisition_id: int, adviser_id: int, *, expected_version: int | None = None
    ) -> RequisitionView:
        """Give a requisition to a task-force member (coordinator); re-assigns an open one without a state change.

        With `expected_version` (the version the coordinator saw), a requisition changed meanwhile (another
        coordinator assigned it) raises StaleVersion instead of silently overwriting their choice."""
        self._require_coordinator(actor)

        def work(session: Session) -> RequisitionView:
            row = self._load(session, actor, requisition_id)
            if expected_version is not None and row.version != expected_version:
                raise StaleVersion(row.number or str(row.id), expected_version, row.version)
            adviser = session.get(StaffUserRow, adviser_id)
            if adviser is None or not adviser.active:
                raise NotFound(f"There is no active task-force member with id {adviser_id}.", key="adviser_missing", id=adviser_id)
            return self._assign_row(session, actor, row, adviser)

        return self.database.run(work)

    def start(self, actor: Actor, requisition_id: int) -> RequisitionView:
        """The assignee starts working on it: assigned → in_progress."""
        return self._transition(actor, requisition_id, workflow.IN_PROGRESS, who="assignee")

    def ask_for_info(self, actor: Actor, requisition_id: int, message: str) -> Changed:
        """Ask the caseworker for more information: in_progress → needs_info, and notify them."""
        text, found = clean_text(message, what="message", limit=MAX_CONTEXT_CHARS)

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            row.info_request = text
            if row.caseworker_id is not None:
                enqueue(session, kind="needs_info", caseworker_id=row.caseworker_id, now=self.clock(),
                        payload=self._payload(row, message=text))
            return {"redacted": list(found)}

        return Changed(self._transition(actor, requisition_id, workflow.NEEDS_INFO, who="assignee", extra=extra), found)

    def provide_info(self, caseworker: Caseworker, requisition_id: int, text: str) -> Changed:
        """The caseworker's reply: appended to the context and kept in her chat history; needs_info → in_progress."""
        reply, found = clean_text(text, what="reply", limit=MAX_CONTEXT_CHARS)

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            stamp = self.clock().strftime("%Y-%m-%d %H:%M")
            addition = f"[{stamp}] {reply}"
            combined = f"{row.context}\n\n{addition}" if row.context else addition
            if len(combined) > 4 * MAX_CONTEXT_CHARS:
                raise InvalidInput("The requisition already holds as much context as it can; ask the adviser to answer.", key="context_full")
            row.context = combined
            assert reply is not None
            add_reply(session, caseworker.id, row.id, reply, self.clock())
            return {"redacted": list(found)}

        return Changed(self._transition(caseworker, requisition_id, workflow.IN_PROGRESS, who="owner", extra=extra), found)

    def answer(self, actor: Actor, requisition_id: int, text: str, sources: Sequence[CitedSource] = ()) -> Changed:
        """The adviser's answer: in_progress → answered; the asker and every duplicate's asker are notified."""
        answer_text, found = clean_text(text, what="answer", limit=MAX_ANSWER_CHARS)
        cited = [
            {"doc_id": str(s.doc_id).strip(), "section": redact(s.section).text, "quote": redact(s.quote).text}
            for s in sources
        ]
        if any(not c["doc_id"] for c in cited):
            raise InvalidInput("Every cited source needs a doc_id.", key="source_doc_missing")

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            staff = self._staff_row(session, actor)
            row.answer = answer_text
            row.sources = cited
            row.answered_by = staff.id if staff is not None else None
            row.answered_by_role = staff.role if staff is not None else "coordinator"
            now = self.clock()
            notified = []
            if row.caseworker_id is not None:
                enqueue(session, kind="answered", caseworker_id=row.caseworker_id, now=now, payload=self._payload(row))
            duplicates = session.execute(
                select(RequisitionRow).where(RequisitionRow.duplicate_of == row.id, RequisitionRow.status == workflow.DUPLICATE)
            ).scalars()
            for dup in duplicates:
                if dup.caseworker_id is not None:
                    enqueue(session, kind="answered", caseworker_id=dup.caseworker_id, now=now,
                            payload=self._payload(row, own=dup))
                    notified.append(dup.number)
            return {"sources": [c["doc_id"] for c in cited], "redacted": list(found), "notified_duplicates": notified}

        return Changed(self._transition(actor, requisition_id, workflow.ANSWERED, who="assignee", extra=extra), found)

    def close(self, actor: Actor, requisition_id: int) -> RequisitionView:
        """Done with it: answered → closed (coordinator, the assignee, or the asking caseworker)."""
        return self._transition(actor, requisition_id, workflow.CLOSED, who="assignee_or_owner")

    def reject(self, actor: Actor, requisition_id: int, reason: str) -> Changed:
        """Not a task for the task force: new|assigned → rejected, with a reason the caseworker is told."""
        self._require_coordinator(actor)
        reason_text, found = clean_text(reason, what="reason", limit=MAX_CONTEXT_CHARS)

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            row.reject_reason = reason_text
            if row.caseworker_id is not None:
                enqueue(session, kind="rejected", caseworker_id=row.caseworker_id, now=self.clock(),
                        payload=self._payload(row, reason=reason_text))
            return {"redacted": list(found)}

        return Changed(self._transition(actor, requisition_id, workflow.REJECTED, who="coordinator", extra=extra), found)
