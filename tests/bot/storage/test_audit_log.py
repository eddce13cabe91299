"""The audit chain: every change is an entry, and any edited or deleted entry is detected."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.people.actors import SYSTEM
from bot.storage import audit


def _some_history(service, people) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        req = service.create(people.caseworker, f"Spørgsmål {i} om tolkebistand", None).requisition
        service.assign(people.coordinator, req.id, people.adviser.id)
        service.start(people.adviser, req.id)


def _verify(database) -> audit.Verification:  # type: ignore[no-untyped-def]
    with database.session(readonly=True) as session:
        return audit.verify(session)


def test_every_change_is_an_entry_naming_its_actor(service, people, database) -> None:  # type: ignore[no-untyped-def]
    _some_history(service, people)
    result = _verify(database)
    assert result.ok and result.problems == ()
    with database.session(readonly=True) as session:
        entries = audit.entries(session, limit=1000)
    actions = [e.action for e in reversed(entries)]
    assert actions.count("requisition.create") == 3 and actions.count("requisition.assigned") == 3
    assert actions.count("requisition.in_progress") == 3
    actors = {e.actor for e in entries if e.action.startswith("requisition.")}
    assert actors == {f"caseworker:{people.caseworker.id}", "user:koordinator", "user:raadgiver1"}
    assert result.entries == len(entries)
    # No question text is ever copied into the (unpurgeable) log.
    assert all("tolkebistand" not in str(e.details) for e in entries)


def test_an_empty_log_verifies(database) -> None:  # type: ignore[no-untyped-def]
    result = _verify(database)
    assert result.ok and result.entries == 0


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_log SET actor = 'user:someone-else' WHERE seq = 3",
        "UPDATE audit_log SET details = '{}' WHERE seq = 2",
        "UPDATE audit_log SET at = '2020-01-01T00:00:00.000000+00:00' WHERE seq = 5",
        "DELETE FROM audit_log WHERE seq = 4",
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
        "DELETE FROM audit_log WHERE seq = 1",
        "DELETE FROM audit_log",
    ],
)
def test_edited_or_deleted_entries_are_detected(service, people, database, tamper: str) -> None:  # type: ignore[no-untyped-def]
    _some_history(service, people)
    assert _verify(database).ok
    with database.engine.begin() as connection:
        assert connection.execute(text(tamper)).rowcount >= 1
    result = _verify(database)
    assert not result.ok and result.problems


def test_a_recomputed_forgery_is_still_caught_by_the_next_entry(service, people, database) -> None:  # type: ignore[no-untyped-def]
    """Rewriting one entry and its own hash breaks the link from the entry after it."""
    _some_history(service, people)
    with database.session() as session:
        row = session.get(audit.AuditRow, 2)
        row.actor = "user:forger"
        row.hash = audit.entry_hash(row.seq, row.at, row.actor, row.action, row.subject, row.details, row.prev_hash)
    result = _verify(database)
    assert not result.ok and any("entry 3" in p for p in result.problems)


def test_appends_continue_the_chain_after_restart(service, people, database) -> None:  # type: ignore[no-untyped-def]
    _some_history(service, people)
    service.purge(older_than_days=0, actor=SYSTEM)  # nothing finished: no entry
    before = _verify(database).entries
    service.create(people.caseworker, "Et nyt spørgsmål", None)
    after = _verify(database)
    assert after.ok and after.entries == before + 1
