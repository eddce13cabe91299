"""How each kind of personal data removed from a message is named to the caseworker, in Danish and English.

One table for every door (Telegram, the web chat, the command line), so a kind the redactor learns is worded once;
tests/bot/privacy/test_redaction_notice.py fails when a kind in `bot.privacy.redaction.KINDS` has no wording here, and a kind
that still slipped through is named generically ("personoplysninger") rather than failing the reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.language import Language
from bot.privacy.redaction import ADDRESS, CPR, EMAIL, NAME, PHONE

__all__ = ["KIND_WORDING", "describe_kinds", "kind_phrase", "removal_note"]

# kind -> language -> the kind with its indefinite article, as it reads in "Din besked indeholdt …".
KIND_WORDING: dict[str, dict[Language, str]] = {
    CPR: {"da": "et CPR-nummer", "en": "a CPR number"},
    PHONE: {"da": "et telefonnummer", "en": "a phone number"},
    EMAIL: {"da": "en e-mailadresse", "en": "an e-mail address"},
    ADDRESS: {"da": "en adresse", "en": "an address"},
    NAME: {"da": "et navn", "en": "a name"},
}
_UNKNOWN: dict[Language, str] = {"da": "personoplysninger", "en": "personal data"}
_AND: dict[Language, str] = {"da": "og", "en": "and"}
_REMOVED: dict[Language, str] = {
    "da": "Fjernede {kinds} fra spørgsmålet, før det blev brugt.",
    "en": "Removed {kinds} from the question before it was used.",
}


def _language(language: str) -> Language:
    return "en" if language == "en" else "da"


def kind_phrase(kind: str, language: str) -> str:
    """One kind as the caseworker reads it ("et navn", "an address"); never fails, so no door can crash on a kind."""
    lang = _language(language)
    return KIND_WORDING.get(kind, _UNKNOWN)[lang]


def describe_kinds(kinds: Sequence[str], language: str) -> str:
    """The kinds found, each once, in order, joined as a sentence part: "et CPR-nummer, et navn og en adresse"."""
    lang = _language(language)
    phrases = list(dict.fromkeys(kind_phrase(kind, lang) for kind in kinds))
    if not phrases:
        return _UNKNOWN[lang]
    if len(phrases) == 1:
        return phrases[0]
    return f"{', '.join(phrases[:-1])} {_AND[lang]} {phrases[-1]}"


def removal_note(kinds: Sequence[str], language: str) -> str:
    """One plain sentence saying what was removed, for doors without their own wording (the command line)."""
    return _REMOVED[_language(language)].format(kinds=describe_kinds(kinds, language))
