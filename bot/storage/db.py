"""The storage handle: one SQLAlchemy engine, sessions, schema migrations, and retries on lock contention.

SQLite (the default) runs in WAL mode with `synchronous=FULL`, so a commit that returned survives a
crash or power cut, and every writing transaction starts with `BEGIN IMMEDIATE`, so two writers
queue on the lock instead of failing half-way. PostgreSQL is selected by a `postgresql+psycopg://` URL.
`Database.run(fn)` executes `fn(session)` in one transaction and retries it on SQLITE_BUSY,
serialization failures and deadlocks, so callers never see "database is locked". A database that cannot be reached or written (PostgreSQL stopped,
disk full, read-only) raises `DatabaseUnavailable` instead of a driver error, logged once per outage rather than
once per request, and is never retried: a commit whose answer was lost may have happened, and a write must not
happen twice. An SQLite file is checked with `PRAGMA quick_check` when it is first opened; a malformed one is
refused with `DatabaseDamaged`, naming the backup to restore.

    db = Database("sqlite:////var/lib/vejviser/vejviser.sqlite3")
    db.migrate()
    count = db.run(lambda s: s.scalar(select(func.count(Requisition.id))), readonly=True)
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import ConfigurationError, DatabaseDamaged, DatabaseUnavailable
from bot.storage.private_files import private_file

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
MAX_RETRIES = 12
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
# Connection exceptions, insufficient resources (disk full), operator intervention (shutdown), read-only transaction.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
_UNAVAILABLE_SQLITE = ("disk i/o error", "database or disk is full", "readonly database", "unable to open database")
_DAMAGED_SQLITE = ("malformed", "file is not a database", "database corrupt")
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable PostgreSQL host answers 503 in seconds, not after the TCP timeout


def _is_retryable(error: BaseException) -> bool:
    """Whether a failed transaction can simply be run again: lock contention, not a bug."""
    orig = getattr(error, "orig", error)
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig).lower()
        return "locked" in message or "busy" in message
    sqlstate = getattr(orig, "sqlstate", None)
    return sqlstate in _RETRY_SQLSTATES


def _is_damaged(error: BaseException) -> bool:
    """Whether SQLite says the file itself is broken (not a lock, not a bug in a query)."""
    orig = getattr(error, "orig", error)
    return isinstance(orig, sqlite3.DatabaseError) and any(m in str(orig).lower() for m in _DAMAGED_SQLITE)


def _is_unavailable(error: BaseException) -> bool:
    """Whether the database is out of reach or cannot write at all, as opposed to a query that is wrong."""
    if getattr(error, "connection_invalidated", False):
        return True
    orig = getattr(error, "orig", error)
    if isinstance(orig, sqlite3.Error):
        return any(m in str(orig).lower() for m in _UNAVAILABLE_SQLITE)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate == "25006"
    return isinstance(error, OperationalError)  # psycopg's "connection refused" carries no SQLSTATE


def damaged_message(path: str, detail: str) -> str:
    """What an operator does about a malformed SQLite file: which backup to put back, and how (docs/DEPLOY.md)."""
    detail = " ".join(detail.split()).removeprefix("*** in database main *** ")[:200]
    return (
        f"The database file {path} is damaged (SQLite: {detail}). Stop Vejviser, move the file aside and restore "
        f"the newest backup of it over {path} (docs/DEPLOY.md, 'Backups': /backup/vejviser.sqlite3), then start "
        "again and run `vejviser audit verify`."
    )


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
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True, future=True,
                                        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
        else:
            raise ConfigurationError(
                f"Unsupported database '{self.backend}' in VEJVISER_DATABASE_URL: use sqlite:///PATH or postgresql+psycopg://..."
            )
        self._down_since: float | None = None  # when the current outage began (monotonic), None while reachable
        self._state = threading.Lock()
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    @property
    def available(self) -> bool:
        """False from the first failed connection of an outage until the next transaction that succeeds."""
        return self._down_since is None

    def _sqlite_engine(self, echo: bool) -> Engine:
        database = self.url.database
        on_disk = bool(database and database != ":memory:" and not database.startswith("file:"))
        if on_disk:
            private_file(Path(str(database)).expanduser())  # 0600 in a 0700 dir; SQLite's -wal and -shm copy the mode
        checked = [not on_disk]  # quick_check once per process, on the first connection
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
                if not checked[0]:
                    problems = [row[0] for row in cursor.execute("PRAGMA quick_check").fetchall() if row[0] != "ok"]
                    if problems:
                        raise DatabaseDamaged(damaged_message(str(database), problems[0]))
                    checked[0] = True
            except sqlite3.DatabaseError as error:
                if any(m in str(error).lower() for m in _DAMAGED_SQLITE):
                    raise DatabaseDamaged(damaged_message(str(database), str(error))) from error
                raise
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
                    result = work(session)
            except (OperationalError, DBAPIError) as error:
                self.translate(error)
                if attempt == retries or not _is_retryable(error):
                    raise
                log.debug("retrying transaction after lock contention (%s)", error.orig)
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 1.0)
            else:
                if self._down_since is not None:
                    self._recovered()
                return result
        raise AssertionError("unreachable")

    def after_commit(self, callback: Callable[[Session], None]) -> None:
        """Call `callback(session)` after each transaction that committed: for side effects a retry must not repeat."""
        for factory in (self._writer, self._reader):
            event.listen(factory, "after_commit", callback)

    def translate(self, error: BaseException) -> None:
        """Raise the domain error for a damaged or unreachable database (logged once per outage); else return."""
        if _is_damaged(error):
            raise DatabaseDamaged(damaged_message(str(self.url.database), str(getattr(error, "orig", error)))) from error
        if not _is_unavailable(error):
            return
        with self._state:
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
        text_of = str(getattr(error, "orig", error)).strip()
        detail = text_of.splitlines()[0] if text_of else type(error).__name__
        if first:
            log.error("database unavailable (%s); answering 503 until it is back", detail)
        raise DatabaseUnavailable(
            "The database cannot be reached right now; nothing was saved. Try again in a moment.", detail
        ) from error

    def _recovered(self) -> None:
        with self._state:
            since, self._down_since = self._down_since, None
        if since is not None:
            log.warning("database reachable again after %.1f s", time.monotonic() - since)

    def check_writable(self) -> None:
        """Prove the database takes a commit now (readiness): a disk that is full or a read-only database fails here."""
        def work(session: Session) -> None:
            session.execute(text("DELETE FROM health_probe"))
            session.execute(text("INSERT INTO health_probe (id, checked_at) VALUES (1, :at)"), {"at": time.time()})

        self.run(work, retries=2)

    # --- schema -----------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest revision shipped in bot/storage/migrations; safe to run on every start."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.render_as_string(hide_password=False).replace("%", "%%"))
        try:
            with self.engine.begin() as connection:
                if self.is_postgres:
                    # Several processes may start at once; one migrates, the others wait and find nothing to do.
                    connection.execute(text("SELECT pg_advisory_xact_lock(7461923)"))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except (OperationalError, DBAPIError) as error:
            self.translate(error)
            raise

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
