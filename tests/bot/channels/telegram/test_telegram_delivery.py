"""Task-force answers reach the caseworker's chat through the outbox, at least once, even across an outage."""

from __future__ import annotations

from telegram.ext import Application
from telegram_fakes import Person, RecordingRequest, deliver

from bot.channels.telegram.delivery import deliver_once
from bot.people.actors import SYSTEM, Caseworker, StaffUser
from bot.queue import CitedSource, RequisitionView
from bot.services import Services

PASSWORD = "lang-og-sikker-kode-til-test-42"


def in_progress(services: Services, caseworker: Caseworker, question: str) -> tuple[RequisitionView, StaffUser]:
    """A requisition from the caseworker, assigned to an adviser who has started on it."""
    adviser = services.accounts.create_user(SYSTEM, "raadgiver1", PASSWORD, "adviser")
    requisition = services.requisitions.create(caseworker, question, None).requisition
    services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
    services.requisitions.start(adviser, requisition.id)
    return requisition, adviser


def outbox_left(services: Services) -> int:
    from sqlalchemy import func, select

    from bot.storage.models import OutboxRow

    with services.database.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.delivered_at.is_(None)))


async def test_the_task_forces_answer_arrives_in_the_chat_referring_to_the_question(
    application: Application, transport: RecordingRequest, services: Services, caseworker: Caseworker, anna: Person
) -> None:
    requisition, adviser = in_progress(services, caseworker, "Hvem betaler tolken til forældremødet?")
    doc_id = next(iter(services.engine.documents))
    services.requisitions.answer(adviser, requisition.id, "Skolen betaler tolken.", [CitedSource(doc_id, "Tolke")])

    report = await deliver_once(services, application.bot)

    assert len(report.delivered) == 1
    message = transport.last_message()
    assert message.params["chat_id"] == anna.user_id
    assert requisition.number in message.text and "Hvem betaler tolken til forældremødet?" in message.text
    assert "Skolen betaler tolken." in message.text
    assert services.engine.documents[doc_id].metadata.title in message.text  # the source by title, not id
    assert outbox_left(services) == 0


async def test_when_telegram_is_unreachable_the_answer_waits_in_the_outbox_and_arrives_once_it_is_back(
    application: Application, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    requisition, adviser = in_progress(services, caseworker, "Hvem betaler tolken?")
    services.requisitions.answer(adviser, requisition.id, "Skolen betaler.")

    transport.unreachable = True
    for _ in range(3):
        report = await deliver_once(services, application.bot)
        assert report.failed and not report.delivered
    assert outbox_left(services) == 1

    transport.unreachable = False
    report = await deliver_once(services, application.bot)

    assert len(report.delivered) == 1
    assert [m.text.count("Skolen betaler.") for m in transport.messages()] == [1]
    assert outbox_left(services) == 0
    assert not (await deliver_once(services, application.bot)).delivered  # delivered once, not again


async def test_a_request_for_information_is_asked_in_the_chat_and_the_reply_goes_to_the_requisition(
    application: Application, transport: RecordingRequest, services: Services, caseworker: Caseworker, anna: Person
) -> None:
    requisition, adviser = in_progress(services, caseworker, "Hvem betaler tolken?")
    services.requisitions.ask_for_info(adviser, requisition.id, "Hvilket sprog skal der tolkes til?")
    await deliver_once(services, application.bot)
    asking = transport.last_message()
    assert "Hvilket sprog skal der tolkes til?" in asking.text
    assert asking.markup == {"force_reply": True, "input_field_placeholder": "Dit svar til task forcen"}

    await deliver(application, anna.text("Tigrinya, borgeren taler ikke dansk", reply_to=asking))

    updated = services.requisitions.get(SYSTEM, requisition.id)
    assert updated.status == "in_progress"
    assert "Tigrinya" in (updated.context or "")
    assert requisition.number in transport.last_message().text and "sendt til task forcen" in transport.last_message().text
    assert not any(m.buttons() for m in transport.messages()[1:])  # it was not answered as a question


async def test_a_reply_to_an_old_request_is_treated_as_a_new_question(
    application: Application, transport: RecordingRequest, services: Services, caseworker: Caseworker, anna: Person
) -> None:
    requisition, adviser = in_progress(services, caseworker, "Hvem betaler tolken?")
    services.requisitions.ask_for_info(adviser, requisition.id, "Hvilket sprog?")
    await deliver_once(services, application.bot)
    asking = transport.last_message()
    services.requisitions.provide_info(caseworker, requisition.id, "Arabisk")

    await deliver(application, anna.text("Hvor mange rådgivere har task forcen?", reply_to=asking))

    assert any(m.buttons() for m in transport.messages()[1:])  # answered as a question, with its buttons
    assert "Hvor mange" not in (services.requisitions.get(SYSTEM, requisition.id).context or "")


async def test_personal_data_in_a_reply_to_the_task_force_is_removed_first(
    application: Application, transport: RecordingRequest, services: Services, caseworker: Caseworker, anna: Person
) -> None:
    requisition, adviser = in_progress(services, caseworker, "Hvem betaler tolken?")
    services.requisitions.ask_for_info(adviser, requisition.id, "Hvem er borgeren?")
    await deliver_once(services, application.bot)

    await deliver(application, anna.text("Det er 010190-1234, ring 33662851", reply_to=transport.last_message()))

    context = services.requisitions.get(SYSTEM, requisition.id).context or ""
    assert "010190" not in context and "33662851" not in context
    assert "CPR-nummer" in transport.last_message().text
