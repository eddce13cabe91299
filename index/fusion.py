"""Fuses dense and lexical rankings; the method is chosen by measurement on the gold set (see eval)."""

from __future__ import annotations

from typing import Literal

import numpy as np

FusionMethod = Literal["rrf", "weighted", "dense", "bm25"]


def fuse(
    dense: np.ndarray, lexical: np.ndarray, method: FusionMethod, *, dense_weight: float = 0.6, rrf_k: int = 60,
    lexical_weight: float = 1.0,
) -> np.ndarray:
    """One score per candidate from its dense cosine and BM25 score (both arrays over the same candidates).

    `lexical_weight` in [0, 1] scales BM25's say (the share of query terms the index knows)."""
    if method == "dense":
        return dense.astype(np.float32)
    if method == "bm25":
        return lexical.astype(np.float32)
    if method == "rrf":
        return (_rrf(dense, rrf_k) + lexical_weight * _rrf(lexical, rrf_k)).astype(np.float32)
    lexical_share = (1 - dense_weight) * lexical_weight
    return ((1 - lexical_share) * _minmax(dense) + lexical_share * _scaled(lexical)).astype(np.float32)


def _rrf(scores: np.ndarray, k: int) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return np.where(scores > 0, 1.0 / (k + ranks), 0.0) if np.any(scores > 0) else 1.0 / (k + ranks)


def _minmax(scores: np.ndarray) -> np.ndarray:
    low, high = float(scores.min(initial=0.0)), float(scores.max(initial=0.0))
    return (scores - low) / (high - low) if high > low else np.zeros_like(scores)


def _scaled(scores: np.ndarray) -> np.ndarray:
    """BM25 divided by its best score, so a query with no lexical match contributes nothing."""
    high = float(scores.max(initial=0.0))
    return scores / high if high > 0 else np.zeros_like(scores)
