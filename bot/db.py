"""The storage handle: one SQLAlchemy engine, sessions, schema migrations, and retries on lock contention.

SQLite (the default) runs in WAL mode with `synchronous=FULL`, so a commit that returned survives a
crash or power cut, and every writing transaction starts with `BEGIN IMMEDIATE`, so two writers
queue on the lock instead of failing half-way. PostgreSQL is selected by a `postgresql+psycopg://` URL.
`Database.run(fn)` executes `fn(session)` in one transaction and retries it on SQLITE_BUSY,
serialization failures and deadlocks, so callers never see "database is locked".

    db = Database("sqlite:////var/lib/vejviser/vejviser.sqlite3")
    db.migrate()
    count = db.run(lambda s: s.scalar(select(func.count(Requisition.id))), readonly=True)
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import ConfigurationError

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
MAX_RETRIES = 12
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def _is_retryable(error: BaseException) -> bool:
    """Whether a failed transaction can simply be run again: lock contention, not a bug."""
    orig = getattr(error, "orig", error)
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig).lower()
        return "locked" in message or "busy" in message
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate in _RETRY_SQLSTATES


class Database:
    """One database (SQLite file or PostgreSQL), its engine and its transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.backend = self.url.get_backend_name()
        if self.backend == "sqlite":
            self.engine = self._sqlite_engine(echo)
        elif self.backend == "postgresql":
            if self.url.get_driver_name() not in ("psycopg", ""):
                raise ConfigurationError(
                    "VEJVISER_DATABASE_URL must use psycopg 3: postgresql+psycopg://user:password@host/dbname"
                )
            if self.url.get_driver_name() == "":
                self.url = self.url.set(drivername="postgresql+psycopg")
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True, future=True)
        else:
            raise ConfigurationError(
                f"Unsupported database '{self.backend}' in VEJVISER_DATABASE_URL: use sqlite:///PATH or postgresql+psycopg://..."
            )
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    def _sqlite_engine(self, echo: bool) -> Engine:
        database = self.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            future=True,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # We issue BEGIN ourselves (below), so the driver must not.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = FULL")
                cursor.execute("PRAGMA foreign_keys = ON")
            finally:
                cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    # --- transactions -----------------------------------------------------------------------------

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on an exception. No retry."""
        factory = self._reader if readonly else self._writer
        with factory() as session, session.begin():
            yield session

    def run(self, work: Callable[[Session], T], *, readonly: bool = False, retries: int = MAX_RETRIES) -> T:
        """Run `work(session)` in one transaction, again from the start if it lost a lock race."""
        delay = 0.01
        for attempt in range(retries + 1):
            try:
                with self.session(readonly=readonly) as session:
                    return work(session)
            except (OperationalError, DBAPIError) as error:
                if attempt == retries or not _is_retryable(error):
                    raise
                log.debug("retrying transaction after lock contention (%s)", error.orig)
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    # --- schema -----------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest revision shipped in bot/migrations; safe to run on every start."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.render_as_string(hide_password=False).replace("%", "%%"))
        with self.engine.begin() as connection:
            if self.is_postgres:
                # Several processes may start at once; one migrates, the others wait and find nothing to do.
                connection.execute(text("SELECT pg_advisory_xact_lock(7461923)"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def integrity_problems(self) -> list[str]:
        """What is wrong with the storage itself (SQLite's integrity_check); empty when all is well."""
        problems: list[str] = []
        with self.engine.connect() as connection:
            if self.is_sqlite:
                rows = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                problems += [row for row in rows if row != "ok"]
                problems += [repr(tuple(row)) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")]
            connection.rollback()
        return problems

    def after_fork(self) -> None:
        """Call in a forked child: forget the parent's pooled connections (without closing them under it)."""
        self.engine.dispose(close=False)

    def close(self) -> None:
        """Release every pooled connection; safe to call twice."""
        self.engine.dispose()
