"""Domain errors, in one place, each with a message a user or operator can act on.

The edges (CLI, HTTP routes, Telegram handlers) translate these into exit codes, status codes
and chat replies; nothing below the edges knows about either.
"""

from __future__ import annotations


class VejviserError(Exception):
    """Base of every error Vejviser raises on purpose; its message is safe to show a user."""


class InvalidQuestion(VejviserError):
    """The question is empty, too long or not text, so it cannot be answered."""


class DocumentError(VejviserError):
    """A document could not be ingested (unreadable, empty, scanned without text, unknown type)."""


class IndexMismatch(VejviserError):
    """The index on disk does not belong to the current corpus or model; it must be rebuilt."""


class IndexMissing(VejviserError):
    """There is no index yet; it must be built before questions can be answered."""


class ModelMissing(VejviserError):
    """The embedding model folder is missing; it must be installed first."""


class NotFound(VejviserError):
    """A requested record (requisition, user, document) does not exist."""


class InvalidTransition(VejviserError):
    """A requisition cannot move from its current state to the requested one."""

    def __init__(self, current: str, requested: str, allowed: list[str]) -> None:
        self.current, self.requested, self.allowed = current, requested, allowed
        allowed_text = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"A requisition in state '{current}' cannot become '{requested}'. Allowed from '{current}': {allowed_text}."
        )


class PermissionDenied(VejviserError):
    """The actor may not do this (wrong role, not their requisition)."""


class InvalidInput(VejviserError):
    """Input from a user or operator is malformed; the message says what to send instead."""


class ConfigurationError(VejviserError):
    """A setting is missing or unsafe; the message names the variable to set."""
