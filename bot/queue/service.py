"""The requisition service: the one API both doors (web, Telegram) and the CLI use for requisitions.

Every call is one database transaction (all or nothing) with an audit entry for each change, retried
from the start if it lost a lock race. Role checks live here: a coordinator (or the system) sees and
does everything; an adviser sees and works only on requisitions assigned to them; a caseworker sees
only their own, replies to requests for information and closes answered ones. Texts are redacted
before anything is stored; the audit log never holds them (it cannot be purged).

Each noun is its own module (intake, duplicates, listing, notes, lifecycle, publication, export, retention,
feedback, stats); this one puts them together with the outbox, the answer templates and the chat history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.core.settings import Settings
from bot.queue.base import Publisher
from bot.queue.export import Export
from bot.queue.feedback import Feedback
from bot.queue.history import ChatHistory
from bot.queue.intake import Intake
from bot.queue.lifecycle import Lifecycle
from bot.queue.notes import Notes
from bot.queue.outbox import Outbox, Sender
from bot.queue.publication import Publication
from bot.queue.retention import Retention
from bot.queue.stats import Figures
from bot.queue.templates import AnswerTemplates
from bot.queue.views import DeliveryReport
from bot.storage import audit
from bot.storage.db import Database
from index.embedder import Embedder

__all__ = ["Publisher", "RequisitionService", "Sender"]


class RequisitionService(Intake, Publication, Export, Notes, Lifecycle, Retention, Feedback, Figures):
    """Create, route, answer and publish requisitions; see docs/SERVICE.md."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] | None = None,
        anchor: audit.Anchor | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.embedder = embedder
        self.publisher = publisher
        self.anchor = anchor  # the audit head and highest number issued, kept outside the database
        self.clock = clock or (lambda: datetime.now(UTC))
        self.outbox = Outbox(
            database,
            base_seconds=settings.outbox_backoff_seconds,
            cap_seconds=settings.outbox_backoff_cap_seconds,
            lease_seconds=settings.outbox_lease_seconds,
            clock=self.clock,
        )
        self.templates = AnswerTemplates(database, clock=lambda: self.clock())
        self.history = ChatHistory(database, clock=lambda: self.clock())

    async def deliver_pending(self, sender: Sender, *, channel: str | None = None, limit: int = 50) -> DeliveryReport:
        """Send due notifications with `sender` (sync or async); failures are retried later with backoff."""
        return await self.outbox.deliver(sender, channel=channel, limit=limit)
