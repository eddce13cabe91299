"""What every part of the requisition service shares: its collaborators, loading a requisition with the role
checks, a move through the workflow, the audit entry, a notification's payload and the view returned."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.core.errors import NotFound, PermissionDenied
from bot.core.settings import Settings
from bot.people.actors import Actor, Caseworker, StaffUser, actor_label, is_privileged
from bot.queue import sla as sla_module
from bot.queue import workflow
from bot.queue.outbox import Outbox
from bot.queue.views import Candidate, CitedSource, RequisitionView
from bot.storage import audit
from bot.storage.db import Database
from bot.storage.models import CaseworkerRow, RequisitionRow, StaffUserRow
from index.embedder import Embedder


class Publisher(Protocol):
    """Adds an answered requisition to the corpus as a "task force answer" (bot.answering.engine.AnswerEngine does)."""

    def publish_best_practice(
        self, question: str, answer: str, adviser_role: str, published_on: date, requisition_number: str,
        sources: Sequence[tuple[str, str, str]] = (),
    ) -> str:
        """Index the answer incrementally and return the new document's doc_id; sources are (doc_id, section, quote)."""
        ...

    def preview_best_practice(
        self, question: str, answer: str, adviser_role: str, published_on: date, requisition_number: str,
        sources: Sequence[tuple[str, str, str]] = (),
    ) -> str:
        """The document text `publish_best_practice` would index for the same arguments."""
        ...

    def withdraw_best_practice(self, doc_id: str) -> bool:
        """Remove a published answer from the corpus and the index (every worker stops citing it); idempotent."""
        ...


class RequisitionsBase:
    """The state `RequisitionService.__init__` sets up, and the helpers every part uses."""

    database: Database
    settings: Settings
    embedder: Embedder | None
    publisher: Publisher | None
    anchor: audit.Anchor | None
    clock: Callable[[], datetime]
    outbox: Outbox

    def _require_coordinator(self, actor: Actor) -> None:
        if not is_privileged(actor):
            raise PermissionDenied("Only the task-force coordinator can do this.", key="coordinator_only")

    def _staff_row(self, session: Session, actor: Actor) -> StaffUserRow | None:
        """The acting staff user's current row: refuses a deactivated user even with an old view."""
        if not isinstance(actor, StaffUser):
            return None
        row = session.get(StaffUserRow, actor.id)
        if row is None or not row.active:
            raise PermissionDenied("This account is deactivated.", key="account_deactivated")
        return row

    def _load(self, session: Session, actor: Actor, requisition_id: int, *, lock: bool = True) -> RequisitionRow:
        row = session.get(RequisitionRow, requisition_id, with_for_update=lock)
        if row is None:
            raise NotFound(f"There is no requisition with id {requisition_id}.", key="requisition_missing", id=requisition_id)
        staff = self._staff_row(session, actor)
        if isinstance(actor, Caseworker):
            if row.caseworker_id != actor.id:
                raise PermissionDenied("You can only see your own requisitions.", key="own_requisitions")
        elif staff is not None and staff.role != "coordinator" and row.assignee_id != staff.id:
            raise PermissionDenied(f"{row.number} is not assigned to you.", key="not_assigned", number=row.number)
        return row

    def _may(self, session: Session, actor: Actor, row: RequisitionRow, who: str) -> None:
        """Role check for one action on a row the actor can already see."""
        if is_privileged(actor):
            return
        if isinstance(actor, Caseworker):
            if who in ("owner", "assignee_or_owner"):
                return
            raise PermissionDenied("Only the task force can do this.", key="task_force_only")
        if who in ("assignee", "assignee_or_owner"):
            return  # _load already refused an adviser who is not the assignee
        if who == "owner":
            raise PermissionDenied("Only the caseworker who asked can reply to a request for information.", key="owner_only")
        raise PermissionDenied("Only the task-force coordinator can do this.", key="coordinator_only")

    def _transition(
        self,
        actor: Actor,
        requisition_id: int,
        target: str,
        *,
        who: str,
        extra: Callable[[Session, RequisitionRow], dict[str, Any]] | None = None,
    ) -> RequisitionView:
        """Load, check permission and state, apply, audit: one transaction."""

        def work(session: Session) -> RequisitionView:
            row = self._load(session, actor, requisition_id)
            self._may(session, actor, row, who)
            workflow.check(row.status, target)
            details = extra(session, row) if extra is not None else {}
            previous = workflow.move(row, target, self.clock())
            self._audit(session, actor, f"requisition.{target}", row, {"from": previous, "to": target, **details})
            return self._view(session, row)

        return self.database.run(work)

    def _audit(self, session: Session, actor: Actor, action: str, row: RequisitionRow, details: dict[str, Any]) -> None:
        audit.append(session, actor=actor_label(actor), action=action, subject=f"requisition:{row.number}",
                     details=details, at=self.clock())

    def _payload(self, row: RequisitionRow, *, own: RequisitionRow | None = None, **more: Any) -> dict[str, Any]:
        """A notification's content: what the caseworker needs to read it without asking again."""
        asked = own or row
        payload: dict[str, Any] = {
            "requisition_id": row.id,
            "number": asked.number,
            "question": asked.question,
        }
        if own is not None:
            payload["own_requisition_id"] = own.id
            payload["answered_number"] = row.number
        if row.answer is not None:
            payload["answer"] = row.answer
            payload["sources"] = builtins.list(row.sources or [])
        payload.update(more)
        return payload

    def _view(self, session: Session, row: RequisitionRow) -> RequisitionView:
        assignee = session.get(StaffUserRow, row.assignee_id) if row.assignee_id else None
        original = session.get(RequisitionRow, row.duplicate_of) if row.duplicate_of else None
        caseworker = session.get(CaseworkerRow, row.caseworker_id) if row.caseworker_id else None
        return RequisitionView(
            id=row.id,
            number=row.number or "",
            status=row.status,
            question=row.question,
            language=row.language,
            department=row.department,
            themes=tuple(t for t in (row.themes or "").split("|") if t),
            candidates=tuple(Candidate(c["doc_id"], c.get("section", ""), c.get("chunk_id", ""), c.get("quote", ""),
                                       float(c.get("score", 0.0))) for c in (row.candidates or [])),
            confidence=row.confidence,
            context=row.context,
            caseworker_id=row.caseworker_id,
            channel=caseworker.channel if caseworker else None,
            assignee_id=row.assignee_id,
            assignee_username=assignee.username if assignee else None,
            info_request=row.info_request,
            answer=row.answer,
            answered_by_id=row.answered_by,
            answered_by_role=row.answered_by_role,
            sources=tuple(CitedSource(s["doc_id"], s.get("section", ""), s.get("quote", "")) for s in (row.sources or [])),
            duplicate_of_id=row.duplicate_of,
            duplicate_of_number=original.number if original else None,
            reject_reason=row.reject_reason,
            published_doc_id=row.published_doc_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            assigned_at=row.assigned_at,
            started_at=row.started_at,
            info_requested_at=row.info_requested_at,
            info_provided_at=row.info_provided_at,
            answered_at=row.answered_at,
            closed_at=row.closed_at,
            duplicate_at=row.duplicate_at,
            rejected_at=row.rejected_at,
            published_at=row.published_at,
            first_response_at=row.first_response_at,
            purged_at=row.purged_at,
            version=row.version,
            sla=sla_module.clock_of(
                row.status, row.created_at, row.info_requested_at, row.info_provided_at, self.clock(),
                answer_days=self.settings.sla_answer_working_days,
                needs_info_days=self.settings.sla_needs_info_working_days,
            ),
        )
