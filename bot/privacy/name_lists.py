"""The word lists the name detector reads: first names, surnames, ordinary words that are also names, and places.

Each list is built on first use and cached (nothing is read at import time). Sources, and why each was chosen,
are in docs/REDACTION.md:

* first names: gender-guesser's name dictionary (Jörg Michael's nam_dict, 48,000 names with how common each is in
  54 countries), keeping a name only where it is at least rare-but-real (frequency class 3 of 13) in some
  country, so dictionary noise such as "er", "side" or "titel" drops out; plus Faker's first-name lists for the
  countries most Copenhagen citizens with a non-Danish background come from, and `caseworker_names.txt`
  (Somali, Tigrinya, Kurdish, Arabic, Urdu, Persian and Ukrainian names in the Latin spellings caseworkers use);
* surnames: Faker's lists (Danmarks Statistik's 91 most frequent Danish surnames in da_DK, and Norwegian,
  Swedish, Polish, Turkish, Azerbaijani, Pakistani, Algerian, Kenyan and transliterated Ukrainian ones) plus
  `caseworker_names.txt`;
* ordinary words (`name_homographs.txt`): names that are also lower-case Danish or English words ("hans",
  "kan", "per", "will"), generated once from Debian's wdanish and wamerican word lists by
  `python -m scripts.make_name_homographs`, so the word lists are not needed at run time;
* places: Faker's Danish towns and country names plus `places.txt` (Copenhagen districts, neighbourhoods and
  housing estates the documents and caseworkers name), never taken for a person on their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["first_names", "homographs", "places", "surnames"]

_DATA = Path(__file__).resolve().parent / "data"

# nam_dict's frequency per country: " " absent, "1".."9", "A".."D" (13 most common). Class 3 keeps real but rare
# names (Hodan, Usman) and drops the entries that are ordinary words in one language only ("har", "titel").
MIN_NAME_FREQUENCY = 3
# The East-Asian columns hold one-syllable transliterations ("ting", "bog", "en") that are Danish words; a name
# counts from them only when common there.
_EAST_ASIAN_COLUMNS = (49, 51, 52, 53)  # china, japan, korea, vietnam in gender_guesser.detector.COUNTRIES order
_EAST_ASIAN_MIN = 6

# Faker locales whose names caseworkers in Copenhagen meet (Latin script, or transliterated below).
FIRST_NAME_LOCALES = ("da_DK", "no_NO", "sv_SE", "pl_PL", "tr_TR", "az_AZ", "en_PK", "fr_DZ", "en_KE", "uz_UZ",
                      "uk_UA")  # fmt: skip
SURNAME_LOCALES = ("da_DK", "no_NO", "sv_SE", "pl_PL", "tr_TR", "az_AZ", "en_PK", "fr_DZ", "en_KE", "uz_UZ", "uk_UA")
_FAKER_FIRST = ("first_names", "first_names_male", "first_names_female")
_FAKER_LAST = ("last_names", "last_names_male", "last_names_female", "male_last_names", "female_last_names",
               "unisex_last_names")  # fmt: skip

# Ukrainian Cyrillic in the Latin spelling of the 2010 national standard (the one passports use).
_UK_LATIN = dict(zip("абвгґдезиіклмнопрстуфхцчшщьʼ'", ["a", "b", "v", "h", "g", "d", "e", "z", "y", "i", "k", "l",
                     "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "", ""]))  # fmt: skip
_UK_LATIN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_UK_LATIN_INNER = {"є": "ie", "ї": "i", "й": "i", "ю": "iu", "я": "ia"}


def transliterate_ukrainian(word: str) -> str:
    """A Cyrillic Ukrainian name as it appears in a Danish case file (passport spelling): Шевченко → shevchenko."""
    out: list[str] = []
    for position, char in enumerate(word.lower()):
        special = _UK_LATIN_INITIAL if position == 0 else _UK_LATIN_INNER
        out.append(special.get(char) or _UK_LATIN.get(char, char))
    return "".join(out)


def _data_lines(name: str, *, words: bool = False) -> Iterator[tuple[str, str]]:
    """(section, entry) per line of a data file in bot/privacy/data (per word with `words`); sections marked `[name]`."""
    section = ""
    for raw in (_DATA / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        yield from ((section, word) for word in line.split()) if words else ((section, line),)


def _strength(columns: str) -> int:
    """How common a name is in the country where it is most common (0-13), East-Asian columns discounted."""
    best = 0
    for column, char in enumerate(columns):
        if char == " ":
            continue
        value = int(char, 16) if char.isalnum() else 0
        if column in _EAST_ASIAN_COLUMNS and value < _EAST_ASIAN_MIN:
            continue
        best = max(best, value)
    return best


def _gender_guesser_names() -> Iterator[str]:
    """Lower-case first names from gender-guesser's nam_dict that are common enough somewhere to be real names."""
    text = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#=":
            continue
        parts = line.split()
        if len(parts) < 2 or _strength(line[30:-1]) < MIN_NAME_FREQUENCY:
            continue
        name = parts[1].lower()
        if "+" in name:  # compound names: "jean+pierre" is written with a space, a hyphen or nothing
            yield from (name.replace("+", joiner) for joiner in ("", "-", " "))
            yield from name.split("+")
        else:
            yield name


def _faker_names(locales: Iterable[str], attributes: Iterable[str]) -> Iterator[str]:
    """Lower-case names from Faker's person providers, Ukrainian ones transliterated to Latin letters."""
    wanted = tuple(attributes)
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in wanted:
            names = getattr(provider, attribute, ())
            for name in names:  # tuples, or dicts of name -> weight
                lowered = str(name).lower()
                if locale == "uk_UA":
                    lowered = transliterate_ukrainian(lowered)
                yield from (part for part in lowered.replace("-", " ").split() if len(part) > 1)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Every first name the detector knows, lower case."""
    names = set(_gender_guesser_names())
    names.update(_faker_names(FIRST_NAME_LOCALES, _FAKER_FIRST))
    names.update(entry.lower() for section, entry in _data_lines("caseworker_names.txt", words=True)
                 if section == "first")
    return frozenset(n for n in names if len(n) > 1)


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Every surname the detector knows, lower case (a name it also knows as a first name is in both)."""
    names = set(_faker_names(SURNAME_LOCALES, _FAKER_LAST))
    names.update(entry.lower() for section, entry in _data_lines("caseworker_names.txt", words=True)
                 if section == "surname")
    names.discard("doe")  # Faker's placeholder
    return frozenset(n for n in names if len(n) > 1)


@lru_cache(maxsize=1)
def homographs() -> frozenset[str]:
    """Names that are also ordinary lower-case Danish or English words, so they need context to count as names."""
    return frozenset(entry for _, entry in _data_lines("name_homographs.txt", words=True))


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Lower-case place names (Danish towns, Copenhagen districts, countries) that are never a person on their own."""
    found: set[str] = {entry.lower() for _, entry in _data_lines("places.txt")}
    for locale in ("da_DK", "en_US"):
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        found.update(str(place).lower() for place in getattr(provider, "countries", ()))
        # Two Danish villages are also common first names (Flemming, Tim): the person wins.
        found.update(town for town in (str(p).lower() for p in getattr(provider, "cities", ())) if town not in first_names())
    return frozenset(found)
