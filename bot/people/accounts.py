"""Accounts: staff users and their passwords, caseworkers and invites, API tokens, web sessions.

Secrets are never stored: passwords as argon2id hashes, invite codes, API tokens and session tokens
as sha256 hashes (they are long and random, so a fast hash suffices); each secret is returned once,
when it is made. Every change is one transaction with an audit entry.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.control_chars import strip_controls
from bot.core.errors import DatabaseUnavailable, InvalidInput, NotFound, PermissionDenied
from bot.core.settings import Settings
from bot.people.actors import CHANNELS, ROLES, Actor, Caseworker, StaffUser, actor_label, is_privileged
from bot.people.mfa import SecondFactor
from bot.people.throttling import SignInThrottle, invite_subject
from bot.privacy.redaction import redact
from bot.storage import audit
from bot.storage.db import Database
from bot.storage.models import ApiTokenRow, CaseworkerRow, InviteRow, StaffUserRow, WebSessionRow

MAX_CACHED_TOKENS = 1_000

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone
INVITE_LENGTH = 12
LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class SignedIn:
    """A staff user whose password was right: how many failed tries there were since their last sign-in, and
    whether the password they used is a one-time one that must be changed before anything else."""

    user: StaffUser
    failures_since_last: int
    must_change_password: bool
    mfa_enrolled: bool = False  # a TOTP code (or a recovery code) must follow before a session starts


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


@dataclass(frozen=True)
class Revoked:
    """The outcome of an idempotent revocation: `changed` is False when it had already been done (nothing audited)."""

    id: int
    changed: bool


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
    must_change_password: bool = False  # staff signed in with a one-time password: only /password until changed
    mfa_missing: bool = False  # staff without a second factor where one is required: only enrolment until set up


@dataclass(frozen=True)
class IssuedSession:
    """A new web session: put `token` in the cookie; only its hash is kept."""

    token: str
    session: WebSession


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords too common to allow (bot/people/data/common-passwords.txt)."""
    text = resources.files("bot.people").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str = "") -> None:
    """Refuse a password a person or a script could guess; the message says what to choose instead."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"The password must be at least {MIN_PASSWORD_CHARS} characters long.", key="password_short", min=MIN_PASSWORD_CHARS)
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInput(f"The password must be at most {MAX_PASSWORD_CHARS} characters long.", key="password_long", max=MAX_PASSWORD_CHARS)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        raise InvalidInput("This password is too common; choose a longer phrase of unrelated words.", key="password_common")
    if username and len(username) >= 3 and username.lower() in lowered:
        raise InvalidInput("The password must not contain the username.", key="password_username")


def _normalise_invite(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def _user_view(row: StaffUserRow) -> StaffUser:
    return StaffUser(id=row.id, username=row.username, role=row.role, active=row.active, created_at=row.created_at)  # type: ignore[arg-type]


def _caseworker_view(row: CaseworkerRow) -> Caseworker:
    return Caseworker(
        id=row.id, channel=row.channel, external_id=row.external_id, display_name=row.display_name,  # type: ignore[arg-type]
        department=row.department, language=row.language, created_at=row.created_at,  # type: ignore[arg-type]
        active=row.active,
    )


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


def _token_view(row: ApiTokenRow) -> ApiToken:
    return ApiToken(id=row.id, name=row.name, created_by=row.created_by, created_at=row.created_at, revoked=row.revoked)


def _login_name(username: str | None) -> str:
    """A typed user name as it is looked up and logged: a pasted CPR number or e-mail address is removed, but not
    names, because staff user names are names ("anna") by design."""
    return redact((username or "").strip().lower(), names=False).text[:100]


class AccountService:
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

    # --- staff users -----------------------------------------------------------------------------

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
            return _user_view(row)

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
            return SignedIn(user=_user_view(current), failures_since_last=failures,
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
            return _user_view(row)

        return self.database.run(work, readonly=True)

    def get_user_by_name(self, username: str) -> StaffUser | None:
        name = (username or "").strip().lower()

        def work(session: Session) -> StaffUser | None:
            row = session.execute(select(StaffUserRow).where(StaffUserRow.username == name)).scalar_one_or_none()
            return _user_view(row) if row is not None else None

        return self.database.run(work, readonly=True)

    def list_users(self, actor: Actor) -> tuple[StaffUser, ...]:
        """All staff users, for assigning and administration (staff only)."""
        if isinstance(actor, Caseworker):
            raise PermissionDenied("Only the task force can see its members.", key="members_task_force")
        return self.database.run(
            lambda s: tuple(_user_view(r) for r in s.execute(select(StaffUserRow).order_by(StaffUserRow.username)).scalars()),
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
            return _user_view(row)

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
                from bot.core.errors import ConfigurationError

                raise ConfigurationError(f"VEJVISER_COORDINATOR_PASSWORD is unsafe: {error}") from error
        password = configured or secrets.token_urlsafe(18)
        from bot.people.actors import SystemActor

        try:
            self.create_user(SystemActor("bootstrap"), "coordinator", password, "coordinator", one_time=configured is None)
        except (IntegrityError, InvalidInput):
            return None  # another process made it at the same moment, or the name is taken by an inactive user
        return None if configured else password

    # --- caseworkers and invites -----------------------------------------------------------------

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
            row = InviteRow(code_hash=_sha256(code), department=dept, created_by=actor_label(actor), created_at=now,
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
        digest = _sha256(normalised)
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
            return _caseworker_view(row)

        try:
            return self.database.run(work)
        except InvalidInput:
            if where:
                self.throttle.record_now("invite", subject, where, False)
            raise

    def sign_in_caseworker(self, external_id: str, *, subject: str, address: str) -> Caseworker | None:
        """A web caseworker by their key's hash; wrong keys are throttled per (key prefix, address) and, far more
        generously, per address (`Throttled`), in the database, so every worker counts the same tries."""
        where = (address or "")[:64]
        self.throttle.check("key", subject, where)
        caseworker = self.get_caseworker("web", external_id) if external_id else None
        self.throttle.record_now("key", subject, where, caseworker is not None)
        return caseworker

    def get_caseworker(self, channel: str, external_id: str) -> Caseworker | None:
        def work(session: Session) -> Caseworker | None:
            row = session.execute(
                select(CaseworkerRow).where(CaseworkerRow.channel == channel, CaseworkerRow.external_id == str(external_id))
            ).scalar_one_or_none()
            return _caseworker_view(row) if row is not None and self._may_sign_in(row) else None

        return self.database.run(work, readonly=True)

    def _may_sign_in(self, row: CaseworkerRow) -> bool:
        """Active, and (for a web key, when VEJVISER_CASEWORKER_KEY_VALID_DAYS is set) not older than allowed."""
        if not row.active:
            return False
        days = self.settings.caseworker_key_valid_days
        return not (days and row.channel == "web" and self.clock() - row.created_at > timedelta(days=days))

    def get_caseworker_by_id(self, caseworker_id: int) -> Caseworker:
        def work(session: Session) -> Caseworker:
            row = session.get(CaseworkerRow, caseworker_id)
            if row is None:
                raise NotFound(f"There is no caseworker with id {caseworker_id}.", key="caseworker_missing", id=caseworker_id)
            return _caseworker_view(row)

        return self.database.run(work, readonly=True)

    def register_caseworker(
        self, actor: Actor, *, channel: str, external_id: str, display_name: str, department: str, language: str = "da"
    ) -> Caseworker:
        """Register a caseworker directly (coordinator); an existing one is updated."""
        self._require_coordinator(actor)
        self._check_caseworker_fields(channel, external_id, display_name, language)
        dept = " ".join(strip_controls(department or "").split())
        if not dept:
            raise InvalidInput("Name the caseworker's department.", key="caseworker_department")

        def work(session: Session) -> Caseworker:
            row = self._upsert_caseworker(session, channel, str(external_id), display_name, dept, language)
            self._audit(session, actor, "caseworker.register", f"caseworker:{row.id}", {"channel": channel, "department": dept})
            return _caseworker_view(row)

        return self.database.run(work)

    def set_language(self, caseworker_id: int, language: str) -> Caseworker:
        """The caseworker's reply language: 'da' or 'en'."""
        if language not in LANGUAGES:
            raise InvalidInput("Language is 'da' or 'en'.", key="language_choice")

        def work(session: Session) -> Caseworker:
            row = session.get(CaseworkerRow, caseworker_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no caseworker with id {caseworker_id}.", key="caseworker_missing", id=caseworker_id)
            row.language = language
            return _caseworker_view(row)

        return self.database.run(work)

    def list_caseworkers(self, actor: Actor) -> tuple[Caseworker, ...]:
        """Every caseworker, active ones first, for offboarding (coordinator)."""
        self._require_coordinator(actor)
        query = select(CaseworkerRow).order_by(CaseworkerRow.active.desc(), CaseworkerRow.id)
        return self.database.run(lambda s: tuple(_caseworker_view(r) for r in s.execute(query).scalars()), readonly=True)

    def deactivate_caseworker(self, actor: Actor, caseworker_id: int) -> Revoked:
        """Offboard a caseworker (coordinator): their web key and Telegram account stop working in every worker at
        once (each request reads the flag) and their web sessions end; a second call changes and audits nothing."""
        self._require_coordinator(actor)

        def work(session: Session) -> Revoked:
            row = session.get(CaseworkerRow, caseworker_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no caseworker with id {caseworker_id}.", key="caseworker_missing", id=caseworker_id)
            if not row.active:
                return Revoked(row.id, changed=False)
            row.active, row.deactivated_at = False, self.clock()
            ended = session.execute(
                update(WebSessionRow).where(WebSessionRow.caseworker_id == row.id, WebSessionRow.revoked.is_(False))
                .values(revoked=True)
            )
            self._audit(session, actor, "caseworker.deactivate", f"caseworker:{row.id}",
                        {"channel": row.channel, "sessions_ended": int(ended.rowcount or 0)})  # type: ignore[attr-defined]
            return Revoked(row.id, changed=True)

        return self.database.run(work)

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

    def _check_caseworker_fields(self, channel: str, external_id: str, display_name: str, language: str) -> None:
        if channel not in CHANNELS:
            raise InvalidInput(f"Unknown channel '{channel}'; use one of: {', '.join(CHANNELS)}.")
        if not str(external_id or "").strip() or len(str(external_id)) > 200:
            raise InvalidInput("The caseworker's id on the channel is missing or too long.")
        if not (display_name or "").strip() or len(display_name) > 200:
            raise InvalidInput("Give the caseworker's name (at most 200 characters).", key="caseworker_name")
        if language not in LANGUAGES:
            raise InvalidInput("Language is 'da' or 'en'.", key="language_choice")

    def _upsert_caseworker(
        self, session: Session, channel: str, external_id: str, display_name: str, department: str, language: str
    ) -> CaseworkerRow:
        row = session.execute(
            select(CaseworkerRow).where(CaseworkerRow.channel == channel, CaseworkerRow.external_id == external_id).with_for_update()
        ).scalar_one_or_none()
        name = " ".join(strip_controls(display_name).split())  # the caseworker's own name, kept on purpose (not a citizen's data)
        if not name:
            raise InvalidInput("Give the caseworker's name in letters (control characters are removed).", key="caseworker_name_letters")
        if row is not None and not row.active:
            raise InvalidInput("This caseworker was deactivated by the coordinator; ask them if that is a mistake.", key="caseworker_deactivated")
        if row is None:
            row = CaseworkerRow(channel=channel, external_id=external_id, display_name=name, department=department,
                                language=language, created_at=self.clock())
            session.add(row)
            session.flush()
        else:
            row.display_name, row.department, row.language = name, department, language
        return row

    # --- API tokens ------------------------------------------------------------------------------

    def create_token(self, actor: Actor, name: str) -> IssuedToken:
        """A new API token (coordinator); the secret is returned once."""
        self._require_coordinator(actor)
        label = " ".join(strip_controls(name or "").split())
        if not label or len(label) > 200:
            raise InvalidInput("Give the token a name (at most 200 characters) that says what uses it.", key="token_name")
        secret = "vv_" + secrets.token_urlsafe(32)

        def work(session: Session) -> IssuedToken:
            row = ApiTokenRow(name=label, token_hash=_sha256(secret), created_by=actor_label(actor), created_at=self.clock(), revoked=False)
            session.add(row)
            session.flush()
            self._audit(session, actor, "token.create", f"token:{row.id}", {"name": label})
            return IssuedToken(token=_token_view(row), secret=secret)

        return self.database.run(work)

    def verify_token(self, secret: str) -> ApiToken | None:
        """The token's record if the secret is known and not revoked."""
        if not secret or len(secret) > 200:
            return None
        digest = _sha256(secret)

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

    # --- web sessions ----------------------------------------------------------------------------

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
            row = WebSessionRow(token_hash=_sha256(token), user_id=user_id, caseworker_id=caseworker_id,
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
        digest = _sha256(token)

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
        digest = _sha256(token)
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
            user = _user_view(user_row)
            must_change = bool(user_row.must_change_password)
            mfa_missing = self.settings.mfa_required and not user_row.mfa_secret
        else:
            cw_row = session.get(CaseworkerRow, row.caseworker_id)
            if cw_row is None or not self._may_sign_in(cw_row):
                return None
            caseworker = _caseworker_view(cw_row)
        return WebSession(id=row.id, user=user, caseworker=caseworker, csrf_token=row.csrf_token,
                          created_at=row.created_at, last_seen=row.last_seen, must_change_password=must_change,
                          mfa_missing=mfa_missing)

    # --- helpers ---------------------------------------------------------------------------------

    def _require_coordinator(self, actor: Actor) -> None:
        if not is_privileged(actor):
            raise PermissionDenied("Only the task-force coordinator can do this.", key="coordinator_only")

    def _audit(self, session: Session, actor: Actor | str, action: str, subject: str, details: dict[str, object]) -> None:
        label = actor if isinstance(actor, str) else actor_label(actor)
        audit.append(session, actor=label, action=action, subject=subject, details=details, at=self.clock())
