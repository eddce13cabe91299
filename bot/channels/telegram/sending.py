"""Sending to Telegram so that nothing is lost and nothing arrives twice.

- `rate_limiter()`: python-telegram-bot's `AIORateLimiter` waits out a 429's `retry_after` (up to
  `RETRY_AFTER_TRIES` times); `TransientRetry` adds what it leaves alone: a bounded retry with backoff for
  5xx answers, dropped connections and timeouts (PTB raises `NetworkError`/`TimedOut` for those and never
  retries them itself).
- `SendLog`: every message part under a delivery key, recorded before its Bot API call ("sending") and after
  it ("sent"). A retry, a second worker or a restart finds the record and does not send the part again.
- `Courier`: sends a reply's parts in order under one key, skipping the parts already sent; raises
  `NotDelivered` when Telegram does not take a part, so the caller can keep the reply for later
  (`keep_for_later` queues it in the outbox under the same key, and only the missing parts go out).

Telegram has no idempotency key, so one window stays: a process killed after Telegram took a part and before
"sent" is written. A part found "sending" for longer than a send can take is counted as "uncertain" and not
sent again (a write is never done twice); docs/SERVICE.md gives the measured figure.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from telegram import Bot, ForceReply, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

from bot.queue.outbox import enqueue
from bot.storage.db import Database
from bot.storage.models import TelegramSendRow

log = logging.getLogger(__name__)

RETRY_AFTER_TRIES = 3  # 429s in a row waited out before a send gives up (and the reply is kept for later)
TRANSIENT_TRIES = 3  # 5xx / network / timeout retries of one call
TRANSIENT_BACKOFF_SECONDS = 0.5  # then 1 s, 2 s
READ_TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0
POOL_SIZE = 32  # concurrent updates each hold a connection while they send
KEPT_DAYS = 30
REPLY_KIND = "reply"  # outbox kind of a live reply Telegram did not take in time
_TAG = re.compile(r"<[^>]+>")

State = Literal["new", "sent", "uncertain", "busy"]
Markup = InlineKeyboardMarkup | ForceReply | None


class TransientRetry(AIORateLimiter):
    """AIORateLimiter (429 → wait `retry_after`, retry) plus a bounded backoff retry of transient failures."""

    def __init__(self, *, tries: int = TRANSIENT_TRIES, backoff_seconds: float = TRANSIENT_BACKOFF_SECONDS) -> None:
        super().__init__(max_retries=RETRY_AFTER_TRIES)
        self.tries, self.backoff_seconds = tries, backoff_seconds

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any], rate_limit_args: Any) -> Any:
        delay = self.backoff_seconds
        for attempt in range(self.tries + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:  # a subclass of NetworkError, but permanent: the same request fails again
                raise
            except NetworkError as error:  # 5xx, connection dropped, TimedOut
                if attempt == self.tries:
                    raise
                log.info("Telegram %s failed (%s); retry %d of %d in %.1f s", endpoint, error, attempt + 1, self.tries, delay)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")


def rate_limiter() -> TransientRetry:
    return TransientRetry()


def http_request() -> HTTPXRequest:
    """The Bot API connection: bounded timeouts, and a pool big enough for concurrent updates."""
    return HTTPXRequest(connection_pool_size=POOL_SIZE, read_timeout=READ_TIMEOUT_SECONDS,
                        write_timeout=READ_TIMEOUT_SECONDS, connect_timeout=CONNECT_TIMEOUT_SECONDS, pool_timeout=5.0)


# ------------------------------------------------------------------------------------------ the record of sends


class SendLog:
    """Delivery keys in the database (blocking calls): what was sent, what is being sent, what is uncertain."""

    def __init__(self, database: Database, *, stale_after_seconds: float) -> None:
        self.database = database
        self.stale_after = timedelta(seconds=stale_after_seconds)

    def begin(self, key: str, chat_id: int | str) -> tuple[State, int | None]:
        """Claim part `key` before its Bot API call: "new" (send it), "sent" (skip; its message id), "busy"
        (another sender is on it right now), or "uncertain" (a sender died during the call: skip)."""
        now = datetime.now(UTC)

        def work(session: Session) -> tuple[State, int | None]:
            row = session.get(TelegramSendRow, key, with_for_update=True)
            if row is None:
                session.add(TelegramSendRow(key=key, chat_id=str(chat_id), state="sending", started_at=now))
                session.flush()
                return "new", None
            if row.state == "sent":
                return "sent", row.message_id
            if row.state == "uncertain":
                return "uncertain", None
            if now - row.started_at < self.stale_after:
                return "busy", None
            row.state = "uncertain"
            log.warning("Telegram message part %s was being sent when its sender stopped; not sending it again", key)
            return "uncertain", None

        try:
            return self.database.run(work)
        except IntegrityError:  # another worker inserted the same key a moment ago
            return "busy", None

    def finish(self, key: str, message_id: int) -> None:
        """Telegram took the part: record it, so it is never sent again."""
        def work(session: Session) -> None:
            row = session.get(TelegramSendRow, key)
            if row is not None:
                row.state, row.message_id, row.sent_at = "sent", message_id, datetime.now(UTC)

        self.database.run(work)

    def abandon(self, key: str) -> None:
        """Telegram refused the part: forget the claim, so a later try sends it."""
        self.database.run(lambda session: session.execute(
            delete(TelegramSendRow).where(TelegramSendRow.key == key, TelegramSendRow.state == "sending")))

    def states(self, prefix: str) -> dict[str, str]:
        """Key → state of every part under `prefix` (for tests and the operator)."""
        def work(session: Session) -> dict[str, str]:
            rows = session.query(TelegramSendRow).filter(TelegramSendRow.key.startswith(prefix)).all()
            return {row.key: row.state for row in rows}

        return self.database.run(work, readonly=True)

    def forget_old(self) -> None:
        """Records older than KEPT_DAYS: no resend is that late."""
        cutoff = datetime.now(UTC) - timedelta(days=KEPT_DAYS)
        self.database.run(lambda session: session.execute(delete(TelegramSendRow).where(TelegramSendRow.started_at < cutoff)))


# ------------------------------------------------------------------------------------------ sending a reply


@dataclass
class NotDelivered(Exception):
    """Telegram did not take part `position` of the reply under `key` (or another sender holds it)."""

    key: str
    position: int
    reason: str

    def __str__(self) -> str:
        return f"part {self.position} of {self.key} not delivered: {self.reason}"


class Courier:
    """Sends a reply's parts in order under a delivery key, each at most once."""

    def __init__(self, bot: Bot, log_: SendLog) -> None:
        self.bot, self.log = bot, log_

    async def send(self, chat_id: int | str, key: str, chunks: Sequence[str], markup: Markup = None,
                   *, reply_to: int | None = None) -> int | None:
        """Send the parts not yet sent; the markup goes under the last. Returns the last part's message id."""
        last_id: int | None = None
        for position, chunk in enumerate(chunks):
            part = f"{key}:{position}"
            state, message_id = await asyncio.to_thread(self.log.begin, part, chat_id)
            if state in ("sent", "uncertain"):
                last_id = message_id
                continue
            if state == "busy":
                raise NotDelivered(key, position, "another sender is delivering it")
            final = position == len(chunks) - 1
            try:
                last_id = await self._send_one(chat_id, chunk, markup if final else None,
                                               reply_to if position == 0 else None)
            except TelegramError as error:
                await asyncio.to_thread(self.log.abandon, part)
                raise NotDelivered(key, position, f"{type(error).__name__}: {error}") from error
            except BaseException:
                await asyncio.shield(asyncio.to_thread(self.log.abandon, part))
                raise
            await asyncio.to_thread(self.log.finish, part, last_id)
        return last_id

    async def _send_one(self, chat_id: int | str, chunk: str, markup: Markup, reply_to: int | None) -> int:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            sent = await self.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=markup,
                                               reply_parameters=reply, link_preview_options=LinkPreviewOptions(is_disabled=True))
        except BadRequest as error:
            if "entit" not in str(error).lower():
                raise
            # Telegram could not read the markup: the words matter more than the bold, so send them plain.
            log.warning("Telegram refused a message's HTML (%s); sending it as plain text", error)
            sent = await self.bot.send_message(chat_id, plain_text(chunk), reply_markup=markup, reply_parameters=reply,
                                               link_preview_options=LinkPreviewOptions(is_disabled=True))
        return sent.message_id


def plain_text(chunk: str) -> str:
    """A Telegram HTML chunk as the plain text a reader sees."""
    return html.unescape(_TAG.sub("", chunk))


# ------------------------------------------------------------------------------------------ kept for later


def markup_payload(markup: Markup) -> dict[str, Any] | None:
    if markup is None:
        return None
    return {"type": "force" if isinstance(markup, ForceReply) else "inline", **markup.to_dict()}


def markup_from(payload: dict[str, Any] | None) -> Markup:
    if not payload:
        return None
    data = {k: v for k, v in payload.items() if k != "type"}
    return ForceReply.de_json(data, None) if payload.get("type") == "force" else InlineKeyboardMarkup.de_json(data, None)


def keep_for_later(database: Database, caseworker_id: int, key: str, chunks: Sequence[str], markup: Markup) -> None:
    """Queue a live reply Telegram did not take in the outbox; it goes out under the same key (parts sent are skipped)."""
    payload = {"key": key, "chunks": list(chunks), "markup": markup_payload(markup)}
    database.run(lambda session: enqueue(session, kind=REPLY_KIND, caseworker_id=caseworker_id, payload=payload,
                                         now=datetime.now(UTC)))
