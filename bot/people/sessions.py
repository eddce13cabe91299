"""Web sessions: a cookie's token (only its hash is kept), idle and absolute timeouts, sign-out everywhere."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput, NotFound
from bot.people.actors import Caseworker, StaffUser
from bot.people.base import secret_hash
from bot.people.caseworkers import Caseworkers, caseworker_view
from bot.people.staff import user_view
from bot.storage.models import CaseworkerRow, StaffUserRow, WebSessionRow


@dataclass(frozen=True)
class WebSession:
    """A live web session of a staff user (`user`) or a caseworker (`caseworker`)."""

    id: int
    user: StaffUser | None
    caseworker: Caseworker | None
    csrf_token: str
    created_at: datetime
    last_seen: datetime
    must_change_password: bool = False  # staff signed in with a one-time password: only /password until changed
    mfa_missing: bool = False  # staff without a second factor where one is required: only enrolment until set up


@dataclass(frozen=True)
class IssuedSession:
    """A new web session: put `token` in the cookie; only its hash is kept."""

    token: str
    session: WebSession


class WebSessions(Caseworkers):
    """Web sessions of staff users and caseworkers."""

    def create_session(self, *, user_id: int | None = None, caseworker_id: int | None = None) -> IssuedSession:
        """A session for a staff user or a caseworker who just proved who they are."""
        if (user_id is None) == (caseworker_id is None):
            raise InvalidInput("A session belongs to exactly one staff user or one caseworker.")
        token = secrets.token_urlsafe(32)

        def work(session: Session) -> IssuedSession:
            if user_id is not None:
                user = session.get(StaffUserRow, user_id)
                if user is None or not user.active:
                    raise NotFound(f"There is no active user with id {user_id}.")
            elif session.get(CaseworkerRow, caseworker_id) is None:
                raise NotFound(f"There is no caseworker with id {caseworker_id}.", key="caseworker_missing", id=caseworker_id)
            now = self.clock()
            row = WebSessionRow(token_hash=secret_hash(token), user_id=user_id, caseworker_id=caseworker_id,
                                csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen=now, revoked=False)
            session.add(row)
            session.flush()
            view = self._session_view(session, row)
            assert view is not None
            return IssuedSession(token=token, session=view)

        return self.database.run(work)

    def get_session(self, token: str) -> WebSession | None:
        """The live session for a cookie value; None when unknown, revoked, idle or too old."""
        return self._find_session(token, touch=False)

    def touch_session(self, token: str) -> WebSession | None:
        """As `get_session`, and marks it as used now (the idle timeout starts again)."""
        return self._find_session(token, touch=True)

    def _find_session(self, token: str, *, touch: bool) -> WebSession | None:
        if not token or len(token) > 200:
            return None
        digest = secret_hash(token)

        def work(session: Session) -> WebSession | None:
            row = session.execute(select(WebSessionRow).where(WebSessionRow.token_hash == digest)).scalar_one_or_none()
            if row is None or row.revoked:
                return None
            now = self.clock()
            if now - row.last_seen > timedelta(minutes=self.settings.session_idle_minutes) or now - row.created_at > timedelta(
                hours=self.settings.session_absolute_hours
            ):
                return None
            view = self._session_view(session, row)
            if view is not None and touch:
                row.last_seen = now
                view = self._session_view(session, row)
            return view

        return self.database.run(work, readonly=not touch)

    def revoke_session(self, token: str) -> None:
        """Log out: the session can never be used again."""
        if not token or len(token) > 200:
            return
        digest = secret_hash(token)
        self.database.run(lambda s: s.execute(update(WebSessionRow).where(WebSessionRow.token_hash == digest).values(revoked=True)))

    def revoke_sessions_of(self, *, user_id: int | None = None, caseworker_id: int | None = None) -> int:
        """Log someone out everywhere; returns how many live sessions ended."""
        if (user_id is None) == (caseworker_id is None):
            raise InvalidInput("Name exactly one staff user or one caseworker.")
        column = WebSessionRow.user_id if user_id is not None else WebSessionRow.caseworker_id
        target = user_id if user_id is not None else caseworker_id

        def work(session: Session) -> int:
            result = session.execute(
                update(WebSessionRow).where(column == target, WebSessionRow.revoked.is_(False)).values(revoked=True)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

        return self.database.run(work)

    def _session_view(self, session: Session, row: WebSessionRow) -> WebSession | None:
        user = caseworker = None
        must_change = mfa_missing = False
        if row.user_id is not None:
            user_row = session.get(StaffUserRow, row.user_id)
            if user_row is None or not user_row.active:
                return None
            user = user_view(user_row)
            must_change = bool(user_row.must_change_password)
            mfa_missing = self.settings.mfa_required and not user_row.mfa_secret
        else:
            cw_row = session.get(CaseworkerRow, row.caseworker_id)
            if cw_row is None or not self._may_sign_in(cw_row):
                return None
            caseworker = caseworker_view(cw_row)
        return WebSession(id=row.id, user=user, caseworker=caseworker, csrf_token=row.csrf_token,
                          created_at=row.created_at, last_seen=row.last_seen, must_change_password=must_change,
                          mfa_missing=mfa_missing)
