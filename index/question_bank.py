"""The written training questions as a memory the confidence can consult: how close is a new question to ones
the documents answer (from the passage it found), and to near-misses they do not answer?

Only the questions the model was trained on are in the bank; the held-out fifth is what the confidence is fitted
on, so its rows see the bank as a new question would. Built with the index and kept in the data dir's cache, keyed by the
model checksum, the training set and the chunks, so a stale bank is rebuilt rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from corpus.document import Chunk
from index.embedder import Embedder
from index.training_set import QUESTIONS_DIR, answering_chunk, holdout_ids, normalise_space, read_training_set

log = logging.getLogger(__name__)
BANK_FILE = "question_bank.npz"


@dataclass(frozen=True)
class QuestionBank:
    """Query vectors of the training questions, each with the id of the chunk that answers it ("" if none)."""

    vectors: np.ndarray
    chunk_ids: tuple[str, ...]
    key: str
    evidence: tuple[tuple[str, ...], ...] = ()  # each question's answering sentences, whitespace folded

    @property
    def size(self) -> int:
        return len(self.chunk_ids)

    @cached_property
    def _ids(self) -> np.ndarray:
        """The chunk ids as an array, built once (every question masks by them)."""
        return np.array(self.chunk_ids)

    @cached_property
    def _rows(self) -> dict[str, list[int]]:
        """Row numbers per chunk id, built once."""
        rows: dict[str, list[int]] = defaultdict(list)
        for row, chunk_id in enumerate(self.chunk_ids):
            if chunk_id:
                rows[chunk_id].append(row)
        return dict(rows)

    def with_questions(self, vectors: np.ndarray, chunk_ids: Sequence[str],
                       evidence: Sequence[tuple[str, ...]]) -> QuestionBank:
        """This bank and more answered questions: a published task-force answer's question is exactly such a
        question (asked by a caseworker, answered by that chunk), so it speaks for its answer as training ones do."""
        if not len(chunk_ids):
            return self
        base = self.vectors if self.size else np.zeros((0, vectors.shape[1]), np.float32)
        return QuestionBank(np.ascontiguousarray(np.vstack([base, vectors.astype(np.float32)])),
                            self.chunk_ids + tuple(chunk_ids), self.key,
                            self.evidence + tuple(tuple(normalise_space(e) for e in row) for row in evidence))

    def features(self, query_vector: np.ndarray, top_chunk_id: str) -> dict[str, float]:
        """Closest answerable question answered by the top passage, by any passage, and closest near-miss."""
        if not self.size:
            return {}
        similarity = self.vectors @ query_vector.astype(np.float32)
        ids = self._ids
        answerable = ids != ""
        same = ids == top_chunk_id

        def best(mask: np.ndarray) -> float:
            return float(similarity[mask].max()) if mask.any() else 0.0

        return {
            "bank_same_chunk": best(same),
            "bank_answerable": best(answerable),
            "bank_unanswerable": best(~answerable),
        }


    def support(self, query_vector: np.ndarray, chunk_ids: Sequence[str]) -> list[float]:
        """For each chunk, how close the question is to the closest training question that chunk answers."""
        if not self.size:
            return [0.0] * len(chunk_ids)
        similarity = self.vectors @ query_vector.astype(np.float32)
        return [float(similarity[self._rows[c]].max()) if c in self._rows else 0.0 for c in chunk_ids]


    def sentence_support(self, query_vector: np.ndarray, chunk_id: str, sentences: Sequence[str]) -> list[float]:
        """For each sentence of a chunk, how close the question is to the closest training question that this
        sentence answers (the training set's sentence tags): 0 where no training question names it."""
        support = [0.0] * len(sentences)
        if not self.size or not self.evidence:
            return support
        rows = self._rows.get(chunk_id, [])
        if not rows:
            return support
        similarity = self.vectors[rows] @ query_vector.astype(np.float32)
        folded = [normalise_space(s) for s in sentences]
        for row, value in zip(rows, similarity.tolist()):
            for tagged in self.evidence[row]:
                for position, sentence in enumerate(folded):
                    if sentence and (sentence in tagged or tagged in sentence) and value > support[position]:
                        support[position] = value
        return support


def bank_key(model_checksum: str, chunks: Sequence[Chunk], folder: Path = QUESTIONS_DIR) -> str:
    """What the bank depends on: the model, the training files and the ids of the chunks they were written from
    (documents added or published later do not change it)."""
    digest = hashlib.sha256(model_checksum.encode("utf-8"))
    for path in sorted(folder.glob("*.jsonl")):
        digest.update(path.read_bytes())
    written_from = {q.doc_id for q in read_training_set(folder)}
    digest.update("\x1f".join(c.id for c in chunks if c.doc_id in written_from).encode("utf-8"))
    return digest.hexdigest()


def build_bank(embedder: Embedder, chunks: Sequence[Chunk], key: str, folder: Path = QUESTIONS_DIR) -> QuestionBank:
    """Embed the training questions that were not held out."""
    questions = read_training_set(folder)
    held = holdout_ids(questions)
    kept = [q for q in questions if q.id not in held]
    ids = []
    for question in kept:
        position = answering_chunk(question, chunks) if question.answerable else None
        ids.append(chunks[position].id if position is not None else "")
    vectors = embedder.embed([q.question for q in kept], kind="query") if kept else np.zeros((0, 1), np.float32)
    evidence = tuple(tuple(normalise_space(e) for e in q.evidence) for q in kept)
    return QuestionBank(np.ascontiguousarray(vectors, dtype=np.float32), tuple(ids), key, evidence)


def save_bank(bank: QuestionBank, directory: Path) -> None:
    """Write the bank in the cache dir (write-then-rename, so a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / (BANK_FILE + ".tmp.npz")
    np.savez(staging, vectors=bank.vectors, chunk_ids=np.array(json.dumps(list(bank.chunk_ids))),
             evidence=np.array(json.dumps([list(e) for e in bank.evidence])), key=np.array(bank.key))
    staging.replace(directory / BANK_FILE)


def load_bank(directory: Path, key: str) -> QuestionBank | None:
    """The saved bank if it was built for `key`, else None."""
    path = directory / BANK_FILE
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            evidence = tuple(tuple(e) for e in json.loads(str(data["evidence"])))
            return QuestionBank(data["vectors"].astype(np.float32), tuple(json.loads(str(data["chunk_ids"]))), key,
                                evidence)
    except (OSError, ValueError, KeyError) as error:
        if path.exists():
            log.warning("ignoring the question bank at %s (%s)", path, error)
        return None


def bank_for(embedder: Embedder, chunks: Sequence[Chunk], model_checksum: str, directory: Path) -> QuestionBank:
    """The bank for this model and corpus: loaded if current, else built and saved."""
    key = bank_key(model_checksum, chunks)
    bank = load_bank(directory, key)
    if bank is None:
        log.info("building the question bank (training questions embedded once per model)")
        bank = build_bank(embedder, chunks, key)
        save_bank(bank, directory)
    return bank
