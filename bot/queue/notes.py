"""Internal notes: the task force's remarks on a requisition, never shown to the caseworker."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import PermissionDenied
from bot.people.actors import Actor, Caseworker
from bot.queue.base import RequisitionsBase
from bot.queue.texts import clean_text
from bot.queue.views import Note
from bot.storage.models import NoteRow, StaffUserRow

MAX_NOTE_CHARS = 5_000


class Notes(RequisitionsBase):
    """Adding and reading internal notes."""

    def add_note(self, actor: Actor, requisition_id: int, text: str) -> Note:
        """An internal note for the task force (coordinator or the assignee); redacted, audited without its text."""
        if isinstance(actor, Caseworker):
            raise PermissionDenied("Internal notes are for the task force only.", key="notes_task_force")
        note_text, found = clean_text(text, what="note", limit=MAX_NOTE_CHARS)
        assert note_text is not None

        def work(session: Session) -> Note:
            row = self._load(session, actor, requisition_id, lock=False)
            staff = self._staff_row(session, actor)
            if staff is None:
                raise PermissionDenied("Only a task-force member can write an internal note.", key="note_task_force")
            note = NoteRow(requisition_id=row.id, author_id=staff.id, text=note_text, created_at=self.clock())
            session.add(note)
            session.flush()
            self._audit(session, actor, "requisition.note", row, {"note_id": note.id, "redacted": list(found)})
            return Note(note.id, row.id, staff.username, staff.role, note.text, note.created_at)

        return self.database.run(work)

    def notes(self, actor: Actor, requisition_id: int) -> builtins.list[Note]:
        """The internal notes on a requisition, oldest first (task force only: a caseworker gets 403)."""
        if isinstance(actor, Caseworker):
            raise PermissionDenied("Internal notes are for the task force only.", key="notes_task_force")

        def work(session: Session) -> builtins.list[Note]:
            row = self._load(session, actor, requisition_id, lock=False)
            found = session.execute(
                select(NoteRow, StaffUserRow).join(StaffUserRow, StaffUserRow.id == NoteRow.author_id)
                .where(NoteRow.requisition_id == row.id).order_by(NoteRow.created_at, NoteRow.id)
            ).all()
            return [Note(n.id, n.requisition_id, u.username, u.role, n.text, n.created_at) for n, u in found]

        return self.database.run(work, readonly=True)
