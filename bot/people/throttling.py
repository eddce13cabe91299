"""Sign-in throttling: growing waits instead of a lockout, counted in the database so every worker shares them.

A username is never locked. Failures are counted per (who, address) and per address, and for staff passwords
also per username across all addresses (skipped for a device the user signed in from before). Below a scope's
free allowance nothing happens; past it, the next try must wait `delay * 2**(excess)` seconds after the last
failure, capped. Rows older than the window are purged on every write, so client addresses are kept a day.

    scope              password (staff)        key (caseworker)        invite
    who + address      free failures           free failures           free failures
    address            x ADDRESS_FACTOR        x KEY_ADDRESS_FACTOR    x ADDRESS_FACTOR
    who (any address)  x USERNAME_FACTOR       -                       -
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.core.errors import Throttled
from bot.core.settings import Settings
from bot.storage.db import Database
from bot.storage.models import LoginAttemptRow

KINDS = ("password", "key", "invite", "mfa")
ADDRESS_FACTOR = 4  # an address (an office behind NAT) gets more tries than one username
KEY_ADDRESS_FACTOR = 20  # caseworkers share offices: one person's typos must not stop the rest
USERNAME_FACTOR = 4  # failures for one username from everywhere before new devices wait too
KEY_PREFIX_CHARS = 8  # "vk-" and 5 of the key's 32 characters: tells people apart, reveals ~30 of 192 bits
INVITE_PREFIX_CHARS = 2  # of 12 characters (60 bits); a wrong code is throttled per address anyway


def wait_seconds(failures: int, free: int, delay: float, cap: float) -> float:
    """How long after the last failure the next try must wait: nothing up to `free`, then doubling, capped."""
    if failures < free:
        return 0.0
    return float(min(cap, delay * 2 ** min(failures - free, 30)))


@dataclass(frozen=True)
class _Scope:
    subject: str | None  # None: any subject
    address: str | None  # None: any address
    free: int
    resets_on_success: bool


class SignInThrottle:
    """Decides whether a sign-in may be tried now, and records its outcome; one per AccountService."""

    def __init__(self, database: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock

    def _scopes(self, kind: str, subject: str, address: str, known_device: bool) -> list[_Scope]:
        free = self.settings.login_max_failures
        factor = KEY_ADDRESS_FACTOR if kind == "key" else ADDRESS_FACTOR
        scopes = [_Scope(subject, address, free, True)]
        if address:
            scopes.append(_Scope(None, address, free * factor, False))
        if kind == "password" and not known_device:
            scopes.append(_Scope(subject, None, free * USERNAME_FACTOR, True))
        return scopes

    def retry_after(self, kind: str, subject: str, address: str, *, known_device: bool = False) -> int:
        """Seconds until this sign-in may be tried; 0 when it may be tried now."""
        now = self.clock()
        since = now - timedelta(hours=self.settings.login_window_hours)
        delay, cap = self.settings.login_delay_seconds, self.settings.login_delay_cap_seconds

        def work(session: Session) -> int:
            longest = 0.0
            for scope in self._scopes(kind, subject, address, known_device):
                where = [LoginAttemptRow.kind == kind, LoginAttemptRow.at > since]
                if scope.subject is not None:
                    where.append(LoginAttemptRow.username == scope.subject)
                if scope.address is not None:
                    where.append(LoginAttemptRow.address == scope.address)
                start = since
                if scope.resets_on_success:
                    last_ok = session.scalar(select(func.max(LoginAttemptRow.at)).where(*where, LoginAttemptRow.ok.is_(True)))
                    start = max(since, last_ok) if last_ok is not None else since
                count, last = session.execute(
                    select(func.count(), func.max(LoginAttemptRow.at)).where(*where, LoginAttemptRow.ok.is_(False),
                                                                             LoginAttemptRow.at > start)
                ).one()
                if last is None:
                    continue
                wait = wait_seconds(int(count), scope.free, delay, cap)
                longest = max(longest, (last + timedelta(seconds=wait) - now).total_seconds())
            return math.ceil(longest) if longest > 0 else 0

        return self.database.run(work, readonly=True)

    def check(self, kind: str, subject: str, address: str, *, known_device: bool = False) -> None:
        """Raise `Throttled` with the wait when this sign-in may not be tried yet."""
        seconds = self.retry_after(kind, subject, address, known_device=known_device)
        if seconds > 0:
            raise Throttled(seconds)

    def record(self, session: Session, kind: str, subject: str, address: str, ok: bool) -> None:
        """Record one try inside the caller's transaction, and forget tries older than the window."""
        now = self.clock()
        session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < now - timedelta(hours=self.settings.login_window_hours)))
        session.add(LoginAttemptRow(kind=kind, username=subject[:100], address=address[:64], at=now, ok=ok))

    def record_now(self, kind: str, subject: str, address: str, ok: bool) -> None:
        """Record one try in a transaction of its own."""
        self.database.run(lambda session: self.record(session, kind, subject, address, ok))


def key_subject(key: str) -> str:
    """What a caseworker key's tries are counted under: its first characters, never the whole key."""
    return key.strip()[:KEY_PREFIX_CHARS]


def invite_subject(code: str) -> str:
    """What an invite code's tries are counted under: its first characters, never the whole code."""
    return code[:INVITE_PREFIX_CHARS]
