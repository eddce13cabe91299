"""The corpus layer's errors; `VejviserError` is the base of every error Vejviser raises on purpose.

It lives here, in the lowest layer, so that every layer's errors share it without importing upward; `bot.errors`
re-exports all of them for the edges.
"""

from __future__ import annotations


class VejviserError(Exception):
    """Base of every error Vejviser raises on purpose; its message is safe to show a user."""


class DocumentError(VejviserError):
    """A document could not be ingested (unreadable, empty, scanned without text, unknown type)."""
