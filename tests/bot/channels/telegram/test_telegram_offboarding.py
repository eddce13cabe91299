"""A caseworker the coordinator deactivated is a stranger to the bot from their next message: refused, not
answered, and neither the allowlist nor a new invite registers them again."""

from __future__ import annotations

from telegram.ext import Application
from telegram_fakes import Person, RecordingRequest, deliver
from telegram_setup import ANSWERABLE

from bot.people.actors import SYSTEM
from bot.services import Services


async def test_a_deactivated_caseworker_is_refused_from_the_next_message(
    application: Application, anna: Person, transport: RecordingRequest, services: Services
) -> None:
    invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
    await deliver(application, anna.text(f"/start {invite.code}"))
    caseworker = services.accounts.get_caseworker("telegram", str(anna.user_id))
    assert caseworker is not None

    services.accounts.deactivate_caseworker(SYSTEM, caseworker.id)
    await deliver(application, anna.text(ANSWERABLE))
    assert "kun for registrerede sagsbehandlere" in transport.last_message().text

    again = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
    await deliver(application, anna.text(f"/start {again.code}"))
    assert "ugyldig" in transport.last_message().text
    assert services.accounts.get_caseworker("telegram", str(anna.user_id)) is None


async def test_the_allowlist_does_not_bring_a_deactivated_caseworker_back(
    application: Application, transport: RecordingRequest, services: Services
) -> None:
    services.settings.telegram_allowlist.append(5152)
    try:
        await deliver(application, Person(user_id=5152).text(ANSWERABLE))
        caseworker = services.accounts.get_caseworker("telegram", "5152")
        assert caseworker is not None
        services.accounts.deactivate_caseworker(SYSTEM, caseworker.id)
        await deliver(application, Person(user_id=5152).text(ANSWERABLE))
    finally:
        services.settings.telegram_allowlist.remove(5152)

    assert "kun for registrerede sagsbehandlere" in transport.last_message().text
    assert services.accounts.get_caseworker("telegram", "5152") is None
