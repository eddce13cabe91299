"""The written training questions as a memory the confidence can consult: how close is a new question to ones
the documents answer (from the passage it found), and to near-misses they do not answer?

Only the questions the model was trained on are in the bank; the held-out fifth is what the confidence is fitted
on, so its rows see the bank as a new question would. Besides the nearest neighbours, the bank holds a linear read
of the whole set (the prior): a logistic regression on the query vectors that tells the kind of question the
documents answer from the near-misses written beside it ("…in 2019?", "what is the phone number…"), in either
language, as the training set has both in equal measure. Built with the index and kept in the data dir's cache,
keyed by the model checksum, the training set and the chunks, so a stale bank is rebuilt rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from corpus.document import Chunk
from index.embedder import Embedder
from index.training_set import QUESTIONS_DIR, answering_chunk, holdout_ids, normalise_space, read_training_set

log = logging.getLogger(__name__)
BANK_FILE = "question_bank.npz"
# Part of the bank's key: a bank saved by an earlier version (without the prior) is rebuilt, not read.
BANK_FORMAT = "2"
# The prior's L2 strength (scikit-learn's C): chosen on the gold dev split, held out of the fit, among 0.3, 1 and 3:
# 0.3 kept 91 % of dev's unanswerable questions routed at the calibrated threshold (1: 88 %, 3: 85 %).
PRIOR_C = 0.3


@dataclass(frozen=True)
class QuestionBank:
    """Query vectors of the training questions, each with the id of the chunk that answers it ("" if none)."""

    vectors: np.ndarray
    chunk_ids: tuple[str, ...]
    key: str
    evidence: tuple[tuple[str, ...], ...] = ()  # each question's answering sentences, whitespace folded
    # The prior's weights, then its bias (empty: no prior, the bank had no answerable or no unanswerable question).
    prior: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

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
                            self.evidence + tuple(tuple(normalise_space(e) for e in row) for row in evidence),
                            self.prior)

    def features(self, query_vector: np.ndarray, top_chunk_id: str) -> dict[str, float]:
        """Closest answerable question answered by the top passage, by any passage, and closest near-miss; and the
        prior's log-odds that a question like this one is answered by the documents."""
        if not self.size:
            return {}
        query_vector = query_vector.astype(np.float32)
        similarity = self.vectors @ query_vector
        ids = self._ids
        answerable = ids != ""
        same = ids == top_chunk_id

        def best(mask: np.ndarray) -> float:
            return float(similarity[mask].max()) if mask.any() else 0.0

        features = {
            "bank_same_chunk": best(same),
            "bank_answerable": best(answerable),
            "bank_unanswerable": best(~answerable),
        }
        if len(self.prior) == len(query_vector) + 1:
            features["bank_prior"] = float(self.prior[:-1] @ query_vector + self.prior[-1])
        return features


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
    digest = hashlib.sha256(f"{BANK_FORMAT}\x1f{model_checksum}".encode())
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
    prior = fit_prior(vectors, [q.answerable for q in kept])
    return QuestionBank(np.ascontiguousarray(vectors, dtype=np.float32), tuple(ids), key, evidence, prior)


def fit_prior(vectors: np.ndarray, answerable: Sequence[bool]) -> np.ndarray:
    """Weights and bias of an L2-regularised logistic regression (classes balanced) from query vectors to "the
    documents answer it"; empty when one class is missing. Deterministic: the same questions give the same prior."""
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(answerable, dtype=np.int64)
    if len(vectors) != len(labels) or len(set(labels.tolist())) < 2:
        return np.zeros(0, np.float32)
    model = LogisticRegression(C=PRIOR_C, class_weight="balanced", max_iter=5000)
    model.fit(np.asarray(vectors, dtype=np.float64), labels)
    return np.append(model.coef_[0], model.intercept_[0]).astype(np.float32)


def save_bank(bank: QuestionBank, directory: Path) -> None:
    """Write the bank in the cache dir (write-then-rename, so a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / (BANK_FILE + ".tmp.npz")
    np.savez(staging, vectors=bank.vectors, chunk_ids=np.array(json.dumps(list(bank.chunk_ids))),
             evidence=np.array(json.dumps([list(e) for e in bank.evidence])), key=np.array(bank.key), prior=bank.prior)
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
                                evidence, data["prior"].astype(np.float32))
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
