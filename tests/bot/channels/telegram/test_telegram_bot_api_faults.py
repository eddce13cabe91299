"""The real bot against the Bot API stand-in when Telegram misbehaves: 429 with retry_after, 500/502, a hang past
the timeout, an entity error. The caseworker gets every answer, once; what cannot go out now goes out later, once.

Updates are handed to the bot in-process (`process_update`); every Bot API call goes over HTTP to the stand-in.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from botapi_standin import BotApiStandIn, Fault
from telegram.ext import Application
from telegram.request import HTTPXRequest
from telegram_fakes import Person, deliver
from telegram_setup import ANSWERABLE, TOKEN, answer_from_the_task_force, open_services, outbox_left

from bot.answering.engine import AnswerEngine
from bot.channels.telegram.app import build_application
from bot.channels.telegram.delivery import deliver_once
from bot.channels.telegram.sending import TRANSIENT_TRIES
from bot.core.settings import Settings
from bot.people.actors import SYSTEM, Caseworker
from bot.services import Services

TIMEOUT_SECONDS = 1.0  # the bot's read timeout here, so a hang costs a second, not ten
FAILED = ("Noget gik galt", "Something went wrong")


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(TOKEN) as api:
        yield api


@pytest.fixture
def live_services(settings: Settings, engine: AnswerEngine, api: BotApiStandIn) -> Iterator[Services]:
    services = open_services(settings.model_copy(update={"telegram_api_base": api.base_url}), engine)
    yield services
    services.close()


@pytest.fixture
def anna_registered(live_services: Services, anna: Person) -> Caseworker:
    return live_services.accounts.register_caseworker(SYSTEM, channel="telegram", external_id=str(anna.user_id),
                                                      display_name="Anna", department="Socialforvaltningen")


@pytest.fixture
async def bot(live_services: Services, api: BotApiStandIn, anna_registered: Caseworker) -> AsyncIterator[Application]:
    request = HTTPXRequest(read_timeout=TIMEOUT_SECONDS, write_timeout=TIMEOUT_SECONDS, connect_timeout=TIMEOUT_SECONDS)
    application = build_application(live_services, request=request, deliver_outbox=False)
    await application.initialize()
    await application.post_init(application)
    yield application
    await application.shutdown()


def answers(api: BotApiStandIn, chat_id: int) -> list[str]:
    return [t for t in api.sent_texts(chat_id) if t.startswith("Ifølge")]


async def test_a_429_with_retry_after_is_waited_out_and_the_answer_arrives_once(
    bot: Application, api: BotApiStandIn, anna: Person
) -> None:
    api.fail("sendMessage", Fault.too_many(3))
    started = time.monotonic()

    await deliver(bot, anna.text(ANSWERABLE))

    assert time.monotonic() - started >= 3  # Telegram said: not before 3 s
    assert len(answers(api, anna.user_id)) == 1
    assert not any(f in t for t in api.sent_texts() for f in FAILED)


async def test_two_429s_in_a_row_still_deliver_the_answer(bot: Application, api: BotApiStandIn, anna: Person) -> None:
    api.fail("sendMessage", Fault.too_many(1), Fault.too_many(1))

    await deliver(bot, anna.text(ANSWERABLE))

    assert len(answers(api, anna.user_id)) == 1 and len(api.failures) == 2


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.status(502), Fault.hang(TIMEOUT_SECONDS + 0.5)],
                         ids=["500", "502", "hang"])
async def test_a_transient_error_is_retried_and_the_answer_arrives_once(
    bot: Application, api: BotApiStandIn, anna: Person, fault: Fault
) -> None:
    api.fail("sendMessage", fault)

    await deliver(bot, anna.text(ANSWERABLE))

    assert len(answers(api, anna.user_id)) == 1
    assert not any(f in t for t in api.sent_texts() for f in FAILED)


async def test_an_answer_telegram_keeps_refusing_is_kept_and_delivered_later_once_with_its_buttons(
    bot: Application, api: BotApiStandIn, anna: Person, live_services: Services
) -> None:
    api.fail("sendMessage", *[Fault.status(500)] * (TRANSIENT_TRIES + 1))

    await deliver(bot, anna.text(ANSWERABLE))

    assert answers(api, anna.user_id) == [] and outbox_left(live_services) == 1  # not lost: kept
    await deliver_once(live_services, bot.bot)
    await deliver_once(live_services, bot.bot)

    assert len(answers(api, anna.user_id)) == 1 and outbox_left(live_services) == 0
    [answer] = [c for c in api.since(0, "sendMessage") if c.result["text"].startswith("Ifølge")]
    assert "👍" in [label for label, _ in answer.buttons()]


async def test_each_part_of_a_long_task_force_answer_is_delivered_exactly_once_after_a_500_on_the_second(
    bot: Application, api: BotApiStandIn, anna: Person, live_services: Services, anna_registered: Caseworker
) -> None:
    paragraph = "Task forcen anbefaler, at sagsbehandleren kontakter tolkecentret i god tid før mødet. " * 9
    text = "\n\n".join(f"{n}. {paragraph}" for n in range(12))[:9145]
    number = answer_from_the_task_force(live_services, anna_registered, text)
    api.on_call = lambda call: call.method == "sendMessage" and api.fail("sendMessage", *[Fault.status(500)] * (TRANSIENT_TRIES + 1))

    first = await deliver_once(live_services, bot.bot)  # part 1 goes out, part 2 fails every retry
    api.on_call = None
    second = await deliver_once(live_services, bot.bot)

    assert first.failed and second.delivered
    parts = api.sent_texts(anna.user_id)
    assert len(parts) == 3 and number in parts[0]
    assert "".join(parts).count("11. Task forcen") == 1  # the last paragraph, once
    assert len(set(parts)) == 3  # no part twice
    assert outbox_left(live_services) == 0


async def test_an_entity_error_sends_the_words_as_plain_text(bot: Application, api: BotApiStandIn, anna: Person) -> None:
    api.fail("sendMessage", Fault.bad_entities())

    await deliver(bot, anna.text(ANSWERABLE))

    [answer] = answers(api, anna.user_id)
    [call] = [c for c in api.since(0, "sendMessage") if c.result["text"] == answer]
    assert "parse_mode" not in call.params and "<blockquote>" not in call.params["text"]
