"""No kind of personal data crashes a Telegram door: a question, /rekvirer, the context step before routing and a reply
to the task force's request for information each tell the caseworker what was removed, store exactly one redacted
copy, and never answer "Noget gik galt" (as they did for names, the kind the notice had no wording for)."""

from __future__ import annotations

import pytest
from telegram.ext import Application
from telegram_fakes import Person, RecordingRequest, deliver
from telegram_setup import UNANSWERABLE

from bot.channels.telegram.delivery import deliver_once
from bot.people.actors import SYSTEM, Caseworker
from bot.privacy.notice import kind_phrase
from bot.privacy.redaction import KINDS
from bot.services import Services
from eval.checks.redaction import SAMPLE_BY_KIND

pytestmark = pytest.mark.usefixtures("caseworker")
FAILED = ("Noget gik galt", "Something went wrong")
PASSWORD = "lang-og-sikker-kode-til-test-42"


def no_failure_and_told(transport: RecordingRequest, kind: str, language: str = "da") -> str:
    """The replies since the update: none says it failed, the last names the kind removed. Returns the last."""
    texts = [call.text for call in transport.messages()]
    assert not any(word in text for text in texts for word in FAILED), texts
    last = transport.last_message().text
    assert kind_phrase(kind, language) in last, last
    return last


def test_every_kind_has_a_sample_message() -> None:
    assert set(SAMPLE_BY_KIND) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_question_with_personal_data_is_answered_with_the_notice(
    application: Application, anna: Person, transport: RecordingRequest, kind: str
) -> None:
    message, seeded = SAMPLE_BY_KIND[kind]

    await deliver(application, anna.text(message))

    no_failure_and_told(transport, kind)
    assert transport.named("deleteMessage")
    assert seeded not in str(transport.calls[1:])  # nothing the bot sent repeats it


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", KINDS)
async def test_rekvirer_with_personal_data_stores_one_redacted_requisition_and_confirms_it(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker,
    kind: str, language: str
) -> None:
    services.accounts.set_language(caseworker.id, language)
    message, seeded = SAMPLE_BY_KIND[kind]

    await deliver(application, anna.text(f"/rekvirer {message}"))

    page = services.requisitions.list(caseworker)
    assert page.total == 1 and seeded not in page.items[0].question
    confirmation = no_failure_and_told(transport, kind, language)
    assert page.items[0].number in confirmation


@pytest.mark.parametrize("kind", KINDS)
async def test_context_with_personal_data_routes_once_and_confirms(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker,
    kind: str
) -> None:
    await deliver(application, anna.text(UNANSWERABLE))
    offer = transport.last_message()
    await deliver(application, anna.press(dict(offer.buttons())["Send til task forcen"], on=offer))
    transport.clear()
    message, seeded = SAMPLE_BY_KIND[kind]

    await deliver(application, anna.text(message.replace("?", ".")))  # with a question mark it is a new question

    page = services.requisitions.list(caseworker)
    assert page.total == 1 and seeded not in (page.items[0].context or "")
    assert page.items[0].number in no_failure_and_told(transport, kind)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_reply_to_the_task_force_with_personal_data_is_stored_redacted_and_acknowledged(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker,
    kind: str
) -> None:
    adviser = services.accounts.create_user(SYSTEM, "raadgiver1", PASSWORD, "adviser")
    requisition = services.requisitions.create(caseworker, "Hvem betaler tolken?", None).requisition
    services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
    services.requisitions.start(adviser, requisition.id)
    services.requisitions.ask_for_info(adviser, requisition.id, "Hvem er borgeren?")
    await deliver_once(services, application.bot)
    asking = transport.last_message()
    transport.clear()
    message, seeded = SAMPLE_BY_KIND[kind]

    await deliver(application, anna.text(message, reply_to=asking))

    updated = services.requisitions.get(SYSTEM, requisition.id)
    assert updated.status == "in_progress" and seeded not in (updated.context or "")
    assert requisition.number in no_failure_and_told(transport, kind)
