"""Finds Danish street addresses in a caseworker's message: a street with a house number, and what follows it.

An address is a street name ending like a Danish street (-gade, -vej, allé, plads, boulevard, vænge, have, park,
stræde, torv …) followed by a house number ("12", "12B", "12-14"), optionally the floor and side ("3. tv.",
"st. th.", "2. sal") and a postcode with its town ("2200 København N"). Multi-word streets count too ("Hans
Tavsens Gade 5", "Gammel Kongevej 10", "H.C. Andersens Boulevard 27").

What is not an address on its own: a street or district name without a number ("Nørrebrogade", "Valby"), or a
postcode with a town ("bor i 2200 København N"): neither identifies a person, and the documents use both. Lower-case
compounds are streets only for the unambiguous endings (gade, vej, allé, stræde, boulevard), because "børnehave 3
dage" and "arbejdsplads 2 km væk" are no addresses; a house number followed by an ordinary word ("vej 2 gange")
is rejected for the same reason.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.privacy.name_lists import first_names, places

__all__ = ["address_spans"]

# Compound endings of Danish street names, and the same words standing alone after a name ("Enghave Plads").
_ENDINGS = ("gade", "gaden", "vej", "vejen", "allé", "alle", "plads", "pladsen", "boulevard", "vænge", "vænget",
            "have", "haven", "park", "parken", "stræde", "strædet", "torv", "torvet", "vang", "vangen", "toft", "bakke",
            "bakken", "sti", "stien", "brygge", "kaj", "kajen", "dige", "passage", "løkke", "engen")  # fmt: skip
# Endings that also end district and town names (Nørrebro, Albertslund, Bellahøj): streets only as a word of
# their own after a name ("Dronning Louises Bro").
_BARE_ONLY = ("bro", "broen", "høj", "lund", "skov", "mose", "ring", "ringen", "gård", "gården", "hegn", "kvarter")
_LOWER_ENDINGS = ("gade", "gaden", "vej", "vejen", "allé", "alle", "stræde", "strædet", "boulevard")
# Ordinary lower-case compounds with a street ending: never a street, whatever number follows.
_NOT_STREETS = frozenset({"udvej", "omvej", "genvej", "motorvej", "landevej", "hovedvej", "skolevej", "cykelvej",
                          "gennemgade", "gågade", "sidegade", "livsvej", "nødudvej", "arbejdsvej", "karrierevej"})  # fmt: skip
# Words that start a multi-word street name ("Gammel Kongevej", "Sankt Hans Torv", "Ny Carlsberg Vej").
_PREFIXES = frozenset({"gammel", "gamle", "ny", "nye", "store", "lille", "øster", "vester", "nørre", "sønder", "sankt",
                       "skt", "dronning", "kong", "kongens", "prins", "prinsesse", "amager", "frederiksberg", "islands",
                       "christianshavns", "h.c", "h.c.", "c.f", "j.c", "n.j", "ved", "nordre", "søndre", "østre",
                       "vestre", "indre", "ydre"})  # fmt: skip

RARE_ZIPF = 2.5  # "enghave" and "kongebro" are below it, "er", "en", "fået" far above

_LETTER = r"[^\W\d_]"
_WORD = rf"(?:{_LETTER}(?:{_LETTER}|[.'’-])*)"
_ENDING_ALT = "|".join(sorted(_ENDINGS + _BARE_ONLY, key=len, reverse=True))
_SPACE = "[ \u00a0]"
# The street: up to three words, then a word ending like a street (or such a word alone); `_street_start` decides
# which of the words before it belong to the street.
_STREET = re.compile(
    rf"""
    (?<![\w.])
    (?P<street>
      (?:{_WORD}{_SPACE}+){{0,3}}
      (?P<last>(?:{_LETTER}(?:{_LETTER}|[.'’-])*?)?(?i:{_ENDING_ALT}))(?!{_LETTER})
    )
    {_SPACE}+
    (?P<number>\d{{1,3}}(?![\d.,:/]\d)(?:{_SPACE}?[A-Za-z](?!{_LETTER}))?(?:{_SPACE}*-{_SPACE}*\d{{1,3}}(?!\d))?)
    (?![\d%])
    """,
    re.VERBOSE,
)
_ESTATES = ("parken", "planen", "landet", "haven", "gården")
_NAMED_PLACE = re.compile(
    rf"(?<![\w.])(?P<name>[A-ZÆØÅ]{_LETTER}{{3,}}){_SPACE}+(?P<number>\d{{1,3}}(?![\d.,:/]\d)(?:{_SPACE}?[A-Za-z](?!{_LETTER}))?)(?![\d%])"
)
_SIDE = r"(?:th|tv|mf)\b\.?"
# After the number: ", 3. tv.", " st. th.", ", 2. sal", ", 1. 3", " kl.".
_FLOOR = re.compile(
    rf"""
    ,?{_SPACE}*
    (?:\d{{1,2}}\.(?={_SPACE}*(?:sal|th|tv|mf|\d))(?:{_SPACE}*(?:sal\b\.?|{_SIDE}|\d{{1,3}}(?![\d.,]\d)))?
     |\d{{1,2}}{_SPACE}*(?:sal\b\.?|{_SIDE})
     |stuen\b|st\b\.?(?:{_SPACE}*{_SIDE})?|kld\.|kl\b\.?|kælder(?:en)?\b)
    (?:{_SPACE}*,?{_SPACE}*{_SIDE})?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_SIDE_ONLY = re.compile(rf",?{_SPACE}*{_SIDE}", re.IGNORECASE)
# Postcode and town: ", 2200 København N", " DK-2500 Valby", ", 1620 Kbh. V".
_TOWN = r"(?:(?i:kbh)\.?|[A-ZÆØÅ][\w-]*|(?i:københavn|frederiksberg|valby|vanløse|brønshøj|hellerup|kastrup))"
_POSTCODE = re.compile(
    rf""",?{_SPACE}*(?:DK{_SPACE}?-?{_SPACE}?)?\d{{4}}(?!\d)
        (?:{_SPACE}+{_TOWN}(?:{_SPACE}+(?:NV|SV|NØ|SØ|[NSØVKC])\b)?)?""",
    re.VERBOSE,
)
_AFTER_NUMBER = frozenset({"th", "tv", "mf", "st", "sal", "stuen", "kl", "kld", "kælder", "kælderen", "og", "and", "i", "in",
                           "på", "hos", "c/o", "eller", "or"})  # fmt: skip
_NEXT_WORD = re.compile(r"[ \u00a0]+([^\W\d_]+)")


def _belongs(word: str, last: str, following_genitive: bool) -> bool:
    """Whether a word before the street's last word is part of its name ("Gammel", "Hans Tavsens", "Valby")."""
    key = word.lower().rstrip(".")
    if key in _PREFIXES or key + "." in _PREFIXES or key in places():
        return True
    if word[0].isupper() != last[0].isupper():
        return False  # "bor på Jagtvej": the case changes where the street name starts
    if len(key) >= 4 and key.endswith("s"):
        return True  # a genitive: "Hans Tavsens Gade", "peter bangs vej", "stoltenbergs plads"
    if following_genitive and key in first_names():
        return True  # the first name of a person a street is named after: "Peter Bangs Vej"
    if last.lower() not in _ENDINGS + _BARE_ONLY:
        return False
    # Before a bare "Plads", "Allé": a capitalised word ("Enghave Plads"), or in lower case a word no one uses
    # on its own ("enghave plads 28"), never an ordinary one ("der er plads 3").
    return word[0].isupper() or _rare(key)


@lru_cache(maxsize=4096)
def _rare(key: str) -> bool:
    """A lower-case word too rare in Danish and English (wordfreq) to be anything but part of a name."""
    from wordfreq import zipf_frequency  # loaded on first use

    return len(key) >= 4 and zipf_frequency(key, "da") < RARE_ZIPF and zipf_frequency(key, "en") < RARE_ZIPF


def _street_start(m: re.Match[str]) -> int | None:
    """Where the street name starts, or None when the words before the number make no street."""
    last = m["last"]
    key = last.lower()
    if key in _NOT_STREETS:
        return None
    bare = key in _ENDINGS or key in _BARE_ONLY  # "Plads", "Bro" alone: a street only after a name ("Enghave Plads")
    if not bare and key.endswith(_BARE_ONLY) and not key.endswith(_ENDINGS):
        return None  # "Nørrebro 12", "Albertslund 3": a district or town and a number
    words = list(re.finditer(r"\S+", m["street"]))[:-1]
    start = m.start("last")
    genitive = False
    for word in reversed(words):
        if not _belongs(word.group(0), last, genitive):
            break
        start = m.start("street") + word.start()
        genitive = len(word.group(0)) >= 4 and word.group(0).endswith("s")
    if bare and start == m.start("last"):
        return None
    if not last[0].isupper() and not bare and not key.endswith(_LOWER_ENDINGS) and start == m.start("last"):
        # lower case: the unambiguous endings, or a compound no one uses but as a name ("mjølnerparken 12"),
        # never an ordinary word ("børnehave 3", "arbejdsplads 2")
        return start if _rare(key) else None
    return start


def _extend(text: str, end: int) -> int:
    """Take the floor and side, then the postcode and town, that follow a house number."""
    for pattern in (_FLOOR, _SIDE_ONLY, _POSTCODE):
        m = pattern.match(text, end)
        if m and m.end() > end and m.group(0).strip(" ,\u00a0"):
            end = m.end()
    return end


def _number_ends_address(text: str, end: int) -> bool:
    """A house number is followed by punctuation, the end, a floor, a postcode or a capitalised word; not "3 dage"."""
    m = _NEXT_WORD.match(text, end)
    if m is None:
        return True
    word = m.group(1)
    return word[0].isupper() or word.lower() in _AFTER_NUMBER


def _named_place_addresses(text: str) -> list[tuple[int, int]]:
    """Housing estates addressed without a street ending ("Urbanplanen 112, 3. tv.", "Gadelandet 36, 2450 …"):
    a capitalised name and a house number count as an address when a floor or a postcode and town follow."""
    spans: list[tuple[int, int]] = []
    for m in _NAMED_PLACE.finditer(text):
        after_number = m.end("number")
        end = _extend(text, after_number)
        floor = _FLOOR.match(text, after_number)
        postcode = _POSTCODE.match(text, after_number)
        key = m["name"].lower()
        if key.endswith(_ENDINGS + _BARE_ONLY) or not _rare(key) or (key in places() and not key.endswith(_ESTATES)):
            continue  # streets are found below; "Bilag 2, 2200 …" is no address; "Valby 25, 2500 Valby" a district
        if end > after_number and ((floor and floor.group(0).strip(" ,")) or (postcode and postcode.group(0).strip(" ,"))):
            spans.append((m.start("name"), end))
    return spans


def address_spans(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each street address: street, house number, and floor, side, postcode and town if given."""
    spans: list[tuple[int, int]] = _named_place_addresses(text)
    pos = 0
    while (m := _STREET.search(text, pos)) is not None:
        if any(start <= m.start("last") < end for start, end in spans):
            pos = m.end()
            continue
        start = _street_start(m)
        if start is None or not _number_ends_address(text, m.end("number")):
            pos = m.start("last") + 1 if m.start("last") > m.start() else m.start() + 1
            continue
        end = _extend(text, m.end("number"))
        spans.append((start, end))
        pos = end
    return sorted(spans)
