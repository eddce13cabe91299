"""Staff users: the coordinator and the advisers, their sign-in, passwords and activation."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.errors import ConfigurationError, InvalidInput, NotFound, PermissionDenied
from bot.core.settings import Settings
from bot.people.actors import ROLES, Actor, Caseworker, StaffUser, SystemActor, is_privileged
from bot.people.base import AccountsBase
from bot.people.passwords import MAX_PASSWORD_CHARS, check_password
from bot.privacy.redaction import redact
from bot.storage.models import StaffUserRow, WebSessionRow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")


@dataclass(frozen=True)
class SignedIn:
    """A staff user whose password was right: how many failed tries there were since their last sign-in, and
    whether the password they used is a one-time one that must be changed before anything else."""

    user: StaffUser
    failures_since_last: int
    must_change_password: bool
    mfa_enrolled: bool = False  # a TOTP code (or a recovery code) must follow before a session starts


def user_view(row: StaffUserRow) -> StaffUser:
    return StaffUser(id=row.id, username=row.username, role=row.role, active=row.active, created_at=row.created_at)  # type: ignore[arg-type]


def _login_name(username: str | None) -> str:
    """A typed user name as it is looked up and logged: a pasted CPR number or e-mail address is removed, but not
    names, because staff user names are names ("anna") by design."""
    return redact((username or "").strip().lower(), names=False).text[:100]


class StaffUsers(AccountsBase):
    """Staff users: made by the coordinator, signed in with a password (throttled), activated and deactivated."""

    _dummy_hash: str | None  # a hash to verify against for an unknown user name (set in AccountService.__init__)

    def create_user(self, actor: Actor, username: str, password: str, role: str, *, one_time: bool = False) -> StaffUser:
        """A new coordinator or adviser (coordinator only); the password is checked and hashed with argon2id.

        `one_time`: someone else chose the password (printed, handed over), so it must be changed at first sign-in.
        """
        self._require_coordinator(actor)
        name = (username or "").strip().lower()
        if not USERNAME_RE.match(name):
            raise InvalidInput("A username is 2-50 characters: lower-case letters, digits, '.', '_' or '-'.", key="username_form")
        if role not in ROLES:
            raise InvalidInput(f"Unknown role '{role}'; use one of: {', '.join(ROLES)}.", key="role_unknown", role=role)
        check_password(password, name)
        password_hash = self.hasher.hash(password)

        def work(session: Session) -> StaffUser:
            if session.scalar(select(StaffUserRow.id).where(StaffUserRow.username == name)) is not None:
                raise InvalidInput(f"The username '{name}' is taken.", key="username_taken", name=name)
            row = StaffUserRow(username=name, role=role, password_hash=password_hash, active=True, created_at=self.clock(),
                               must_change_password=one_time, failed_since_sign_in=0)
            session.add(row)
            session.flush()
            self._audit(session, actor, "user.create", f"user:{name}", {"role": role, "one_time_password": one_time})
            return user_view(row)

        return self.database.run(work)

    def authenticate(self, username: str, password: str, *, address: str = "", known_device: bool = False) -> StaffUser | None:
        """The user if the password is right and the account active; None otherwise. Raises `Throttled`."""
        signed_in = self.sign_in(username, password, address=address, known_device=known_device)
        return signed_in.user if signed_in is not None else None

    def sign_in(self, username: str, password: str, *, address: str = "", known_device: bool = False) -> SignedIn | None:
        """Check a staff password: `Throttled` (with the wait) before any check when there were too many failures,
        None when wrong, else who signed in; every try is recorded, and a failure counts towards the user's notice.

        `known_device`: the browser carries a signed cookie from an earlier sign-in of this user, so failures for
        the username from elsewhere (an attacker's) do not slow it down; its own address's failures still do.
        """
        name = _login_name(username)
        where = (address or "")[:64]
        if not name or not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
            return None
        self.throttle.check("password", name, where, known_device=known_device)
        row = self.database.run(
            lambda s: s.execute(select(StaffUserRow).where(StaffUserRow.username == name)).scalar_one_or_none(),
            readonly=True,
        )
        ok = False
        rehash: str | None = None
        if row is None:
            self._burn_time(password)  # same work as a real check, so timing does not reveal usernames
        else:
            try:
                ok = self.hasher.verify(row.password_hash, password)
                if ok and self.hasher.check_needs_rehash(row.password_hash):
                    rehash = self.hasher.hash(password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        ok = ok and row is not None and row.active

        def record(session: Session) -> SignedIn | None:
            self.throttle.record(session, "password", name, where, ok)
            if row is None:
                return None
            current = session.get(StaffUserRow, row.id, with_for_update=True)
            if current is None:
                return None
            if not ok:
                current.failed_since_sign_in = (current.failed_since_sign_in or 0) + 1
                return None
            failures, current.failed_since_sign_in = current.failed_since_sign_in or 0, 0
            if rehash:
                current.password_hash = rehash
            return SignedIn(user=user_view(current), failures_since_last=failures,
                            must_change_password=bool(current.must_change_password), mfa_enrolled=bool(current.mfa_secret))

        return self.database.run(record)

    def _burn_time(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        try:
            self.hasher.verify(self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass

    def retry_after(self, username: str, address: str = "", *, known_device: bool = False) -> int:
        """Seconds before this username may try a password from this address again; 0: now."""
        return self.throttle.retry_after("password", _login_name(username), (address or "")[:64], known_device=known_device)

    def is_rate_limited(self, username: str, address: str = "", *, known_device: bool = False) -> bool:
        """Whether a password try for this username from this address must wait (see bot/people/throttling.py)."""
        return self.retry_after(username, address, known_device=known_device) > 0

    def must_change_password(self, user_id: int) -> bool:
        """The user signed in with a one-time password (printed or set by the coordinator) not yet changed."""
        return bool(self.database.run(
            lambda s: s.scalar(select(StaffUserRow.must_change_password).where(StaffUserRow.id == user_id)), readonly=True
        ))

    def get_user(self, user_id: int) -> StaffUser:
        def work(session: Session) -> StaffUser:
            row = session.get(StaffUserRow, user_id)
            if row is None:
                raise NotFound(f"There is no user with id {user_id}.", key="user_missing", id=user_id)
            return user_view(row)

        return self.database.run(work, readonly=True)

    def get_user_by_name(self, username: str) -> StaffUser | None:
        name = (username or "").strip().lower()

        def work(session: Session) -> StaffUser | None:
            row = session.execute(select(StaffUserRow).where(StaffUserRow.username == name)).scalar_one_or_none()
            return user_view(row) if row is not None else None

        return self.database.run(work, readonly=True)

    def list_users(self, actor: Actor) -> tuple[StaffUser, ...]:
        """All staff users, for assigning and administration (staff only)."""
        if isinstance(actor, Caseworker):
            raise PermissionDenied("Only the task force can see its members.", key="members_task_force")
        return self.database.run(
            lambda s: tuple(user_view(r) for r in s.execute(select(StaffUserRow).order_by(StaffUserRow.username)).scalars()),
            readonly=True,
        )

    def set_password(self, actor: Actor, user_id: int, password: str) -> None:
        """A new password (the user themself, or the coordinator: then one-time, to be changed); signs the user out everywhere."""
        if not (is_privileged(actor) or (isinstance(actor, StaffUser) and actor.id == user_id)):
            raise PermissionDenied("You can only change your own password.", key="own_password")
        user = self.get_user(user_id)
        check_password(password, user.username)
        password_hash = self.hasher.hash(password)

        one_time = not (isinstance(actor, StaffUser) and actor.id == user_id)  # set for someone else: to be changed

        def work(session: Session) -> None:
            session.execute(update(StaffUserRow).where(StaffUserRow.id == user_id).values(
                password_hash=password_hash, must_change_password=one_time))
            session.execute(update(WebSessionRow).where(WebSessionRow.user_id == user_id).values(revoked=True))
            self._audit(session, actor, "user.password", f"user:{user.username}", {})

        self.database.run(work)

    def set_active(self, actor: Actor, user_id: int, active: bool) -> StaffUser:
        """Activate or deactivate a user (coordinator); deactivating signs them out."""
        self._require_coordinator(actor)

        def work(session: Session) -> StaffUser:
            row = session.get(StaffUserRow, user_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no user with id {user_id}.", key="user_missing", id=user_id)
            if not active and row.role == "coordinator" and row.active:
                others = session.scalar(
                    select(func.count()).where(StaffUserRow.role == "coordinator", StaffUserRow.active.is_(True), StaffUserRow.id != row.id)
                )
                if not others:
                    raise InvalidInput("This is the last active coordinator; make another one first.", key="last_coordinator")
            row.active = active
            if not active:
                session.execute(update(WebSessionRow).where(WebSessionRow.user_id == user_id).values(revoked=True))
            self._audit(session, actor, "user.activate" if active else "user.deactivate", f"user:{row.username}", {})
            return user_view(row)

        return self.database.run(work)

    def ensure_coordinator(self, settings: Settings | None = None) -> str | None:
        """First start: make a coordinator; returns a one-time password to print once, else None.

        Takes `settings.coordinator_password` when set (and strong enough); never a default password.
        """
        settings = settings or self.settings
        exists = self.database.run(
            lambda s: s.scalar(select(StaffUserRow.id).where(StaffUserRow.role == "coordinator", StaffUserRow.active.is_(True)).limit(1)),
            readonly=True,
        )
        if exists is not None:
            return None
        configured = settings.coordinator_password.get_secret_value() if settings.coordinator_password else None
        if configured is not None:
            try:
                check_password(configured, "coordinator")
            except InvalidInput as error:
                raise ConfigurationError(f"VEJVISER_COORDINATOR_PASSWORD is unsafe: {error}") from error
        password = configured or secrets.token_urlsafe(18)
        try:
            self.create_user(SystemActor("bootstrap"), "coordinator", password, "coordinator", one_time=configured is None)
        except (IntegrityError, InvalidInput):
            return None  # another process made it at the same moment, or the name is taken by an inactive user
        return None if configured else password
