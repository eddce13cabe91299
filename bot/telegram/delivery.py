"""Task-force notifications from the outbox to the caseworkers' chats, at least once.

The requisition service keeps each notification until a send succeeds and retries failures with backoff
(`deliver_pending`); this module only turns one into messages (`TelegramSender`) and asks for due ones
every `telegram_outbox_interval_seconds` (`deliver_forever`). When Telegram is unreachable the send
raises, the service counts an attempt, and the next round tries again: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode

from bot.requisitions.views import DeliveryReport, OutboxMessage
from bot.services import Services
from bot.telegram.rendering import render_notification, reply_language

log = logging.getLogger(__name__)


class TelegramSender:
    """Sends one outbox notification to its caseworker's chat; raises when Telegram did not take it."""

    def __init__(self, bot: Bot, titles: Mapping[str, str] | None = None) -> None:
        self.bot = bot
        self.titles = titles or {}

    async def __call__(self, message: OutboxMessage) -> None:
        reply = render_notification(message.kind, message.payload, reply_language(message.language), self.titles)
        for position, chunk in enumerate(reply.chunks):
            last = position == len(reply.chunks) - 1
            await self.bot.send_message(
                int(message.external_id), chunk, parse_mode=ParseMode.HTML,
                reply_markup=reply.markup if last else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )


def document_titles(services: Services) -> dict[str, str]:
    """doc_id → title, so the sources an adviser cites read as titles in the chat."""
    documents = getattr(services.engine, "documents", {}) or {}
    return {doc_id: getattr(getattr(doc, "metadata", None), "title", doc_id) for doc_id, doc in documents.items()}


async def deliver_once(services: Services, bot: Bot) -> DeliveryReport:
    """One round: send every due Telegram notification; failures stay in the outbox for a later round."""
    report = await services.requisitions.deliver_pending(TelegramSender(bot, document_titles(services)), channel="telegram")
    if report.delivered:
        log.info("delivered %d task-force notification(s) on Telegram", len(report.delivered))
    if report.failed:
        log.warning("%d Telegram notification(s) failed and will be retried: %s", len(report.failed),
                    "; ".join(f"{k}: {v}" for k, v in report.errors.items()))
    return report


async def deliver_forever(services: Services, bot: Bot) -> None:
    """Deliver due notifications every interval until cancelled; a failing round is logged and retried."""
    interval = services.settings.telegram_outbox_interval_seconds
    while True:
        try:
            await deliver_once(services, bot)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox delivery round failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)
