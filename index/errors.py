"""The index layer's errors (model and index on disk); `bot.core.errors` re-exports them for the edges."""

from __future__ import annotations

from corpus.errors import VejviserError


class IndexMismatch(VejviserError):
    """The index on disk does not belong to the current corpus or model; it must be rebuilt."""


class IndexMissing(VejviserError):
    """There is no index yet; it must be built before questions can be answered."""


class ModelMissing(VejviserError):
    """The embedding model folder is missing; it must be installed first."""


class ConfigurationError(VejviserError):
    """A setting is missing or unsafe; the message names the variable to set."""
