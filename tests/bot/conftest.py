"""Fixtures for the storage and service tests: every database test runs on SQLite AND PostgreSQL.

PostgreSQL comes from VEJVISER_TEST_POSTGRES_URL (start one with `scripts/pg-test-cluster.sh start`);
each test gets a fresh schema. Without that variable the PostgreSQL cases are skipped, except when
CI=true: then they fail, because CI must run everything.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.core.settings import Settings
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM, Caseworker, StaffUser
from bot.queue import RequisitionService
from bot.storage.db import Database
from index.embedder import HashingEmbedder

POSTGRES_ENV = "VEJVISER_TEST_POSTGRES_URL"
PASSWORD = "lang-og-sikker-kode-42"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def postgres_base_url() -> str:
    """The test server's URL, or skip (fail under CI) with the reason."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if url:
        return url
    reason = f"PostgreSQL tests need {POSTGRES_ENV}: export {POSTGRES_ENV}=\"$(scripts/pg-test-cluster.sh start)\""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database: a SQLite file, or a new schema on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vejviser.sqlite3'}"
        return
    base = make_url(postgres_base_url())
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; each test copies it (migrating takes longer than the test)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    template = Database(f"sqlite:///{path}")
    template.migrate()
    template.close()  # the last connection to close checkpoints the WAL into the main file
    return path


@pytest.fixture
def database(database_url: str, migrated_sqlite_template: Path) -> Iterator[Database]:
    """A migrated database; SQLite ones start as a copy of the migrated template."""
    if database_url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite_template, database_url.removeprefix("sqlite:///"))
    db = Database(database_url)
    db.migrate()  # a no-op on the copy; the real thing on PostgreSQL
    yield db
    db.close()


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(_env_file=None, data_dir=tmp_path, duplicate_threshold=0.8, retention_days=365)


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class FakePublisher:
    """Records what would have become a corpus document."""

    calls: list[dict[str, object]] = field(default_factory=list)

    withdrawn: list[str] = field(default_factory=list)

    def publish_best_practice(
        self, question: str, answer: str, adviser_role: str, published_on: date, requisition_number: str,
        sources: Sequence[tuple[str, str, str]] = (),
    ) -> str:
        self.calls.append(
            {"question": question, "answer": answer, "adviser_role": adviser_role,
             "published_on": published_on, "requisition_number": requisition_number, "sources": list(sources)}
        )
        return f"taskforce-{requisition_number.lower()}"

    def preview_best_practice(
        self, question: str, answer: str, adviser_role: str, published_on: date, requisition_number: str,
        sources: Sequence[tuple[str, str, str]] = (),
    ) -> str:
        return f"{question}\n\n{answer}"

    def withdraw_best_practice(self, doc_id: str) -> bool:
        self.withdrawn.append(doc_id)
        return True


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def service(database: Database, settings: Settings, clock: FakeClock, publisher: FakePublisher) -> RequisitionService:
    return RequisitionService(database, settings, embedder=HashingEmbedder(), publisher=publisher, clock=clock)


# argon2id as in production, with cheap parameters so a test does not spend seconds hashing.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def accounts(database: Database, settings: Settings, clock: FakeClock) -> AccountService:
    return AccountService(database, settings, clock=clock, password_hasher=FAST_HASHER)


@dataclass(frozen=True)
class People:
    """A small task force and two caseworkers from different departments."""

    coordinator: StaffUser
    adviser: StaffUser
    other_adviser: StaffUser
    caseworker: Caseworker
    other_caseworker: Caseworker


@pytest.fixture
def people(accounts: AccountService) -> People:
    register = accounts.register_caseworker
    return People(
        coordinator=accounts.create_user(SYSTEM, "koordinator", PASSWORD, "coordinator"),
        adviser=accounts.create_user(SYSTEM, "raadgiver1", PASSWORD, "adviser"),
        other_adviser=accounts.create_user(SYSTEM, "raadgiver2", PASSWORD, "adviser"),
        caseworker=register(SYSTEM, channel="telegram", external_id="1001", display_name="Sagsbehandler A", department="SOF"),
        other_caseworker=register(SYSTEM, channel="web", external_id="b@kk", display_name="Sagsbehandler B", department="BIF"),
    )
