"""API tokens: made and revoked by the coordinator, verified on every API call (remembered briefly for an outage)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.control_chars import strip_controls
from bot.core.errors import DatabaseUnavailable, InvalidInput, NotFound
from bot.people.actors import Actor, actor_label
from bot.people.base import AccountsBase, Revoked, secret_hash
from bot.storage.models import ApiTokenRow

MAX_CACHED_TOKENS = 1_000


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


def _token_view(row: ApiTokenRow) -> ApiToken:
    return ApiToken(id=row.id, name=row.name, created_by=row.created_by, created_at=row.created_at, revoked=row.revoked)


class ApiTokens(AccountsBase):
    """API tokens; `_verified_tokens` (set in `AccountService.__init__`) keeps the recently verified ones."""

    _verified_tokens: dict[str, tuple[ApiToken, float]]

    def create_token(self, actor: Actor, name: str) -> IssuedToken:
        """A new API token (coordinator); the secret is returned once."""
        self._require_coordinator(actor)
        label = " ".join(strip_controls(name or "").split())
        if not label or len(label) > 200:
            raise InvalidInput("Give the token a name (at most 200 characters) that says what uses it.", key="token_name")
        secret = "vv_" + secrets.token_urlsafe(32)

        def work(session: Session) -> IssuedToken:
            row = ApiTokenRow(name=label, token_hash=secret_hash(secret), created_by=actor_label(actor), created_at=self.clock(), revoked=False)
            session.add(row)
            session.flush()
            self._audit(session, actor, "token.create", f"token:{row.id}", {"name": label})
            return IssuedToken(token=_token_view(row), secret=secret)

        return self.database.run(work)

    def verify_token(self, secret: str) -> ApiToken | None:
        """The token's record if the secret is known and not revoked."""
        if not secret or len(secret) > 200:
            return None
        digest = secret_hash(secret)

        def work(session: Session) -> ApiToken | None:
            row = session.execute(select(ApiTokenRow).where(ApiTokenRow.token_hash == digest)).scalar_one_or_none()
            return _token_view(row) if row is not None and not row.revoked else None

        try:
            token = self.database.run(work, readonly=True)
        except DatabaseUnavailable:
            cached = self._verified_tokens.get(digest)
            if cached is not None and time.monotonic() - cached[1] <= self.settings.token_outage_grace_seconds:
                return cached[0]
            raise
        if token is None:
            self._verified_tokens.pop(digest, None)
        else:
            if len(self._verified_tokens) >= MAX_CACHED_TOKENS:
                self._verified_tokens.clear()
            self._verified_tokens[digest] = (token, time.monotonic())
        return token

    def revoke_token(self, actor: Actor, token_id: int) -> Revoked:
        """Revoke an API token at once (coordinator); a second revocation changes and audits nothing."""
        self._require_coordinator(actor)

        def work(session: Session) -> Revoked:
            row = session.get(ApiTokenRow, token_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no API token with id {token_id}.", key="token_missing", id=token_id)
            if row.revoked:
                return Revoked(row.id, changed=False)
            row.revoked, row.revoked_at = True, self.clock()
            self._audit(session, actor, "token.revoke", f"token:{row.id}", {"name": row.name})
            return Revoked(row.id, changed=True)

        result = self.database.run(work)
        self._verified_tokens = {k: v for k, v in self._verified_tokens.items() if v[0].id != token_id}
        return result

    def list_tokens(self, actor: Actor) -> tuple[ApiToken, ...]:
        self._require_coordinator(actor)
        return self.database.run(
            lambda s: tuple(_token_view(r) for r in s.execute(select(ApiTokenRow).order_by(ApiTokenRow.id)).scalars()),
            readonly=True,
        )
