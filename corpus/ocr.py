"""Repairs Danish OCR output whose æ, ø and å were misread (`Kebenhavns`, `radgivning`, `1` for `i`).

The OCR engine that produced such files reads the Danish letters as look-alikes: `æ` as `ae`, `a`, `e`,
`ee`, `z` or `&`; `ø` as `e`, `o`, `g`, `8` or `@`; `å` as `a`, `é`, `aé`, `4`, `d` or `&`, and the
word `i` as the digit `1`. `CONFUSIONS` lists these look-alikes with how likely each is; they describe the
engine, not any one file. Each word is repaired by a noisy-channel search: walk a trie of real Danish
words (the `wordfreq` list plus the words of the caller's clean documents), replacing look-alikes by the
letters they may stand for, and let a word's frequency times the likelihood of the misreadings decide.
Words absent from the list are read as compounds of listed words (`hjemløse|enhed`, with a linking `s`
or `e`). A word is changed only when it is not a known word, or when a known word is far more likely
(`pa` → `på`, `far` → `får`): real words are not "corrected" into other real words on a whim.

`repair` returns the repaired text with an `OffsetMap` back to the original, so quotes stay traceable.
`needs_repair` tells from the text alone whether a document reads like such OCR output.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from corpus.offsets import OffsetMap, TextBuilder

Trie = dict[str, Any]  # spelling letter -> child node; the end marker -> the entries spelled so far

# (what the OCR printed, the letter it stands for, log10 of how likely the misreading is). The
# look-alikes are those of Danish OCR without a Danish model: æ ø å read as the nearest Latin shapes.
# The likelihoods are log10 P(printed | letter) as counted in the one OCR'd document we have (annex 003;
# `python -m eval.checks.ocr --observe` recounts them), rounded, with a floor of -2 for the rare ones.
CONFUSIONS: tuple[tuple[str, str, float], ...] = (
    ("ae", "æ", -0.7),
    ("ee", "æ", -1.0),
    ("ea", "æ", -1.5),
    ("ea", "ø", -1.8),
    ("aé", "å", -1.5),
    ("zx", "æ", -2.0),
    ("a", "å", -0.2),
    ("a", "æ", -0.5),
    ("a", "ø", -1.5),
    ("e", "ø", -0.3),
    ("e", "æ", -0.6),
    ("o", "ø", -0.4),
    ("g", "ø", -1.2),
    ("d", "å", -0.9),
    ("i", "å", -1.7),
    ("s", "å", -2.0),  # not seen in 003; a generic OCR confusion of the small ring letter
    ("z", "æ", -1.5),
    ("é", "å", -0.9),
    ("4", "å", -2.0),
    ("8", "ø", -2.0),
    ("8", "å", -2.0),
    ("&", "æ", -1.0),
    ("&", "ø", -1.0),
    ("&", "å", -1.0),
    ("@", "ø", -0.2),
    ("@", "æ", -1.5),
    ("@", "å", -1.5),
)

# Scoring, in log10 units: a listed word scores its zipf frequency (log10 of uses per 10^9 words) - 9.
@dataclass(frozen=True)
class Weights:
    """The knobs of the noisy-channel search (tuned with `python -m eval.checks.ocr`)."""

    min_part: int = 3  # letters in each part of a compound
    max_parts: int = 4
    derived_base: float = 3.0  # zipf of a compound or inflected form: wordfreq lists every word above 3.0,
    #                            so a form it lacks is rarer than that
    part_cap: float = 5.0  # part frequencies count up to this (`med`, `for` are no better parts than `råd`)
    part_weight: float = 1.0  # how much each part's rarity (part_cap - its zipf) lowers a compound's score
    part_penalty: float = 1.0  # per extra part
    short_part_zipf: float = 4.5  # three-letter words must be this common to be a compound's part
    tiny_part_zipf: float = 5.0  # two-letter words (`by|dækkende`) only as a first part, and only common ones
    min_stem: int = 4  # letters of a word taking an ending the list lacks (short words' forms are listed)
    ending_cost: float = -0.5  # an inflectional ending on a listed word: `opstart|et`, `behandler|e`
    link_s: float = -0.1  # linking/genitive s: `beskæftigelse|s|indsats`
    link_e: float = -1.0  # linking e: `børn|e|familier`
    max_word_cost: float = -4.0  # give up on a word needing misreadings less likely than this
    margin_known: float = 0.3  # how much more likely a candidate must be than the listed word as written
    margin_derived: float = 0.6  # the same when the word as written reads as a compound or inflected form
    min_score_unknown: float = -11.0  # a reading of a word that does not parse as written must reach this
    min_score_name: float = -10.0  # the same for a capitalised word inside a sentence (a name: `Allerslev`)
    vocabulary_floor: float = 3.5  # zipf given to words of the clean documents that wordfreq lacks
    vocabulary_bonus: float = 0.5  # and added to every word of the clean documents
    beam: int = 12  # readings kept per position while parsing compounds


WEIGHTS = Weights()

# Inflectional endings the word list may lack on a listed word (no æ/ø/å, so never misread).
_ENDINGS = frozenset(
    "e r er ere erne ernes en ens et ets ne nes ene enes s es de ede te t st ste est este n "
    "lse lsen lser lserne lsens nde ndes".split()  # verb + -lse, -nde: `drøfte|lse`, `udføre|nde`
)
# Endings that replace a verb's final e: `udmønte` → `udmønt|ning`, and the bare stem: `redegøre` → `redegør`.
_STEM_ENDINGS = frozenset("ning ningen ninger ningerne ningens ningernes".split()) | {""}
# Bound derivational suffixes, allowed as the last part of a compound: `beskæftigelses|mæssige`.
_BOUND_SUFFIXES = (
    "mæssig", "mæssige", "mæssigt", "ning", "ningen", "ninger", "ningerne", "hed", "heden", "heder",
    "skab", "skabet", "skaber", "else", "elsen", "elser", "agtig", "agtige", "ende", "endes", "nde",
)
# Bound prefixes, allowed as the first part of a compound: `fore|lægges` (not `føre|lægges`).
_BOUND_PREFIXES = ("fore", "gen", "mis", "sam", "van")
_BOUND_ZIPF = 4.5

_DANISH_WORD = re.compile(r"[a-zæøåéü]+")
# A token: a run of letters, digits and the OCR's stand-ins & and @.
_TOKEN = re.compile(r"[^\W_]+(?:[&@][^\W_]*)*|[&@][^\W_]+(?:[&@][^\W_]*)*")
_WORD = re.compile(r"[^\W\d_]+")  # vocabulary words: letters only
_WORD_OR_LOOKALIKE = re.compile(r"(?:[^\W\d_]|[&@48])+")  # a word as the OCR printed it
_SKIP = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:https?://|www\.)\S+", re.UNICODE)  # e-mail, URLs
_YEAR_GLUED = re.compile(r"1((?:19|20)\d\d)")
_END = "$"

# Words after which a lone `1` is a number (`bilag 1`, `kl. 1`), and words a number is followed by
# (`1 mio.`, `1 januar`): there `1` stays `1`. General Danish, not taken from any document.
_NUMBERED = frozenset(
    "bilag nr nummer side sider kl punkt pkt kapitel afsnit tabel figur trin fase niveau version stk "
    "litra tema spor".split()
)
_UNITS = frozenset(
    "mio mia kr krone kroner pct procent år måned måneder uge uger dag dage døgn time timer minut minutter "
    "gang gange stk person personer mand medarbejder årsværk af ud".split()
)
_MONTHS = frozenset(
    "januar februar marts april maj juni juli august september oktober november december "
    "jan feb mar apr jun jul aug sep sept okt nov dec".split()
)


@dataclass(frozen=True)
class Edit:
    """`observed[start:end]` (lower-cased token) read as `letter`."""

    start: int
    end: int
    letter: str


class Speller:
    """A trie of Danish words with their frequencies; built once, then used for every word of every text.

    `vocabulary` holds words of the clean documents: they count as known words and get a bonus, so
    the corpus's own terms (`bydelsmødre`, `handleplan`) win over look-alikes.
    """

    def __init__(self, vocabulary: Counter[str] | None = None, *, language: str = "da",
                 weights: Weights | None = None) -> None:
        self.language = language
        self.weights = weights = weights or WEIGHTS
        self.vocabulary: Counter[str] = Counter()
        for word, count in (vocabulary or Counter()).items():
            self.vocabulary[word.lower()] += count
        self._zipf: dict[str, float] = dict(_base_lexicon(language))
        # Words far more English than Danish (`los`, `the`, `feel`) are no parts of Danish compounds.
        english = dict(_base_lexicon("en"))
        self._foreign = frozenset(
            word for word, zipf in self._zipf.items()
            if len(word) in (3, 4) and english.get(word, 0.0) >= zipf + (0.0 if len(word) == 3 else 1.0)
            and word not in self.vocabulary
        )
        for word in self.vocabulary:
            if _DANISH_WORD.fullmatch(word):
                self._zipf[word] = max(self._zipf.get(word, 0.0), weights.vocabulary_floor) + weights.vocabulary_bonus
        self._trie: Trie = {}
        for word in self._zipf:
            self._insert(word, word)
        for suffix in _BOUND_SUFFIXES:
            self._insert(suffix, "-" + suffix)
        for prefix in _BOUND_PREFIXES:
            self._insert(prefix, prefix + "-")
        self._roots: tuple[Trie, ...] = (self._trie,)
        self._by_first: dict[str, list[tuple[str, str, float]]] = {}
        for observed, letter, cost in CONFUSIONS:
            self._by_first.setdefault(observed[0], []).append((observed, letter, cost))
        self._cache: dict[tuple[str, bool], tuple[Edit, ...] | None] = {}
        self._lock = threading.Lock()

    def with_words(self, words: Iterable[str]) -> Speller:
        """A speller that also knows `words` (as words of the clean documents), sharing this one's word list."""
        extra = {w for w in words if _DANISH_WORD.fullmatch(w) and w not in self._zipf}
        if not extra:
            return self
        child = object.__new__(Speller)
        child.__dict__.update(self.__dict__)
        child._zipf = dict(self._zipf)
        child._trie = {}
        for word in extra:
            child._zipf[word] = self.weights.vocabulary_floor + self.weights.vocabulary_bonus
            child._insert(word, word)
        child._roots = self._roots + (child._trie,)
        child._cache = {}
        child._lock = threading.Lock()
        return child

    def _insert(self, spelling: str, entry: str) -> None:
        node = self._trie
        for char in spelling:
            node = node.setdefault(char, {})
        node.setdefault(_END, []).append(entry)

    # -- words -------------------------------------------------------------------------------

    def zipf(self, word: str) -> float:
        """Frequency of `word` (lower case) on the zipf scale, vocabulary bonus included; 0 if unknown."""
        return self._zipf.get(word, 0.0)

    def known(self, word: str) -> bool:
        """Is `word` (any case) a listed Danish word or a word of the clean documents?"""
        return word.lower() in self._zipf

    def parses(self, word: str) -> bool:
        """Is `word` a known word, a compound of known words or a known word with an ending, as written?"""
        return self._best_reading(word.lower(), confusions=False) is not None

    def one_confusion_away(self, word: str) -> bool:
        """Does replacing one OCR look-alike in `word` give a known word?"""
        observed = word.lower()
        for position, char in enumerate(observed):
            for seen, letter, _ in self._by_first.get(char, ()):
                if observed.startswith(seen, position):
                    if observed[:position] + letter + observed[position + len(seen):] in self._zipf:
                        return True
        return False

    def correct(self, word: str) -> str:
        """`word` with its OCR look-alikes replaced, or `word` itself when it reads fine."""
        edits = self.correction(word)
        return word if edits is None else _apply(word, edits, cased=True)

    def correction(self, word: str, *, name: bool = False) -> tuple[Edit, ...] | None:
        """The edits that repair `word` (positions in `word`), or None to leave it as it is.

        `name`: the word is capitalised inside a sentence, so if it is no known word it is likely a
        name, and only a likely reading replaces it.
        """
        observed = word.lower()
        if len(observed) != len(word) or len(observed) < 2:
            return None
        key = (observed, name)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        result = self._decide(observed, self.weights.min_score_name if name else self.weights.min_score_unknown)
        with self._lock:
            self._cache[key] = result
        return result

    def explain(self, word: str) -> dict[str, object]:
        """How `word` is read, for debugging: the best reading as written and with look-alikes."""
        observed = word.lower()
        out: dict[str, object] = {}
        for name, confusions in (("as_written", False), ("best", True)):
            found = self._best_reading(observed, confusions)
            out[name] = None if found is None else (_apply(observed, found.edits), found.parts, round(found.score, 2))
        out["decision"] = self.correct(word)
        return out

    def _decide(self, observed: str, floor: float) -> tuple[Edit, ...] | None:
        best = self._best_reading(observed, confusions=True)
        if best is None or not best.edits:
            return None
        if best.score < floor:
            return None  # no likely reading: an unknown word (a name?) is better left as written
        as_written = self._best_reading(observed, confusions=False)
        if as_written is not None:
            # a listed word's frequency is good evidence; a compound's parts' frequencies are weak evidence
            margin = self.weights.margin_known if len(as_written.parts) == 1 else self.weights.margin_derived
            if best.score - as_written.score < margin:
                return None
        return best.edits

    # -- search ------------------------------------------------------------------------------

    def _walk(self, observed: str, start: int, confusions: bool) -> list[tuple[int, str, float, tuple[Edit, ...]]]:
        """Entries readable from `observed[start:]`: (end, entry, log10 likelihood of misreadings, edits)."""
        found: list[tuple[int, str, float, tuple[Edit, ...]]] = []
        stack: list[tuple[Trie, int, float, tuple[Edit, ...]]] = [(root, start, 0.0, ()) for root in self._roots]
        length = len(observed)
        limit = self.weights.max_word_cost
        while stack:
            node, position, cost, edits = stack.pop()
            if position > start and _END in node:
                found.extend((position, entry, cost, edits) for entry in node[_END])
            rest = observed[position:]
            if ("e" in node and _END in node["e"] and rest in _STEM_ENDINGS
                    and position - start >= (4 if rest else 5)):
                found.extend((position, "~" + entry, cost, edits) for entry in node["e"][_END] if entry[0] != "-")
            if position == length:
                continue
            char = observed[position]
            following = node.get(char)
            if following is not None:
                stack.append((following, position + 1, cost, edits))
            if not confusions:
                continue
            for seen, letter, penalty in self._by_first.get(char, ()):
                following = node.get(letter)
                if following is None or cost + penalty < limit or not observed.startswith(seen, position):
                    continue
                stack.append((following, position + len(seen), cost + penalty,
                              edits + (Edit(position, position + len(seen), letter),)))
        return found

    def _best_reading(self, observed: str, confusions: bool) -> _Reading | None:
        """Most likely reading of `observed`: a listed word, or a compound of listed words, or a listed
        word with an inflectional ending; None if there is none.

        A listed word scores its frequency. A compound or inflected form is one wordfreq does not list,
        so it is rarer than any listed word: it scores `derived_base`, lowered by how rare its parts
        are and by how many there are (`borgere` is never read as `bor|gøre`). The search keeps a small
        beam of readings per position.
        """
        w = self.weights
        length = len(observed)
        beams: list[list[_Reading]] = [[] for _ in range(length + 1)]
        beams[0] = [_Reading(0.0, (), (), 0.0, 0.0, 0)]
        for start in range(length):
            beam = beams[start]
            if len(beam) > w.beam:
                beam = sorted(beam, key=lambda r: r.score, reverse=True)[:w.beam]
            walked = self._walk(observed, start, confusions) if beam else []
            for reading in beam:
                if reading.count >= w.max_parts:
                    continue
                for end, entry, cost, edits in walked:
                    if entry[0] == "~":  # a verb without its final e, before -ning: the reading ends here
                        zipf = self._zipf.get(entry[1:])
                        if zipf is not None:
                            step = reading.extend(entry[1:-1], zipf, cost, edits, w)
                            beams[length].append(step.link("-" + observed[end:] if end < length else "-(e)",
                                                           w.ending_cost, w))
                        continue
                    bound = entry.startswith("-") or entry.endswith("-")
                    zipf = _BOUND_ZIPF if bound else self._zipf[entry]
                    whole = start == 0 and end == length
                    if bound and (entry.startswith("-") == (start == 0) or whole):
                        continue  # a suffix never starts a word, a prefix always does, neither stands alone
                    if not whole and not bound and not self._can_be_part(entry, zipf, start == 0):
                        continue
                    step = reading.extend(entry, zipf, cost, edits, w)
                    if step.count == 1 and len(entry) < w.min_part and not whole:
                        beams[end].append(step)  # a two-letter first part: no link, no ending after it
                        continue
                    if step.count == 2 and len(step.parts[0]) < w.min_part and end < length:
                        continue  # a two-letter first part (`by|dækkende`) takes exactly one word after it
                    beams[end].append(step)
                    if end < length - 1 and observed[end] in "se" and not bound:
                        link = w.link_s if observed[end] == "s" else w.link_e
                        beams[end + 1].append(step.link(observed[end], link, w))
                    if not bound and observed[end:] in _ENDINGS and len(entry) >= w.min_stem:
                        beams[length].append(step.link("-" + observed[end:], w.ending_cost, w))
        if not beams[length]:
            return None
        return max(beams[length], key=lambda r: r.score)

    def _can_be_part(self, word: str, zipf: float, first: bool) -> bool:
        """Short words are parts of compounds only when common and Danish: `sag|s|behandler`, not
        `ops|tår|tæt` or `hjem|los|hed`."""
        if word in self._foreign:
            return False
        if len(word) >= 4:
            return True
        if len(word) == 3:
            return zipf >= self.weights.short_part_zipf
        return first and len(word) == 2 and zipf >= self.weights.tiny_part_zipf


@dataclass(frozen=True)
class _Reading:
    """A (partial) reading: its score, parts (words, links `s`/`e`, endings `-et`) and edits."""

    score: float
    parts: tuple[str, ...]
    edits: tuple[Edit, ...]
    cost: float  # log10 likelihood of the misreadings, links and endings
    part_sum: float  # sum of the parts' rarities: part_cap - zipf, at least 0
    count: int  # words among the parts

    def extend(self, entry: str, zipf: float, cost: float, edits: tuple[Edit, ...], w: Weights) -> _Reading:
        return _Reading.make(self.parts + (entry,), self.edits + edits, self.cost + cost,
                             self.part_sum + max(w.part_cap - zipf, 0.0), self.count + 1, zipf, w)

    def link(self, part: str, cost: float, w: Weights) -> _Reading:
        return _Reading.make(self.parts + (part,), self.edits, self.cost + cost, self.part_sum, self.count, None, w)

    @staticmethod
    def make(parts: tuple[str, ...], edits: tuple[Edit, ...], cost: float, part_sum: float, count: int,
             zipf: float | None, w: Weights) -> _Reading:
        if len(parts) == 1 and zipf is not None:
            score = zipf - 9.0 + cost  # a listed word
        else:
            score = w.derived_base - 9.0 - w.part_weight * part_sum - w.part_penalty * (count - 1) + cost
        return _Reading(score, parts, edits, cost, part_sum, count)


def _apply(word: str, edits: Iterable[Edit], cased: bool = False) -> str:
    out, position = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(word[position:edit.start])
        out.append(_case_like(edit.letter, word, edit.start, edit.end) if cased else edit.letter)
        position = edit.end
    out.append(word[position:])
    return "".join(out)


_LEXICONS: dict[str, tuple[tuple[str, float], ...]] = {}
_SPELLERS: dict[tuple[tuple[str, int], ...], Speller] = {}
_LOAD_LOCK = threading.Lock()


def _base_lexicon(language: str) -> tuple[tuple[str, float], ...]:
    """wordfreq's word list for `language` (letters only) with zipf frequencies; loaded on first use."""
    with _LOAD_LOCK:
        if language not in _LEXICONS:
            import wordfreq

            frequencies = wordfreq.get_frequency_dict(language, wordlist="small")
            _LEXICONS[language] = tuple(
                (word, round(math.log10(frequency) + 9.0, 2))  # the zipf scale, as wordfreq.zipf_frequency
                for word, frequency in frequencies.items()
                if frequency > 0 and _DANISH_WORD.fullmatch(word)
            )  # (the English list is read only to tell English short words from Danish ones)
        return _LEXICONS[language]


def speller_for(vocabulary: Counter[str] | None = None) -> Speller:
    """A shared `Speller` for this vocabulary (built on first use, then reused)."""
    key = tuple(sorted((vocabulary or Counter()).items()))
    with _LOAD_LOCK:
        speller = _SPELLERS.get(key)
    if speller is None:
        speller = Speller(vocabulary)
        with _LOAD_LOCK:
            if len(_SPELLERS) >= 8:
                _SPELLERS.pop(next(iter(_SPELLERS)))
            speller = _SPELLERS.setdefault(key, speller)
    return speller


def vocabulary_from(texts: Iterable[str]) -> Counter[str]:
    """Lower-cased words (letters only, two or more) of `texts`, counted: the clean documents' vocabulary."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word.lower() for word in _WORD.findall(text) if len(word) > 1)
    return counts


# -- text --------------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[int, int]]:
    """Spans of tokens (letters, digits, & and @), outside e-mail addresses and URLs."""
    skipped = [m.span() for m in _SKIP.finditer(text)]
    spans = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in skipped):
            continue
        spans.append((start, end))
    return spans


def _is_word(token: str) -> bool:
    """Letters, possibly with the look-alikes & @ and single digits 4/8 next to letters (`p4`, `8ben`)."""
    if not any(c.isalpha() for c in token):
        return False
    digits = [c for c in token if c.isdigit()]
    if not digits:
        return True
    return all(c in "48" for c in digits) and not re.search(r"\d\d", token)


def _case_like(letter: str, token: str, start: int, end: int) -> str:
    """Case for `letter` replacing token[start:end]: as the look-alike's own case, else as its word."""
    source = token[start:end]
    cased = [c for c in source if c.isalpha() and c.lower() != c.upper()]
    if cased:
        return letter.upper() if cased[0].isupper() else letter
    letters = [c for c in token if c.isalpha() and c.lower() != c.upper()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return letter.upper()  # K@BENHAVNS
    if start == 0 and source in ("@", "&"):
        return letter.upper()  # @konomiforvaltningen: a word-initial @ or & stands for a capital
    if start == 1 and source in ("@", "&") and len(token) == 2 and token[0].isupper():
        return letter  # P& reads `På`
    return letter


def _is_acronym(token: str) -> bool:
    """`KAB`, `SOF`, `BR`: short, in capitals, nothing an OCR look-alike; leave them alone."""
    return len(token) <= 3 and token.isupper() and token.isalpha()


def _is_name(text: str, start: int, token: str) -> bool:
    """Capitalised (not in capitals) and not at the start of a sentence, line or quote."""
    if not (token[0].isupper() and any(c.islower() for c in token[1:])):
        return False
    before = text[max(0, start - 3):start]
    return bool(before) and not re.search(r"(^|[.!?:\n\"“”'(*#\-–])\s*$", before) and start > 0


def _is_lone_i(text: str, spans: list[tuple[int, int]], index: int) -> bool:
    """Is the lone `1` at spans[index] the word `i` (between words, not a count, date or item number)?"""
    start, end = spans[index]
    if index == 0 or index + 1 >= len(spans):
        return False
    before_start, before_end = spans[index - 1]
    after_start, after_end = spans[index + 1]
    gap_before, gap_after = text[before_end:start], text[end:after_start]
    if not re.fullmatch(r"\s+(?:[-–—]\s+)?", gap_before) or not gap_after or gap_after.strip():
        return False  # punctuation around it: `kl. 1`, `1.`, `(1)`, `1,`
    if "\n\n" in gap_before or "\n\n" in gap_after:
        return False
    before, after = text[before_start:before_end], text[after_start:after_end]
    if not before.isalpha() or before.lower() in _NUMBERED:
        return False
    if "\n" in gap_before and not before.islower():
        return False  # `1 Indledning` at the start of a line after a heading
    if after.isdigit():
        return bool(re.fullmatch(r"(?:19|20)\d\d", after))  # `der 1 2010 afsat`
    if after.lower() in ("og", "eller", "til") and index + 2 < len(spans):
        following = text[spans[index + 2][0]:spans[index + 2][1]]
        if following.isdigit():
            return False  # `1 og 2`, `1 til 3`
    if after.lower() in _MONTHS:
        return before.lower() not in ("den", "d")  # `den 1 december` is a date, `vedtaget 1 december` is not
    return _is_word(after) and after.lower() not in _UNITS


def _is_glued_year(text: str, spans: list[tuple[int, int]], index: int) -> bool:
    """`12008` between words is `i 2008` with the space lost."""
    start, end = spans[index]
    if not _YEAR_GLUED.fullmatch(text[start:end]) or index == 0 or index + 1 >= len(spans):
        return False
    before_start, before_end = spans[index - 1]
    after_start, after_end = spans[index + 1]
    before, after = text[before_start:before_end], text[after_start:after_end]
    return (
        text[before_end:start].isspace() and text[end:after_start].isspace()
        and before.isalpha() and before.islower() and after.isalpha() and after.islower()
        and after.lower() not in _UNITS
    )


def repair(text: str, vocabulary: Counter[str] | None = None, *, speller: Speller | None = None) -> tuple[str, OffsetMap]:
    """`text` with OCR look-alikes replaced by the Danish letters they stand for, and a map back.

    `vocabulary` is a Counter of words of clean documents (`vocabulary_from`); they are preferred
    readings. Words that read fine, numbers, e-mail addresses and URLs are left as they are; a word
    hyphenated across a line break (`rad-⏎givning`) is read whole, and only its letters change.

    Two passes: a word the word list lacks that the first pass rebuilt from two or more different
    misspellings (`bydelsmodre`, `Bydelsmedre` → `bydelsmødre`) is a word of this document, and the
    second pass knows it (so `bydelsmadre`, a rarer misreading, is repaired too).
    """
    speller = speller or speller_for(vocabulary)
    replacements = _replacements(text, speller)
    learned = _learned_words(text, replacements, speller)
    if learned:
        replacements = _replacements(text, speller.with_words(learned))
    builder = TextBuilder()
    position = 0
    for start, end, new in replacements:
        builder.copy(text, position, start)
        builder.emit(new, start, end)
        position = end
    builder.copy(text, position, len(text))
    return builder.build(len(text))


def _learned_words(text: str, replacements: list[tuple[int, int, str]], speller: Speller) -> set[str]:
    """Repaired words the word list lacks, each rebuilt from at least two different misspellings."""
    spellings: dict[str, set[str]] = {}
    changes = iter(replacements)
    change = next(changes, None)
    for match in _WORD_OR_LOOKALIKE.finditer(text):
        start, end = match.span()
        pieces, position = [], start
        while change is not None and change[0] < end:
            if change[0] >= start:
                pieces.append(text[position:change[0]] + change[2])
                position = change[1]
            change = next(changes, None)
        if position == start:
            continue  # unchanged
        word = ("".join(pieces) + text[position:end]).lower()
        if not speller.known(word):
            spellings.setdefault(word, set()).add(match.group().lower())
    return {word for word, seen in spellings.items() if len(seen) >= 2}


def _replacements(text: str, speller: Speller) -> list[tuple[int, int, str]]:
    """(start, end, new text) of every change the repair makes to `text`, in order."""
    replacements: list[tuple[int, int, str]] = []
    spans = _tokens(text)
    joined_with_previous = False
    for index, (start, end) in enumerate(spans):
        if joined_with_previous:
            joined_with_previous = False
            continue
        token = text[start:end]
        if token == "1" and _is_lone_i(text, spans, index):
            replacements.append((start, end, "i"))
            continue
        if token.isdigit():
            if _is_glued_year(text, spans, index):
                replacements.append((start, start + 1, "i "))
            continue
        if not _is_word(token) or _is_acronym(token):
            continue
        name = _is_name(text, start, token)
        broken = _broken_word(text, spans, index)
        if broken is not None:
            following_start, following_end = spans[index + 1]
            whole = token + text[following_start:following_end]
            edits = speller.correction(whole, name=name)
            if (edits or speller.parses(whole)) and not any(e.start < len(token) < e.end for e in edits or ()):
                for edit in edits or ():
                    base = start if edit.start < len(token) else following_start - len(token)
                    letter = _case_like(edit.letter, whole, edit.start, edit.end)
                    replacements.append((base + edit.start, base + edit.end, letter))
                joined_with_previous = True
                continue
        for edit in speller.correction(token, name=name) or ():
            replacements.append((start + edit.start, start + edit.end, _case_like(edit.letter, token, edit.start, edit.end)))
    return replacements


def _broken_word(text: str, spans: list[tuple[int, int]], index: int) -> int | None:
    """If the word at spans[index] is hyphenated at a line end and goes on in lower case on the next
    line (`rad-⏎givning`), the index of its continuation; else None."""
    if index + 1 >= len(spans):
        return None
    end = spans[index][1]
    following_start, following_end = spans[index + 1]
    following = text[following_start:following_end]
    if not re.fullmatch(r"-[ \t]*\r?\n[ \t]*", text[end:following_start]):
        return None
    if not (_is_word(following) and following[0].islower()):
        return None
    return index + 1


# -- detection ---------------------------------------------------------------------------------

_DETECT_MIN_TOKENS = 20
_DETECT_SHARE = 0.02  # share of words that are misread Danish words: 0 in the clean documents, 9 % in 003
_DETECT_MIN_COUNT = 3


def ocr_damage_share(text: str, speller: Speller | None = None) -> tuple[int, int]:
    """(words that are not Danish but one OCR look-alike away from a Danish word, words counted)."""
    speller = speller or speller_for(None)
    damaged = counted = 0
    for start, end in _tokens(text):
        token = text[start:end]
        if not _is_word(token) or len(token) < 2:
            continue
        counted += 1
        if token == token.upper() and len(token) <= 4:
            continue  # acronyms (SOF, BIF) say nothing about the letters
        if not speller.known(token) and speller.one_confusion_away(token):
            damaged += 1
    return damaged, counted


def needs_repair(text: str) -> bool:
    """Does `text` read like OCR output that lost its æ, ø and å? Decided from the text alone."""
    damaged, counted = ocr_damage_share(text)
    if counted < _DETECT_MIN_TOKENS:
        return damaged >= _DETECT_MIN_COUNT and damaged / max(counted, 1) >= 2 * _DETECT_SHARE
    return damaged >= _DETECT_MIN_COUNT and damaged / counted >= _DETECT_SHARE


__all__ = [
    "CONFUSIONS", "Edit", "Speller", "needs_repair", "ocr_damage_share", "repair", "speller_for", "vocabulary_from",
]

