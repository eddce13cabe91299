"""Fixtures for the Telegram tests: the hashing engine (built once), real services on a fresh SQLite file per
test, and the bot wired to a recording request instead of Telegram.

The test calibration answers a question when most of its terms occur in the top passage, so with the
fast hashing embedder `ANSWERABLE` is answered and `UNANSWERABLE` is routed, every time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram.ext import Application
from telegram_fakes import Person, RecordingRequest
from telegram_setup import CALIBRATION, TOKEN, WEBHOOK_SECRET, open_services

from bot.answering.engine import AnswerEngine
from bot.channels.telegram.app import build_application
from bot.core.settings import Settings
from bot.people.actors import SYSTEM, Caseworker
from bot.services import Services
from index.embedder import HashingEmbedder


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data dir holds the index built once for the whole session."""
    return Settings(
        _env_file=None, data_dir=tmp_path_factory.mktemp("telegram-data"), embedder="hashing",
        calibration_file=CALIBRATION, today="2026-11-23", telegram_token=TOKEN,
        telegram_webhook_secret=WEBHOOK_SECRET, telegram_api_base="http://127.0.0.1:9/bot",
        outbox_backoff_seconds=0.0, telegram_rate_limit=8, telegram_rate_window_seconds=30.0,
    )


@pytest.fixture(scope="session")
def engine(engine_settings: Settings) -> AnswerEngine:
    return AnswerEngine.load(engine_settings, embedder=HashingEmbedder())


@pytest.fixture
def settings(engine_settings: Settings, tmp_path: Path) -> Settings:
    return engine_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'vejviser.sqlite3'}"})


@pytest.fixture
def services(settings: Settings, engine: AnswerEngine) -> Iterator[Services]:
    """Fresh services over a new SQLite file for each test."""
    services = open_services(settings, engine)
    yield services
    services.close()


@pytest.fixture
def transport() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def application(services: Services, transport: RecordingRequest) -> AsyncIterator[Application]:
    """The bot as `vejviser telegram` builds it, talking to the recording request; outbox delivery left to tests."""
    application = build_application(services, request=transport, get_updates_request=transport, deliver_outbox=False)
    await application.initialize()
    await application.post_init(application)
    transport.clear()
    yield application
    await application.shutdown()


@pytest.fixture
def anna() -> Person:
    return Person(user_id=4242, first_name="Anna")


@pytest.fixture
def caseworker(services: Services, anna: Person) -> Caseworker:
    """Anna, registered on Telegram with the Social Administration."""
    return services.accounts.register_caseworker(
        SYSTEM, channel="telegram", external_id=str(anna.user_id), display_name="Anna", department="Socialforvaltningen"
    )
