"""The requisition service: the one API both doors (web, Telegram) and the CLI use for requisitions.

Every call is one database transaction (all or nothing) with an audit entry for each change, retried
from the start if it lost a lock race. Role checks live here: a coordinator (or the system) sees and
does everything; an adviser sees and works only on requisitions assigned to them; a caseworker sees
only their own, replies to requests for information and closes answered ones. Texts are redacted
before anything is stored; the audit log never holds them (it cannot be purged).
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.answering.answer import Answer
from bot.core.control_chars import strip_controls
from bot.core.errors import ConfigurationError, InvalidInput, InvalidQuestion, NotFound, PermissionDenied, StaleVersion
from bot.core.settings import Settings
from bot.people.actors import Actor, Caseworker, StaffUser, actor_label, is_privileged
from bot.privacy.redaction import redact
from bot.queue import sla as sla_module
from bot.queue import stats as stats_module
from bot.queue import workflow
from bot.queue.history import ChatHistory, add_reply, purge_history
from bot.queue.outbox import Outbox, Sender, enqueue
from bot.queue.rescan import RescanReport, redact_stored
from bot.queue.templates import AnswerTemplates
from bot.queue.themes import themes_of
from bot.queue.views import (
    Candidate,
    Changed,
    CitedSource,
    Created,
    DeliveryReport,
    DuplicateSuggestion,
    FeedbackSummary,
    GapSignal,
    Inbox,
    Note,
    Page,
    RequisitionView,
    Stats,
)
from bot.storage import audit
from bot.storage.db import Database
from bot.storage.models import (
    AuditHeadRow,
    BestPracticeRow,
    CaseworkerRow,
    FeedbackRow,
    NoteRow,
    OutboxRow,
    RequisitionRow,
    StaffUserRow,
)
from corpus.pipeline import safe_doc_id
from index.embedder import Embedder

log = logging.getLogger(__name__)

__all__ = ["ANONYMISED", "EXPORT_COLUMNS", "Publisher", "RequisitionService", "Sender"]

ANONYMISED = "[anonymiseret]"
MAX_CONTEXT_CHARS = 10_000
MAX_ANSWER_CHARS = 20_000
MAX_THEMES = 10
MAX_THEME_CHARS = 50
MAX_SUGGESTIONS = 5
MAX_IDEMPOTENCY_KEY_CHARS = 150
MAX_NOTE_CHARS = 5_000
MAX_BULK = 200
SORTS = {
    "created": (RequisitionRow.created_at, RequisitionRow.id),
    "updated": (RequisitionRow.updated_at, RequisitionRow.id),
    "number": (RequisitionRow.id,),
    "status": (RequisitionRow.status, RequisitionRow.id),
}
EXPORT_COLUMNS: tuple[str, ...] = (
    "number",
    "status",
    "created_at",
    "department",
    "themes",
    "language",
    "question",
    "confidence",
    "assignee",
    "first_response_at",
    "answered_at",
    "first_response_seconds",
    "answer_seconds",
    "answer",
    "answered_by_role",
    "sources",
    "duplicate_of",
    "reject_reason",
    "published_doc_id",
)


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


def _clean_text(text: str | None, *, what: str, limit: int, required: bool = True) -> tuple[str | None, tuple[str, ...]]:
    """Validate and redact one free text; returns the redacted text and the kinds found."""
    text = strip_controls(text) if isinstance(text, str) else text
    if text is None or not text.strip():
        if required:
            raise InvalidInput(f"The {what} is empty: write a few words.", key="text_empty")
        return None, ()
    if len(text) > limit:
        raise InvalidInput(f"The {what} is {len(text)} characters long; at most {limit} are accepted.", key="text_long", length=len(text), limit=limit)
    result = redact(text.strip())
    return result.text, result.found


def _themes(themes: Sequence[str]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for theme in themes:
        tag = " ".join(str(theme).lower().split()).replace("|", "/")
        if tag and tag not in cleaned:
            if len(tag) > MAX_THEME_CHARS:
                raise InvalidInput(f"The theme '{tag[:MAX_THEME_CHARS]}…' is too long; use at most {MAX_THEME_CHARS} characters.", key="theme_long", limit=MAX_THEME_CHARS)
            cleaned.append(tag)
    if len(cleaned) > MAX_THEMES:
        raise InvalidInput(f"At most {MAX_THEMES} themes per requisition.", key="themes_many", limit=MAX_THEMES)
    return tuple(cleaned)


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


def best_practice_doc_id(number: str) -> str:
    """The corpus document a published requisition becomes: one per number, so publishing again finds it."""
    return safe_doc_id(f"taskforce-{number}")


def _cited(view: RequisitionView) -> list[tuple[str, str, str]]:
    """The sources an answer cites, as the publisher takes them: (doc_id, section, quote)."""
    return [(s.doc_id, s.section, s.quote) for s in view.sources]


def _spreadsheet_safe(value: str) -> str:
    """Neutralise a leading =, +, - or @ so a spreadsheet opening the CSV does not run it as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class RequisitionService:
    """Create, route, answer and publish requisitions; see docs/SERVICE.md."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] | None = None,
        anchor: audit.Anchor | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.embedder = embedder
        self.publisher = publisher
        self.anchor = anchor  # the audit head and highest number issued, kept outside the database
        self.clock = clock or (lambda: datetime.now(UTC))
        self.outbox = Outbox(
            database,
            base_seconds=settings.outbox_backoff_seconds,
            cap_seconds=settings.outbox_backoff_cap_seconds,
            lease_seconds=settings.outbox_lease_seconds,
            clock=self.clock,
        )
        self.templates = AnswerTemplates(database, clock=lambda: self.clock())
        self.history = ChatHistory(database, clock=lambda: self.clock())

    # --- creating --------------------------------------------------------------------------------

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
        context_text, context_found = _clean_text(context, what="context", limit=MAX_CONTEXT_CHARS, required=False)
        # Nobody tags a question asked in chat: read the themes off its words, so the list's theme filter works.
        tags = _themes(themes) or _themes(themes_of(f"{q.text} {context_text or ''}"))
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

    # --- reading ---------------------------------------------------------------------------------

    def get(self, actor: Actor, requisition_id: int) -> RequisitionView:
        """One requisition the actor may see."""

        def work(session: Session) -> RequisitionView:
            return self._view(session, self._load(session, actor, requisition_id, lock=False))

        return self.database.run(work, readonly=True)

    def get_by_number(self, actor: Actor, number: str) -> RequisitionView:
        """One requisition by the number users see ("R-00042", case and spaces ignored)."""
        wanted = number.strip().upper()

        def work(session: Session) -> RequisitionView:
            row_id = session.scalar(select(RequisitionRow.id).where(RequisitionRow.number == wanted))
            if row_id is None:
                raise NotFound(f"There is no requisition {wanted}.", key="requisition_number_missing", number=wanted)
            return self._view(session, self._load(session, actor, row_id, lock=False))

        return self.database.run(work, readonly=True)

    def list(
        self,
        actor: Actor,
        *,
        status: str | Sequence[str] | None = None,
        department: str | None = None,
        theme: str | None = None,
        assignee_id: int | None = None,
        older_than_days: float | None = None,
        text: str | None = None,
        unassigned: bool = False,
        overdue: bool = False,
        sort: str = "-created",
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """A filtered, sorted page of the requisitions the actor may see.

        `sort="due"` puts the requisition whose service level runs out first on top (those without a running
        clock last); `overdue=True` keeps only those past it; both are computed here, in working days."""
        query = self._filtered(
            actor, status=status, department=department, theme=theme, assignee_id=assignee_id,
            older_than_days=older_than_days, text=text, unassigned=unassigned,
        )
        if offset < 0 or not 1 <= limit <= 1000:
            raise InvalidInput("Paging: offset must be ≥ 0 and limit between 1 and 1000.")
        descending = sort.startswith("-")
        by_due = sort.lstrip("-") == "due"
        columns = SORTS["created"] if by_due else SORTS.get(sort.lstrip("-"))
        if columns is None:
            raise InvalidInput(
                f"Unknown sort '{sort}'; use one of: due, {', '.join(sorted(SORTS))} (prefix '-' for newest first)."
            )
        if overdue:
            query = query.where(RequisitionRow.status.in_(workflow.OPEN_STATES))

        def computed(session: Session) -> Page:
            """Only open requisitions run a clock, so only they are read into memory; the rest (answered and
            final ones, newest first) are paged by the database after them."""
            running = query.where(RequisitionRow.status.in_(workflow.OPEN_STATES)).order_by(*[c.asc() for c in columns])
            views = [self._view(session, r) for r in session.execute(running).scalars()]
            if overdue:
                views = [v for v in views if v.sla is not None and v.sla.overdue]
            far = datetime.max.replace(tzinfo=UTC)
            views.sort(key=lambda v: (v.sla.due_at if v.sla is not None else far), reverse=descending)
            items = views[offset:offset + limit]
            if overdue:
                return Page(tuple(items), len(views), offset, limit)
            rest = query.where(RequisitionRow.status.not_in(workflow.OPEN_STATES))
            rest_total = session.scalar(select(func.count()).select_from(rest.subquery())) or 0
            if len(items) < limit:
                start = max(0, offset - len(views))
                newest = rest.order_by(RequisitionRow.created_at.desc(), RequisitionRow.id.desc())
                rows = session.execute(newest.offset(start).limit(limit - len(items))).scalars()
                items += [self._view(session, r) for r in rows]
            return Page(tuple(items), len(views) + rest_total, offset, limit)

        def work(session: Session) -> Page:
            if by_due or overdue:
                return computed(session)
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            ordered = query.order_by(*[c.desc() if descending else c.asc() for c in columns]).offset(offset).limit(limit)
            rows = session.execute(ordered).scalars().all()
            return Page(tuple(self._view(session, r) for r in rows), total, offset, limit)

        return self.database.run(work, readonly=True)

    def _filtered(
        self,
        actor: Actor,
        *,
        status: str | Sequence[str] | None = None,
        department: str | None = None,
        theme: str | None = None,
        assignee_id: int | None = None,
        older_than_days: float | None = None,
        text: str | None = None,
        unassigned: bool = False,
    ) -> Select[tuple[RequisitionRow]]:
        query = select(RequisitionRow)
        if isinstance(actor, Caseworker):
            query = query.where(RequisitionRow.caseworker_id == actor.id)
        elif not is_privileged(actor):
            assert isinstance(actor, StaffUser)
            query = query.where(RequisitionRow.assignee_id == actor.id)
        if status:
            states = (status,) if isinstance(status, str) else tuple(status)
            unknown = [s for s in states if s not in workflow.STATES]
            if unknown:
                raise InvalidInput(f"Unknown status {unknown[0]!r}; use one of: {', '.join(workflow.STATES)}.")
            query = query.where(RequisitionRow.status.in_(states))
        if department:
            query = query.where(RequisitionRow.department == department)
        if theme:
            tag = " ".join(theme.lower().split())
            query = query.where(RequisitionRow.themes.contains(f"|{tag}|", autoescape=True))
        if assignee_id is not None:
            query = query.where(RequisitionRow.assignee_id == assignee_id)
        if unassigned:
            query = query.where(RequisitionRow.assignee_id.is_(None), RequisitionRow.status.in_(workflow.OPEN_STATES))
        if older_than_days is not None:
            query = query.where(RequisitionRow.created_at <= self.clock() - timedelta(days=older_than_days))
        if text and text.strip():
            needle = redact(text.strip()).text
            query = query.where(
                or_(
                    RequisitionRow.number.icontains(needle, autoescape=True),
                    RequisitionRow.question.icontains(needle, autoescape=True),
                    RequisitionRow.context.icontains(needle, autoescape=True),
                    RequisitionRow.answer.icontains(needle, autoescape=True),
                )
            )
        return query

    def inbox(self, actor: Actor) -> Inbox:
        """The counts at the top of the dashboard: new, unassigned, waiting for info, overdue, and the user's own."""

        def work(session: Session) -> Inbox:
            query = self._filtered(actor, status=workflow.OPEN_STATES)
            views = [self._view(session, r) for r in session.execute(query).scalars()]
            me = actor.id if isinstance(actor, StaffUser) else None
            return Inbox(
                new=sum(v.status == workflow.NEW for v in views),
                unassigned=sum(v.assignee_id is None for v in views),
                needs_info=sum(v.status == workflow.NEEDS_INFO for v in views),
                overdue=sum(v.sla is not None and v.sla.overdue for v in views),
                mine=sum(me is not None and v.assignee_id == me for v in views),
            )

        return self.database.run(work, readonly=True)

    # --- internal notes --------------------------------------------------------------------------

    def add_note(self, actor: Actor, requisition_id: int, text: str) -> Note:
        """An internal note for the task force (coordinator or the assignee); redacted, audited without its text."""
        if isinstance(actor, Caseworker):
            raise PermissionDenied("Internal notes are for the task force only.", key="notes_task_force")
        note_text, found = _clean_text(text, what="note", limit=MAX_NOTE_CHARS)
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

    # --- moving through the workflow -------------------------------------------------------------

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
        text, found = _clean_text(message, what="message", limit=MAX_CONTEXT_CHARS)

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            row.info_request = text
            if row.caseworker_id is not None:
                enqueue(session, kind="needs_info", caseworker_id=row.caseworker_id, now=self.clock(),
                        payload=self._payload(row, message=text))
            return {"redacted": list(found)}

        return Changed(self._transition(actor, requisition_id, workflow.NEEDS_INFO, who="assignee", extra=extra), found)

    def provide_info(self, caseworker: Caseworker, requisition_id: int, text: str) -> Changed:
        """The caseworker's reply: appended to the context and kept in her chat history; needs_info → in_progress."""
        reply, found = _clean_text(text, what="reply", limit=MAX_CONTEXT_CHARS)

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
        answer_text, found = _clean_text(text, what="answer", limit=MAX_ANSWER_CHARS)
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

    def reject(self, actor: Actor, requisition_id: int, reason: str) -> Changed:
        """Not a task for the task force: new|assigned → rejected, with a reason the caseworker is told."""
        self._require_coordinator(actor)
        reason_text, found = _clean_text(reason, what="reason", limit=MAX_CONTEXT_CHARS)

        def extra(session: Session, row: RequisitionRow) -> dict[str, Any]:
            row.reject_reason = reason_text
            if row.caseworker_id is not None:
                enqueue(session, kind="rejected", caseworker_id=row.caseworker_id, now=self.clock(),
                        payload=self._payload(row, reason=reason_text))
            return {"redacted": list(found)}

        return Changed(self._transition(actor, requisition_id, workflow.REJECTED, who="coordinator", extra=extra), found)

    def preview(self, requisition_id: int, actor: Actor, text: str | None = None) -> str:
        """Exactly the document publishing would write today, with the answer as given (`text`) or as stored."""
        self._require_coordinator(actor)
        publisher = self._publisher()
        view = self.get(actor, requisition_id)
        if view.answer is None:
            raise InvalidInput(f"{view.number} has no answer yet: answer it before publishing.", key="publish_unanswered", number=view.number)
        answer = self._published_answer(view, text)
        return publisher.preview_best_practice(view.question, answer, view.answered_by_role or "coordinator",
                                               self.clock().date(), view.number, _cited(view))

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
                                                 _cited(view))

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
        cleaned, _ = _clean_text(text, what="answer to publish", limit=MAX_ANSWER_CHARS)
        assert cleaned is not None
        return cleaned

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

    # --- figures, export, retention --------------------------------------------------------------

    def stats(self, actor: Actor) -> Stats:
        """Dashboard figures: counts by status, median/p90 times, per department, theme and month (coordinator)."""
        self._require_coordinator(actor)

        def work(session: Session) -> Stats:
            rows = session.execute(
                select(RequisitionRow.status, RequisitionRow.department, RequisitionRow.themes, RequisitionRow.created_at,
                       RequisitionRow.first_response_at, RequisitionRow.answered_at)
            ).all()
            return stats_module.compute(
                stats_module.Facts(r[0], r[1], tuple(t for t in (r[2] or "").split("|") if t), r[3], r[4], r[5]) for r in rows
            )

        return self.database.run(work, readonly=True)

    def export_rows(self, actor: Actor, **filters: Any) -> builtins.list[dict[str, str]]:
        """All matching requisitions as string rows keyed by EXPORT_COLUMNS, safe to open in a spreadsheet."""
        self._require_coordinator(actor)
        sort = filters.pop("sort", "created")
        page = self.list(actor, sort=sort, limit=1000, **filters)
        views = builtins.list(page.items)
        while len(views) < page.total:
            views += self.list(actor, sort=sort, offset=len(views), limit=1000, **filters).items

        def fmt(value: object) -> str:
            if value is None:
                return ""
            if isinstance(value, datetime):
                return value.isoformat(timespec="seconds")
            if isinstance(value, float):
                return f"{value:.0f}" if value.is_integer() else f"{value:.4f}"
            return str(value)

        rows = []
        for v in views:
            values = {
                "number": v.number, "status": v.status, "created_at": v.created_at, "department": v.department,
                "themes": ", ".join(v.themes), "language": v.language, "question": v.question, "confidence": v.confidence,
                "assignee": v.assignee_username, "first_response_at": v.first_response_at, "answered_at": v.answered_at,
                "first_response_seconds": v.first_response_seconds, "answer_seconds": v.answer_seconds, "answer": v.answer,
                "answered_by_role": v.answered_by_role, "sources": ", ".join(s.doc_id for s in v.sources),
                "duplicate_of": v.duplicate_of_number, "reject_reason": v.reject_reason, "published_doc_id": v.published_doc_id,
            }
            rows.append({k: _spreadsheet_safe(fmt(values[k])) for k in EXPORT_COLUMNS})
        return rows

    def purge(self, older_than_days: int | None = None, actor: Actor | None = None) -> int:
        """Anonymise the texts of finished requisitions past the retention period, and delete the chat history
        entries as old; returns how many requisitions were new."""
        from bot.people.actors import SYSTEM

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
        from bot.people.actors import SYSTEM

        actor = actor or SYSTEM
        self._require_coordinator(actor)
        return redact_stored(self.database.run, actor_label(actor), self.clock, self.settings.added_documents_dir)

    # --- notifications and feedback --------------------------------------------------------------

    async def deliver_pending(self, sender: Sender, *, channel: str | None = None, limit: int = 50) -> DeliveryReport:
        """Send due notifications with `sender` (sync or async); failures are retried later with backoff."""
        return await self.outbox.deliver(sender, channel=channel, limit=limit)

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
        text, found = _clean_text(question, what="question", limit=self.settings.max_question_chars)
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
            counts = dict(session.execute(select(FeedbackRow.vote, func.count()).group_by(FeedbackRow.vote)).all())  # type: ignore[arg-type]
            return FeedbackSummary(up=counts.get("up", 0), down=counts.get("down", 0))

        return self.database.run(work, readonly=True)

    # --- helpers ---------------------------------------------------------------------------------

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
