"""The free texts of a requisition: their limits, and each one validated and redacted before it is kept."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.control_chars import strip_controls
from bot.core.errors import InvalidInput
from bot.privacy.redaction import redact

MAX_CONTEXT_CHARS = 10_000
MAX_ANSWER_CHARS = 20_000
MAX_THEMES = 10
MAX_THEME_CHARS = 50


def clean_text(text: str | None, *, what: str, limit: int, required: bool = True) -> tuple[str | None, tuple[str, ...]]:
    """Validate and redact one free text; returns the redacted text and the kinds found."""
    text = strip_controls(text) if isinstance(text, str) else text
    if text is None or not text.strip():
        if required:
            raise InvalidInput(f"The {what} is empty: write a few words.", key="text_empty")
        return None, ()
    if len(text) > limit:
        raise InvalidInput(f"The {what} is {len(text)} characters long; at most {limit} are accepted.", key="text_long", length=len(text), limit=limit)
    result = redact(text.strip())
    return result.text, result.found


def clean_themes(themes: Sequence[str]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for theme in themes:
        tag = " ".join(str(theme).lower().split()).replace("|", "/")
        if tag and tag not in cleaned:
            if len(tag) > MAX_THEME_CHARS:
                raise InvalidInput(f"The theme '{tag[:MAX_THEME_CHARS]}…' is too long; use at most {MAX_THEME_CHARS} characters.", key="theme_long", limit=MAX_THEME_CHARS)
            cleaned.append(tag)
    if len(cleaned) > MAX_THEMES:
        raise InvalidInput(f"At most {MAX_THEMES} themes per requisition.", key="themes_many", limit=MAX_THEMES)
    return tuple(cleaned)


