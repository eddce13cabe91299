"""Domain errors, in one place, each with a message a user or operator can act on.

The corpus and index layers' own errors are defined there (they may not import bot) and re-exported here. The
edges (CLI, HTTP routes, Telegram handlers) translate these into exit codes, status codes and chat replies;
nothing below the edges knows about either.
"""

from __future__ import annotations

from corpus.errors import DocumentError, VejviserError
from index.errors import ConfigurationError, IndexMismatch, IndexMissing, ModelMissing

__all__ = [
    "ConfigurationError", "DatabaseDamaged", "DatabaseUnavailable", "DocumentError", "IndexMismatch", "IndexMissing",
    "InvalidInput", "InvalidQuestion", "InvalidTransition", "ModelMissing", "NotFound", "PermissionDenied",
    "StaleVersion", "Throttled", "VejviserError",
]


class InvalidQuestion(VejviserError):
    """The question is empty, too long or not text, so it cannot be answered."""


class NotFound(VejviserError):
    """A requested record (requisition, user, document) does not exist."""


class InvalidTransition(VejviserError):
    """A requisition cannot move from its current state to the requested one."""

    def __init__(self, current: str, requested: str, allowed: list[str]) -> None:
        self.current, self.requested, self.allowed = current, requested, allowed
        allowed_text = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"A requisition in state '{current}' cannot become '{requested}'. Allowed from '{current}': {allowed_text}.",
            key="transition", current=current, requested=requested, allowed=allowed,
        )


class PermissionDenied(VejviserError):
    """The actor may not do this (wrong role, not their requisition)."""


class InvalidInput(VejviserError):
    """Input from a user or operator is malformed; the message says what to send instead."""


class Throttled(VejviserError):
    """Too many failed sign-ins from here or for this name lately; try again after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"Too many failed sign-in attempts; try again in {retry_after_seconds} seconds.",
                         key="throttled", seconds=retry_after_seconds)


class StaleVersion(VejviserError):
    """Someone else changed the record since the caller read it; reload and decide again."""

    def __init__(self, number: str, expected: int, current: int) -> None:
        self.number, self.expected, self.current = number, expected, current
        super().__init__(
            f"{number} was changed by someone else since you opened it (version {expected}, now {current}): "
            "reload it and try again.",
            key="stale",
        )


class DatabaseUnavailable(VejviserError):
    """The database cannot be reached or written right now (stopped, restarting, disk full); retry shortly."""

    retry_after_seconds = 5

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message, key="database")
        self.detail = detail  # the driver's first line, for operators (readiness, logs); never shown to users


class DatabaseDamaged(VejviserError):
    """The database file is malformed; it must be restored from a backup, the message names which."""
