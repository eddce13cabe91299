"""Scoring functions for the Vejviser evaluation suite.

Everything here is a pure function over plain Python values or numpy arrays, so
the same code scores retrieval (evidence hits, MRR), abstention (AUROC of a
confidence score against answerability) and selective answering (risk-coverage,
AURC, threshold choice) without touching the answer engine.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "normalise",
    "contains_evidence",
    "hit_at_k",
    "reciprocal_rank",
    "auroc",
    "risk_coverage",
    "aurc",
    "pick_threshold",
    "pick_routing_threshold",
    "percentile",
]

_DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_NOT_KEPT = re.compile(r"[^a-z0-9,]+")


def normalise(text: str) -> str:
    """Map Danish, ASCII-fied and OCR spellings onto one form so evidence matching ignores case, æøå and punctuation."""
    # NFC first so that a decomposed "å" (a + combining ring) is the same
    # character as a composed one; then the rule of the gold set: lower case,
    # æ→ae ø→o å→a (Æ Ø Å become æ ø å by lower-casing), every run of
    # characters other than a-z, 0-9 and comma becomes one space, strip.
    text = unicodedata.normalize("NFC", text).lower().translate(_DANISH_LETTERS)
    return _NOT_KEPT.sub(" ", text).strip()


def contains_evidence(text: str, evidence: Sequence[str]) -> bool:
    """Decide whether a passage supports a gold answer: some evidence phrase, normalised, is a substring of it."""
    haystack = normalise(text)
    # A phrase that normalises to "" would match everything; it never counts.
    return any(needle and needle in haystack for needle in (normalise(e) for e in evidence))


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def hit_at_k(citation_texts: Sequence[str], evidence: Sequence[str], k: int) -> bool:
    """Tell whether the answer is backed by one of the first k citations, the way a reader scans them."""
    _check_k(k)
    return any(contains_evidence(t, evidence) for t in citation_texts[:k])


def reciprocal_rank(citation_texts: Sequence[str], evidence: Sequence[str], k: int = 10) -> float:
    """Reward citing the supporting passage early: 1/rank of the first citation with evidence within k, else 0."""
    _check_k(k)
    for rank, text in enumerate(citation_texts[:k], start=1):
        if contains_evidence(text, evidence):
            return 1.0 / rank
    return 0.0


def _as_float_array(values: Sequence[float] | npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    return arr


def _as_bool_array(values: Sequence[bool] | npt.ArrayLike, name: str) -> npt.NDArray[np.bool_]:
    arr = np.asarray(values).reshape(-1)
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0/1 or booleans")
    return arr.astype(bool)


def _paired(
    scores: Sequence[float] | npt.ArrayLike,
    flags: Sequence[bool] | npt.ArrayLike,
    score_name: str,
    flag_name: str,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    s = _as_float_array(scores, score_name)
    f = _as_bool_array(flags, flag_name)
    if s.shape != f.shape:
        raise ValueError(f"{score_name} and {flag_name} differ in length: {s.size} != {f.size}")
    return s, f


def _midranks(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Ranks 1..n with tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_vals = values[order]
    ranks = np.empty(values.size, dtype=np.float64)
    start = 0
    n = values.size
    while start < n:
        end = start
        while end + 1 < n and sorted_vals[end + 1] == sorted_vals[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def auroc(scores: Sequence[float] | npt.ArrayLike, labels: Sequence[int] | npt.ArrayLike) -> float:
    """Measure how well a score separates positives from negatives independent of any threshold; ties count half, nan if a class is absent."""
    # AUROC = P(score of a random positive > score of a random negative)
    #         + 0.5 * P(equal), computed with the Mann-Whitney U statistic on
    # mid-ranks: U = sum(ranks of positives) - n_pos (n_pos + 1) / 2.
    s, y = _paired(scores, labels, "scores", "labels")
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = _midranks(s)
    u = float(ranks[y].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def risk_coverage(
    confidences: Sequence[float] | npt.ArrayLike, correct: Sequence[bool] | npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Show what error rate we pay for answering more questions, answering the most confident first.

    Items are sorted by confidence, highest first; point i (i = 1..n) answers the
    i most confident items: coverage[i-1] = i / n and risk[i-1] = (number of
    wrong answers among them) / i.  Items with equal confidence cannot be told
    apart by any threshold, so inside a tie group of size m with e wrong answers
    the j-th item adds e / m errors (the expectation over every order of the
    group); the risk at the group's last point is therefore exact, and the whole
    result does not depend on input order.  Empty input gives two empty arrays.
    """
    c, ok = _paired(confidences, correct, "confidences", "correct")
    n = c.size
    if n == 0:
        return np.empty(0), np.empty(0)
    order = np.argsort(-c, kind="mergesort")
    c_sorted = c[order]
    wrong_sorted = (~ok[order]).astype(np.float64)
    # Spread the errors of each tie group evenly over its members.
    spread = np.empty(n, dtype=np.float64)
    start = 0
    while start < n:
        end = start
        while end + 1 < n and c_sorted[end + 1] == c_sorted[start]:
            end += 1
        spread[start : end + 1] = wrong_sorted[start : end + 1].mean()
        start = end + 1
    answered = np.arange(1, n + 1, dtype=np.float64)
    coverage = answered / n
    risk = np.cumsum(spread) / answered
    return coverage, risk


def aurc(confidences: Sequence[float] | npt.ArrayLike, correct: Sequence[bool] | npt.ArrayLike) -> float:
    """Summarise the whole risk-coverage curve in one number (lower is better) so confidence functions can be compared.

    AURC = (1/n) * sum_{i=1..n} risk_i, the plain mean of the n risk values that
    risk_coverage returns at coverages 1/n, 2/n, ..., 1 (ties handled as there).
    It lies in [0, 1]; it is 0 only when every answer is right, and a perfect
    ranking of the same answers gives the smallest value possible for them.
    Empty input gives nan.
    """
    _, risk = risk_coverage(confidences, correct)
    if risk.size == 0:
        return math.nan
    return float(risk.mean())


def pick_threshold(
    confidences: Sequence[float] | npt.ArrayLike,
    correct: Sequence[bool] | npt.ArrayLike,
    max_risk: float = 0.05,
) -> float | None:
    """Choose the answer/abstain cut-off that answers the most questions while keeping the error rate of the answered ones at or below max_risk.

    Candidates are the observed confidence values t; answered = confidence >= t,
    risk = wrong answered / answered.  Returns the t with the largest coverage
    whose risk <= max_risk (that is the smallest such t), or None when no t
    qualifies (or the input is empty): then the system should abstain always.
    """
    if not 0.0 <= max_risk <= 1.0:
        raise ValueError(f"max_risk must be in [0, 1], got {max_risk}")
    c, ok = _paired(confidences, correct, "confidences", "correct")
    best: float | None = None
    for t in np.unique(c)[::-1]:  # descending: coverage grows at every step
        answered = c >= t
        risk = float((~ok[answered]).sum()) / float(answered.sum())
        if risk <= max_risk + 1e-12:
            best = float(t)
    return best


def pick_routing_threshold(
    confidences: Sequence[float] | npt.ArrayLike,
    answerable: Sequence[bool] | npt.ArrayLike,
    min_routed: float = 0.90,
) -> float | None:
    """Choose the lowest answer cut-off that still routes at least min_routed of the unanswerable questions, so the
    engine answers as many caseworkers as it can without answering questions the documents do not answer.

    Candidates are the observed confidence values t; answered = confidence >= t. Returns the smallest t at which the
    share of unanswerable questions with confidence < t is >= min_routed, or None when there is no unanswerable
    question (the rule then says nothing).
    """
    if not 0.0 <= min_routed <= 1.0:
        raise ValueError(f"min_routed must be in [0, 1], got {min_routed}")
    c, can = _paired(confidences, answerable, "confidences", "answerable")
    unanswerable = c[~can]
    if unanswerable.size == 0:
        return None
    candidates = np.append(np.unique(c), np.nextafter(c.max(), np.inf))
    for t in candidates:  # ascending: the first that routes enough answers the most
        if float((unanswerable < t).mean()) >= min_routed - 1e-12:
            return float(t)
    return None  # unreachable: the last candidate routes every question


def pick_band_floor(
    confidences: Sequence[float] | npt.ArrayLike,
    correct: Sequence[bool] | npt.ArrayLike,
    threshold: float,
    min_share: float = 2 / 3,
    window: int = 50,
) -> float | None:
    """Choose how far below the answer threshold a routed question still shows its closest quote as "not sure".

    Walking down from the threshold through the confidences under it, the band goes on while, among the `window`
    neighbouring questions around each one, the share whose first quote holds the answer stays >= min_share; it
    stops at the first place where it does not. So even at its bottom a "not sure" quote is right at least that
    often. None when the first step already fails, when nothing lies under the threshold, or when the band would hold
    fewer than half a window of questions (too few to say how often its quotes are right): no band.
    """
    if not 0.0 <= min_share <= 1.0 or window < 1:
        raise ValueError(f"min_share must be in [0, 1] and window >= 1, got {min_share}, {window}")
    c, ok = _paired(confidences, correct, "confidences", "correct")
    below = c < threshold
    order = np.argsort(-c[below], kind="stable")
    values, right = c[below][order], ok[below][order].astype(float)
    floor: float | None = None
    kept = 0
    for i in range(len(values)):
        lo, hi = max(0, i - window // 2), min(len(values), i + window // 2)
        if right[lo:hi].mean() < min_share:
            break
        floor = float(values[i])
        kept = i + 1
    return floor if kept >= window // 2 else None


def percentile(values: Sequence[float] | npt.ArrayLike, p: float) -> float:
    """Report latency-style tails (p50/p95) with numpy's linear interpolation; nan for no values."""
    if not 0.0 <= p <= 100.0:
        raise ValueError(f"p must be in [0, 100], got {p}")
    arr = _as_float_array(values, "values")
    if arr.size == 0:
        return math.nan
    return float(np.percentile(arr, p))
