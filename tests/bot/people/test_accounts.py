"""Accounts: passwords, login rate limits, invites, caseworkers, API tokens, web sessions, first-start bootstrap."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.core.errors import ConfigurationError, InvalidInput, NotFound, PermissionDenied
from bot.core.settings import Settings
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM
from bot.people.passwords import check_password

PASSWORD = "lang-og-sikker-kode-42"


@pytest.mark.parametrize("weak", ["kort", "password1234", "Kobenhavn1234", "aaaaaaaaaaaaaaaa", "123456789012"])
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(InvalidInput):
        check_password(weak)


def test_password_may_not_contain_the_username() -> None:
    with pytest.raises(InvalidInput):
        check_password("anna-er-sej-2026!", "anna")
    check_password("fire uafhængige ord her")


def test_users_are_stored_with_argon2id_and_authenticate(accounts, database) -> None:  # type: ignore[no-untyped-def]
    user = accounts.create_user(SYSTEM, "Anna", PASSWORD, "adviser")
    assert user.username == "anna" and user.role == "adviser" and user.active
    with database.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM staff_users").scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate("ANNA", PASSWORD, address="10.0.0.1") == user
    assert accounts.authenticate("anna", PASSWORD + "x") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    with pytest.raises(InvalidInput):
        accounts.create_user(SYSTEM, "anna", PASSWORD, "adviser")
    with pytest.raises(InvalidInput):
        accounts.create_user(SYSTEM, "bo", PASSWORD, "king")


def test_only_coordinators_manage_users(accounts, people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        accounts.create_user(people.adviser, "eve", PASSWORD, "coordinator")
    with pytest.raises(PermissionDenied):
        accounts.create_invite(people.adviser, "SOF")
    with pytest.raises(PermissionDenied):
        accounts.set_password(people.adviser, people.other_adviser.id, "et helt nyt kodeord her")
    accounts.set_password(people.adviser, people.adviser.id, "et helt nyt kodeord her")
    assert accounts.authenticate("raadgiver1", "et helt nyt kodeord her") is not None


def test_invites_register_a_caseworker_once(accounts, clock) -> None:  # type: ignore[no-untyped-def]
    invite = accounts.create_invite(SYSTEM, "SOF", valid_days=2)
    caseworker = accounts.redeem_invite(invite.code.lower().replace("-", " "), channel="telegram", external_id="555",
                                        display_name="Kim Hansen")
    assert (caseworker.department, caseworker.display_name) == ("SOF", "Kim Hansen")
    assert accounts.get_caseworker("telegram", "555") == caseworker
    with pytest.raises(InvalidInput, match="already been used"):
        accounts.redeem_invite(invite.code, channel="web", external_id="x", display_name="Y")
    late = accounts.create_invite(SYSTEM, "BIF", valid_days=1)
    clock.advance(days=2)
    with pytest.raises(InvalidInput, match="expired"):
        accounts.redeem_invite(late.code, channel="web", external_id="x", display_name="Y")
    with pytest.raises(InvalidInput, match="Unknown"):
        accounts.redeem_invite("AAAA-BBBB-CCCC", channel="web", external_id="x", display_name="Y")
    assert accounts.set_language(caseworker.id, "en").language == "en"
    with pytest.raises(InvalidInput):
        accounts.set_language(caseworker.id, "de")
    with pytest.raises(NotFound):
        accounts.get_caseworker_by_id(999)


def test_api_tokens_are_shown_once_and_can_be_revoked(accounts, database) -> None:  # type: ignore[no-untyped-def]
    issued = accounts.create_token(SYSTEM, "eval runner")
    assert accounts.verify_token(issued.secret) == issued.token
    with database.engine.connect() as connection:
        assert issued.secret not in str(connection.exec_driver_sql("SELECT * FROM api_tokens").all())
    accounts.revoke_token(SYSTEM, issued.token.id)
    assert accounts.verify_token(issued.secret) is None
    assert accounts.verify_token("vv_guess") is None


def test_web_sessions_expire_when_idle_or_old_and_can_be_revoked(accounts, people, clock, settings) -> None:  # type: ignore[no-untyped-def]
    issued = accounts.create_session(user_id=people.coordinator.id)
    assert accounts.get_session(issued.token).user == people.coordinator
    assert len(issued.session.csrf_token) >= 32
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert accounts.touch_session(issued.token) is not None
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert accounts.get_session(issued.token) is not None  # touched: the idle clock restarted
    clock.advance(minutes=2)
    assert accounts.get_session(issued.token) is None  # idle too long

    absolute = accounts.create_session(caseworker_id=people.caseworker.id)
    for _ in range(settings.session_absolute_hours * 3 + 1):
        clock.advance(minutes=20)
        accounts.touch_session(absolute.token)
    assert accounts.get_session(absolute.token) is None  # never idle, but too old

    revoked = accounts.create_session(user_id=people.adviser.id)
    accounts.revoke_session(revoked.token)
    assert accounts.get_session(revoked.token) is None
    deactivated = accounts.create_session(user_id=people.other_adviser.id)
    accounts.set_active(SYSTEM, people.other_adviser.id, False)
    assert accounts.get_session(deactivated.token) is None
    with pytest.raises(InvalidInput):
        accounts.create_session(user_id=people.adviser.id, caseworker_id=people.caseworker.id)


def test_first_start_makes_one_coordinator_with_a_one_time_password(database, settings, clock) -> None:  # type: ignore[no-untyped-def]
    accounts = AccountService(database, settings, clock=clock)
    password = accounts.ensure_coordinator(settings)
    assert password and len(password) >= 20
    assert accounts.authenticate("coordinator", password).role == "coordinator"
    assert accounts.ensure_coordinator(settings) is None  # never again, never printed twice


def test_first_start_takes_a_configured_password_but_refuses_a_weak_one(database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    weak = Settings(_env_file=None, data_dir=tmp_path, coordinator_password=SecretStr("kort-kode"))
    with pytest.raises(ConfigurationError, match="VEJVISER_COORDINATOR_PASSWORD"):
        AccountService(database, weak).ensure_coordinator(weak)
    good = Settings(_env_file=None, data_dir=tmp_path, coordinator_password=SecretStr(PASSWORD))
    accounts = AccountService(database, good)
    assert accounts.ensure_coordinator(good) is None
    assert accounts.authenticate("coordinator", PASSWORD) is not None


def test_the_last_coordinator_cannot_be_deactivated(accounts, people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="last active coordinator"):
        accounts.set_active(SYSTEM, people.coordinator.id, False)
