"""Staff passwords: long enough, not too common, not the user name (checked before argon2id hashes them)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from bot.core.errors import InvalidInput

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024


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


