"""The training questions may not leak the gold questions: none may be near-identical to a dev or test question.

Near-identical is either measure: token Jaccard ≥ 0.6 (folded, word tokens) or embedding cosine ≥ 0.95 (the
model's query vectors). On a corpus this small two people writing independently produce some of the same
questions, so `--remove` deletes the offending training lines (the gold set is never changed) and the test
suite asserts that none remain.

    python -m eval.quality.training_leakage            # report
    python -m eval.quality.training_leakage --remove   # drop leaking training questions from index/training/questions
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedder import Embedder
from index.training_set import QUESTIONS_DIR, TrainingQuestion, jaccard, read_training_set, tokens

GOLD_DIR = Path(__file__).resolve().parents[1] / "gold"
JACCARD_LIMIT = 0.6
COSINE_LIMIT = 0.95
SIMILAR_JACCARD = 0.4  # "similar, not identical": the band reported separately in the eval


@dataclass(frozen=True)
class Leak:
    """A training question too close to a gold question (ids only: the check never prints gold text)."""

    training_id: str
    gold_id: str
    jaccard: float
    cosine: float


def gold_questions(splits: tuple[str, ...] = ("dev", "test")) -> list[tuple[str, str]]:
    """(id, question) of the gold splits."""
    rows: list[tuple[str, str]] = []
    for split in splits:
        for line in (GOLD_DIR / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((str(row["id"]), str(row["question"])))
    return rows


def find_leaks(training: list[TrainingQuestion], gold: list[tuple[str, str]], embedder: Embedder | None) -> list[Leak]:
    """Every (training, gold) pair over either limit."""
    gold_tokens = [tokens(q) for _, q in gold]
    cosines = np.zeros((len(training), len(gold)), dtype=np.float32)
    if embedder is not None and training and gold:
        train_vectors = embedder.embed([q.question for q in training], kind="query")
        gold_vectors = embedder.embed([q for _, q in gold], kind="query")
        cosines = train_vectors @ gold_vectors.T
    leaks: list[Leak] = []
    for i, question in enumerate(training):
        own = tokens(question.question)
        for j, (gold_id, _) in enumerate(gold):
            similarity = jaccard(own, gold_tokens[j])
            if similarity >= JACCARD_LIMIT or cosines[i, j] >= COSINE_LIMIT:
                leaks.append(Leak(question.id, gold_id, round(similarity, 3), round(float(cosines[i, j]), 3)))
    return leaks


def similar_gold_ids(training: list[TrainingQuestion], gold: list[tuple[str, str]]) -> set[str]:
    """Gold ids with a training question in the 'similar' band (Jaccard ≥ SIMILAR_JACCARD): reported apart."""
    train_tokens = [tokens(q.question) for q in training]
    return {gold_id for gold_id, question in gold
            if any(jaccard(tokens(question), other) >= SIMILAR_JACCARD for other in train_tokens)}


def remove(ids: set[str], folder: Path = QUESTIONS_DIR) -> int:
    """Drop the training lines with these ids; returns how many were dropped."""
    dropped = 0
    for path in sorted(folder.glob("*.jsonl")):
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and json.loads(line)["id"] in ids:
                dropped += 1
                continue
            kept.append(line)
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return dropped


def main(argv: list[str] | None = None) -> int:
    """Report (and with --remove, delete) training questions that leak gold ones."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--remove", action="store_true", help="delete the leaking training questions")
    parser.add_argument("--no-embeddings", action="store_true", help="Jaccard only (no model needed)")
    args = parser.parse_args(argv)
    embedder = None
    if not args.no_embeddings:
        from bot.core.settings import Settings
        from index.builder import load_embedder

        embedder, _ = load_embedder(Settings())
    training = read_training_set()
    leaks = find_leaks(training, gold_questions(), embedder)
    for leak in leaks:
        print(f"{leak.training_id} ~ {leak.gold_id}: jaccard {leak.jaccard:.2f}, cosine {leak.cosine:.3f}")
    print(f"{len(training)} training questions, {len({lk.training_id for lk in leaks})} leak "
          f"(jaccard ≥ {JACCARD_LIMIT} or cosine ≥ {COSINE_LIMIT})")
    if args.remove and leaks:
        print(f"removed {remove({lk.training_id for lk in leaks})} lines")
    return 1 if leaks and not args.remove else 0


if __name__ == "__main__":
    sys.exit(main())
