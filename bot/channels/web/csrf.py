"""CSRF tokens: one per rendered form, bound to the browser's session, good for one submission only.

A token is `issued.nonce.mac`, where the MAC (HMAC-SHA256 under the server secret) covers the session it
was issued to. A forged token fails the MAC; a token from another session fails the binding; a replayed
token fails because its nonce was spent by the first submission. Spent nonces are kept until the token
would have expired anyway, in the database (`DatabaseSpentNonces`), so a form replayed to another worker,
or after a restart, is refused too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.storage.db import Database

FIELD_NAME = "csrf_token"
HEADER_NAME = "x-csrf-token"


class SpentNonces(Protocol):
    """Remembers nonces already used; `spend` returns False when the nonce was spent before."""

    def spend(self, nonce: str, expires_at: float) -> bool: ...


class MemorySpentNonces:
    """Spent nonces of one process: enough for one worker; several workers need a shared store."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._spent: dict[str, float] = {}
        self._lock = threading.Lock()

    def spend(self, nonce: str, expires_at: float) -> bool:
        with self._lock:
            now = self._clock()
            if len(self._spent) > 10_000:
                self._spent = {n: e for n, e in self._spent.items() if e > now}
            if nonce in self._spent:
                return False
            self._spent[nonce] = expires_at
            return True


class DatabaseSpentNonces:
    """Spent nonces in the database every worker uses: the first worker to insert a nonce spends it."""

    SWEEP_EVERY = 200  # spends between deletions of expired nonces

    def __init__(self, database: Callable[[], Database], clock: Callable[[], float] = time.time) -> None:
        self._database = database  # a getter: the app's database exists only once its lifespan has started
        self._clock = clock
        self._spends = 0

    def spend(self, nonce: str, expires_at: float) -> bool:
        from sqlalchemy import delete
        from sqlalchemy.dialects import postgresql, sqlite

        from bot.storage.models import SpentNonceRow

        database = self._database()
        dialect = postgresql if database.is_postgres else sqlite
        expires = datetime.fromtimestamp(expires_at, UTC)
        self._spends += 1
        sweep = self._spends % self.SWEEP_EVERY == 0

        def work(session) -> bool:  # noqa: ANN001
            if sweep:
                now = datetime.fromtimestamp(self._clock(), UTC)
                session.execute(delete(SpentNonceRow).where(SpentNonceRow.expires_at < now))
            inserted = session.execute(
                dialect.insert(SpentNonceRow).values(nonce=nonce, expires_at=expires)
                .on_conflict_do_nothing().returning(SpentNonceRow.nonce)
            )
            return inserted.first() is not None  # nothing returned: another submission spent it first

        return database.run(work)


class CsrfTokens:
    """Issues and checks form tokens; `binding` is an opaque id of the browser's session."""

    def __init__(
        self,
        key: bytes,
        spent: SpentNonces,
        *,
        max_age_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = hashlib.sha256(b"vejviser-csrf\x00" + key).digest()
        self._spent = spent
        self._max_age = max_age_seconds
        self._clock = clock

    def issue(self, binding: str) -> str:
        issued = str(int(self._clock()))
        nonce = secrets.token_urlsafe(16)
        return f"{issued}.{nonce}.{self._mac(binding, issued, nonce)}"

    def check(self, token: str | None, binding: str | None) -> bool:
        """True once for a token issued to `binding` within the max age; False for anything else."""
        if not token or not binding or len(token) > 200:
            return False
        parts = token.split(".")
        if len(parts) != 3:
            return False
        issued, nonce, mac = parts
        if not issued.isdigit() or not hmac.compare_digest(mac, self._mac(binding, issued, nonce)):
            return False
        expires_at = int(issued) + self._max_age
        if not int(issued) - 60 <= self._clock() <= expires_at:
            return False
        return self._spent.spend(nonce, float(expires_at))

    def _mac(self, binding: str, issued: str, nonce: str) -> str:
        digest = hmac.new(self._key, f"{binding}\x00{issued}\x00{nonce}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")
