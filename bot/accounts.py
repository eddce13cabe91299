"""Accounts: staff users and their passwords, caseworkers and invites, API tokens, web sessions.

Secrets (passwords, invite codes, API tokens, session tokens) are never stored: passwords as
argon2id hashes, the others as sha256 hashes; a secret is returned once, when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from datetime import datetime

from bot.actors import Actor, Caseworker, StaffUser
from bot.db import Database
from bot.settings import Settings


@dataclass(frozen=True)
class IssuedInvite:
    """A new invite: give `code` to the caseworker once; only its hash is kept."""

    id: int
    code: str
    department: str
    expires_at: datetime


@dataclass(frozen=True)
class ApiToken:
    """An API token's record (never the secret)."""

    id: int
    name: str
    created_by: str
    created_at: datetime
    revoked: bool


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: `secret` is shown once."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class WebSession:
    """A live web session of a staff user (`user`) or a caseworker (`caseworker`)."""

    id: int
    user: StaffUser | None
    caseworker: Caseworker | None
    csrf_token: str
    created_at: datetime
    last_seen: datetime


@dataclass(frozen=True)
class IssuedSession:
    """A new web session: put `token` in the cookie; only its hash is kept."""

    token: str
    session: WebSession


class AccountService:
    """Staff users, caseworkers, invites, API tokens and web sessions; see docs/SERVICE.md."""

    def __init__(self, database: Database, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> None: ...

    # Staff users.
    def create_user(self, actor: Actor, username: str, password: str, role: str) -> StaffUser: ...

    def authenticate(self, username: str, password: str, *, address: str = "") -> StaffUser | None: ...

    def is_rate_limited(self, username: str, address: str = "") -> bool: ...

    def get_user(self, user_id: int) -> StaffUser: ...

    def get_user_by_name(self, username: str) -> StaffUser | None: ...

    def list_users(self, actor: Actor) -> tuple[StaffUser, ...]: ...

    def set_password(self, actor: Actor, user_id: int, password: str) -> None: ...

    def set_active(self, actor: Actor, user_id: int, active: bool) -> StaffUser: ...

    def ensure_coordinator(self, settings: Settings | None = None) -> str | None: ...

    # Caseworkers and invites.
    def create_invite(self, actor: Actor, department: str, *, valid_days: int | None = None) -> IssuedInvite: ...

    def redeem_invite(
        self, code: str, *, channel: str, external_id: str, display_name: str, language: str = "da"
    ) -> Caseworker: ...

    def get_caseworker(self, channel: str, external_id: str) -> Caseworker | None: ...

    def get_caseworker_by_id(self, caseworker_id: int) -> Caseworker: ...

    def register_caseworker(
        self, actor: Actor, *, channel: str, external_id: str, display_name: str, department: str, language: str = "da"
    ) -> Caseworker: ...

    def set_language(self, caseworker_id: int, language: str) -> Caseworker: ...

    # API tokens.
    def create_token(self, actor: Actor, name: str) -> IssuedToken: ...

    def verify_token(self, secret: str) -> ApiToken | None: ...

    def revoke_token(self, actor: Actor, token_id: int) -> None: ...

    def list_tokens(self, actor: Actor) -> tuple[ApiToken, ...]: ...

    # Web sessions.
    def create_session(self, *, user_id: int | None = None, caseworker_id: int | None = None) -> IssuedSession: ...

    def get_session(self, token: str) -> WebSession | None: ...

    def touch_session(self, token: str) -> WebSession | None: ...

    def revoke_session(self, token: str) -> None: ...

    def revoke_sessions_of(self, *, user_id: int | None = None, caseworker_id: int | None = None) -> int: ...
