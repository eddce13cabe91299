"""What every part of the account service shares: its collaborators, the coordinator check, the audit entry,
and how a secret is kept (sha256: invite codes, API tokens and session tokens are long and random, so a fast
hash suffices; passwords are argon2id, bot/people/passwords.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from bot.core.errors import PermissionDenied
from bot.core.settings import Settings
from bot.people.actors import Actor, actor_label, is_privileged
from bot.people.mfa import SecondFactor
from bot.people.throttling import SignInThrottle
from bot.storage import audit
from bot.storage.db import Database


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Revoked:
    """The outcome of an idempotent revocation: `changed` is False when it had already been done (nothing audited)."""

    id: int
    changed: bool


class AccountsBase:
    """The state `AccountService.__init__` sets up, and the two helpers every part uses."""

    database: Database
    settings: Settings
    clock: Callable[[], datetime]
    hasher: PasswordHasher
    throttle: SignInThrottle
    mfa: SecondFactor

    def _require_coordinator(self, actor: Actor) -> None:
        if not is_privileged(actor):
            raise PermissionDenied("Only the task-force coordinator can do this.", key="coordinator_only")

    def _audit(self, session: Session, actor: Actor | str, action: str, subject: str, details: dict[str, object]) -> None:
        label = actor if isinstance(actor, str) else actor_label(actor)
        audit.append(session, actor=label, action=action, subject=subject, details=details, at=self.clock())
