"""Alembic environment, run by `bot.storage.db.Database.migrate()` with an open connection (no alembic.ini needed).

To write a new revision after changing bot/storage/models.py:
    .venv/bin/python -m bot.storage.migrations.revise "what changed"
"""

from __future__ import annotations

from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine

from bot.storage.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy ones, so a revision never imports today's models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("alembic: no database: give sqlalchemy.url, or migrate with `vejviser` (Database.migrate)")
    engine = create_engine(url)
    with engine.begin() as conn:
        run_migrations(conn)
