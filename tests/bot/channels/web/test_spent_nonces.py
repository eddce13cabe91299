"""CSRF nonces spent in the database, on SQLite and PostgreSQL: once only, across workers, swept when expired."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.channels.web.csrf import DatabaseSpentNonces
from bot.storage.db import Database
from bot.storage.models import SpentNonceRow

NOW = 1_800_000_000.0


def test_a_nonce_is_spent_once_whichever_worker_sees_it(database: Database) -> None:
    worker_a = DatabaseSpentNonces(lambda: database, clock=lambda: NOW)
    worker_b = DatabaseSpentNonces(lambda: database, clock=lambda: NOW)
    assert worker_a.spend("n1", NOW + 60)
    assert not worker_a.spend("n1", NOW + 60)
    assert not worker_b.spend("n1", NOW + 60)
    assert worker_b.spend("n2", NOW + 60)


def test_expired_nonces_are_swept(database: Database) -> None:
    spent = DatabaseSpentNonces(lambda: database, clock=lambda: NOW)
    spent.SWEEP_EVERY = 3
    assert spent.spend("old", NOW - 1)  # already expired: its token would be refused on age anyway
    assert spent.spend("fresh", NOW + 60)
    assert spent.spend("third", NOW + 60)  # the third spend sweeps
    with database.session(readonly=True) as session:
        left = set(session.execute(select(SpentNonceRow.nonce)).scalars())
        assert left == {"fresh", "third"}
        assert session.execute(select(func.count()).select_from(SpentNonceRow)).scalar_one() == 2
