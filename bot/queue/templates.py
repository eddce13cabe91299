"""Answer templates: a few stored texts (a greeting, a standard paragraph) an adviser inserts into an answer.

The coordinator keeps them; every task-force member reads them. Texts are redacted like every other text, and
each change is audited (the title, never the text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.people.actors import Actor, Caseworker, actor_label, is_privileged
from bot.privacy.redaction import redact
from bot.storage import audit
from bot.storage.db import Database
from bot.storage.models import AnswerTemplateRow

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 5_000
MAX_TEMPLATES = 100


@dataclass(frozen=True)
class AnswerTemplate:
    """One stored text, by its title."""

    id: int
    title: str
    text: str


class AnswerTemplates:
    """List (task force), save and delete (coordinator) the answer templates."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    def list(self, actor: Actor) -> list[AnswerTemplate]:
        """Every template, by title (not for caseworkers)."""
        if isinstance(actor, Caseworker):
            raise PermissionDenied("Answer templates are for the task force only.", key="templates_task_force")

        def work(session: Session) -> list[AnswerTemplate]:
            rows = session.execute(select(AnswerTemplateRow).order_by(AnswerTemplateRow.title)).scalars()
            return [AnswerTemplate(r.id, r.title, r.text) for r in rows]

        return self.database.run(work, readonly=True)

    def save(self, actor: Actor, title: str, text: str) -> AnswerTemplate:
        """Add a template, or replace the text of the one with this title (coordinator)."""
        if not is_privileged(actor):
            raise PermissionDenied("Only the task-force coordinator can change the answer templates.", key="templates_coordinator")
        name = " ".join((title or "").split())
        if not name or len(name) > MAX_TITLE_CHARS:
            raise InvalidInput(f"Give the template a title of 1 to {MAX_TITLE_CHARS} characters.", key="template_title", limit=MAX_TITLE_CHARS)
        if not (text or "").strip() or len(text) > MAX_TEXT_CHARS:
            raise InvalidInput(f"The template text is empty or longer than {MAX_TEXT_CHARS} characters.", key="template_text", limit=MAX_TEXT_CHARS)
        body = redact(text.strip()).text

        def work(session: Session) -> AnswerTemplate:
            row = session.scalar(select(AnswerTemplateRow).where(AnswerTemplateRow.title == name))
            if row is None:
                if (session.query(AnswerTemplateRow).count()) >= MAX_TEMPLATES:
                    raise InvalidInput(f"At most {MAX_TEMPLATES} templates: delete one first.", key="templates_many", limit=MAX_TEMPLATES)
                row = AnswerTemplateRow(title=name, text=body, created_at=self.clock())
                session.add(row)
            else:
                row.text = body
            session.flush()
            audit.append(session, actor=actor_label(actor), action="template.save", subject=f"template:{row.id}",
                         details={"title": name}, at=self.clock())
            return AnswerTemplate(row.id, row.title, row.text)

        return self.database.run(work)

    def delete(self, actor: Actor, template_id: int) -> None:
        """Remove a template (coordinator)."""
        if not is_privileged(actor):
            raise PermissionDenied("Only the task-force coordinator can change the answer templates.", key="templates_coordinator")

        def work(session: Session) -> None:
            row = session.get(AnswerTemplateRow, template_id)
            if row is None:
                raise NotFound(f"There is no answer template with id {template_id}.", key="template_missing", id=template_id)
            audit.append(session, actor=actor_label(actor), action="template.delete", subject=f"template:{row.id}",
                         details={"title": row.title}, at=self.clock())
            session.delete(row)

        self.database.run(work)
