"""Damages clean Danish text the way the OCR of document 003 did, to measure `corpus.ocr.repair`.

The rates below were counted in document 003 (the OCR'd annex) after repair, by mapping every æ, ø and å
of the repaired text back to what the OCR had printed (`python -m eval.checks.ocr --observe` recounts):

- every æ, ø and å of that file was misread: none survived;
- å (104 seen): `a` 70, `d` 14, `é` 12, `aé` 3, `i` 2, `&`, `4`, `8` 1 each;
- æ (79 seen): `a` 27, `e` 21, `ae` 17, `ee` 8, `ea` 2, `z` 2, `&` 1, `zx` 1;
- ø (75 seen): `e` 41, `o` 27, `g` 4, `a` 2, `ea` 1;
- capitals: `Ø` as `@` (2 of 2: `K@BENHAVNS`, `@konomiforvaltningen`); no capital Æ or Å was seen, for
  them the lower-case look-alikes are used in capitals;
- the word `i` was printed `1` 16 times out of 56, once glued to the year after it (`12008` = `i 2008`,
  of the 2 `i` before a year).
"""

from __future__ import annotations

import random
import re

# letter -> [(look-alike, weight)], weights as counted in 003
LOOKALIKES: dict[str, list[tuple[str, float]]] = {
    "å": [("a", 70), ("d", 14), ("é", 12), ("aé", 3), ("i", 2), ("&", 1), ("4", 1), ("8", 1)],
    "æ": [("a", 27), ("e", 21), ("ae", 17), ("ee", 8), ("ea", 2), ("z", 2), ("&", 1), ("zx", 1)],
    "ø": [("e", 41), ("o", 27), ("g", 4), ("a", 2), ("ea", 1)],
    "Ø": [("@", 2)],
}
for _letter in "åæ":  # capitals not seen in 003: the lower-case look-alikes, in capitals
    LOOKALIKES[_letter.upper()] = [(seen.upper(), weight) for seen, weight in LOOKALIKES[_letter]]
ONE_FOR_I = 16 / 56  # share of the words `i` printed as `1`
GLUED_YEAR = 1 / 2  # share of the `i`s before a year whose `1` lost the space (`12008`)
DEFAULT_RATE = 1.0  # in 003 every word with æ, ø or å was misread

_WORD = re.compile(r"[^\W\d_]+")
_SPLIT = re.compile(r"([^\W\d_]+)")
_YEAR = re.compile(r"(?:19|20)\d\d\b")


def tokenize(text: str) -> list[str]:
    """Words and the text between them, alternating, so that `"".join(tokenize(t)) == t`.

    Even indices hold the text between words (possibly empty), odd indices hold words.
    """
    return _SPLIT.split(text)


def is_word(token: str) -> bool:
    return bool(_WORD.fullmatch(token))


def damageable(token: str) -> bool:
    """Could the OCR misread this word? (It has æ, ø or å, or it is the word `i`.)"""
    return token == "i" or any(c in LOOKALIKES for c in token)


def _lookalike(letter: str, rng: random.Random, all_caps: bool) -> str:
    options = LOOKALIKES[letter]
    choice = rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]
    if letter.isupper() and not all_caps and len(choice) > 1:
        choice = choice[0] + choice[1:].lower()  # `Ae` in a capitalised word, `AE` in a word in capitals
    return choice


def damage_word(word: str, rng: random.Random) -> str:
    """`word` with every æ, ø and å replaced by a look-alike drawn with 003's frequencies."""
    all_caps = sum(c.isupper() for c in word) >= 2 and word == word.upper()
    return "".join(_lookalike(c, rng, all_caps) if c in LOOKALIKES else c for c in word)


def damage_tokens(tokens: list[str], rng: random.Random, rate: float = DEFAULT_RATE) -> list[str]:
    """Damaged copy of `tokens` (as from `tokenize`), aligned one to one: element k stands for tokens[k].

    A word with æ, ø or å is misread with probability `rate`; the word `i` becomes `1` with probability
    `rate * ONE_FOR_I`, and before a year the space may be lost (`i 2008` → `12008`): then the separator
    after it loses its leading space.
    """
    out = list(tokens)
    for k, token in enumerate(tokens):
        if k % 2 == 0 or not token:
            continue
        if token == "i":
            if rng.random() < rate * ONE_FOR_I:
                out[k] = "1"
                following = tokens[k + 1] if k + 1 < len(tokens) else ""
                if following.startswith(" ") and _YEAR.match(following, 1) and rng.random() < GLUED_YEAR:
                    out[k + 1] = following[1:]
            continue
        if any(c in LOOKALIKES for c in token) and rng.random() < rate:
            out[k] = damage_word(token, rng)
    return out


def damage(text: str, rng: random.Random, rate: float = DEFAULT_RATE) -> str:
    """`text` misread the way the OCR of 003 misread it (see `damage_tokens`)."""
    return "".join(damage_tokens(tokenize(text), rng, rate))
