"""What the Telegram tests share besides fixtures: the bot's test token and secret, the two questions whose fate the
test calibration fixes, and the real services over a database. A module of its own (not conftest), so a test file
imports it by a name no other test folder uses.
"""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from bot.answering.engine import AnswerEngine
from bot.core.settings import Settings
from bot.people.accounts import AccountService
from bot.people.actors import Caseworker
from bot.queue import RequisitionService
from bot.services import Services
from bot.storage.db import Database

CALIBRATION = Path(__file__).parent / "fixtures" / "term_coverage_calibration.json"
TOKEN = "123456:TEST-telegram-token"
WEBHOOK_SECRET = "test-webhook-secret-0123456789"
ANSWERABLE = "Hvor mange rådgivere har task forcen?"
UNANSWERABLE = "Må jeg parkere på cykelstien?"


def open_services(settings: Settings, engine: AnswerEngine) -> Services:
    """The real requisition and account services over `settings.database_url`, sharing an already loaded engine."""
    database = Database(settings.resolved_database_url)
    database.migrate()
    accounts = AccountService(database, settings)
    accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # argon2id, cheap for tests
    requisitions = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine)
    return Services(settings, engine, requisitions, accounts, database)


def outbox_left(services: Services) -> int:
    """Outbox messages not yet delivered."""
    from sqlalchemy import func, select

    from bot.storage.models import OutboxRow

    with services.database.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.delivered_at.is_(None))) or 0


def answer_from_the_task_force(services: Services, caseworker: Caseworker, text: str, question: str = UNANSWERABLE) -> str:
    """A requisition from the caseworker, answered by an adviser with `text`; returns its number."""
    from bot.people.actors import SYSTEM

    adviser = services.accounts.create_user(SYSTEM, "raadgiver-svar", "lang-og-sikker-kode-til-test-42", "adviser")
    requisition = services.requisitions.create(caseworker, question, None).requisition
    services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
    services.requisitions.start(adviser, requisition.id)
    services.requisitions.answer(adviser, requisition.id, text, [])
    return requisition.number
