"""What the web door derives from the settings at start-up: cookie policy and the signing key."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import ConfigurationError
from bot.core.settings import Settings, is_placeholder
from bot.storage.private_files import private_dir

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SECRET_FILE_NAME = "web-secret-key"


@dataclass(frozen=True)
class WebConfig:
    """Cookie names and flags and the key that signs CSRF tokens, decided once."""

    secure_cookies: bool
    secret_key: bytes
    session_idle_seconds: int
    session_absolute_seconds: int

    @property
    def session_cookie(self) -> str:
        # `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
        return "__Host-vejviser-session" if self.secure_cookies else "vejviser-session"

    @property
    def presession_cookie(self) -> str:
        return "__Host-vejviser-pre" if self.secure_cookies else "vejviser-pre"

    @property
    def device_cookie(self) -> str:
        return "__Host-vejviser-device" if self.secure_cookies else "vejviser-device"

    @property
    def second_factor_cookie(self) -> str:
        return "__Host-vejviser-2fa" if self.secure_cookies else "vejviser-2fa"

    @property
    def notice_cookie(self) -> str:
        return "__Host-vejviser-notice" if self.secure_cookies else "vejviser-notice"

    @property
    def language_cookie(self) -> str:
        return "__Host-vejviser-lang" if self.secure_cookies else "vejviser-lang"

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        if settings.development and settings.host not in LOOPBACK_HOSTS:
            raise ConfigurationError(
                "VEJVISER_DEVELOPMENT=true sends session cookies over plain http and is allowed only with "
                f"VEJVISER_HOST=127.0.0.1 (not {settings.host!r}). Unset VEJVISER_DEVELOPMENT or bind to 127.0.0.1."
            )
        return cls(
            secure_cookies=not settings.development,
            secret_key=_secret_key(settings),
            session_idle_seconds=settings.session_idle_minutes * 60,
            session_absolute_seconds=settings.session_absolute_hours * 3600,
        )


def _secret_key(settings: Settings) -> bytes:
    """The configured key, refused if it is a placeholder; else one generated once and kept in the data dir."""
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if is_placeholder(value) or len(value) < 32:
            raise ConfigurationError(
                "VEJVISER_SECRET_KEY is a placeholder or shorter than 32 characters. Set it to a random value, "
                "e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`, or unset it "
                "to let Vejviser keep a generated key in the data directory."
            )
        return value.encode()
    return _key_file(settings.data_dir / SECRET_FILE_NAME)


def _key_file(path: Path) -> bytes:
    """Read the kept key, or create it readable by its owner only; workers racing to create it agree."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another worker may be between create and write
        value = path.read_text().strip()
        if value:
            return value.encode()
        time.sleep(0.02)
    raise ConfigurationError(f"The web secret key file {path} is empty; delete it and start again.")
