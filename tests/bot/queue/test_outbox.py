"""Notifications are delivered at least once: failures back off exponentially up to a cap, nothing is deleted."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.people.actors import SYSTEM
from bot.queue import OutboxMessage
from bot.queue.outbox import backoff
from bot.storage.models import OutboxRow


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff(n, 30, 3600) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def _rejected(service, people, n: int = 1) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(n):
        req = service.create(people.caseworker, f"Spørgsmål {i} uden for området", None).requisition
        service.reject(people.coordinator, req.id, "Ikke task forcens område")
        ids.append(req.id)
    return ids


def _rows(database) -> list[tuple]:  # type: ignore[no-untyped-def]
    with database.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT id, attempts, delivered_at, next_attempt_at, last_error FROM outbox ORDER BY id"))]


def test_failures_are_retried_with_backoff_then_delivered_once(service, people, database, clock) -> None:  # type: ignore[no-untyped-def]
    _rejected(service, people)
    calls: list[OutboxMessage] = []

    def flaky(message: OutboxMessage) -> None:
        calls.append(message)
        if len(calls) <= 3:
            raise ConnectionError(f"telegram down, call 33662851 (try {len(calls)})")

    base = service.settings.outbox_backoff_seconds
    report = asyncio.run(service.deliver_pending(flaky))
    assert report.failed and not report.delivered
    (row,) = _rows(database)
    assert row[1] == 1 and row[2] is None and "33662851" not in row[4] and "ConnectionError" in row[4]

    # Not due yet: nothing is tried.
    assert asyncio.run(service.deliver_pending(flaky)) .failed == ()
    assert len(calls) == 1
    for attempt, wait in ((2, base), (3, 2 * base)):
        clock.advance(seconds=wait - 1)
        asyncio.run(service.deliver_pending(flaky))
        assert len(calls) == attempt - 1
        clock.advance(seconds=1)
        asyncio.run(service.deliver_pending(flaky))
        assert len(calls) == attempt
    clock.advance(seconds=4 * base)
    report = asyncio.run(service.deliver_pending(flaky))
    assert len(report.delivered) == 1 and len(calls) == 4
    (row,) = _rows(database)
    assert row[1] == 4 and row[2] is not None and row[4] is None
    clock.advance(days=10)
    assert asyncio.run(service.deliver_pending(flaky)).delivered == ()  # delivered once, kept, not resent
    assert len(_rows(database)) == 1


def test_backoff_is_capped(service, people, database, clock) -> None:  # type: ignore[no-untyped-def]
    _rejected(service, people)

    def down(message: OutboxMessage) -> None:
        raise TimeoutError("no route")

    cap = service.settings.outbox_backoff_cap_seconds
    for _ in range(12):
        asyncio.run(service.deliver_pending(down))
        clock.advance(seconds=cap)
    with database.session(readonly=True) as session:
        (row,) = session.query(OutboxRow).all()
    assert row.attempts == 12 and row.delivered_at is None
    # The last failure (one cap ago) scheduled the next try exactly one cap later: now.
    assert row.next_attempt_at == clock.now


async def test_async_senders_and_channel_filter(service, people, accounts) -> None:  # type: ignore[no-untyped-def]
    _rejected(service, people, 2)
    other = service.create(people.other_caseworker, "Web-spørgsmål", None).requisition
    service.reject(people.coordinator, other.id, "Nej")
    got: list[OutboxMessage] = []

    async def send(message: OutboxMessage) -> None:
        await asyncio.sleep(0)
        got.append(message)

    report = await service.deliver_pending(send, channel="web")
    assert [m.channel for m in got] == ["web"] and len(report.delivered) == 1
    report = await service.deliver_pending(send, channel="telegram")
    assert len(report.delivered) == 2
    assert {m.external_id for m in got} == {"1001", "b@kk"}
    assert all(m.kind == "rejected" and m.payload["reason"] == "Nej" or m.payload["reason"] == "Ikke task forcens område" for m in got)


def test_a_claimed_message_is_hidden_from_a_second_worker_until_the_lease_ends(service, people, clock) -> None:  # type: ignore[no-untyped-def]
    _rejected(service, people)
    first = service.outbox.claim()
    assert len(first) == 1
    assert service.outbox.claim() == []  # another worker finds nothing while the first sends
    clock.advance(seconds=service.settings.outbox_lease_seconds + 1)
    assert [m.id for m in service.outbox.claim()] == [first[0].id]  # the first worker died: at least once


def test_nothing_is_ever_deleted(service, people, database, clock) -> None:  # type: ignore[no-untyped-def]
    _rejected(service, people, 3)
    asyncio.run(service.deliver_pending(lambda m: None))
    clock.advance(days=800)
    service.purge(older_than_days=365, actor=SYSTEM)
    assert len(_rows(database)) == 3
