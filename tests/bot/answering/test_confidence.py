"""The confidence model's fit: each feature keeps the direction it was designed with, and gaps count as average."""

from __future__ import annotations

import pytest

from bot.answering.confidence import FEATURES, SIGNS, ConfidenceModel, fit
from bot.core.errors import InvalidInput


def _rows(n: int) -> tuple[list[dict[str, float]], list[int]]:
    """Right answers have a high term coverage; by chance in this sample they also have fewer agreeing rankings."""
    rows, labels = [], []
    for i in range(n):
        right = i % 2 == 0
        rows.append({name: 0.5 for name in FEATURES} | {
            "term_coverage": (0.9 if right else 0.2) + 0.01 * (i % 7),
            "agreement": 0.0 if right else 1.0,  # an evidence feature that this sample makes look harmful
        })
        labels.append(int(right))
    return rows, labels


def test_an_evidence_feature_never_lowers_confidence_even_when_a_small_sample_says_so() -> None:
    rows, labels = _rows(40)
    model = fit(rows, labels)
    assert model.weights["term_coverage"] > 0
    assert model.weights["agreement"] == pytest.approx(0.0, abs=1e-9)
    for name, sign in SIGNS.items():
        assert model.weights[name] * sign >= -1e-9, name
    right, wrong = model.confidence(rows[0]), model.confidence(rows[1])
    assert right > 0.5 > wrong


def test_a_feature_the_embedder_cannot_measure_counts_as_average() -> None:
    rows, labels = _rows(40)
    model = fit(rows, labels)
    measured = dict(rows[0])
    unmeasured = {k: v for k, v in measured.items() if k != "alignment_min"}
    at_mean = measured | {"alignment_min": model.means["alignment_min"]}
    assert model.confidence(unmeasured) == pytest.approx(model.confidence(at_mean))


def test_calibration_without_a_single_unanswerable_question_says_why() -> None:
    rows, _ = _rows(10)
    with pytest.raises(InvalidInput, match="both answerable and unanswerable"):
        fit(rows, [1] * 10)


def test_an_uncalibrated_install_prefers_the_better_evidenced_answer() -> None:
    model = ConfidenceModel()
    weak = {name: 0.0 for name in FEATURES} | {"dense_top1": 0.80, "sentence_cosine": 0.80}
    strong = weak | {"term_coverage": 1.0, "alignment_min": 0.9, "alignment_mean": 0.95}
    assert model.confidence(strong) > model.confidence(weak)


def test_cross_validated_confidences_come_from_models_that_did_not_see_the_row() -> None:
    from bot.answering.confidence import cross_validated

    rows, labels = _rows(40)
    folds = cross_validated(rows, labels, folds=5)
    assert len(folds) == 40 and all(0.0 <= c <= 1.0 for c in folds)
    assert sum(c > 0.5 for c, y in zip(folds, labels) if y) > 15  # the signal survives out of sample


def test_the_confidence_does_not_read_the_language() -> None:
    assert not {"english", "unknown_terms", "rare_term_coverage"} & set(FEATURES)
