"""The conversation, offline: Bot API updates in, the Bot API calls the bot makes out, the real services behind."""

from __future__ import annotations

import logging

import pytest
from telegram.ext import Application
from telegram_fakes import Person, RecordingRequest, deliver
from telegram_setup import ANSWERABLE, UNANSWERABLE, open_services

from bot.answer_memory import RECENT_ANSWERS, PendingAnswer
from bot.answering.engine import AnswerEngine
from bot.channels.telegram.app import build_application
from bot.core.settings import Settings
from bot.people.actors import SYSTEM, Caseworker
from bot.services import Services

pytestmark = pytest.mark.usefixtures("caseworker")


async def ask(application: Application, anna: Person, transport: RecordingRequest, question: str):
    await deliver(application, anna.text(question))
    return transport.last_message()


async def test_a_question_shows_typing_then_the_quoted_answer_with_its_source_and_buttons(
    application: Application, anna: Person, transport: RecordingRequest
) -> None:
    await deliver(application, anna.text(ANSWERABLE))

    methods = [call.method for call in transport.calls]
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    assert transport.named("sendChatAction")[0].params["action"] == "typing"
    reply = transport.last_message()
    assert reply.params["parse_mode"] == "HTML"
    assert reply.text.startswith("Ifølge ")
    assert "<blockquote>" in reply.text and "2007" in reply.text
    labels = [label for label, _ in reply.buttons()]
    assert labels == ["👍", "👎", "Send til task forcen"]


async def test_a_question_in_english_is_answered_with_english_phrasing_and_buttons(
    application: Application, anna: Person, transport: RecordingRequest
) -> None:
    reply = await ask(application, anna, transport, "How many advisers does the task force have?")

    assert "Send to the task force" in [label for label, _ in reply.buttons()]


async def test_an_unanswerable_question_says_so_shows_the_closest_passages_and_offers_routing(
    application: Application, anna: Person, transport: RecordingRequest, services: Services
) -> None:
    reply = await ask(application, anna, transport, UNANSWERABLE)

    assert reply.text.startswith("<b>Det står ikke i dokumenterne.</b> Vil du sende spørgsmålet til task forcen?")
    assert "Det nærmeste, jeg fandt" in reply.text and reply.text.count("<blockquote expandable>") == 1
    assert "Send til task forcen" in [label for label, _ in reply.buttons()]
    # Routed or not, the question counts on the coordinator's gap map, with the passages it came closest to.
    [gap] = services.requisitions.gap_signals(SYSTEM)
    assert (gap.kind, gap.question) == ("routed", UNANSWERABLE) and gap.citations


async def test_thumbs_down_stores_feedback_with_the_question_and_removes_the_thumbs(
    application: Application, anna: Person, transport: RecordingRequest, services: Services
) -> None:
    answer = await ask(application, anna, transport, ANSWERABLE)
    down = dict((label, data) for label, data in answer.buttons())["👎"]

    await deliver(application, anna.press(down, on=answer))

    assert services.requisitions.feedback_summary(SYSTEM).down == 1
    assert "Tak" in transport.named("answerCallbackQuery")[-1].params["text"]
    edited = transport.named("editMessageReplyMarkup")[-1]
    assert edited.params["message_id"] == answer.result["message_id"]
    assert [label for label, _ in edited.buttons()] == ["Send til task forcen"]


async def test_routing_asks_for_context_once_then_creates_the_requisition_and_confirms_its_number(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    answer = await ask(application, anna, transport, UNANSWERABLE)
    route = dict((label, data) for label, data in answer.buttons())["Send til task forcen"]

    await deliver(application, anna.press(route, on=answer))
    prompt = transport.last_message()
    assert "kontekst" in prompt.text
    assert [label for label, _ in prompt.buttons()] == ["Send uden kontekst", "Fortryd"]

    await deliver(application, anna.text("Det gælder en familie i Nordvest"))
    confirmation = transport.last_message()

    page = services.requisitions.list(caseworker)
    assert page.total == 1
    requisition = page.items[0]
    assert requisition.question == UNANSWERABLE
    assert "Nordvest" in (requisition.context or "")
    assert requisition.number in confirmation.text
    assert "Send til task forcen" not in [label for label, _ in transport.named("editMessageReplyMarkup")[-1].buttons()]


async def test_routing_without_context_creates_the_requisition_at_once(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    answer = await ask(application, anna, transport, UNANSWERABLE)
    await deliver(application, anna.press(dict(answer.buttons())["Send til task forcen"], on=answer))
    prompt = transport.last_message()

    await deliver(application, anna.press(dict(prompt.buttons())["Send uden kontekst"], on=prompt))

    requisition = services.requisitions.list(caseworker).items[0]
    assert requisition.context in (None, "")
    assert requisition.number in transport.last_message().text


async def test_cancelling_the_route_creates_nothing_and_the_next_message_is_a_question(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    answer = await ask(application, anna, transport, UNANSWERABLE)
    await deliver(application, anna.press(dict(answer.buttons())["Send til task forcen"], on=answer))
    prompt = transport.last_message()
    await deliver(application, anna.press(dict(prompt.buttons())["Fortryd"], on=prompt))

    reply = await ask(application, anna, transport, ANSWERABLE)

    assert services.requisitions.list(caseworker).total == 0
    assert reply.text.startswith("Ifølge ")


async def test_buttons_work_on_another_worker_and_after_a_restart(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker,
    settings: Settings, engine: AnswerEngine,
) -> None:
    answer = await ask(application, anna, transport, UNANSWERABLE)
    buttons = dict(answer.buttons())
    # A second bot over the same database: another web worker, or this one after a restart (nothing in memory).
    other_services = open_services(settings, engine)
    other = build_application(other_services, request=transport, get_updates_request=transport, deliver_outbox=False)
    await other.initialize()
    await other.post_init(other)
    try:
        await deliver(other, anna.press(buttons["👎"], on=answer))
        await deliver(other, anna.press(buttons["Send til task forcen"], on=answer))
        assert "kontekst" in transport.last_message().text
    finally:
        await other.shutdown()
        other_services.close()
    await deliver(application, anna.text("Det gælder en familie i Nordvest"))  # the context reaches the first one

    assert services.requisitions.feedback_summary(SYSTEM).down == 1
    page = services.requisitions.list(caseworker)
    assert page.total == 1 and "Nordvest" in (page.items[0].context or "")
    assert page.items[0].number in transport.last_message().text


async def test_a_button_on_an_answer_no_longer_kept_says_it_expired_and_how_to_route(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    first = await ask(application, anna, transport, ANSWERABLE)
    memory = application.bot_data["memory"]
    later = PendingAnswer(question="senere", answer=services.engine.ask(ANSWERABLE), language="da", citations=())
    for _ in range(RECENT_ANSWERS):  # as many newer answers as are kept (asked here directly: the flood limit)
        memory.remember(caseworker.id, later)

    await deliver(application, anna.press(dict(first.buttons())["👍"], on=first))

    alert = transport.named("answerCallbackQuery")[-1]
    assert alert.params["show_alert"] is True and "/rekvirer" in alert.params["text"]
    assert services.requisitions.feedback_summary(SYSTEM).up == 0


async def test_a_button_from_another_caseworkers_answer_does_nothing(
    application: Application, anna: Person, transport: RecordingRequest, services: Services
) -> None:
    answer = await ask(application, anna, transport, ANSWERABLE)
    ole = Person(user_id=5151, first_name="Ole")
    services.accounts.register_caseworker(SYSTEM, channel="telegram", external_id=str(ole.user_id), display_name="Ole",
                                          department="BIF")

    await deliver(application, ole.press(dict(answer.buttons())["👍"], on=answer))

    assert transport.named("answerCallbackQuery")[-1].params["show_alert"] is True
    assert services.requisitions.feedback_summary(SYSTEM).up == 0


async def test_rekvirer_routes_directly(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    await deliver(application, anna.text("/rekvirer Hvordan får vi tolk til et forældremøde?"))

    requisition = services.requisitions.list(caseworker).items[0]
    assert requisition.question == "Hvordan får vi tolk til et forældremøde?"
    assert requisition.number in transport.last_message().text
    assert not transport.named("sendChatAction")  # the documents were not asked


async def test_rekvirer_without_a_question_explains_how(
    application: Application, anna: Person, transport: RecordingRequest
) -> None:
    await deliver(application, anna.text("/rekvirer"))

    assert "/rekvirer Hvordan" in transport.last_message().text


async def test_status_lists_open_requisitions_with_their_states(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    await deliver(application, anna.text("/status"))
    assert "ingen åbne" in transport.last_message().text

    created = services.requisitions.create(caseworker, "Hvem betaler tolken?", None).requisition
    await deliver(application, anna.text("/status"))

    assert created.number in transport.last_message().text
    assert "modtaget" in transport.last_message().text


async def test_sprog_en_switches_the_bots_own_words_to_english(
    application: Application, anna: Person, transport: RecordingRequest, services: Services
) -> None:
    await deliver(application, anna.text("/sprog en"))
    assert "English" in transport.last_message().text
    assert services.accounts.get_caseworker("telegram", str(anna.user_id)).language == "en"

    reply = await ask(application, anna, transport, ANSWERABLE)

    assert reply.text.startswith("According to ")
    assert "Send to the task force" in dict(reply.buttons())


async def test_sprog_without_a_choice_shows_the_usage(
    application: Application, anna: Person, transport: RecordingRequest
) -> None:
    await deliver(application, anna.text("/sprog fr"))

    assert "/sprog da" in transport.last_message().text


@pytest.mark.parametrize(("command", "expected"), [("/hjaelp", "Skriv dit spørgsmål"), ("/help", "Write your question")])
async def test_help_in_danish_and_english(
    application: Application, anna: Person, transport: RecordingRequest, command: str, expected: str
) -> None:
    await deliver(application, anna.text(command))

    assert expected in transport.last_message().text


async def test_an_unknown_command_points_to_help(
    application: Application, anna: Person, transport: RecordingRequest
) -> None:
    await deliver(application, anna.text("/foo"))

    assert "/hjaelp" in transport.last_message().text


async def test_a_cpr_number_is_removed_before_the_engine_sees_it_and_the_caseworker_is_told_why(
    application: Application, anna: Person, transport: RecordingRequest, services: Services,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    original = services.engine.ask
    monkeypatch.setattr(services.engine, "ask", lambda question, **kw: seen.append(question) or original(question, **kw))

    await deliver(application, anna.text("Borgeren 010190-1234 har tlf 33 66 28 51, hvor mange rådgivere har task forcen?"))

    assert seen and "010190" not in seen[0] and "33 66" not in seen[0] and "[CPR]" in seen[0]
    assert transport.named("deleteMessage"), "the message with the CPR number is removed from the chat"
    reply = transport.last_message()
    assert "CPR-nummer" in reply.text and "telefonnummer" in reply.text
    assert "010190" not in str(transport.calls)


async def test_a_cpr_number_never_reaches_a_requisition(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    await deliver(application, anna.text("/rekvirer Hvad gør vi for borger 0101901234?"))

    requisition = services.requisitions.list(caseworker).items[0]
    assert "0101901234" not in requisition.question
    assert "CPR-nummer" in transport.last_message().text


@pytest.mark.parametrize("content", [
    {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
    {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}},
    {"sticker": {"file_id": "s1", "file_unique_id": "u3", "type": "regular", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False}},
    {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "sag.pdf"}},
], ids=["photo", "voice", "sticker", "document"])
async def test_what_is_not_text_gets_a_short_explanation(
    application: Application, anna: Person, transport: RecordingRequest, content: dict
) -> None:
    await deliver(application, anna.message(**content))

    assert "kun læse tekst" in transport.last_message().text
    assert not transport.named("sendChatAction")


async def test_an_edited_message_is_not_answered_again(
    application: Application, anna: Person, transport: RecordingRequest
) -> None:
    await deliver(application, anna.edited(ANSWERABLE))

    assert [call.method for call in transport.calls] == ["sendMessage"]
    assert "rettede" in transport.last_message().text


async def test_a_very_long_message_is_explained_not_answered(
    application: Application, anna: Person, transport: RecordingRequest, services: Services
) -> None:
    await deliver(application, anna.text("Hvad " * 500))

    assert "for lang" in transport.last_message().text
    assert not any(m.buttons() for m in transport.messages())  # not answered


async def test_a_flood_gets_one_polite_warning_and_then_silence(
    application: Application, anna: Person, transport: RecordingRequest, settings
) -> None:
    for _ in range(settings.telegram_rate_limit):
        await deliver(application, anna.text("Hej"))
    transport.clear()

    for _ in range(5):
        await deliver(application, anna.text("Hej"))

    assert len(transport.messages()) == 1
    assert "hurtigere" in transport.last_message().text and "faster" in transport.last_message().text


async def test_a_failing_handler_is_logged_with_context_and_the_caseworker_asked_to_try_again(
    application: Application, anna: Person, transport: RecordingRequest, services: Services,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(question: str, **kw):
        raise RuntimeError("index went away")

    monkeypatch.setattr(services.engine, "ask", broken)
    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram"):
        await deliver(application, anna.text(ANSWERABLE))

    record = next(r for r in caplog.records if r.name == "bot.channels.telegram.handlers")
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
    assert "message" in record.getMessage() and str(anna.user_id) in record.getMessage()
    assert ANSWERABLE not in caplog.text  # the question itself is not logged
    assert "Prøv igen" in transport.last_message().text

