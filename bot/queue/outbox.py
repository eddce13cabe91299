"""The outbox: notifications to caseworkers, written in the same transaction as the change they announce,
then delivered by the channel (Telegram, web) that polls `deliver`.

A round claims one due message at a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several workers share
the work; SQLite: one writer at a time anyway) by hiding it for a lease as long as one send takes, calls
the sender outside any transaction, then marks it delivered, or counts the failure and schedules the next
try with exponential backoff. Messages are never deleted.

The outbox alone is at-least-once: a crash between the send and `mark_delivered`, or a lease that runs out
while a send is still going, sends again. The channel's sender closes that gap with delivery keys
(Telegram: `bot.channels.telegram.sending.SendLog`, one record per message part before and after the Bot API call),
so a message claimed again only sends the parts that never went out.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.privacy.redaction import redact
from bot.queue.views import DeliveryReport, OutboxMessage
from bot.storage.db import Database
from bot.storage.models import CaseworkerRow, OutboxRow

log = logging.getLogger(__name__)

Sender = Callable[[OutboxMessage], Awaitable[None] | None]


def enqueue(session: Session, *, kind: str, caseworker_id: int, payload: Mapping[str, Any], now: datetime) -> OutboxRow | None:
    """Queue a notification in the caller's transaction; None when the caseworker is unknown."""
    caseworker = session.get(CaseworkerRow, caseworker_id)
    if caseworker is None:
        return None
    row = OutboxRow(
        kind=kind,
        caseworker_id=caseworker_id,
        channel=caseworker.channel,
        payload=dict(payload),
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    return row


def backoff(attempts: int, base_seconds: float, cap_seconds: float) -> float:
    """Seconds to wait after the `attempts`-th failed try: base, 2×base, 4×base, ... at most cap."""
    return float(min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


class Outbox:
    """Claims, delivers and reschedules notifications."""

    def __init__(
        self,
        database: Database,
        *,
        base_seconds: float,
        cap_seconds: float,
        lease_seconds: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.database = database
        self.base_seconds, self.cap_seconds, self.lease_seconds = base_seconds, cap_seconds, lease_seconds
        self.clock = clock or (lambda: datetime.now(UTC))

    def claim(self, *, channel: str | None = None, limit: int = 50, exclude: Collection[int] = ()) -> list[OutboxMessage]:
        """Take up to `limit` due messages (not those in `exclude`) and hide them from other workers for the lease."""

        def work(session: Session) -> list[OutboxMessage]:
            now = self.clock()
            query = (
                select(OutboxRow)
                .where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            if channel is not None:
                query = query.where(OutboxRow.channel == channel)
            if exclude:
                query = query.where(OutboxRow.id.not_in(list(exclude)))
            rows = list(session.execute(query).scalars())
            messages = []
            for row in rows:
                row.next_attempt_at = now + timedelta(seconds=self.lease_seconds)
                caseworker = session.get(CaseworkerRow, row.caseworker_id)
                assert caseworker is not None  # foreign key
                messages.append(
                    OutboxMessage(
                        id=row.id,
                        kind=row.kind,
                        caseworker_id=row.caseworker_id,
                        channel=row.channel,
                        external_id=caseworker.external_id,
                        language=caseworker.language,
                        payload=dict(row.payload),
                        attempts=row.attempts,
                        created_at=row.created_at,
                    )
                )
            return messages

        return self.database.run(work)

    def mark_delivered(self, message_id: int) -> None:
        def work(session: Session) -> None:
            row = session.get(OutboxRow, message_id, with_for_update=True)
            if row is not None and row.delivered_at is None:
                row.attempts += 1
                row.delivered_at = self.clock()
                row.last_error = None

        self.database.run(work)

    def mark_failed(self, message_id: int, error: str) -> None:
        def work(session: Session) -> None:
            row = session.get(OutboxRow, message_id, with_for_update=True)
            if row is None or row.delivered_at is not None:
                return
            row.attempts += 1
            row.last_error = redact(error).text[:1000]
            row.next_attempt_at = self.clock() + timedelta(seconds=backoff(row.attempts, self.base_seconds, self.cap_seconds))

        self.database.run(work)

    async def deliver(self, sender: Sender, *, channel: str | None = None, limit: int = 50) -> DeliveryReport:
        """One round: claim due messages one at a time, send each, record the outcome; returns what happened.

        One at a time, so the lease only has to cover one send, and a crash hides at most one message for it. The
        database calls run in a thread: the event loop keeps serving while SQLite waits on a lock.
        """
        delivered: list[int] = []
        failed: list[int] = []
        errors: dict[int, str] = {}
        for _ in range(limit):
            claimed = await asyncio.to_thread(self.claim, channel=channel, limit=1, exclude=[*delivered, *failed])
            if not claimed:
                break
            message = claimed[0]
            try:
                result = sender(message)
                if inspect.isawaitable(result):
                    await result
            except Exception as error:  # noqa: BLE001 - any failure of the channel means "try again later"
                text = f"{type(error).__name__}: {error}"
                log.warning("outbox message %s (%s) not delivered: %s", message.id, message.kind, redact(text).text)
                await asyncio.to_thread(self.mark_failed, message.id, text)
                failed.append(message.id)
                errors[message.id] = redact(text).text
            else:
                await asyncio.to_thread(self.mark_delivered, message.id)
                delivered.append(message.id)
        return DeliveryReport(delivered=tuple(delivered), failed=tuple(failed), errors=errors)
