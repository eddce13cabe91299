"""The assistant's services, built once at start-up and shared by both doors (the web app and the Telegram bot).

Two steps, so the web server can split them between its processes:
- `prepare_storage(settings)`: migrate the database and make sure a coordinator exists. Once, in `vejviser serve`'s
  parent, before any worker starts; the only step that needs the database to be up.
- `load_services(settings)`: load the answer engine and open (lazily) the database. In each worker; a database
  that is down then costs 503s until it is back, never a worker. With several workers the parent loads the engine
  once (`load_engine`) and the workers are forked from it: each gets the loaded engine and opens its own database.
`build_services(settings)` does both, for one-process doors (`vejviser telegram`, the CLI, tests):
`build_services(settings, embedder=HashingEmbedder())` gives a small, fast engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from bot.core.settings import Settings

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine
    from bot.assistant import Assistant
    from bot.people.accounts import AccountService
    from bot.publishing.sync import CorpusSync
    from bot.queue import Publisher, RequisitionService
    from bot.storage.audit import Anchor
    from bot.storage.db import Database
    from index.embedder import Embedder

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a door needs: the answer engine and the two services over the shared database (docs/SERVICE.md)."""

    settings: Settings
    engine: AnswerEngine
    requisitions: RequisitionService
    accounts: AccountService
    database: Database
    bootstrap_password: str | None = field(default=None, repr=False)  # first start only; shown once, never stored
    corpus_sync: CorpusSync | None = None  # PostgreSQL: this machine's index follows the shared corpus

    @cached_property
    def assistant(self) -> Assistant:
        """The one "ask" every door calls (bot/assistant.py)."""
        from bot.answer_memory import AnswerMemory
        from bot.assistant import Assistant

        return Assistant(self.engine, self.requisitions, AnswerMemory(self.database))

    def close(self) -> None:
        """Release the database connections."""
        self.database.close()


def open_database(settings: Settings) -> tuple[Database, Anchor]:
    """The configured database with its audit anchor attached (bot/storage/audit.py): what every process opens."""
    from bot.storage.audit import anchor_for
    from bot.storage.db import Database
    from bot.storage.private_files import private_dir

    private_dir(settings.data_dir)  # 0700 before anything is written there, whatever the database
    database = Database(settings.resolved_database_url)
    anchor = anchor_for(settings.data_dir, database.url)
    database.after_commit(anchor.after_commit)
    return database, anchor


def prepare_storage(settings: Settings) -> str | None:
    """Migrate and make sure a coordinator exists; returns the first start's one-time password, if one was made."""
    from bot.people.accounts import AccountService

    database, _anchor = open_database(settings)
    try:
        database.migrate()
        return AccountService(database, settings).ensure_coordinator(settings)
    finally:
        database.close()


def load_engine(settings: Settings, *, embedder: Embedder | None = None) -> AnswerEngine:
    """The answer engine, loaded (its index built on a first start) and warmed: the first question is not the slow one."""
    from bot.answering.engine import AnswerEngine

    engine = AnswerEngine.load(settings, embedder=embedder)
    engine.warm_up()
    return engine


def load_services(settings: Settings, *, embedder: Embedder | None = None, engine: AnswerEngine | None = None) -> Services:
    """Load the engine (or take one loaded before this worker was forked: its index files checked again, and warmed
    again, as a forked process's first answers took ~60 ms against ~30 later) and the services over a database
    that is not touched yet (it may be down: 503 until up)."""
    from bot.people.accounts import AccountService
    from bot.publishing.ledger import CorpusLedger
    from bot.publishing.sync import CorpusSync, SharedPublisher
    from bot.queue import RequisitionService

    if engine is None:
        engine = load_engine(settings, embedder=embedder)
    else:
        engine.check_index()
        engine.warm_up()
    database, anchor = open_database(settings)
    publisher: Publisher = engine
    sync = None
    if database.is_postgres:  # the database holds the corpus; the door's lifespan starts the polling (bot/publishing/sync.py)
        ledger = CorpusLedger(database)
        sync = CorpusSync(engine, ledger)
        publisher = SharedPublisher(engine, ledger, sync)
    requisitions = RequisitionService(database, settings, embedder=engine.embedder, publisher=publisher, anchor=anchor)
    accounts = AccountService(database, settings)
    return Services(settings, engine, requisitions, accounts, database, corpus_sync=sync)


def build_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Load the engine, open and migrate the database, and make sure a coordinator exists (one process).

    On the first start with an empty database a coordinator account is created; its one-time password
    (or the configured `VEJVISER_COORDINATOR_PASSWORD`) is in `bootstrap_password` for the caller to print.
    """
    services = load_services(settings, embedder=embedder)
    try:
        services.database.migrate()
        services.bootstrap_password = services.accounts.ensure_coordinator(settings)
    except BaseException:
        services.close()
        raise
    return services
