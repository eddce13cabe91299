"""Four caseworkers at once: the running bot (its own update processor, not `process_update` one by one) works on
their questions together, shows each "typing…" before any answer is ready, and keeps each chat's order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from botapi_standin import BotApiStandIn
from telegram import Update
from telegram.ext import Application
from telegram_fakes import Person
from telegram_setup import ANSWERABLE, TOKEN, UNANSWERABLE, open_services

from bot.answering.answer import Answer
from bot.answering.engine import AnswerEngine
from bot.channels.telegram.app import build_application
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.services import Services

ENGINE_SECONDS = 0.6  # each question keeps the (slowed) engine busy this long


class SlowEngine:
    """The real engine, slowed down, counting how many questions it works on at the same time."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine, self.busy, self.most = engine, 0, 0
        self.lock = threading.Lock()

    def ask(self, question: str, **kwargs: object) -> Answer:
        with self.lock:
            self.busy += 1
            self.most = max(self.most, self.busy)
        try:
            time.sleep(ENGINE_SECONDS)
            return self.engine.ask(question, **kwargs)
        finally:
            with self.lock:
                self.busy -= 1

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(TOKEN) as api:
        yield api


@pytest.fixture
def slow(settings: Settings, engine: AnswerEngine, api: BotApiStandIn) -> Iterator[tuple[Services, SlowEngine]]:
    slowed = SlowEngine(engine)
    services = open_services(settings.model_copy(update={"telegram_api_base": api.base_url}), engine)
    services.engine = slowed
    yield services, slowed
    services.close()


@pytest.fixture
async def running(slow: tuple[Services, SlowEngine]) -> AsyncIterator[Application]:
    application = build_application(slow[0], deliver_outbox=False)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    yield application
    await application.stop()
    await application.shutdown()


async def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_four_caseworkers_are_answered_together_each_seeing_typing_first(
    running: Application, api: BotApiStandIn, slow: tuple[Services, SlowEngine]
) -> None:
    services, engine = slow
    people = [Person(user_id=5000 + n, first_name=f"P{n}") for n in range(4)]
    for person in people:
        services.accounts.register_caseworker(SYSTEM, channel="telegram", external_id=str(person.user_id),
                                              display_name=person.first_name, department="Socialforvaltningen")

    update_ids = iter(range(1, 100))
    for person in people:
        person._update_ids = update_ids
        await running.update_queue.put(Update.de_json(person.text(ANSWERABLE), running.bot))
    await wait_until(lambda: len(api.since(0, "sendMessage")) >= 4)

    assert engine.most >= 2  # the questions were worked on at the same time, not one after another
    calls = api.since(0)
    first_answer = next(i for i, c in enumerate(calls) if c.method == "sendMessage")
    typing = {c.params["chat_id"] for c in calls[:first_answer] if c.method == "sendChatAction"}
    assert typing == {p.user_id for p in people}  # everyone saw "typing…" before the first answer was ready
    assert sorted(c.params["chat_id"] for c in api.since(0, "sendMessage")) == [p.user_id for p in people]


async def test_one_chats_messages_are_answered_in_the_order_written(
    running: Application, api: BotApiStandIn, slow: tuple[Services, SlowEngine], anna: Person
) -> None:
    services, _ = slow
    services.accounts.register_caseworker(SYSTEM, channel="telegram", external_id=str(anna.user_id),
                                          display_name="Anna", department="Socialforvaltningen")

    for question in (UNANSWERABLE, ANSWERABLE, "Hej"):
        await running.update_queue.put(Update.de_json(anna.text(question), running.bot))
    await wait_until(lambda: len(api.since(0, "sendMessage")) >= 3)

    texts = api.sent_texts(anna.user_id)
    assert texts[0].startswith("Det står ikke") and texts[1].startswith("Ifølge") and texts[2].startswith("Hej!")
