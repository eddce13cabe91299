"""Accounts: staff users and their passwords, caseworkers and invites, API tokens, web sessions, as one service.

Secrets are never stored: passwords as argon2id hashes, invite codes, API tokens and session tokens
as sha256 hashes (they are long and random, so a fast hash suffices); each secret is returned once,
when it is made. Every change is one transaction with an audit entry. Each noun is its own module
(staff.py, passwords.py, caseworkers.py, invites.py, tokens.py, sessions.py); this one puts them together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from argon2 import PasswordHasher

from bot.core.settings import Settings
from bot.people.invites import Invites
from bot.people.mfa import SecondFactor
from bot.people.sessions import WebSessions
from bot.people.staff import StaffUsers
from bot.people.throttling import SignInThrottle
from bot.people.tokens import ApiToken, ApiTokens
from bot.storage.db import Database


class AccountService(StaffUsers, Invites, ApiTokens, WebSessions):
    """Staff users, caseworkers, invites, API tokens and web sessions; see docs/SERVICE.md."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(UTC))
        # argon2id with the library's RFC 9106 defaults; tests pass a cheaper one.
        self.hasher = password_hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        # Tokens this process verified against the database lately: used only while the database is down, so
        # /api/ask keeps answering from the index during an outage (bounded in age and count).
        self._verified_tokens: dict[str, tuple[ApiToken, float]] = {}
        self.throttle = SignInThrottle(database, settings, lambda: self.clock())
        self.mfa = SecondFactor(database, self.throttle)
