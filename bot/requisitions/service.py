"""The requisition service: the one API both doors (web, Telegram) and the CLI use for requisitions.

Every call is one database transaction (all or nothing) and one audit entry per change. Role checks
live here: a coordinator (or the system) sees and does everything; an adviser sees and answers only
requisitions assigned to them; a caseworker sees only their own and may reply to a request for
information or close an answered requisition. Texts are redacted before anything is stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Protocol

from bot.actors import Actor, Caseworker
from bot.answer_types import Answer
from bot.db import Database
from bot.requisitions.views import (
    Changed,
    CitedSource,
    Created,
    DeliveryReport,
    FeedbackSummary,
    OutboxMessage,
    Page,
    RequisitionView,
    Stats,
)
from bot.settings import Settings
from index.embedder import Embedder


class Publisher(Protocol):
    """Adds an answered requisition to the corpus as a "task force answer" (bot.answer.AnswerEngine does)."""

    def publish_best_practice(
        self, question: str, answer: str, adviser_role: str, published_on: date, requisition_number: str
    ) -> str:
        """Index the answer incrementally and return the new document's doc_id."""
        ...


Sender = Callable[[OutboxMessage], Awaitable[None] | None]

EXPORT_COLUMNS: tuple[str, ...] = ()


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
    ) -> None: ...

    def create(
        self,
        caseworker: Caseworker,
        question: str,
        answer: Answer | None,
        context: str | None = None,
        themes: Sequence[str] = (),
    ) -> Created:
        """Route a question the engine could not answer; returns the requisition, similar open ones, redactions."""
        ...

    def get(self, actor: Actor, requisition_id: int) -> RequisitionView: ...

    def get_by_number(self, actor: Actor, number: str) -> RequisitionView: ...

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
        sort: str = "-created",
        offset: int = 0,
        limit: int = 50,
    ) -> Page: ...

    def assign(self, actor: Actor, requisition_id: int, adviser_id: int) -> RequisitionView: ...

    def start(self, actor: Actor, requisition_id: int) -> RequisitionView: ...

    def ask_for_info(self, actor: Actor, requisition_id: int, message: str) -> Changed: ...

    def provide_info(self, caseworker: Caseworker, requisition_id: int, text: str) -> Changed: ...

    def answer(
        self, actor: Actor, requisition_id: int, text: str, sources: Sequence[CitedSource] = ()
    ) -> Changed: ...

    def close(self, actor: Actor, requisition_id: int) -> RequisitionView: ...

    def mark_duplicate(self, actor: Actor, requisition_id: int, duplicate_of: int) -> RequisitionView: ...

    def reject(self, actor: Actor, requisition_id: int, reason: str) -> Changed: ...

    def publish(self, requisition_id: int, actor: Actor) -> RequisitionView: ...

    def stats(self, actor: Actor) -> Stats: ...

    def export_rows(self, actor: Actor, **filters: object) -> list[dict[str, str]]: ...

    def purge(self, older_than_days: int | None = None, actor: Actor | None = None) -> int: ...

    async def deliver_pending(
        self, sender: Sender, *, channel: str | None = None, limit: int = 50
    ) -> DeliveryReport: ...

    def record_feedback(
        self, caseworker: Caseworker | None, channel: str, question: str, citations: Sequence[str], vote: str
    ) -> tuple[str, ...]: ...

    def feedback_summary(self, actor: Actor) -> FeedbackSummary: ...
