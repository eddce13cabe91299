"""The passages' token vectors are computed once per model and text, read back on the next start, and are the
model's own: a stored passage gives what the model gives, a changed model or a damaged file is recomputed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index import passage_tokens as store
from index.passage_tokens import FILE, PassageTokens, passage_tokens

PASSAGES = ["Task forcen består af fire konsulenter og en koordinator.",
            "Tolk bestilles i god tid, når borgeren ikke taler dansk."]


class CountingEncoder:
    """The real model's token vectors, counting the passages it was asked to run."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.passages: list[str] = []

    def token_vectors(self, text: str, *, kind: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        if kind == "passage":
            self.passages.append(text)
        return self.inner.token_vectors(text, kind=kind)  # type: ignore[attr-defined]


def test_stored_vectors_are_the_models_and_the_next_start_reads_them(onnx_embedder, tmp_path: Path) -> None:
    first = CountingEncoder(onnx_embedder)
    tokens = passage_tokens(first, PASSAGES, "model-a", tmp_path)
    assert first.passages == PASSAGES and (tmp_path / FILE).is_file()
    spans, vectors = tokens.token_vectors(PASSAGES[1], kind="passage")
    their_spans, their_vectors = onnx_embedder.token_vectors(PASSAGES[1], kind="passage")
    assert spans == their_spans and np.array_equal(vectors, their_vectors)

    again = CountingEncoder(onnx_embedder)
    reread = passage_tokens(again, PASSAGES, "model-a", tmp_path)
    assert again.passages == []  # nothing run on the next start
    assert np.array_equal(reread.token_vectors(PASSAGES[0], kind="passage")[1],
                          tokens.token_vectors(PASSAGES[0], kind="passage")[1])
    reread.token_vectors("Et spørgsmål?", kind="query")
    assert again.passages == []  # questions go to the model, not the store


def test_a_new_passage_or_another_model_is_computed_and_a_damaged_file_ignored(onnx_embedder, tmp_path: Path) -> None:
    passage_tokens(onnx_embedder, PASSAGES[:1], "model-a", tmp_path)
    added = CountingEncoder(onnx_embedder)
    passage_tokens(added, PASSAGES, "model-a", tmp_path)
    assert added.passages == PASSAGES[1:]  # only the added passage

    other_model = CountingEncoder(onnx_embedder)
    passage_tokens(other_model, PASSAGES, "model-b", tmp_path)
    assert other_model.passages == PASSAGES

    (tmp_path / FILE).write_bytes(b"not an npz")
    damaged = CountingEncoder(onnx_embedder)
    tokens = passage_tokens(damaged, PASSAGES, "model-b", tmp_path)
    assert damaged.passages == PASSAGES
    assert tokens.token_vectors(PASSAGES[0], kind="passage")[0] == onnx_embedder.token_vectors(PASSAGES[0], kind="passage")[0]


def test_a_large_corpus_stores_none_and_remembers_what_questions_met(onnx_embedder, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store, "STORED_PASSAGES_MAX", 1)
    counting = CountingEncoder(onnx_embedder)
    tokens = passage_tokens(counting, PASSAGES, "model-a", tmp_path)
    assert counting.passages == [] and not (tmp_path / FILE).exists()
    for _ in range(3):
        tokens.token_vectors(PASSAGES[0], kind="passage")
    assert counting.passages == PASSAGES[:1]  # computed on first use, then remembered

    bounded = PassageTokens(counting, memory_entries=1)
    bounded.token_vectors(PASSAGES[0], kind="passage")
    bounded.token_vectors(PASSAGES[1], kind="passage")
    bounded.token_vectors(PASSAGES[0], kind="passage")
    assert counting.passages[-3:] == [PASSAGES[0], PASSAGES[1], PASSAGES[0]]  # one entry kept: the first was dropped
