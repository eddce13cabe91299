"""Invites: one-use codes the coordinator hands out, each registering one caseworker in a department."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.control_chars import strip_controls
from bot.core.errors import InvalidInput, NotFound
from bot.people.actors import Actor, Caseworker, actor_label
from bot.people.base import Revoked, secret_hash
from bot.people.caseworkers import Caseworkers, caseworker_view
from bot.people.throttling import invite_subject
from bot.storage.models import InviteRow

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone
INVITE_LENGTH = 12


@dataclass(frozen=True)
class IssuedInvite:
    """A new invite: give `code` to the caseworker once; only its hash is kept."""

    id: int
    code: str
    department: str
    expires_at: datetime


@dataclass(frozen=True)
class InviteView:
    """An invite as the coordinator lists it (never the code): `status` is open, used, expired or revoked."""

    id: int
    department: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    status: str
    used_by: int | None


def _normalise_invite(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def _invite_view(row: InviteRow, now: datetime) -> InviteView:
    if row.revoked_at is not None:
        status = "revoked"
    elif row.used_by is not None:
        status = "used"
    elif row.expires_at <= now:
        status = "expired"
    else:
        status = "open"
    return InviteView(id=row.id, department=row.department, created_by=row.created_by, created_at=row.created_at,
                      expires_at=row.expires_at, status=status, used_by=row.used_by)


class Invites(Caseworkers):
    """Invites (coordinator): made, listed with their status, withdrawn; redeemed once by a caseworker."""

    def create_invite(self, actor: Actor, department: str, *, valid_days: int | None = None) -> IssuedInvite:
        """A one-use code that registers a caseworker in `department` (coordinator)."""
        self._require_coordinator(actor)
        dept = " ".join(strip_controls(department or "").split())
        if not dept or len(dept) > 200:
            raise InvalidInput("Name the department (at most 200 characters), e.g. --department SOF.", key="department_missing")
        days = self.settings.invite_valid_days if valid_days is None else valid_days
        if not 1 <= days <= 365:
            raise InvalidInput("An invite is valid for 1 to 365 days.", key="invite_days")
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
        shown = "-".join(code[i : i + 4] for i in range(0, INVITE_LENGTH, 4))

        def work(session: Session) -> IssuedInvite:
            now = self.clock()
            row = InviteRow(code_hash=secret_hash(code), department=dept, created_by=actor_label(actor), created_at=now,
                            expires_at=now + timedelta(days=days))
            session.add(row)
            session.flush()
            self._audit(session, actor, "invite.create", f"invite:{row.id}", {"department": dept, "valid_days": days})
            return IssuedInvite(id=row.id, code=shown, department=dept, expires_at=row.expires_at)

        return self.database.run(work)

    def redeem_invite(
        self, code: str, *, channel: str, external_id: str, display_name: str, language: str = "da", address: str = ""
    ) -> Caseworker:
        """Register (or re-register) the caseworker on a channel with the invite's department; the code is used up.

        With a client `address` (the web), wrong codes are throttled per (code prefix, address) and per address
        (`Throttled`); Telegram passes none, its own per-user rate limit applies.
        """
        self._check_caseworker_fields(channel, external_id, display_name, language)
        normalised = _normalise_invite(code or "")
        digest = secret_hash(normalised)
        where, subject = (address or "")[:64], invite_subject(normalised)
        if where:
            self.throttle.check("invite", subject, where)

        def work(session: Session) -> Caseworker:
            invite = session.execute(select(InviteRow).where(InviteRow.code_hash == digest).with_for_update()).scalar_one_or_none()
            now = self.clock()
            if invite is None:
                raise InvalidInput("Unknown invite code: check it, or ask the coordinator for a new one.", key="invite_unknown")
            if invite.revoked_at is not None:
                raise InvalidInput("This invite code was withdrawn by the coordinator; ask them for a new one.", key="invite_withdrawn")
            if invite.used_by is not None:
                raise InvalidInput("This invite code has already been used; ask the coordinator for a new one.", key="invite_used")
            if invite.expires_at <= now:
                raise InvalidInput("This invite code has expired; ask the coordinator for a new one.", key="invite_expired")
            row = self._upsert_caseworker(session, channel, str(external_id), display_name, invite.department, language)
            invite.used_by, invite.used_at = row.id, now
            self._audit(session, f"caseworker:{row.id}", "invite.redeem", f"invite:{invite.id}",
                        {"caseworker": row.id, "channel": channel, "department": invite.department})
            if where:
                self.throttle.record(session, "invite", subject, where, True)
            return caseworker_view(row)

        try:
            return self.database.run(work)
        except InvalidInput:
            if where:
                self.throttle.record_now("invite", subject, where, False)
            raise

    def list_invites(self, actor: Actor) -> tuple[InviteView, ...]:
        """Every invite, newest first, with its status (never the code, which is not kept)."""
        self._require_coordinator(actor)
        now = self.clock()
        query = select(InviteRow).order_by(InviteRow.id.desc())
        return self.database.run(lambda s: tuple(_invite_view(r, now) for r in s.execute(query).scalars()), readonly=True)

    def revoke_invite(self, actor: Actor, invite_id: int) -> Revoked:
        """Withdraw an invite that was handed out but should not be used (coordinator); idempotent.

        A used invite cannot be withdrawn (it already registered someone): deactivate that caseworker instead."""
        self._require_coordinator(actor)

        def work(session: Session) -> Revoked:
            row = session.get(InviteRow, invite_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no invite with id {invite_id}.", key="invite_missing", id=invite_id)
            if row.revoked_at is not None:
                return Revoked(row.id, changed=False)
            if row.used_by is not None:
                raise InvalidInput(f"Invite {row.id} was already used by caseworker {row.used_by}; "
                                   f"deactivate that caseworker instead.", key="invite_used_by", id=row.id, caseworker=row.used_by)
            row.revoked_at = self.clock()
            self._audit(session, actor, "invite.revoke", f"invite:{row.id}", {"department": row.department})
            return Revoked(row.id, changed=True)

        return self.database.run(work)
