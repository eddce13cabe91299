"""A delivery worker for the kill test: sends every due Telegram outbox message as the bot does, until none is left.

Run: `python tests/bot/channels/telegram/outbox_kill_worker.py DATABASE_URL API_BASE LEASE_SECONDS` (the test kills it with SIGKILL
at random moments and starts it again).
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import func, select
from telegram.ext import ExtBot

from bot.channels.telegram.delivery import TelegramSender
from bot.channels.telegram.sending import SendLog, http_request, rate_limiter
from bot.queue.outbox import Outbox
from bot.storage.db import Database
from bot.storage.models import OutboxRow

TOKEN = "123456:TEST-telegram-token"


def undelivered(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.delivered_at.is_(None))) or 0


async def main(database_url: str, api_base: str, lease: float) -> int:
    database = Database(database_url)
    outbox = Outbox(database, base_seconds=0.0, cap_seconds=0.0, lease_seconds=lease)
    async with ExtBot(TOKEN, base_url=api_base, request=http_request(), rate_limiter=rate_limiter()) as bot:
        sender = TelegramSender(bot, SendLog(database, stale_after_seconds=lease))
        while True:
            await outbox.deliver(sender, channel="telegram")
            if not undelivered(database):
                break
            await asyncio.sleep(0.05)  # the rest is leased by a worker that was killed: wait for the lease
    database.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]))))
