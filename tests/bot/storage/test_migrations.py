"""The Alembic migrations build exactly the schema bot/storage/models.py describes, on SQLite and PostgreSQL: a model
change without its migration would fail on an operator's existing database, not in a fresh test one."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage.db import Database
from bot.storage.models import Base


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "write the migration: .venv/bin/python -m bot.storage.migrations.revise 'what changed'"
