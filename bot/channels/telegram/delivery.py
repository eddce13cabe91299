"""Task-force notifications, and live replies Telegram did not take in time, from the outbox to the chats.

The requisition service keeps each outbox message until a send succeeds and retries failures with backoff
(`deliver_pending`); this module turns one into message parts (`TelegramSender`) and asks for due ones
every `telegram_outbox_interval_seconds` (`deliver_forever`). Every part goes out through the `Courier`
under the key `o<outbox id>` (a kept live reply: under its own key), so a part Telegram already took is
never sent again, whether the retry comes from backoff, another worker or a restart after a crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from telegram import Bot

from bot.channels.telegram.rendering import render_notification, reply_language
from bot.channels.telegram.sending import REPLY_KIND, Courier, SendLog, markup_from
from bot.core.language import LanguageDetector
from bot.queue.views import DeliveryReport, OutboxMessage
from bot.services import Services

log = logging.getLogger(__name__)


class TelegramSender:
    """Sends one outbox message to its caseworker's chat, each part at most once; raises when one is not taken."""

    def __init__(self, bot: Bot, send_log: SendLog, titles: Mapping[str, str] | None = None,
                 detector: LanguageDetector | None = None) -> None:
        self.courier = Courier(bot, send_log)
        self.titles = titles or {}
        self.detector = detector or LanguageDetector()

    async def __call__(self, message: OutboxMessage) -> None:
        chat_id = int(message.external_id)
        if message.kind == REPLY_KIND:  # a live reply kept for later: already rendered
            payload = message.payload
            await self.courier.send(chat_id, str(payload["key"]), list(payload["chunks"]), markup_from(payload.get("markup")))
            return
        question = str(message.payload.get("question") or "")
        written = self.detector.detect(question) if question else None
        reply = render_notification(message.kind, message.payload, reply_language(message.language, written), self.titles)
        await self.courier.send(chat_id, f"o{message.id}", reply.chunks, reply.markup)


def document_titles(services: Services) -> dict[str, str]:
    """doc_id → title, so the sources an adviser cites read as titles in the chat."""
    documents = getattr(services.engine, "documents", {}) or {}
    return {doc_id: getattr(getattr(doc, "metadata", None), "title", doc_id) for doc_id, doc in documents.items()}


def send_log(services: Services) -> SendLog:
    """The delivery keys; a part "sending" for longer than the outbox lease was cut off by a crash."""
    return SendLog(services.database, stale_after_seconds=services.settings.outbox_lease_seconds)


async def deliver_once(services: Services, bot: Bot) -> DeliveryReport:
    """One round: send every due Telegram notification; failures stay in the outbox for a later round."""
    sender = TelegramSender(bot, send_log(services), document_titles(services), getattr(services.engine, "language", None))
    report = await services.requisitions.deliver_pending(sender, channel="telegram")
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
