"""The questions the model is adapted on: written from the documents (index/training/questions), never from gold.

Each answerable question names the sentence(s) that answer it, copied verbatim from one chunk; each unanswerable
one sits near a chunk's topic without being answered anywhere. A fifth of every chunk's questions is held out of
model training so the confidence can be fitted on questions the model has not seen.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.document import Chunk

TRAINING_DIR = Path(__file__).resolve().parent / "training"
QUESTIONS_DIR = TRAINING_DIR / "questions"
HOLDOUT_EVERY = 5  # one question in five of every chunk stays out of model training
KEYS = {"id", "question", "lang", "answerable", "doc_id", "chunk", "evidence", "style"}


class TrainingSetError(ValueError):
    """A training file that cannot be used as it is; the message names the file and line."""


@dataclass(frozen=True)
class TrainingQuestion:
    """One written question: what was asked, in which language, and the sentences that answer it (if any)."""

    id: str
    question: str
    lang: str
    answerable: bool
    doc_id: str
    chunk: int
    evidence: tuple[str, ...]
    style: str


def normalise_space(text: str) -> str:
    """Whitespace folded, so a sentence copied from a dump matches the chunk text."""
    return " ".join(text.split())


def read_training_set(folder: Path = QUESTIONS_DIR) -> list[TrainingQuestion]:
    """Every question of every `*.jsonl` file in `folder`, in file order; raises TrainingSetError on a bad line."""
    questions: list[TrainingQuestion] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise TrainingSetError(f"{path.name}:{number}: not JSON ({error})") from error
            if not isinstance(row, dict) or set(row) != KEYS:
                raise TrainingSetError(f"{path.name}:{number}: expected the keys {sorted(KEYS)}")
            if row["id"] in seen:
                raise TrainingSetError(f"{path.name}:{number}: duplicate id {row['id']}")
            seen.add(row["id"])
            questions.append(TrainingQuestion(
                id=str(row["id"]), question=str(row["question"]), lang=str(row["lang"]),
                answerable=bool(row["answerable"]), doc_id=str(row["doc_id"]), chunk=int(row["chunk"]),
                evidence=tuple(str(e) for e in row["evidence"]), style=str(row["style"]),
            ))
    return questions


def holdout_ids(questions: Sequence[TrainingQuestion]) -> frozenset[str]:
    """One in HOLDOUT_EVERY questions of every (chunk, answerable) group, picked by a hash of the id: stable when
    questions are added elsewhere, and every chunk is represented on both sides."""
    groups: dict[tuple[str, int, bool], list[TrainingQuestion]] = defaultdict(list)
    for question in questions:
        groups[(question.doc_id, question.chunk, question.answerable)].append(question)
    held: set[str] = set()
    for members in groups.values():
        ordered = sorted(members, key=lambda q: hashlib.sha256(q.id.encode("utf-8")).hexdigest())
        held.update(q.id for q in ordered[::HOLDOUT_EVERY])
    return frozenset(held)


def answering_chunk(question: TrainingQuestion, chunks: Sequence[Chunk]) -> int | None:
    """Position in `chunks` of the chunk of the question's document that holds all its evidence sentences: the one
    the writer named when it still does (a letterhead line recurs in several chunks), else the first."""
    wanted = [normalise_space(e) for e in question.evidence]
    if not wanted:
        return None
    own = [position for position, chunk in enumerate(chunks) if chunk.doc_id == question.doc_id]
    holding = [p for p in own if all(e in normalise_space(chunks[p].text) for e in wanted)]
    if not holding:
        return None
    named = own[question.chunk] if 0 <= question.chunk < len(own) else None
    return named if named in holding else holding[0]


def tokens(text: str) -> set[str]:
    """Lower-cased word tokens: the unit of the Jaccard leakage check."""
    return set(re.findall(r"\w+", text.lower()))


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Token Jaccard similarity of two token sets."""
    first, second = set(a), set(b)
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)
