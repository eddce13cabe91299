"""The handlers' context: the shared services, the caseworker the access gate recognised, and the answers shown with
buttons (kept in the database by `AnswerMemory`, so a button works on whichever worker the press reaches)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.answer_memory import AnswerMemory, PendingAnswer, WaitingRoute
from bot.channels.telegram.ratelimit import FloodLimiter
from bot.channels.telegram.sending import Courier, SendLog

if TYPE_CHECKING:
    from bot.people.actors import Caseworker
    from bot.services import Services

__all__ = ["BotContext", "PendingAnswer"]


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The handlers' context: the shared services, and the caseworker the access gate recognised."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.caseworker: Caseworker | None = None
        self.update_id: str | None = None  # the update's id and chat: unique per bot
        self.typing_shown = False  # the first gate already showed "typing…"
        self._sends = 0

    @classmethod
    def from_update(cls, update: object, application: Application) -> BotContext:
        """One context per update (shared by the gates and the handler); it knows the update's id for delivery keys."""
        context = super().from_update(update, application)
        if isinstance(update, Update):
            chat = update.effective_chat
            context.update_id = f"{update.update_id}c{chat.id if chat else ''}"
        return context

    def next_send_key(self) -> str:
        """The delivery key of this update's next reply: the same on a redelivery of the update after a restart,
        so the parts already sent are not sent again."""
        self._sends += 1
        return f"u{self.update_id}:{self._sends}" if self.update_id is not None else f"x{id(self)}:{self._sends}"

    @property
    def courier(self) -> Courier:
        return Courier(self.bot, self.send_log)

    @property
    def send_log(self) -> SendLog:
        return self.bot_data["sends"]

    @property
    def services(self) -> Services:
        return self.bot_data["services"]

    @property
    def limiter(self) -> FloodLimiter:
        return self.bot_data["limiter"]

    @property
    def tap_limiter(self) -> FloodLimiter:
        return self.bot_data["tap_limiter"]

    @property
    def memory(self) -> AnswerMemory:
        return self.bot_data["memory"]

    @property
    def registered(self) -> Caseworker:
        """The caseworker; handlers behind the access gate may rely on it."""
        if self.caseworker is None:
            raise RuntimeError("handler ran without a registered caseworker: the access gate must run first")
        return self.caseworker

    # Recent answers, keyed by the short token their buttons carry.

    async def recall(self, token: str) -> PendingAnswer | None:
        return await asyncio.to_thread(self.memory.recall, self.registered.id, token)

    async def save(self, token: str, pending: PendingAnswer) -> None:
        await asyncio.to_thread(self.memory.save, self.registered.id, token, pending)

    # The one follow-up before routing: the next text message is the context.

    async def await_context(self, token: str) -> None:
        await asyncio.to_thread(self.memory.await_context, self.registered.id, token)

    async def take_waiting_route(self) -> WaitingRoute | None:
        """The answer waiting for context, expired or not; clears the wait."""
        return await asyncio.to_thread(self.memory.take_waiting_route, self.registered.id)

    async def cancel_waiting_route(self) -> None:
        await asyncio.to_thread(self.memory.cancel_waiting_route, self.registered.id)
