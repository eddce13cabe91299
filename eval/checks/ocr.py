"""Measures OCR repair: damage sentences of the clean documents the way 003 was damaged, repair, compare.

    python -m eval.checks.ocr [--seed N] [--sentences N] [--rate R] [--show N] [--observe]

Sentences are drawn (seeded) from the four documents that are not OCR output. Each is damaged with
`eval.checks.ocr_damage` and repaired with `corpus.ocr.repair`, whose vocabulary comes from the OTHER clean
documents only (leave one document out: the sentence's own words must not be handed to the repair).
Every word of the clean sentence is then compared with what the repair made of its damaged form,
found through the repair's OffsetMap. Targets: ≥ 95 % of damaged words restored exactly, < 1 % of
undamaged words changed. Exits 1 if a target is missed.

`--observe` instead prints how 003's æ, ø and å were misread (the counts behind `eval.checks.ocr_damage`).
"""

from __future__ import annotations

import argparse
import bisect
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from corpus import ocr
from eval.checks import ocr_damage

DOCUMENTS = Path(__file__).resolve().parents[2] / "corpus" / "documents"
RESTORED_TARGET = 0.95
CHANGED_TARGET = 0.01
DEFAULT_SEED = 20100505
DEFAULT_SENTENCES = 300

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[\"“”'(*]*[A-ZÆØÅ0-9])")


@dataclass
class Result:
    seed: int
    sentences: int
    damaged: int = 0
    restored: int = 0
    undamaged: int = 0
    changed: int = 0
    failures: Counter = field(default_factory=Counter)  # (clean, damaged, repaired) of damaged words not restored
    false_changes: Counter = field(default_factory=Counter)  # (clean, repaired) of undamaged words changed

    @property
    def restored_share(self) -> float:
        return self.restored / self.damaged if self.damaged else 1.0

    @property
    def changed_share(self) -> float:
        return self.changed / self.undamaged if self.undamaged else 0.0

    @property
    def passed(self) -> bool:
        return self.restored_share >= RESTORED_TARGET and self.changed_share < CHANGED_TARGET


def clean_documents() -> dict[str, str]:
    """The documents that are not OCR output, by file name (decided by `needs_repair`, not by name)."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCUMENTS.glob("*.txt"))}
    return {name: text for name, text in texts.items() if not ocr.needs_repair(text)}


def sentences_of(text: str) -> list[str]:
    """Sentences (or list items, headings) of a document with at least four words; line breaks kept."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            if len(ocr_damage._WORD.findall(sentence)) >= 4:
                out.append(sentence)
    return out


def check_sentence(clean: str, rng: random.Random, vocabulary: Counter, result: Result, rate: float) -> None:
    tokens = ocr_damage.tokenize(clean)
    damaged_tokens = ocr_damage.damage_tokens(tokens, rng, rate)
    damaged = "".join(damaged_tokens)
    repaired, offsets = ocr.repair(damaged, vocabulary)
    starts, position = [], 0
    for piece in damaged_tokens:
        starts.append(position)
        position += len(piece)
    pieces = [""] * len(tokens)  # what the repair made of each damaged token
    for index, char in enumerate(repaired):
        # the last token starting at or before the character's origin: an empty token shares its start
        # with the next one, so this is always the non-empty token that holds the origin
        pieces[bisect.bisect_right(starts, offsets.origin[index]) - 1] += char
    for k, token in enumerate(tokens):
        if k % 2 == 0:
            continue
        got = pieces[k].strip()
        if damaged_tokens[k] != token:
            result.damaged += 1
            if got == token:
                result.restored += 1
            else:
                result.failures[(token, damaged_tokens[k], got)] += 1
        else:
            result.undamaged += 1
            if got != token:
                result.changed += 1
                result.false_changes[(token, got)] += 1


def run(seed: int = DEFAULT_SEED, sentences: int = DEFAULT_SENTENCES, rate: float = ocr_damage.DEFAULT_RATE) -> Result:
    """Damage and repair `sentences` sentences drawn with `seed`; the counts."""
    documents = clean_documents()
    rng = random.Random(seed)
    pool = [(name, s) for name, text in documents.items() for s in sentences_of(text)]
    vocabularies = {
        name: ocr.vocabulary_from(text for other, text in documents.items() if other != name) for name in documents
    }
    result = Result(seed=seed, sentences=sentences)
    for _ in range(sentences):
        name, sentence = rng.choice(pool)
        check_sentence(sentence, rng, vocabularies[name], result, rate)
    return result


def observe() -> str:
    """How 003-like documents' æ, ø, å were misread, counted from their repair."""
    lines = []
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCUMENTS.glob("*.txt"))}
    clean = {n: t for n, t in texts.items() if not ocr.needs_repair(t)}
    vocabulary = ocr.vocabulary_from(clean.values())
    for name, text in texts.items():
        if name in clean:
            continue
        repaired, offsets = ocr.repair(text, vocabulary)
        counts: Counter = Counter()
        for index, char in enumerate(repaired):
            if char in "æøåÆØÅ":
                start, end = offsets.span_to_original(index, index + 1)
                counts[(char, text[start:end])] += 1
        ones = len(re.findall(r"(?<![\w.,])1(?![\w.,])", text))
        glued = len(re.findall(r"(?<=[a-zæøå] )1(?:19|20)\d\d(?= [a-zæøå])", text))
        words_i = len(re.findall(r"(?<!\S)i(?!\S)", repaired))
        lines.append(f"{name}: lone '1' {ones}, glued '1YYYY' {glued}, word 'i' after repair {words_i}")
        for letter in "åæøÅÆØ":
            total = sum(n for (c, _), n in counts.items() if c == letter)
            if total:
                seen = ", ".join(
                    f"{o!r} {n} ({n / total:.0%})"
                    for (c, o), n in sorted(counts.items(), key=lambda kv: -kv[1]) if c == letter
                )
                lines.append(f"  {letter} ({total}): {seen}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES)
    parser.add_argument("--rate", type=float, default=ocr_damage.DEFAULT_RATE, help="share of words with æ/ø/å misread")
    parser.add_argument("--show", type=int, default=15, help="list this many failures of each kind")
    parser.add_argument("--observe", action="store_true", help="print how 003's letters were misread, and stop")
    args = parser.parse_args(argv)
    if args.observe:
        print(observe())
        return 0
    result = run(args.seed, args.sentences, args.rate)
    print(f"seed {result.seed}, {result.sentences} sentences, damage rate {args.rate}")
    print(
        f"damaged words restored exactly: {result.restored}/{result.damaged} = {result.restored_share:.2%}"
        f" (target >= {RESTORED_TARGET:.0%})"
    )
    print(
        f"undamaged words changed:        {result.changed}/{result.undamaged} = {result.changed_share:.2%}"
        f" (target < {CHANGED_TARGET:.0%})"
    )
    if args.show and result.failures:
        print("not restored (clean, damaged, repaired) × count:")
        for (clean, damaged, got), n in result.failures.most_common(args.show):
            print(f"  {clean!r} {damaged!r} -> {got!r} ×{n}")
    if args.show and result.false_changes:
        print("undamaged but changed (clean -> repaired) × count:")
        for (clean, got), n in result.false_changes.most_common(args.show):
            print(f"  {clean!r} -> {got!r} ×{n}")
    print("PASS" if result.passed else "FAIL")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
