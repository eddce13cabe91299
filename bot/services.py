"""The assistant's services, built once at start-up and shared by both doors (the web app and the Telegram bot).

Build them with `build_services(settings)`; the web app does so in its lifespan, `vejviser telegram` at start.
Tests call `build_services(settings, embedder=HashingEmbedder())` for a small, fast engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.accounts import AccountService
    from bot.answer import AnswerEngine
    from bot.db import Database
    from bot.requisitions import RequisitionService
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

    def close(self) -> None:
        """Release the database connections."""
        self.database.close()


def build_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Load the engine, open and migrate the database, and make sure a coordinator exists.

    On the first start with an empty database a coordinator account is created; its one-time password
    (or the configured `VEJVISER_COORDINATOR_PASSWORD`) is in `bootstrap_password` for the caller to print.
    """
    from bot.accounts import AccountService
    from bot.answer import AnswerEngine
    from bot.db import Database
    from bot.requisitions import RequisitionService

    engine = AnswerEngine.load(settings, embedder=embedder)
    database = Database(settings.resolved_database_url)
    try:
        database.migrate()
        requisitions = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine)
        accounts = AccountService(database, settings)
        password = accounts.ensure_coordinator(settings)
    except BaseException:
        database.close()
        raise
    return Services(settings, engine, requisitions, accounts, database, bootstrap_password=password)
