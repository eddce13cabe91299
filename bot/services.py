"""The assistant's services, built once at start-up and shared by both doors (the web app and the Telegram bot).

Build them with `build_services(settings)`; the web app does so in its lifespan, `vejviser telegram` at start.
Tests build `Services(...)` directly with fakes, or call `build_services(settings, embedder=HashingEmbedder())`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.answer import AnswerEngine
    from index.embedder import Embedder

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a door needs: the answer engine and the services over the database.

    `requisitions` and `accounts` are the service objects of bot/requisitions.py and bot/accounts.py
    (see docs/SERVICE.md); `database` is the storage handle they share, closed by `close()`.
    """

    settings: Settings
    engine: AnswerEngine
    requisitions: Any = None
    accounts: Any = None
    database: Any = None
    bootstrap_password: str | None = field(default=None, repr=False)  # shown once at first start, never stored

    def close(self) -> None:
        """Release the database connections; safe to call twice."""
        closer = getattr(self.database, "close", None) or getattr(self.database, "dispose", None)
        if closer is not None:
            closer()


def build_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Load the engine, open and migrate the database, and make sure a coordinator exists."""
    from bot.answer import AnswerEngine

    engine = AnswerEngine.load(settings, embedder=embedder)
    return Services(settings=settings, engine=engine)
