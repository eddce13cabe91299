"""Who may use the bot: invited caseworkers and the allowlist, in private chats; strangers get one polite refusal."""

from __future__ import annotations

from telegram.ext import Application
from telegram_fakes import BOT_USER, Person, RecordingRequest, deliver
from telegram_setup import ANSWERABLE

from bot.channels.telegram.access import REFUSALS
from bot.people.actors import SYSTEM
from bot.services import Services


async def test_start_with_an_invite_code_registers_the_user_with_the_invites_department(
    application: Application, anna: Person, transport: RecordingRequest, services: Services
) -> None:
    invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")

    await deliver(application, anna.text(f"/start {invite.code}"))

    caseworker = services.accounts.get_caseworker("telegram", str(anna.user_id))
    assert caseworker is not None and caseworker.department == "Socialforvaltningen"
    assert caseworker.display_name == "Anna"
    assert "Velkommen" in transport.last_message().text


async def test_an_invite_code_works_once(
    application: Application, transport: RecordingRequest, services: Services
) -> None:
    invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
    await deliver(application, Person(user_id=1).text(f"/start {invite.code}"))

    await deliver(application, Person(user_id=2).text(f"/start {invite.code}"))

    assert services.accounts.get_caseworker("telegram", "2") is None
    assert "ugyldig" in transport.last_message().text and "invalid" in transport.last_message().text


async def test_a_stranger_gets_one_polite_refusal_in_danish_and_english_and_only_a_counter_is_kept(
    application: Application, transport: RecordingRequest, services: Services
) -> None:
    stranger = Person(user_id=777, first_name="Eve")

    await deliver(application, stranger.text(ANSWERABLE))

    assert [call.method for call in transport.calls] == ["sendMessage"]  # no typing, no answer
    refusal = transport.last_message().text
    assert "kun for registrerede sagsbehandlere" in refusal and "only for registered caseworkers" in refusal
    assert services.accounts.get_caseworker("telegram", "777") is None
    assert application.bot_data[REFUSALS] == 1
    assert 777 not in application.user_data or not application.user_data[777]


async def test_start_without_a_code_from_a_stranger_is_refused(
    application: Application, transport: RecordingRequest, services: Services
) -> None:
    await deliver(application, Person(user_id=778).text("/start"))

    assert "/start KODE" in transport.last_message().text
    assert services.accounts.get_caseworker("telegram", "778") is None


async def test_a_strangers_button_press_is_refused_too(application: Application, transport: RecordingRequest) -> None:
    stranger = Person(user_id=779)
    old_message = {"message_id": 1, "date": 0, "chat": stranger.chat, "text": "an old answer"}

    await deliver(application, stranger.press("a:up:deadbeef", on=old_message))

    assert transport.named("answerCallbackQuery")
    assert "registrerede" in transport.last_message().text


async def test_an_allowlisted_user_is_registered_on_first_contact_and_answered(
    application: Application, transport: RecordingRequest, services: Services
) -> None:
    services.settings.telegram_allowlist.append(5151)
    try:
        await deliver(application, Person(user_id=5151).text(ANSWERABLE))
    finally:
        services.settings.telegram_allowlist.remove(5151)

    caseworker = services.accounts.get_caseworker("telegram", "5151")
    assert caseworker is not None and caseworker.department == services.settings.telegram_allowlist_department
    assert transport.last_message().text.startswith("Ifølge ")


async def test_in_a_group_the_bot_says_it_works_in_private_chat_and_does_nothing_else(
    application: Application, transport: RecordingRequest, services: Services, caseworker
) -> None:
    in_group = Person(user_id=4242, chat_type="group", chat_id=-100555)
    added = {"update_id": 9001, "my_chat_member": {
        "chat": in_group.chat, "from": in_group.user, "date": 0,
        "old_chat_member": {"status": "left", "user": BOT_USER},
        "new_chat_member": {"status": "member", "user": BOT_USER}}}

    await deliver(application, added)
    for text in (f"/rekvirer {ANSWERABLE}", ANSWERABLE, "Hej alle"):
        await deliver(application, in_group.text(text))

    assert [call.method for call in transport.calls] == ["sendMessage"]  # once, when added; never to a message
    assert "privat chat" in transport.last_message().text and "private chat" in transport.last_message().text
    assert services.requisitions.list(caseworker).total == 0
