"""The training questions are what the issue asked for, and none of them is a gold question in disguise."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.store import CorpusStore
from eval.quality.training_leakage import COSINE_LIMIT, JACCARD_LIMIT, find_leaks, gold_questions
from index.training_set import answering_chunk, read_training_set


@pytest.fixture(scope="module")
def training():
    return read_training_set()


def test_the_training_set_has_the_size_languages_and_coverage_asked_for(training, tmp_path) -> None:
    from bot.core.settings import DEFAULT_DOCUMENTS_DIR

    chunks = [c for item in CorpusStore(DEFAULT_DOCUMENTS_DIR, tmp_path / "none").load() for c in item.chunks]
    answerable = [q for q in training if q.answerable]
    assert len(answerable) >= 2000
    assert sum(q.lang == "en" for q in answerable) / len(answerable) >= 0.45
    assert sum(not q.answerable for q in training) >= 500
    located = [answering_chunk(q, chunks) for q in answerable]
    assert None not in located, "every evidence sentence is a verbatim part of one chunk"
    per_chunk = Counter(chunks[p].id for p in located if p is not None)
    assert all(per_chunk[c.id] >= 10 for c in chunks), min(per_chunk[c.id] for c in chunks)


def test_no_training_question_is_within_the_stated_similarity_of_a_gold_question(training, st_base_embedder) -> None:
    leaks = find_leaks(training, gold_questions(), st_base_embedder)
    assert not leaks, f"{len(leaks)} training questions within Jaccard {JACCARD_LIMIT} / cosine {COSINE_LIMIT}: " + \
        ", ".join(f"{leak.training_id}~{leak.gold_id}" for leak in leaks[:10])


def test_the_check_finds_a_copied_question(training) -> None:
    from dataclasses import replace

    gold = gold_questions()[:1]
    copied = replace(training[0], question=gold[0][1].upper() + " ")
    assert [leak.gold_id for leak in find_leaks([copied], gold, None)] == [gold[0][0]]
