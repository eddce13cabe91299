"""Concurrent updates, one chat at a time: PTB's `BaseUpdateProcessor` with a lock per chat.

PTB's own `concurrent_updates(True)` handles updates in any order; a caseworker's message and the button she
presses next must still be handled in the order she made them, so each chat waits for its own previous update.
A chat waiting holds one of the slots; there are enough that a busy chat cannot starve the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once; one chat's updates one after another, in arrival order."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())  # asyncio.Lock wakes waiters first come, first served
        self._queued[chat.id] = self._queued.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[chat.id] -= 1
            if not self._queued[chat.id]:  # nobody else queued for this chat: forget its lock
                del self._queued[chat.id], self._locks[chat.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
