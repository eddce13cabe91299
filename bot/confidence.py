"""How sure the engine is that its quote answers the question: a small logistic model over retrieval evidence.

Raw cosine is not enough (an in-domain question the documents do not answer scores as high as one they do),
so the features say what separates them: fusion agreement, margins, the best sentence's similarity, whether
the question's key terms and numbers occur in the quote. The weights are fitted on the gold set's dev split
(`vejviser eval --calibrate`) and stored with the answer threshold.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

FEATURES = (
    "dense_top1", "dense_margin", "lexical_top1", "agreement", "sentence_cosine",
    "term_coverage", "quote_term_coverage", "missing_numbers", "english",
    "unknown_terms", "rare_term_coverage", "answer_kind_missing",
)

# Before calibration: weights that express the design intent, so an uncalibrated install still abstains sensibly.
_DEFAULT_WEIGHTS = {
    "dense_top1": 12.0, "dense_margin": 8.0, "lexical_top1": 0.15, "agreement": 1.0, "sentence_cosine": 6.0,
    "term_coverage": 2.5, "quote_term_coverage": 1.5, "missing_numbers": -4.0, "english": 0.5,
    "unknown_terms": -3.0, "rare_term_coverage": 2.0, "answer_kind_missing": -3.0,
}
_DEFAULT_BIAS = -19.0


@dataclass(frozen=True)
class ConfidenceModel:
    """Standardised logistic regression: confidence = σ(bias + Σ w·(x − mean)/scale)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(_DEFAULT_WEIGHTS))
    bias: float = _DEFAULT_BIAS
    means: dict[str, float] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)
    threshold: float = 0.5
    source: str = "default"

    def confidence(self, features: dict[str, float]) -> float:
        z = self.bias
        for name in FEATURES:
            x = (features.get(name, 0.0) - self.means.get(name, 0.0)) / (self.scales.get(name, 1.0) or 1.0)
            z += self.weights.get(name, 0.0) * x
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    @classmethod
    def load(cls, path: Path | None) -> ConfidenceModel:
        """The calibrated model if a calibration file exists, else the defaults."""
        if path is None or not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if "weights" not in data:
            return cls(threshold=float(data["threshold"]), source=str(path))
        return cls(weights=data["weights"], bias=data["bias"], means=data.get("means", {}),
                   scales=data.get("scales", {}), threshold=float(data["threshold"]), source=str(path))

    def to_json(self) -> dict:
        return {"weights": self.weights, "bias": self.bias, "means": self.means, "scales": self.scales,
                "threshold": self.threshold, "features": list(FEATURES)}


def fit(rows: list[dict[str, float]], labels: list[int], *, regularisation: float = 1.0) -> ConfidenceModel:
    """Fit the weights on labelled feature rows (1 = answering with the top passage is right)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    matrix = np.array([[row.get(name, 0.0) for name in FEATURES] for row in rows], dtype=np.float64)
    means, scales = matrix.mean(axis=0), matrix.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=1000)
    model.fit((matrix - means) / scales, np.array(labels))
    return ConfidenceModel(
        weights={name: float(w) for name, w in zip(FEATURES, model.coef_[0])}, bias=float(model.intercept_[0]),
        means={name: float(m) for name, m in zip(FEATURES, means)},
        scales={name: float(s) for name, s in zip(FEATURES, scales)}, source="fitted",
    )
