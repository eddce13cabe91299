"""A caseworker's own web chat kept for her: the questions she asked with the answers shown, her replies to the
task force's requests for information, and which of her requisitions hold news she has not seen yet.

Every text is redacted before it is stored, like everything else; the retention purge
(`vejviser requisitions purge`, RequisitionService.purge) deletes entries older than the retention period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.answering.answer import Answer
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.people.actors import Caseworker
from bot.privacy.redaction import redact
from bot.storage.db import Database
from bot.storage.models import ChatEntryRow, RequisitionRow, RequisitionSeenRow

__all__ = ["ChatEntry", "ChatHistory", "ChatPage", "ChatSource", "Updates", "add_reply", "purge_history"]

MAX_CITATIONS = 5
# The next `since` is taken this far back, so a change committing while the poll reads is sent next time, not lost;
# a page that already shows a requisition's version ignores it the second time.
OVERLAP = timedelta(seconds=10)
NEWS_COLUMNS = (  # what the task force tells the caseworker; assigning or starting is not news to her
    RequisitionRow.info_requested_at,
    RequisitionRow.answered_at,
    RequisitionRow.rejected_at,
    RequisitionRow.duplicate_at,
)


@dataclass(frozen=True)
class ChatSource:
    """A passage the answer cited, as the caseworker saw it."""

    doc_id: str
    section: str
    quote: str


@dataclass(frozen=True)
class ChatEntry:
    """One stored turn: a question and the answer shown, or a reply to the task force (kind "reply")."""

    id: int
    kind: str
    text: str
    status: str | None
    answer: str | None
    citations: tuple[ChatSource, ...]
    requisition_id: int | None
    requisition_number: str | None
    created_at: datetime


@dataclass(frozen=True)
class ChatPage:
    """Questions newest first, `limit` at a time."""

    items: tuple[ChatEntry, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Updates:
    """What changed on the caseworker's requisitions since a time, and which hold unseen news."""

    changed: tuple[int, ...]  # requisition ids, changed after `since`
    unread: tuple[int, ...]  # requisition ids with news newer than her last look
    checked_at: datetime  # the next call's `since`


def _entry(row: ChatEntryRow, number: str | None) -> ChatEntry:
    return ChatEntry(
        id=row.id, kind=row.kind, text=row.text, status=row.status, answer=row.answer,
        citations=tuple(ChatSource(c.get("doc_id", ""), c.get("section", ""), c.get("quote", ""))
                        for c in (row.citations or [])),
        requisition_id=row.requisition_id, requisition_number=number, created_at=row.created_at,
    )


def add_reply(session: Session, caseworker_id: int, requisition_id: int, reply: str, now: datetime) -> None:
    """Keep a reply (already redacted) in the history, inside the transaction that sends it."""
    session.add(ChatEntryRow(caseworker_id=caseworker_id, kind="reply", text=reply, citations=[],
                             requisition_id=requisition_id, created_at=now))


def purge_history(session: Session, cutoff: datetime, requisition_ids: Sequence[int]) -> int:
    """Delete entries older than `cutoff` and any about a requisition purged now; returns how many went."""
    doomed = or_(ChatEntryRow.created_at <= cutoff, ChatEntryRow.requisition_id.in_(requisition_ids))
    count = session.scalar(select(func.count()).select_from(ChatEntryRow).where(doomed)) or 0
    if count:
        session.execute(delete(ChatEntryRow).where(doomed))
    if requisition_ids:
        session.execute(delete(RequisitionSeenRow).where(RequisitionSeenRow.requisition_id.in_(requisition_ids)))
    return count


class ChatHistory:
    """Store and read one caseworker's chat history and her read marks; nobody else's is reachable."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    def record(self, caseworker: Caseworker, answer: Answer, shown: int | None = None) -> int:
        """Keep a question with the answer as shown (its first `shown` citations); returns the entry's id."""
        citations = [{"doc_id": c.doc_id, "section": redact(c.section).text, "quote": redact(c.quote).text}
                     for c in answer.citations[:shown if shown is not None else MAX_CITATIONS]]

        def work(session: Session) -> int:
            row = ChatEntryRow(caseworker_id=caseworker.id, kind="question", text=redact(answer.question).text,
                               status=answer.status, answer=redact(answer.answer).text, citations=citations,
                               created_at=self.clock())
            session.add(row)
            session.flush()
            return row.id

        return self.database.run(work)

    def link(self, caseworker: Caseworker, entry_id: int, requisition_id: int) -> None:
        """The question of entry `entry_id` was sent on as this requisition (both hers; else nothing happens)."""

        def work(session: Session) -> None:
            row = session.get(ChatEntryRow, entry_id)
            owner = session.scalar(select(RequisitionRow.caseworker_id).where(RequisitionRow.id == requisition_id))
            if row is not None and row.caseworker_id == caseworker.id and owner == caseworker.id:
                row.requisition_id = requisition_id

        self.database.run(work)

    def page(self, caseworker: Caseworker, *, offset: int = 0, limit: int = 10) -> ChatPage:
        """Her questions, newest first, each with the number of the requisition it became."""
        if offset < 0 or not 1 <= limit <= 100:
            raise InvalidInput("Paging: offset must be ≥ 0 and limit between 1 and 100.")
        mine = (ChatEntryRow.caseworker_id == caseworker.id) & (ChatEntryRow.kind == "question")

        def work(session: Session) -> ChatPage:
            total = session.scalar(select(func.count()).select_from(ChatEntryRow).where(mine)) or 0
            rows = session.execute(
                select(ChatEntryRow, RequisitionRow.number)
                .outerjoin(RequisitionRow, RequisitionRow.id == ChatEntryRow.requisition_id)
                .where(mine).order_by(ChatEntryRow.created_at.desc(), ChatEntryRow.id.desc()).offset(offset).limit(limit)
            ).all()
            return ChatPage(tuple(_entry(row, number) for row, number in rows), total, offset, limit)

        return self.database.run(work, readonly=True)

    def replies(self, caseworker: Caseworker, requisition_ids: Sequence[int]) -> dict[int, list[ChatEntry]]:
        """Her replies to the task force on these requisitions, oldest first, by requisition id."""
        if not requisition_ids:
            return {}

        def work(session: Session) -> dict[int, list[ChatEntry]]:
            rows = session.execute(
                select(ChatEntryRow).where(ChatEntryRow.caseworker_id == caseworker.id, ChatEntryRow.kind == "reply",
                                           ChatEntryRow.requisition_id.in_(requisition_ids))
                .order_by(ChatEntryRow.created_at, ChatEntryRow.id)
            ).scalars()
            found: dict[int, list[ChatEntry]] = {}
            for row in rows:
                found.setdefault(row.requisition_id or 0, []).append(_entry(row, None))
            return found

        return self.database.run(work, readonly=True)

    def mark_seen(self, caseworker: Caseworker, requisition_id: int) -> None:
        """She has looked at her requisition: what the task force said until now is no longer news."""

        def work(session: Session) -> None:
            owner = session.scalar(select(RequisitionRow.caseworker_id).where(RequisitionRow.id == requisition_id))
            if owner is None:
                raise NotFound(f"There is no requisition with id {requisition_id}.")
            if owner != caseworker.id:
                raise PermissionDenied("You can only see your own requisitions.")
            seen = session.get(RequisitionSeenRow, requisition_id)
            if seen is None:
                session.add(RequisitionSeenRow(requisition_id=requisition_id, seen_at=self.clock()))
            else:
                seen.seen_at = self.clock()

        try:
            self.database.run(work)
        except IntegrityError:
            pass  # another tab marked it in the same instant: seen either way

    def updates(self, caseworker: Caseworker, since: datetime | None = None) -> Updates:
        """Her requisitions changed after `since` (all of them without it) and those with unseen news."""
        now = self.clock()

        def work(session: Session) -> Updates:
            rows = session.execute(
                select(RequisitionRow.id, RequisitionRow.updated_at, RequisitionSeenRow.seen_at, *NEWS_COLUMNS)
                .outerjoin(RequisitionSeenRow, RequisitionSeenRow.requisition_id == RequisitionRow.id)
                .where(RequisitionRow.caseworker_id == caseworker.id, RequisitionRow.purged_at.is_(None))
                .order_by(RequisitionRow.id)
            ).all()
            changed, unread = [], []
            for requisition_id, updated_at, seen_at, *news in rows:
                if since is None or updated_at > since:
                    changed.append(requisition_id)
                latest = max((at for at in news if at is not None), default=None)
                if latest is not None and (seen_at is None or seen_at < latest):
                    unread.append(requisition_id)
            return Updates(tuple(changed), tuple(unread), now - OVERLAP)

        return self.database.run(work, readonly=True)
