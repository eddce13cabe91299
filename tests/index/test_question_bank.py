"""The question bank: written (and published) questions as a memory of which passage answers what."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.question_bank import QuestionBank, fit_prior, load_bank, save_bank


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _bank() -> QuestionBank:
    vectors = np.stack([_unit(1, 0, 0), _unit(0, 1, 0), _unit(0, 0, 1)])
    return QuestionBank(vectors, ("chunk-a", "chunk-b", ""), "key",
                        (("Svaret sendes til Ledelsessekretariatet.",), ("Task forcen består af fire rådgivere.",), ()))


def test_features_tell_the_top_passage_from_a_near_miss() -> None:
    bank = _bank()
    features = bank.features(_unit(1, 0, 0.2), "chunk-a")
    assert features["bank_same_chunk"] > 0.95  # a written question the top passage answers is this close
    assert features["bank_unanswerable"] < 0.3  # and the near-miss is far
    assert bank.features(_unit(1, 0, 0.2), "chunk-b")["bank_same_chunk"] < 0.1


def test_support_and_sentence_tags_point_at_the_answering_passage_and_sentence() -> None:
    bank = _bank()
    query = _unit(1, 0.1, 0)
    support = bank.support(query, ["chunk-a", "chunk-b", "chunk-unknown"])
    assert support[0] > support[1] and support[2] == 0.0
    tags = bank.sentence_support(query, "chunk-a", ["Venlig hilsen", "Svaret sendes til Ledelsessekretariatet."])
    assert tags[0] == 0.0 and tags[1] > 0.9


def test_a_published_question_speaks_for_its_answer() -> None:
    bank = _bank()
    asked = _unit(0.3, 0.3, 0.9)  # closest to the near-miss until the task force answered it
    assert bank.support(asked, ["taskforce-R-00007#0"]) == [0.0]
    grown = bank.with_questions(asked[None, :], ["taskforce-R-00007#0"], [("Bookes gennem Tolkecentralen.",)])
    assert grown.size == bank.size + 1 and bank.size == 3  # a new bank; the loaded one is not changed
    assert grown.support(asked, ["taskforce-R-00007#0"])[0] > 0.99
    assert grown.features(asked, "taskforce-R-00007#0")["bank_same_chunk"] > 0.99
    assert grown.sentence_support(asked, "taskforce-R-00007#0", ["Bookes gennem Tolkecentralen."])[0] > 0.99
    assert bank.with_questions(np.zeros((0, 3), np.float32), [], []) is bank


def test_an_empty_bank_grows_too() -> None:
    empty = QuestionBank(np.zeros((0, 1), np.float32), (), "key", ())
    grown = empty.with_questions(_unit(1, 0, 0)[None, :], ["chunk-a"], [("x",)])
    assert grown.support(_unit(1, 0, 0), ["chunk-a"])[0] > 0.99


def test_the_prior_reads_which_kind_of_question_the_documents_answer(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    answered = [_unit(1, 0.2 * rng.standard_normal(), 0.2 * rng.standard_normal()) for _ in range(20)]
    near_misses = [_unit(0.2 * rng.standard_normal(), 0.2 * rng.standard_normal(), 1) for _ in range(8)]
    vectors = np.stack(answered + near_misses).astype(np.float32)
    prior = fit_prior(vectors, [True] * 20 + [False] * 8)
    bank = QuestionBank(vectors, ("chunk-a",) * 20 + ("",) * 8, "key", ((),) * 28, prior)
    assert bank.features(_unit(0.9, 0.1, 0.1), "chunk-a")["bank_prior"] > 0 > bank.features(
        _unit(0.1, 0.1, 0.9), "chunk-a")["bank_prior"]
    save_bank(bank, tmp_path)
    loaded = load_bank(tmp_path, "key")
    assert loaded is not None and np.array_equal(loaded.prior, prior)
    assert loaded.with_questions(_unit(0, 1, 0)[None, :], ["chunk-b"], [("x",)]).prior is loaded.prior
    # One class only: no prior, and the feature is not measured (the confidence counts it as average).
    assert len(fit_prior(vectors[:20], [True] * 20)) == 0
    assert "bank_prior" not in _bank().features(_unit(1, 0, 0), "chunk-a")
