"""Theme tags read off a question's words, for the gap map when nobody tagged it (votes, routed questions,
requisitions created without themes). A short keyword list from the documents' own areas, not a classifier:
a question can have several themes, or none."""

from __future__ import annotations

import re

# theme -> word stems (lower case; matched at the start of a word, so compounds like "tolkebistand" count).
THEMES: dict[str, tuple[str, ...]] = {
    "tolk": ("tolk", "interpret", "oversæt"),
    "bolig": ("bolig", "housing", "udsættelse", "lejlighed"),
    "hjemløse": ("hjemløs", "homeless", "herberg", "gadeplan"),
    "misbrug": ("misbrug", "alkohol", "stof", "drug", "addict"),
    "psykiatri": ("psykiatri", "psykisk", "mental"),
    "handicap": ("handicap", "disab", "funktionsneds"),
    "børn og familier": ("børn", "barn", "famili", "anbring", "child", "unge", "forældre"),
    "beskæftigelse": ("job", "beskæftig", "arbejd", "ledig", "employ"),
    "bydelsmødre": ("bydelsmødre", "bydelsmor", "neighbourhood mother"),
    "ligebehandling": ("ligebehandl", "diskrimin", "equal treatment", "ethnic", "etnisk"),
    "økonomi og gæld": ("gæld", "økonomi", "debt", "budget"),
}
_WORD_START = {theme: re.compile(r"\b(?:" + "|".join(map(re.escape, stems)) + ")", re.IGNORECASE)
               for theme, stems in THEMES.items()}


def themes_of(text: str) -> tuple[str, ...]:
    """The themes whose words occur in `text`, in the order of THEMES."""
    return tuple(theme for theme, pattern in _WORD_START.items() if pattern.search(text))
