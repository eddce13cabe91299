"""The staff second factor: TOTP (RFC 6238, pyotp) with a QR code drawn locally (segno), and recovery codes.

The secret is stored once enrolment is confirmed with a first code; recovery codes are shown once and kept as
SHA-256 hashes (they are long and random), each usable once. A TOTP time step is accepted once (no replay).
Wrong codes are throttled like passwords (bot/people/throttling.py, kind "mfa").
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.people.actors import Actor, actor_label, is_privileged
from bot.people.throttling import SignInThrottle
from bot.storage import audit
from bot.storage.db import Database
from bot.storage.models import StaffUserRow, WebSessionRow

ISSUER = "Vejviser"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_LENGTH = 24  # 31 letters: 119 bits, so a plain SHA-256 is an allowed store (ASVS 5.0 6.5.2: >= 112 bits)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _normal(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits) for an enrolment page."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(secret: str, username: str) -> str:
    """The QR code as inline SVG, drawn here: no image service ever sees the secret."""
    out = io.BytesIO()
    segno.make(provisioning_uri(secret, username), error="m").save(out, kind="svg", scale=4, xmldecl=False,
                                                                    svgns=True, title="TOTP")
    return out.getvalue().decode()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side for a slow typist or clock) whose code this is."""
    totp = pyotp.TOTP(secret)
    if not (code.isdigit() and len(code) == 6):
        return None
    here = totp.timecode(now)
    for step in (here - 1, here, here + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


class SecondFactor:
    """Enrol, check and reset the TOTP second factor of staff users."""

    def __init__(self, database: Database, throttle: SignInThrottle) -> None:
        self.database = database
        self.throttle = throttle

    def is_enrolled(self, user_id: int) -> bool:
        """The user has a confirmed TOTP secret."""
        return self.database.run(lambda s: bool((row := s.get(StaffUserRow, user_id)) and row.mfa_secret), readonly=True)

    def enrol(self, user: Actor, user_id: int, secret: str, code: str) -> list[str]:
        """Confirm enrolment with a first code from the app; returns the recovery codes, shown this once."""
        if not (isinstance(secret, str) and len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")):
            raise InvalidInput("The enrolment form is out of date; open the page again.", key="mfa_form_stale")
        step = _matching_step(secret, _normal(code), self.throttle.clock())
        if step is None:
            raise InvalidInput("That code does not match; type the six digits your app shows now.", key="mfa_code")
        codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)]
        shown = ["-".join(c[i : i + 6] for i in range(0, RECOVERY_LENGTH, 6)) for c in codes]

        def work(session: Session) -> None:
            row = session.get(StaffUserRow, user_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no user with id {user_id}.", key="user_missing", id=user_id)
            if row.mfa_secret:
                raise InvalidInput("A second factor is already set up; the coordinator can reset it.", key="mfa_already")
            row.mfa_secret, row.mfa_recovery_hashes = secret, [_sha256(c) for c in codes]
            row.mfa_last_step = step
            self._audit(session, user, "user.mfa_enrol", row.username)

        self.database.run(work)
        return shown

    def verify(self, user_id: int, code: str, *, address: str = "") -> bool:
        """A current TOTP code (each time step once) or an unused recovery code (then spent). Raises `Throttled`."""
        typed = _normal(code)

        def work(session: Session) -> tuple[bool, str]:
            row = session.get(StaffUserRow, user_id, with_for_update=True)
            if row is None or not row.mfa_secret:
                return False, ""
            if typed.isdigit():
                step = _matching_step(row.mfa_secret, typed, self.throttle.clock())
                if step is None or step <= (row.mfa_last_step if row.mfa_last_step is not None else -1):
                    return False, row.username  # wrong, or already used once: a replayed code
                row.mfa_last_step = step
                return True, row.username
            digest = _sha256(typed)
            remaining = list(row.mfa_recovery_hashes or [])
            if digest in remaining:
                remaining.remove(digest)
                row.mfa_recovery_hashes = remaining
                self._audit(session, f"user:{row.username}", "user.mfa_recovery_used", row.username,
                            {"remaining": len(remaining)})
                return True, row.username
            return False, row.username

        name = self.database.run(lambda s: (r := s.get(StaffUserRow, user_id)) and r.username, readonly=True) or ""
        self.throttle.check("mfa", name, address)
        ok, _ = self.database.run(work)
        self.throttle.record_now("mfa", name, address, ok)
        return ok

    def reset(self, actor: Actor, username: str) -> None:
        """Remove a user's second factor (coordinator or operator), e.g. a lost phone; they enrol again."""
        if not is_privileged(actor):
            raise PermissionDenied("Only the task-force coordinator can reset a second factor.", key="coordinator_only")
        name = (username or "").strip().lower()

        def work(session: Session) -> None:
            row = session.execute(select(StaffUserRow).where(StaffUserRow.username == name).with_for_update()).scalar_one_or_none()
            if row is None:
                raise NotFound(f"There is no task-force user '{name}'.")
            row.mfa_secret = row.mfa_recovery_hashes = row.mfa_last_step = None
            session.execute(update(WebSessionRow).where(WebSessionRow.user_id == row.id).values(revoked=True))
            self._audit(session, actor, "user.mfa_reset", name)

        self.database.run(work)

    def _audit(self, session: Session, actor: Actor | str, action: str, username: str,
               details: dict[str, object] | None = None) -> None:
        label = actor if isinstance(actor, str) else actor_label(actor)
        audit.append(session, actor=label, action=action, subject=f"user:{username}", details=details or {},
                     at=self.throttle.clock())
