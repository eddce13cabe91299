"""Where a caseworker's message goes, and what she sees, around routing, information requests, long pastes, the
flood limit and the smaller things a good chat bot gets right (`/status`, similar requisitions, the menu, "Hej")."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram.ext import Application
from telegram_fakes import Call, Person, RecordingRequest, deliver
from telegram_setup import ANSWERABLE, UNANSWERABLE, answer_from_the_task_force

from bot import answer_memory as memory_module
from bot.channels.telegram import handlers
from bot.channels.telegram.ratelimit import tap_limit
from bot.core.settings import Settings
from bot.people.actors import SYSTEM, Caseworker
from bot.services import Services

PASSWORD = "lang-og-sikker-kode-til-test-42"


async def ask(application: Application, anna: Person, transport: RecordingRequest, question: str) -> Call:
    await deliver(application, anna.text(question))
    return transport.last_message()


async def start_route(application: Application, anna: Person, transport: RecordingRequest) -> tuple[Call, Call]:
    """Ask the unanswerable question and press "Send til task forcen": (the answer, the prompt for context)."""
    answer = await ask(application, anna, transport, UNANSWERABLE)
    await deliver(application, anna.press(dict(answer.buttons())["Send til task forcen"], on=answer))
    return answer, transport.last_message()


# ------------------------------------------------------------------------------------------ routing state (5)


async def test_the_route_prompt_says_what_the_next_message_does_and_how_to_leave(
    application: Application, anna: Person, transport: RecordingRequest, caseworker: Caseworker
) -> None:
    _, prompt = await start_route(application, anna, transport)

    assert "Din næste besked bliver sendt med som kontekst" in prompt.text
    assert "med ?" in prompt.text and "15 minutter" in prompt.text
    assert [label for label, _ in prompt.buttons()] == ["Send uden kontekst", "Fortryd"]


async def test_a_question_after_send_to_the_task_force_is_answered_not_taken_as_context(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    _, prompt = await start_route(application, anna, transport)
    transport.clear()

    reply = await ask(application, anna, transport, "Hvor mange rådgivere har task forcen?")

    assert services.requisitions.list(caseworker).total == 0
    assert "nyt spørgsmål" in reply.text and "Ifølge" in reply.text and reply.buttons()
    [cleared] = transport.named("editMessageReplyMarkup")
    assert cleared.params["message_id"] == prompt.result["message_id"] and not cleared.buttons()


async def test_a_question_without_a_question_mark_also_leaves_the_route(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    await start_route(application, anna, transport)

    reply = await ask(application, anna, transport, "Hvor mange rådgivere har task forcen")

    assert services.requisitions.list(caseworker).total == 0
    assert "nyt spørgsmål" in reply.text and "Ifølge" in reply.text


async def test_when_the_wait_for_context_runs_out_the_prompt_goes_and_the_bot_says_so(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, prompt = await start_route(application, anna, transport)
    later = memory_module._now() + timedelta(seconds=memory_module.ROUTE_WAIT_SECONDS + 1)
    monkeypatch.setattr(memory_module, "_now", lambda: later)
    transport.clear()

    reply = await ask(application, anna, transport, "Det gælder en familie i Nordvest")

    assert services.requisitions.list(caseworker).total == 0
    assert "ventede 15 minutter" in reply.text and "ikke sendt til task forcen" in reply.text
    [cleared] = transport.named("editMessageReplyMarkup")
    assert cleared.params["message_id"] == prompt.result["message_id"] and not cleared.buttons()


async def test_the_prompts_buttons_go_once_the_context_is_given(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    _, prompt = await start_route(application, anna, transport)

    await deliver(application, anna.text("Det gælder en familie i Nordvest"))

    assert services.requisitions.list(caseworker).total == 1
    edits = [c for c in transport.named("editMessageReplyMarkup") if c.params["message_id"] == prompt.result["message_id"]]
    assert edits and not edits[-1].buttons()


async def test_an_update_telegram_delivers_again_makes_no_second_requisition(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    """After a crash Telegram hands out the same update again: the requisition its message made is found, not
    made twice (the message is the requisition's idempotency key), and the reply it already had is not sent again."""
    await start_route(application, anna, transport)
    context = anna.text("Det gælder en familie i Nordvest")
    await deliver(application, context)
    first = transport.last_message().text
    await start_route(application, anna, transport)  # the restarted bot has a route waiting again
    await deliver(application, context)

    page = services.requisitions.list(caseworker)
    assert page.total == 1 and page.items[0].number in first
    assert sum("Sendt til task forcen" in call.text for call in transport.named("sendMessage")) == 1


async def test_information_for_the_one_open_request_needs_no_reply_gesture(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    adviser = services.accounts.create_user(SYSTEM, "raadgiver1", PASSWORD, "adviser")
    requisition = services.requisitions.create(caseworker, "Hvem betaler tolken?", None).requisition
    services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
    services.requisitions.start(adviser, requisition.id)
    services.requisitions.ask_for_info(adviser, requisition.id, "Hvilket sprog skal der tolkes til?")

    reply = await ask(application, anna, transport, "Tigrinya, borgeren taler ikke dansk")  # typed, not replied

    updated = services.requisitions.get(SYSTEM, requisition.id)
    assert updated.status == "in_progress" and "Tigrinya" in (updated.context or "")
    assert requisition.number in reply.text and "spørgsmålstegn" in reply.text
    # A question is still a question, even while the request is open.
    answer = await ask(application, anna, transport, ANSWERABLE)
    assert answer.text.startswith("Ifølge")


# ------------------------------------------------------------------------------------------ flood limit (3)


async def test_a_normal_session_of_questions_taps_and_commands_never_meets_the_flood_limit(
    application: Application, anna: Person, transport: RecordingRequest, settings: Settings, caseworker: Caseworker
) -> None:
    assert settings.telegram_rate_limit == 8
    for _ in range(3):
        answer = await ask(application, anna, transport, ANSWERABLE)
        await deliver(application, anna.press(dict(answer.buttons())["👍"], on=answer))
        answer, prompt = await start_route(application, anna, transport)
        await deliver(application, anna.press(dict(prompt.buttons())["Fortryd"], on=prompt))
        await deliver(application, anna.text("/status"))
        await deliver(application, anna.text("/hjaelp"))

    assert not any("hurtigere" in m.text for m in transport.messages())


async def test_taps_and_commands_have_a_cap_of_their_own_that_still_answers_questions(
    application: Application, anna: Person, transport: RecordingRequest, settings: Settings, caseworker: Caseworker
) -> None:
    """Taps and commands are free of the answer limit, not unlimited: past their generous cap the bot says once to
    slow down and drops the rest, while a question still costs only its own window."""
    for _ in range(tap_limit(settings.telegram_rate_limit)):
        await deliver(application, anna.text("/hjaelp"))
    assert not any("hurtigere" in m.text for m in transport.messages())

    await deliver(application, anna.text("/hjaelp"))
    await deliver(application, anna.text("/hjaelp"))
    assert sum("hurtigere" in m.text for m in transport.messages()) == 1

    answer = await ask(application, anna, transport, ANSWERABLE)
    assert "Ifølge" in answer.text


# ------------------------------------------------------------------------------------------ long pastes (4)


async def test_a_long_paste_telegram_splits_in_two_is_one_message(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    paste = ("Borgeren har brug for tolk til et møde om boligsituationen, og familien ønsker hjælp. " * 60)[:5000]

    await deliver(application, anna.text(paste[:4096]))
    assert not transport.messages()  # the first part waits for the rest
    await deliver(application, anna.text(paste[4096:]))

    [reply] = transport.messages()
    assert "for lang (5000 tegn" in reply.text and not reply.buttons()


async def test_a_first_part_with_no_second_is_answered_once_the_window_has_passed(
    application: Application, anna: Person, transport: RecordingRequest, caseworker: Caseworker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handlers, "PASTE_WINDOW_SECONDS", 0.05)
    text = ("Borgeren har brug for tolk til et møde om boligsituationen, og familien ønsker hjælp. " * 60)[:4096]

    await deliver(application, anna.text(text))
    for _ in range(100):  # the window's timer runs in the background
        if transport.messages():
            break
        await asyncio.sleep(0.05)

    [reply] = transport.messages()
    assert "for lang (4096 tegn" in reply.text


# ------------------------------------------------------------------------------------------ smaller ones (7)


async def test_status_lists_only_requisitions_still_open(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    answered = answer_from_the_task_force(services, caseworker, "Skolen betaler.")
    waiting = services.requisitions.create(caseworker, "Hvem betaler tolken i skolen?", None).requisition.number

    reply = await ask(application, anna, transport, "/status")

    assert waiting in reply.text and answered not in reply.text


async def test_similar_requisitions_of_other_caseworkers_are_mentioned_without_their_numbers(
    application: Application, anna: Person, transport: RecordingRequest, services: Services, caseworker: Caseworker
) -> None:
    colleague = services.accounts.register_caseworker(SYSTEM, channel="web", external_id="key:b", display_name="Bo",
                                                      department="Socialforvaltningen")
    theirs = services.requisitions.create(colleague, UNANSWERABLE, None).requisition.number
    _, prompt = await start_route(application, anna, transport)

    await deliver(application, anna.press(dict(prompt.buttons())["Send uden kontekst"], on=prompt))

    confirmation = transport.last_message().text
    assert theirs not in confirmation and "Et lignende spørgsmål ligger allerede hos task forcen" in confirmation


async def test_the_command_menu_is_set_in_danish_and_english(
    application: Application, transport: RecordingRequest
) -> None:
    await application.post_init(application)

    menus = {c.params.get("language_code"): c.params["commands"] for c in transport.named("setMyCommands")}
    assert set(menus) == {None, "en"}
    assert [c["command"] for c in menus[None]] == [c["command"] for c in menus["en"]] == ["hjaelp", "status", "rekvirer", "sprog"]
    assert menus[None][1]["description"] == "Dine åbne rekvisitioner" and menus["en"][1]["description"] == "Your open requisitions"


@pytest.mark.parametrize("greeting", ["Hej", "👍", "tak"])
async def test_a_greeting_gets_a_short_help_not_passages(
    application: Application, anna: Person, transport: RecordingRequest, caseworker: Caseworker, greeting: str
) -> None:
    reply = await ask(application, anna, transport, greeting)

    assert reply.text.startswith("Hej! Stil mig et spørgsmål") and "<blockquote" not in reply.text
    assert "Venlig hilsen" not in reply.text and not reply.buttons()
