"""The answers shown with buttons (Telegram's, the web chat's forms), kept in the database so that whichever worker
a click reaches (or the bot after a restart) acts on the answer shown, without asking the engine again: 👍/👎,
"send to the task force", and the one follow-up Telegram waits for.

Per caseworker only the last `RECENT_ANSWERS` are kept, and none longer than `KEPT_DAYS`; an older button says it
expired and how to route instead. The question stored is the redacted one, as everywhere else.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.answering.answer import Answer
from bot.storage.db import Database
from bot.storage.models import TelegramAnswerRow

RECENT_ANSWERS = 20
KEPT_DAYS = 7
ROUTE_WAIT_SECONDS = 15 * 60  # after this, a message is a new question, not the context asked for


@dataclass(frozen=True)
class WaitingRoute:
    """The answer whose route waits for the caseworker's context; `expired` once the wait ran out unanswered."""

    token: str
    expired: bool


@dataclass
class PendingAnswer:
    """An answer shown with buttons: what feedback and routing need, and what was already done with it."""

    question: str  # redacted
    answer: Answer
    language: Literal["da", "en"]
    citations: tuple[str, ...]  # chunk ids of the passages shown
    message_id: int | None = None  # Telegram: the message carrying the buttons
    voted: bool = False
    routed_as: str | None = None  # requisition number once routed
    prompt_message_id: int | None = None  # Telegram: the "add context?" prompt with its buttons, while one is open

    def to_payload(self) -> str:
        return json.dumps({**asdict(self), "answer": self.answer.to_dict()}, ensure_ascii=False)

    @classmethod
    def from_payload(cls, payload: str) -> PendingAnswer:
        data: dict[str, Any] = json.loads(payload)
        return cls(**{**data, "answer": Answer.from_dict(data["answer"]), "citations": tuple(data["citations"])})


class AnswerMemory:
    """Stores and finds a caseworker's recent answers by the short token their buttons carry (blocking calls)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def remember(self, caseworker_id: int, pending: PendingAnswer) -> str:
        """Store an answer and return its token; drops the caseworker's answers beyond the last RECENT_ANSWERS."""
        token = secrets.token_hex(4)
        now = _now()

        def work(session: Session) -> None:
            session.add(TelegramAnswerRow(token=token, caseworker_id=caseworker_id, payload=pending.to_payload(),
                                          created_at=now))
            session.flush()
            keep = select(TelegramAnswerRow.token).where(TelegramAnswerRow.caseworker_id == caseworker_id) \
                .order_by(TelegramAnswerRow.created_at.desc(), TelegramAnswerRow.token).limit(RECENT_ANSWERS)
            session.execute(delete(TelegramAnswerRow).where(
                TelegramAnswerRow.caseworker_id == caseworker_id, TelegramAnswerRow.token.not_in(keep.scalar_subquery())))
            session.execute(delete(TelegramAnswerRow).where(TelegramAnswerRow.created_at < now - timedelta(days=KEPT_DAYS)))

        self.database.run(work)
        return token

    def recall(self, caseworker_id: int, token: str) -> PendingAnswer | None:
        """The caseworker's answer with this token, or None (expired, or not theirs)."""
        row = self._row(caseworker_id, token)
        return PendingAnswer.from_payload(row.payload) if row else None

    def save(self, caseworker_id: int, token: str, pending: PendingAnswer) -> None:
        """Store what was done with an answer (its message, a vote, the requisition it became)."""
        self.database.run(lambda session: session.execute(
            update(TelegramAnswerRow).where(TelegramAnswerRow.token == token, TelegramAnswerRow.caseworker_id == caseworker_id)
            .values(payload=pending.to_payload())))

    def await_context(self, caseworker_id: int, token: str) -> None:
        """The caseworker's next text message is the context for routing this answer (and no other)."""
        now = _now()

        def work(session: Session) -> None:
            session.execute(update(TelegramAnswerRow).where(TelegramAnswerRow.caseworker_id == caseworker_id)
                            .values(waiting_since=None))
            session.execute(update(TelegramAnswerRow).where(TelegramAnswerRow.token == token,
                                                            TelegramAnswerRow.caseworker_id == caseworker_id)
                            .values(waiting_since=now))

        self.database.run(work)

    def take_waiting_route(self, caseworker_id: int) -> WaitingRoute | None:
        """The answer waiting for context (expired or not, so its prompt can say so); clears the wait."""

        def work(session: Session) -> WaitingRoute | None:
            row = session.scalars(select(TelegramAnswerRow).where(
                TelegramAnswerRow.caseworker_id == caseworker_id, TelegramAnswerRow.waiting_since.is_not(None))
                .order_by(TelegramAnswerRow.waiting_since.desc())).first()
            if row is None:
                return None
            token, since = row.token, row.waiting_since  # read before the update below clears them in the session too
            session.execute(update(TelegramAnswerRow).where(TelegramAnswerRow.caseworker_id == caseworker_id)
                            .values(waiting_since=None))
            fresh = since is not None and _now() - since <= timedelta(seconds=ROUTE_WAIT_SECONDS)
            return WaitingRoute(token, expired=not fresh)

        return self.database.run(work)

    def cancel_waiting_route(self, caseworker_id: int) -> None:
        self.database.run(lambda session: session.execute(
            update(TelegramAnswerRow).where(TelegramAnswerRow.caseworker_id == caseworker_id,
                                            TelegramAnswerRow.waiting_since.is_not(None)).values(waiting_since=None)))

    def _row(self, caseworker_id: int, token: str) -> TelegramAnswerRow | None:
        def work(session: Session) -> TelegramAnswerRow | None:
            row = session.get(TelegramAnswerRow, token)
            if row is None or row.caseworker_id != caseworker_id:
                return None
            session.expunge(row)
            return row

        return self.database.run(work, readonly=True)


def _now() -> datetime:
    return datetime.now(UTC)
