"""The data dir and the files Vejviser keeps in it are its own: the dir 0700, the database and the other files 0600.

The database holds caseworkers' questions (redacted, still not for other local users), the audit log and
password hashes; the anchor and the web secret key sit beside it. SQLite gives its -wal and -shm files the
database file's mode, so creating that one 0600 covers them.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) readable by the owner only; an existing looser one is tightened."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing, readable and writable by the owner only; an existing looser one is tightened.

    A missing parent is made 0700; an existing one is left as it is (a database may live outside the data dir)."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        _tighten(path, FILE_MODE)
    return path


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """os.open with the owner-only mode, for files written in place (a lock, a staging copy)."""
    descriptor = os.open(path, flags, FILE_MODE)
    _tighten(path, FILE_MODE)
    return descriptor


def _tighten(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            os.chmod(path, current & mode)
            log.info("made %s private (mode %o -> %o)", path, current, current & mode)
    except PermissionError:  # not ours (a shared mount): say so once, do not stop the service
        log.warning("cannot make %s private; check its permissions", path)
