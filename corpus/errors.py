"""The corpus layer's errors; `VejviserError` is the base of every error Vejviser raises on purpose.

It lives here, in the lowest layer, so that every layer's errors share it without importing upward; `bot.core.errors`
re-exports all of them for the edges.
"""

from __future__ import annotations


class VejviserError(Exception):
    """Base of every error Vejviser raises on purpose; its message is safe to show a user.

    The message is English, for the CLI, the JSON API and the logs. A `key` (with the values its sentence needs as
    `params`) names the message for the pages, which say it in the reader's language (bot/channels/web/i18n.py, "error.<key>").
    """

    def __init__(self, *args: object, key: str | None = None, **params: object) -> None:
        super().__init__(*args)
        self.key, self.params = key, params


class DocumentError(VejviserError):
    """A document could not be ingested (unreadable, empty, scanned without text, unknown type)."""
