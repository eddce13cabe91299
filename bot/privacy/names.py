"""Finds people's names in a caseworker's message, so a citizen's name is neither stored nor embedded.

A name starts at a word the lists in bot/privacy/name_lists.py know as a first name or surname, or at any word after a
title ("Fru", "hr.", "Mrs"), "familien" or "the … family"; it runs on over the words that follow it as surnames.
What decides, word by word (measured in docs/REDACTION.md):

* a known name that is no ordinary word (Mette, Fatima, Jensen) is a name in any case and position;
* a name that is also an ordinary word ("Hans", "Per", "Kan", "Will", "Lund") is one only with context: a known
  name after it ("Per Nielsen"), a title or "familien" before it, or a capital letter in mid-sentence, where
  Danish and English capitalise only proper nouns ("spørg Bo");
* after a first name, the next capitalised word is the surname (Mikkel Warming), as is a lower-case known name
  ("mohammed ali"); particles (al, bin, van, de …) join;
* surname shapes need no list: a Nordic patronymic whose stem is a first name (-sen, -søn, -sson), -gaard/-gård,
  Polish -ski/-cki/-wicz, Ukrainian -enko/-chuk, Turkish -oğlu, South Slavic -ović/-ević;
* never a person on its own: places the documents and caseworkers name (Valby, Nørrebro, Tingbjerg), words that
  end like an institution (Socialforvaltningen, -udvalget, -teamet), months and weekdays, and all-capital
  acronyms (BIU, SOF), which is also why placeholders such as [NAVN] are never matched again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.privacy.name_lists import first_names, homographs, places, surnames

__all__ = ["name_spans"]

_TOKEN = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n•*]|(?<![\w,])-|[\"“”«»(\[])\s*$")
_POSSESSIVE = re.compile(r"['’]s$")
_ABBREVIATION_BEFORE = re.compile(r"\b(?:vedr|ang|att|jf|evt|ca|bl\.a|fx|mht|nr|tlf|inkl|ift|pga|re)\.\s*$", re.IGNORECASE)
RARE_DANISH, RARE_ENGLISH = 2.5, 3.5  # Zipf; "ansøgte" 2.6, "mulder" 3.0, "qualify" 4.2: see docs/REDACTION.md
_MAX_PARTS = 5  # "Anna Mee Allerslev", "Mohamed Abdi Farah Hassan": a longer run is not one name

TITLES = frozenset({"fru", "hr", "herr", "frk", "frøken", "mrs", "mr", "ms", "miss", "mister", "madam", "dr"})
FAMILY_BEFORE = frozenset({"familien", "familie", "familiens", "famillien", "family"})
# Who a caseworker writes about: a capitalised word right after one is a name even if it is also a word
# ("borgeren Skov", "klienten Nadir").
ROLES = frozenset({"borger", "borgeren", "borgers", "klient", "klienten", "client", "citizen", "beboer", "beboeren",
                   "ansøger", "ansøgeren", "patient", "patienten", "eleven", "drengen", "pigen", "sønnen",
                   "datteren", "manden", "konen", "hustruen", "ægtefællen"})  # fmt: skip
FAMILY_AFTER = frozenset({"family", "family's", "families", "household"})
# After a possessive ("Zdislava's son", "Fatimas mor"), words that make the owner a person.
KIN_AFTER = frozenset({"son", "daughter", "mother", "father", "husband", "wife", "children", "kids", "brother",
                       "sister", "case", "meeting", "søn", "datter", "mor", "far", "mand", "kone", "hustru", "børn",
                       "bror", "søster", "sag", "samtale", "ægtefælle"})  # fmt: skip
PARTICLES = frozenset({"al", "el", "bin", "ibn", "bint", "abu", "ben", "ould", "van", "von", "de", "der", "den",
                       "da", "di", "du", "del", "la", "le", "mc", "o"})  # fmt: skip
# Capitalised mid-sentence in English, or part of a Danish heading, and never a citizen's name.
STOP = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "mio", "mia", "max", "ca", "kr", "pct",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "i", "de", "dem",
    "deres", "dig", "du", "jer", "god", "gud", "jesus", "allah", "christmas", "jul", "påske", "ramadan", "eid",
    "danish", "english", "dansk", "engelsk", "task", "force", "dato", "dok", "sagsnr", "bilag", "kære", "dear",
    "hej", "hi", "hello", "venlig", "hilsen", "mvh", "tak", "thanks", "fru", "hr", "mr", "mrs", "ms", "herr",
})  # fmt: skip
INSTITUTION_ENDINGS = ("forvaltning", "forvaltningen", "forvaltningens", "udvalg", "udvalget", "udvalgets", "rådet",
                       "teamet", "team", "centret", "centeret", "center", "huset", "enheden", "kontoret", "kommune",
                       "kommunes", "tjenesten", "projektet", "indsatsen", "ministeriet", "styrelsen", "afdelingen",
                       "sekretariatet", "gruppen", "skolen", "klinikken", "hospitalet", "service", "politik",
                       "politikken", "planen", "pulsen", "netværket", "linjen", "portalen", "ordningen",
                       "programmet", "foreningen", "kvarteret", "bydel", "bydelen", "parken", "haven", "mødre",
                       "mødrene", "mor", "committee", "council", "department", "administration", "services",
                       "centre")  # fmt: skip
_PATRONYMIC = ("sen", "søn", "sson")
_SURNAME_SHAPES = ("ová", "ienė", "aitė", "ytė", "escu", "eanu", "auskas", "ičius", "gaard", "ski", "ska", "cki", "cka", "dzki", "dzka", "wicz", "czyk", "enko", "chuk",
                   "czuk", "oğlu", "oglu", "ović", "ovic", "ević", "evic")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Word:
    """One word of the message and what the lists say about it."""

    start: int
    end: int  # possessive "'s" left out
    key: str  # lower case, possessive and Danish genitive -s stripped where that makes a known name
    capital: bool  # Capitalised (not all capitals)
    upper: bool  # all capitals, two letters or more: an acronym or a placeholder
    initial: bool  # first word of a sentence, line or bullet
    truncated: bool  # a compound cut short before a hyphen: "Beskæftigelses- og Integrationsudvalget"
    possessive: bool  # written "Mette's" or (Danish) "Mettes"


def _key_of(word: str, capital: bool) -> str:
    """Lower case, with a Danish genitive -s removed when that leaves a known name ("Fatimas" → "fatima")."""
    lowered = word.lower().replace("i\u0307", "i")  # "İmrihan".lower() keeps a combining dot
    if capital and lowered.endswith("s") and len(lowered) > 3 and not _known(lowered) and _known(lowered[:-1]):
        return lowered[:-1]
    return lowered


@lru_cache(maxsize=65536)
def _shape_surname(key: str) -> bool:
    """A surname by its shape alone: Nordic patronymic on a first name, -gaard, Polish, Ukrainian, Turkish, Slavic."""
    if len(key) < 6 or key in homographs() or key in places():
        return False
    for ending in _PATRONYMIC:
        if key.endswith(ending):
            stem = key[: -len(ending)]
            for candidate in (stem, stem + "s", stem[:-1] if stem.endswith("s") else stem):
                if len(candidate) >= 3 and candidate in first_names() and candidate not in homographs():
                    return True
    return key.endswith(_SURNAME_SHAPES)


def _known(key: str) -> bool:
    """Whether the lists know the word as a first name or surname, or it is shaped like a surname."""
    return key in first_names() or key in surnames() or _shape_surname(key)


def _institution(key: str) -> bool:
    """Words of organisation and programme names, which are never a person: -forvaltningen, -udvalget, -teamet."""
    return key.endswith(INSTITUTION_ENDINGS)


def _never_alone(key: str) -> bool:
    """Places, months, greetings and institution words: not a person by themselves."""
    return key in STOP or key in places() or _institution(key)


def _ordinary(key: str) -> bool:
    """A known name that is also an ordinary word, so it needs context to be a name."""
    return key in homographs() or _never_alone(key)


def _words(text: str) -> list[_Word]:
    """The message's words in order, with their case and position in the sentence."""
    words: list[_Word] = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        end = m.end()
        possessive = _POSSESSIVE.search(raw)
        if possessive:
            raw, end = raw[: possessive.start()], m.start() + possessive.start()
            if not raw:
                continue
        upper = len(raw) > 1 and raw.isupper()
        owner = bool(possessive) or (raw.endswith("s") and len(raw) > 3)
        capital = raw[0].isupper() and not upper
        initial = m.start() == 0 or (bool(_SENTENCE_START.search(text, max(0, m.start() - 4), m.start()))
                                     and not _ABBREVIATION_BEFORE.search(text, max(0, m.start() - 8), m.start()))
        truncated = text.startswith("-", m.end()) and not text.startswith("-", m.end() + 1)
        words.append(_Word(m.start(), end, _key_of(raw, capital), capital, upper, initial, truncated, owner))
    return words


def _adjacent(text: str, left: _Word, right: _Word) -> bool:
    """Whether two words can belong to one name: one or two spaces between them, nothing else."""
    gap = text[left.end : right.start]
    return 0 < len(gap) <= 2 and gap.strip(" \u00a0") == ""


def _starts_name(words: list[_Word], i: int, text: str) -> bool:
    """Whether word i begins a name, judged by the word and the one before and after it."""
    word = words[i]
    if word.upper or word.truncated:
        return False
    before = words[i - 1] if i > 0 and words[i - 1].end >= word.start - 3 else None
    after = words[i + 1] if i + 1 < len(words) and _adjacent(text, word, words[i + 1]) else None
    if after is not None and after.truncated:
        after = None
    key = word.key
    if before is not None and _context_before(before, word, text) and not _institution(key) and key not in STOP:
        return word.capital or (_known(key) and key not in homographs())
    if after is not None and after.key in FAMILY_AFTER and before is not None and before.key == "the":
        return word.capital and not _never_alone(key)
    if word.capital and word.possessive and _kin_follows(words, i, text) and not _never_alone(key):
        english = text.startswith(("'s", "’s"), word.end)
        if (english and (_known(key) or _rare(key))) or (_known(key) and not _ordinary(key)):
            return True  # "Zdislava's son", "Fatimas mor": someone's son is a person's
    if not _known(key):
        # Two capitalised words no language uses, side by side: a name no list holds ("Laurita Huhn"), where an
        # organisation or place is made of ordinary words ("Fælles Sprog", "Projekt Udenfor").
        return (word.capital and after is not None and after.capital and _rare(key) and _rare(after.key)
                and not _never_alone(key) and not _never_alone(after.key))
    if not _ordinary(key):
        return word.capital or len(key) >= 3
    if not word.capital:
        # "hans jensen", "helle nogieć": a lower-case name that is also a word, before a surname that is not
        return after is not None and not after.capital and _strong_surname(after.key)
    if after is not None and after.capital and not _never_alone(after.key) and (
        (_known(after.key) and not _ordinary(after.key)) or _rare(after.key)
    ):
        return True  # "Hans Jensen", "Per Nielsen", "Bo Vendetti": an ordinary word before a name is a name
    if key in STOP or _never_alone(key) or word.initial:
        return False
    # Capitalised in mid-sentence ("spørg Bo", "kontakt Lund"), unless part of a capitalised name of something
    # else ("Mødrenes Hus", "Café Klare").
    if before is not None and before.capital and _adjacent(text, before, word):
        return before.initial and not (before.key.endswith("s") and _rare(before.key))  # "Mødrenes Hus"
    return True


def _kin_follows(words: list[_Word], i: int, text: str) -> bool:
    """Whether a possessive is followed by a word for a relative or a case ("'s son", "s mor", "'s case")."""
    if i + 1 >= len(words):
        return False
    gap = text[words[i].end : words[i + 1].start]
    return gap.lstrip("'’s").strip(" \u00a0") == "" and len(gap) <= 4 and words[i + 1].key in KIN_AFTER


def _strong_surname(key: str) -> bool:
    """A surname the lists or its shape vouch for, that is no ordinary word."""
    return (key in surnames() or _shape_surname(key)) and not _ordinary(key)


def _context_before(before: _Word, word: _Word, text: str) -> bool:
    """A title ("Fru", "hr."), "familien", or a role ("borgeren") before a capitalised word, right before it."""
    gap = text[before.end : word.start]
    if before.key in TITLES:
        return gap.strip() in ("", ".")
    if before.key in ROLES:
        return gap.strip() in ("", ",", ":") and word.capital
    return before.key in FAMILY_BEFORE and gap.strip() == ""


def _continues_name(previous: _Word, word: _Word, text: str) -> bool:
    """Whether a word right after a name is more of it: a surname, a middle name, a particle before one."""
    if word.upper or word.truncated or not _adjacent(text, previous, word):
        return False
    key = word.key
    if key in FAMILY_AFTER or _institution(key) or key in STOP:
        return False
    if word.capital:
        return not (key in places() and not _known(key))
    if _known(key):
        return key not in homographs() and not _never_alone(key)
    return previous.start < word.start and _rare(key)  # "daniele shinwari": a word no language uses is a surname


@lru_cache(maxsize=65536)
def _rare(key: str) -> bool:
    """A lower-case word neither Danish nor English uses (wordfreq), so after a first name it is the surname."""
    from wordfreq import zipf_frequency  # loaded on first use: its word lists take a moment

    return len(key) >= 3 and zipf_frequency(key, "da") < RARE_DANISH and zipf_frequency(key, "en") < RARE_ENGLISH


def _precedes_name(word: _Word, name: _Word, text: str) -> bool:
    """Whether the word before a name found by its surname is its first name: same case, rare, right before it."""
    if word.upper or word.truncated or not _adjacent(text, word, name):
        return False
    if word.capital and not name.capital:  # "Trine grzegorzak": a phone capitalised the message's first letter
        return word.initial and word.key in first_names()
    if word.capital != name.capital:
        return False
    if _institution(word.key) or word.key in STOP or word.key in places() or word.key in PARTICLES:
        return False
    return _rare(word.key) or (word.capital and word.key in first_names() and not _ordinary(word.key))


def _particle_joins(words: list[_Word], i: int, text: str) -> bool:
    """'al', 'bin', 'van' … between two parts of a name ("Ahmed bin Salman")."""
    if i + 1 >= len(words) or words[i].key not in PARTICLES or words[i].capital and words[i].key in ("de", "den"):
        return False
    return _adjacent(text, words[i], words[i + 1]) and words[i + 1].capital


def name_spans(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each name in the text: first name and the surnames after it, or a surname alone."""
    words = _words(text)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if not _starts_name(words, i, text):
            i += 1
            continue
        first = last = i
        while first > 0 and _precedes_name(words[first - 1], words[first], text) and last - first + 1 < _MAX_PARTS:
            first -= 1  # "anabel straková", "Leticija Rica Raljević": a first name no list holds, before a surname
        while last + 1 < len(words) and last - first + 1 < _MAX_PARTS:
            if _continues_name(words[last], words[last + 1], text):
                last += 1
            elif _particle_joins(words, last + 1, text) and _adjacent(text, words[last], words[last + 1]):
                last += 2
            else:
                break
        spans.append((words[first].start, words[last].end))
        i = last + 1
    return spans
