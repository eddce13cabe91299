"""What the bot remembers between two messages of one caseworker: recent answers (for the buttons) and a pending route.

It lives in PTB's per-user `user_data`, in memory: a button on an answer older than the last
`RECENT_ANSWERS`, or from before a restart, says it expired and how to route instead. Nothing that must
not be lost lives here; requisitions and notifications are in the database.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.answer_types import Answer
from bot.telegram.ratelimit import FloodLimiter
from bot.telegram.texts import Language

if TYPE_CHECKING:
    from bot.actors import Caseworker
    from bot.services import Services

RECENT_ANSWERS = 20
ROUTE_WAIT_SECONDS = 15 * 60  # after this, a message is a new question, not the context asked for


@dataclass
class PendingAnswer:
    """An answer shown with buttons: what feedback and routing need, and what was already done with it."""

    question: str  # redacted
    answer: Answer
    language: Language
    citations: tuple[str, ...]  # chunk ids of the passages shown
    message_id: int | None = None  # the message carrying the buttons
    voted: bool = False
    routed_as: str | None = None  # requisition number once routed
    asked_at: float = field(default_factory=time.monotonic)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The handlers' context: the shared services, and the caseworker the access gate recognised."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.caseworker: Caseworker | None = None

    @property
    def services(self) -> Services:
        return self.bot_data["services"]

    @property
    def limiter(self) -> FloodLimiter:
        return self.bot_data["limiter"]

    @property
    def registered(self) -> Caseworker:
        """The caseworker; handlers behind the access gate may rely on it."""
        if self.caseworker is None:
            raise RuntimeError("handler ran without a registered caseworker: the access gate must run first")
        return self.caseworker

    # Recent answers, keyed by the short token their buttons carry.

    def remember(self, pending: PendingAnswer) -> str:
        answers: dict[str, PendingAnswer] = self._user().setdefault("answers", {})
        token = secrets.token_hex(4)
        answers[token] = pending
        while len(answers) > RECENT_ANSWERS:
            answers.pop(next(iter(answers)))
        return token

    def recall(self, token: str) -> PendingAnswer | None:
        return self._user().get("answers", {}).get(token)

    # The one follow-up before routing: the next text message is the context.

    def await_context(self, token: str) -> None:
        self._user()["route_wait"] = (token, time.monotonic())

    def take_waiting_route(self) -> str | None:
        """The token of the answer waiting for context, if the caseworker was asked recently; clears it."""
        waiting = self._user().pop("route_wait", None)
        if waiting is None or time.monotonic() - waiting[1] > ROUTE_WAIT_SECONDS:
            return None
        return waiting[0]

    def cancel_waiting_route(self) -> None:
        self._user().pop("route_wait", None)

    def _user(self) -> dict[str, Any]:
        if self.user_data is None:
            raise RuntimeError("no user in this update")
        return self.user_data
