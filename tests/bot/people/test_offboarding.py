"""Offboarding in the account service: caseworkers deactivated, invites withdrawn, API tokens revoked; each once in
the audit chain, a second time a no-op, an unknown id a NotFound (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM
from bot.storage import audit
from bot.storage.models import AuditRow


def _actions(database, subject: str) -> list[str]:  # type: ignore[no-untyped-def]
    with database.session(readonly=True) as session:
        return [row.action for row in session.execute(select(AuditRow).where(AuditRow.subject == subject)).scalars()]


def test_a_deactivated_caseworker_is_refused_at_once_everywhere(accounts, people, database) -> None:  # type: ignore[no-untyped-def]
    web = people.other_caseworker
    session = accounts.create_session(caseworker_id=web.id)
    assert accounts.get_caseworker("telegram", "1001") is not None

    first = accounts.deactivate_caseworker(people.coordinator, people.caseworker.id)
    accounts.deactivate_caseworker(people.coordinator, web.id)
    again = accounts.deactivate_caseworker(people.coordinator, web.id)

    assert first.changed and not again.changed
    assert accounts.get_caseworker("telegram", "1001") is None  # the Telegram door looks it up on every update
    assert accounts.get_caseworker("web", "b@kk") is None  # the web key no longer signs in
    assert accounts.get_session(session.token) is None  # and the open web session ended
    assert _actions(database, f"caseworker:{web.id}") == ["caseworker.register", "caseworker.deactivate"]
    listed = {c.id: c.active for c in accounts.list_caseworkers(people.coordinator)}
    assert listed == {people.caseworker.id: False, web.id: False}
    with pytest.raises(InvalidInput, match="deactivated"):  # the allowlist or a new invite does not bring them back
        accounts.register_caseworker(SYSTEM, channel="telegram", external_id="1001", display_name="A", department="SOF")
    invite = accounts.create_invite(SYSTEM, "SOF")
    with pytest.raises(InvalidInput, match="deactivated"):
        accounts.redeem_invite(invite.code, channel="telegram", external_id="1001", display_name="A")
    with database.session(readonly=True) as s:
        assert audit.verify(s).ok


def test_offboarding_is_for_the_coordinator_and_unknown_ids_are_not_found(accounts, people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        accounts.deactivate_caseworker(people.adviser, people.caseworker.id)
    with pytest.raises(PermissionDenied):
        accounts.list_invites(people.adviser)
    with pytest.raises(PermissionDenied):
        accounts.revoke_invite(people.adviser, 1)
    with pytest.raises(NotFound, match="no caseworker with id 999"):
        accounts.deactivate_caseworker(SYSTEM, 999)
    with pytest.raises(NotFound, match="no invite with id 999"):
        accounts.revoke_invite(SYSTEM, 999)
    with pytest.raises(NotFound, match="no API token with id 999"):
        accounts.revoke_token(SYSTEM, 999)


def test_a_withdrawn_invite_cannot_be_redeemed_and_is_listed_as_such(accounts, people, clock, database) -> None:  # type: ignore[no-untyped-def]
    withdrawn = accounts.create_invite(people.coordinator, "SOF")
    used = accounts.create_invite(people.coordinator, "BIF")
    late = accounts.create_invite(people.coordinator, "BIF", valid_days=1)
    accounts.redeem_invite(used.code, channel="telegram", external_id="77", display_name="Kim")

    assert accounts.revoke_invite(people.coordinator, withdrawn.id).changed
    assert not accounts.revoke_invite(people.coordinator, withdrawn.id).changed
    with pytest.raises(InvalidInput, match="withdrawn"):
        accounts.redeem_invite(withdrawn.code, channel="web", external_id="x", display_name="Y")
    with pytest.raises(InvalidInput, match="already used"):
        accounts.revoke_invite(people.coordinator, used.id)
    clock.advance(days=2)
    statuses = {i.id: i.status for i in accounts.list_invites(people.coordinator)}
    assert statuses == {withdrawn.id: "revoked", used.id: "used", late.id: "expired"}
    assert _actions(database, f"invite:{withdrawn.id}") == ["invite.create", "invite.revoke"]


def test_revoking_a_token_twice_is_audited_once(accounts, database) -> None:  # type: ignore[no-untyped-def]
    issued = accounts.create_token(SYSTEM, "eval runner")
    assert accounts.revoke_token(SYSTEM, issued.token.id).changed
    assert not accounts.revoke_token(SYSTEM, issued.token.id).changed
    assert accounts.verify_token(issued.secret) is None
    assert _actions(database, f"token:{issued.token.id}") == ["token.create", "token.revoke"]
    assert [t.revoked for t in accounts.list_tokens(SYSTEM)] == [True]


def test_web_keys_expire_when_a_validity_is_set(database, settings, clock) -> None:  # type: ignore[no-untyped-def]
    expiring = AccountService(database, settings.model_copy(update={"caseworker_key_valid_days": 30}), clock=clock,
                              password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    web = expiring.register_caseworker(SYSTEM, channel="web", external_id="key:abc", display_name="B", department="SOF")
    telegram = expiring.register_caseworker(SYSTEM, channel="telegram", external_id="42", display_name="T", department="SOF")
    clock.advance(days=29)
    assert expiring.get_caseworker("web", "key:abc") == web
    clock.advance(days=2)
    assert expiring.get_caseworker("web", "key:abc") is None
    assert expiring.get_caseworker("telegram", "42") == telegram  # a Telegram account has no key to expire
