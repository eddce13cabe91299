"""Damages clean Danish text the way the OCR of document 003 did, to measure `corpus.ocr.repair`.

The rates below were counted in document 003 (the OCR'd annex) after repair, by mapping every æ, ø and å
of the repaired text back to what the OCR had printed (`eval.ocr_check --observe` recounts them):

- every æ, ø and å of that file was misread: none survived;
- å (104 seen): `a` 67 %, `d` 13 %, `é` 12 %, `aé` 3 %, `i` 2 %, `&`, `4`, `8` 1 % each;
- æ (72 seen): `a` 31 %, `e` 29 %, `ae` 22 %, `ee` 10 %, `ea` 3 %, `z` 3 %, `zx` 1 %, `&` 1 %;
- ø (70 seen): `e` 49 %, `o` 37 %, `g` 6 %, `a` 4 %, `@` 3 %, `ea` 1 %;
- capitals: `Ø` as `@` (`K@BENHAVNS`, `@konomiforvaltningen`), `Å` as `&` (`P&`);
- the word `i` was printed `1` 15 times out of 55 (27 %), once glued to a year (`12008` = `i 2008`).
"""

from __future__ import annotations

import random
import re

# letter -> [(look-alike, weight)], weights in per cent as counted in 003
LOOKALIKES: dict[str, list[tuple[str, float]]] = {
    "å": [("a", 70), ("d", 14), ("é", 12), ("aé", 3), ("i", 2), ("4", 1), ("8", 1)],
    "æ": [("a", 22), ("e", 21), ("ae", 16), ("ee", 7), ("ea", 2), ("z", 2), ("zx", 1), ("&", 1)],
    "ø": [("e", 34), ("o", 26), ("g", 4), ("a", 3), ("ea", 1)],
    # capitals: 003 printed Ø as @ (2 of 2: K@BENHAVNS, @konomiforvaltningen) and Å as & (1 of 1: P&);
    # it has no capital Æ, for which the lower-case look-alikes are used, in capitals
    "Å": [("&", 1)],
    "Ø": [("@", 1)],
    "Æ": [("A", 22), ("E", 21), ("AE", 16), ("EE", 7), ("EA", 2), ("Z", 2), ("ZX", 1), ("&", 1)],
}
ONE_FOR_I = 15 / 55  # share of the words `i` printed as `1`
GLUED_YEAR = 0.5  # share of those `1`s before a year that lost the space (`12008`)
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
