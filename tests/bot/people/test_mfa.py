"""The staff second factor (issue 17): TOTP codes from pyotp, each time step once, recovery codes once, reset audited."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from bot.core.errors import InvalidInput, PermissionDenied
from bot.people import mfa
from bot.people.actors import SYSTEM
from bot.storage.models import AuditRow, StaffUserRow

PASSWORD = "lang-og-sikker-kode-42"


def test_enrolment_needs_a_right_code_and_gives_recovery_codes_kept_hashed(accounts, people, clock, database) -> None:  # type: ignore[no-untyped-def]
    secret = mfa.new_secret()
    with pytest.raises(InvalidInput, match="does not match"):
        accounts.mfa.enrol(people.adviser, people.adviser.id, secret, "000000")
    assert not accounts.mfa.is_enrolled(people.adviser.id)
    codes = accounts.mfa.enrol(people.adviser, people.adviser.id, secret, pyotp.TOTP(secret).at(clock()))
    assert len(codes) == 10 and len(set(codes)) == 10 and accounts.mfa.is_enrolled(people.adviser.id)
    assert all(len(code.replace("-", "")) == mfa.RECOVERY_LENGTH for code in codes)  # 119 bits: SHA-256 may keep them
    stored = database.run(lambda s: s.get(StaffUserRow, people.adviser.id).mfa_recovery_hashes, readonly=True)
    assert all(code not in str(stored) and code.replace("-", "") not in str(stored) for code in codes)
    svg = mfa.qr_svg(secret, "raadgiver1")  # drawn here: inline SVG, nothing fetched (the only URL is the namespace)
    assert svg.startswith("<svg") and svg.count("http") == 1 and "<script" not in svg


def test_a_code_works_once_and_a_recovery_code_once(accounts, people, clock) -> None:  # type: ignore[no-untyped-def]
    secret = mfa.new_secret()
    totp = pyotp.TOTP(secret)
    codes = accounts.mfa.enrol(people.adviser, people.adviser.id, secret, totp.at(clock()))
    clock.advance(seconds=60)
    now = totp.at(clock())
    assert accounts.mfa.verify(people.adviser.id, now, address="10.0.0.1")
    assert not accounts.mfa.verify(people.adviser.id, now, address="10.0.0.1")  # replayed
    assert not accounts.mfa.verify(people.adviser.id, "123456" if now != "123456" else "654321", address="10.0.0.1")
    assert accounts.mfa.verify(people.adviser.id, codes[0].upper(), address="10.0.0.1")
    assert not accounts.mfa.verify(people.adviser.id, codes[0], address="10.0.0.1")  # spent
    assert accounts.mfa.verify(people.adviser.id, codes[1], address="10.0.0.1")


def test_reset_is_for_the_coordinator_and_audited(accounts, people, clock, database) -> None:  # type: ignore[no-untyped-def]
    secret = mfa.new_secret()
    accounts.mfa.enrol(people.adviser, people.adviser.id, secret, pyotp.TOTP(secret).at(clock()))
    with pytest.raises(PermissionDenied):
        accounts.mfa.reset(people.other_adviser, "raadgiver1")
    accounts.mfa.reset(people.coordinator, "raadgiver1")
    assert not accounts.mfa.is_enrolled(people.adviser.id)
    actions = database.run(lambda s: [r.action for r in s.execute(select(AuditRow)).scalars()], readonly=True)
    assert "user.mfa_enrol" in actions and "user.mfa_reset" in actions


def test_sign_in_says_a_code_must_follow(accounts, people, clock) -> None:  # type: ignore[no-untyped-def]
    accounts.create_user(SYSTEM, "eva", PASSWORD, "adviser")
    assert not accounts.sign_in("eva", PASSWORD).mfa_enrolled  # type: ignore[union-attr]
    user = accounts.get_user_by_name("eva")
    secret = mfa.new_secret()
    accounts.mfa.enrol(user, user.id, secret, pyotp.TOTP(secret).at(clock()))
    assert accounts.sign_in("eva", PASSWORD).mfa_enrolled  # type: ignore[union-attr]


def test_mfa_is_required_by_default_except_in_development_mode(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.core.settings import Settings

    monkeypatch.delenv("VEJVISER_REQUIRE_MFA", raising=False)
    monkeypatch.delenv("VEJVISER_DEVELOPMENT", raising=False)
    assert Settings(_env_file=None, data_dir=tmp_path).mfa_required
    assert not Settings(_env_file=None, data_dir=tmp_path, development=True).mfa_required
    assert Settings(_env_file=None, data_dir=tmp_path, development=True, require_mfa=True).mfa_required
    assert not Settings(_env_file=None, data_dir=tmp_path, require_mfa=False).mfa_required
