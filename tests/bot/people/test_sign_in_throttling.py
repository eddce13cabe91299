"""Sign-in throttling (issue 17): growing waits counted in the database instead of a lockout, on SQLite and
PostgreSQL; an attacker's failures cannot keep the right person out; one-time passwords must be changed."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput, Throttled
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM
from bot.people.invites import INVITE_ALPHABET
from bot.people.throttling import KEY_ADDRESS_FACTOR, key_subject, wait_seconds
from tests.bot.conftest import FAST_HASHER

PASSWORD = "lang-og-sikker-kode-42"
WRONG = "forkert kodeord her"


def fail(accounts: AccountService, username: str, address: str, times: int, clock) -> None:  # type: ignore[no-untyped-def]
    """`times` wrong passwords, each after any wait has passed (a patient attacker)."""
    for _ in range(times):
        clock.advance(seconds=accounts.retry_after(username, address) + 1)
        assert accounts.authenticate(username, WRONG, address=address) is None


def test_the_wait_doubles_after_the_free_failures_and_is_capped() -> None:
    assert [wait_seconds(n, 5, 30, 900) for n in (0, 4, 5, 6, 7, 20)] == [0, 0, 30, 60, 120, 900]


def test_failures_bring_a_growing_wait_not_a_lockout(accounts, clock, settings) -> None:  # type: ignore[no-untyped-def]
    accounts.create_user(SYSTEM, "anna", PASSWORD, "adviser")
    for _ in range(settings.login_max_failures):
        assert accounts.authenticate("anna", WRONG, address="10.0.0.1") is None
    assert accounts.retry_after("anna", "10.0.0.1") == settings.login_delay_seconds
    with pytest.raises(Throttled) as refused:
        accounts.authenticate("anna", PASSWORD, address="10.0.0.1")  # not even checked while waiting
    assert refused.value.retry_after_seconds == settings.login_delay_seconds
    assert accounts.authenticate("anna", PASSWORD, address="10.0.0.9") is not None  # her other address: no wait
    clock.advance(seconds=settings.login_delay_seconds + 1)
    assert accounts.authenticate("anna", WRONG, address="10.0.0.1") is None
    assert accounts.retry_after("anna", "10.0.0.1") == 2 * settings.login_delay_seconds  # doubled
    clock.advance(seconds=2 * settings.login_delay_seconds + 1)
    assert accounts.authenticate("anna", PASSWORD, address="10.0.0.1") is not None
    assert accounts.retry_after("anna", "10.0.0.1") == 0  # a success starts the count again


def test_an_attackers_failures_do_not_keep_the_coordinator_out(accounts, clock, settings) -> None:  # type: ignore[no-untyped-def]
    accounts.create_user(SYSTEM, "anna", PASSWORD, "coordinator")
    fail(accounts, "anna", "203.0.113.66", 50, clock)  # one address, patiently
    for i in range(50):  # and a botnet: fifty addresses
        fail(accounts, "anna", f"198.51.100.{i}", 1, clock)
    signed_in = accounts.sign_in("anna", PASSWORD, address="10.0.0.1", known_device=True)
    assert signed_in is not None and signed_in.failures_since_last == 100  # she is told
    assert accounts.sign_in("anna", PASSWORD, address="10.0.0.1", known_device=True).failures_since_last == 0  # type: ignore[union-attr]
    # Failures for her name from everywhere slow down a browser she never signed in from, for a while only ...
    clock.advance(seconds=1)
    for i in range(settings.login_max_failures * 4):
        accounts.authenticate("anna", WRONG, address=f"192.0.2.{i}")
    with pytest.raises(Throttled):
        accounts.authenticate("anna", PASSWORD, address="10.0.0.2")
    # ... and never the browser she used before.
    assert accounts.authenticate("anna", PASSWORD, address="10.0.0.1", known_device=True) is not None
    clock.advance(seconds=settings.login_delay_seconds + 1)
    assert accounts.authenticate("anna", PASSWORD, address="10.0.0.2") is not None


def test_many_failures_from_one_address_slow_that_address_only(accounts, settings) -> None:  # type: ignore[no-untyped-def]
    for i in range(settings.login_max_failures * 4):
        accounts.authenticate(f"guess{i}", WRONG, address="192.0.2.7")
    assert accounts.is_rate_limited("someone", "192.0.2.7")
    assert not accounts.is_rate_limited("someone", "192.0.2.8")


def test_the_counts_are_shared_by_every_worker(database, settings, clock) -> None:  # type: ignore[no-untyped-def]
    first = AccountService(database, settings, clock=clock, password_hasher=FAST_HASHER)
    second = AccountService(database, settings, clock=clock, password_hasher=FAST_HASHER)
    first.create_user(SYSTEM, "anna", PASSWORD, "adviser")
    for service in (first, second, first, second, first):  # login_max_failures = 5, split over two workers
        service.authenticate("anna", WRONG, address="10.0.0.1")
    with pytest.raises(Throttled):
        first.authenticate("anna", PASSWORD, address="10.0.0.1")
    with pytest.raises(Throttled):
        second.authenticate("anna", PASSWORD, address="10.0.0.1")


def test_old_attempts_and_their_addresses_are_purged(accounts, clock, settings, database) -> None:  # type: ignore[no-untyped-def]
    accounts.authenticate("anna", WRONG, address="10.0.0.1")
    clock.advance(hours=settings.login_window_hours + 1)
    accounts.authenticate("bo", WRONG, address="10.0.0.2")
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT username, address FROM login_attempts").all()
    assert [tuple(row) for row in rows] == [("bo", "10.0.0.2")]


def test_caseworker_keys_are_throttled_per_prefix_and_address_not_per_office(accounts, settings) -> None:  # type: ignore[no-untyped-def]
    office = "10.20.30.40"  # one NAT address for a whole office
    sara = accounts.register_caseworker(SYSTEM, channel="web", external_id="key:sara", display_name="Sara", department="SOF")
    for _ in range(settings.login_max_failures):
        assert accounts.sign_in_caseworker("", subject=key_subject("vk-typo1-xyz"), address=office) is None
    with pytest.raises(Throttled):
        accounts.sign_in_caseworker("", subject=key_subject("vk-typo1-xyz"), address=office)
    # Her colleague at the next desk, same address, different key: signs in.
    assert accounts.sign_in_caseworker("key:sara", subject=key_subject("vk-sara-123"), address=office) == sara
    # Only a flood of different keys from one address reaches the office's (much higher) ceiling.
    for i in range(settings.login_max_failures * (KEY_ADDRESS_FACTOR - 1)):  # with the 5 above: the ceiling
        accounts.sign_in_caseworker("", subject=f"vk-{i:05d}", address=office)
    with pytest.raises(Throttled):
        accounts.sign_in_caseworker("key:sara", subject=key_subject("vk-sara-123"), address=office)
    assert accounts.sign_in_caseworker("key:sara", subject=key_subject("vk-sara-123"), address="10.9.9.9") == sara


def test_invite_guessing_is_throttled_per_address(accounts, settings) -> None:  # type: ignore[no-untyped-def]
    invite = accounts.create_invite(SYSTEM, "SOF")
    for i in range(settings.login_max_failures * 4):
        with pytest.raises(InvalidInput):
            accounts.redeem_invite(f"{INVITE_ALPHABET[i]}Z{i:02d}-AAAA-BBBB", channel="web", external_id=f"key:{i}", display_name="X",
                                   address="192.0.2.50")
    with pytest.raises(Throttled):
        accounts.redeem_invite(invite.code, channel="web", external_id="key:y", display_name="Y", address="192.0.2.50")
    assert accounts.redeem_invite(invite.code, channel="web", external_id="key:y", display_name="Y",
                                  address="192.0.2.51").department == "SOF"


def test_one_time_passwords_must_be_changed(accounts, people) -> None:  # type: ignore[no-untyped-def]
    adviser = accounts.create_user(people.coordinator, "eva", PASSWORD, "adviser", one_time=True)
    assert accounts.sign_in("eva", PASSWORD).must_change_password  # type: ignore[union-attr]
    accounts.set_password(adviser, adviser.id, "et helt nyt kodeord her")
    assert not accounts.sign_in("eva", "et helt nyt kodeord her").must_change_password  # type: ignore[union-attr]
    accounts.set_password(people.coordinator, adviser.id, "koordinatoren valgte dette")  # reset by someone else
    assert accounts.must_change_password(adviser.id)


def test_a_printed_first_coordinator_password_is_one_time(accounts) -> None:  # type: ignore[no-untyped-def]
    printed = accounts.ensure_coordinator()
    assert printed is not None
    assert accounts.sign_in("coordinator", printed).must_change_password  # type: ignore[union-attr]
