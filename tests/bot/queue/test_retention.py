"""Retention: finished requisitions past the period are anonymised once, audited, and open ones are kept."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.people.actors import SYSTEM
from bot.queue.retention import ANONYMISED
from bot.storage import audit


def _finished(service, people) -> dict[str, int]:  # type: ignore[no-untyped-def]
    made = {}
    for state in ("closed", "rejected", "duplicate", "published", "open", "answered"):
        req = service.create(people.caseworker, f"Fortroligt spørgsmål om {state}", None, context=f"detaljer om {state}").requisition
        made[state] = req.id
        if state == "rejected":
            service.reject(people.coordinator, req.id, "Fortrolig begrundelse")
        elif state == "duplicate":
            service.mark_duplicate(people.coordinator, req.id, made["closed"])
        elif state != "open":
            service.assign(people.coordinator, req.id, people.adviser.id)
            service.start(people.adviser, req.id)
            service.answer(people.adviser, req.id, f"Fortroligt svar om {state}")
            if state == "closed":
                service.close(people.caseworker, req.id)
            elif state == "published":
                service.publish(req.id, people.coordinator)
    return made


def test_purge_anonymises_finished_requisitions_past_the_period_once(service, people, database, clock) -> None:  # type: ignore[no-untyped-def]
    made = _finished(service, people)
    asyncio.run(service.deliver_pending(lambda m: None))
    assert service.purge(older_than_days=30) == 0  # too recent
    clock.advance(days=31)
    assert service.purge(older_than_days=30) == 4
    for state in ("closed", "rejected", "duplicate", "published"):
        view = service.get(SYSTEM, made[state])
        assert view.question == ANONYMISED and view.context == ANONYMISED and view.purged_at is not None
        assert view.answer in (None, ANONYMISED) and view.reject_reason in (None, ANONYMISED)
        assert view.status == state  # the record and its figures stay
    for state in ("open", "answered"):
        assert service.get(SYSTEM, made[state]).question == f"Fortroligt spørgsmål om {state}"
    with database.engine.connect() as connection:
        payloads = " ".join(str(r[0]) for r in connection.execute(text("SELECT payload FROM outbox")))
    for state in ("closed", "rejected", "duplicate", "published"):
        assert f"om {state}" not in payloads
    assert "Fortrolig begrundelse" not in payloads

    with database.session(readonly=True) as session:
        before = audit.verify(session).entries
        purges = [e for e in audit.entries(session, limit=1000) if e.action == "retention.purge"]
    assert len(purges) == 1 and len(purges[0].details["requisitions"]) == 4

    # Idempotent: a second run changes nothing and writes nothing.
    assert service.purge(older_than_days=30) == 0
    with database.session(readonly=True) as session:
        assert audit.verify(session).entries == before
    assert service.get(SYSTEM, made["closed"]).question == ANONYMISED


def test_purge_uses_the_retention_setting_by_default(service, people, clock) -> None:  # type: ignore[no-untyped-def]
    made = _finished(service, people)
    clock.advance(days=service.settings.retention_days - 1)
    assert service.purge() == 0
    clock.advance(days=2)
    assert service.purge() == 4
    assert service.get(SYSTEM, made["rejected"]).reject_reason == ANONYMISED


def test_old_feedback_is_anonymised_too(service, people, database, clock) -> None:  # type: ignore[no-untyped-def]
    service.record_feedback(people.caseworker, "telegram", "hemmeligt spørgsmål", [], "up")
    clock.advance(days=400)
    service.purge()
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT question FROM feedback")).scalar() == ANONYMISED


def test_chat_history_past_the_period_is_deleted_and_younger_kept(service, people, database, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.answering.answer import Answer

    def asked(question: str) -> None:
        service.history.record(people.caseworker, Answer(question, "da", "answered", f"Svar på {question}", 0.9, []))

    asked("gammelt spørgsmål")
    clock.advance(days=200)
    asked("nyere spørgsmål")
    clock.advance(days=service.settings.retention_days - 199)  # the first is 366 days old, the second 166
    service.purge()
    assert [e.text for e in service.history.page(people.caseworker).items] == ["nyere spørgsmål"]
    with database.session(readonly=True) as session:
        purges = [e for e in audit.entries(session, limit=1000) if e.action == "retention.purge"]
    assert purges[-1].details["chat_history"] == 1
