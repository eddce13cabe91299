"""Runs gold questions through the caseworkers' code path (`vejviser ask --json --batch`) and scores them."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.quality import metrics

GOLD_DIR = Path(__file__).resolve().parents[1] / "gold"


@dataclass(frozen=True)
class GoldItem:
    """One gold question; `evidence` phrases must appear in a correct citation."""

    id: str
    question: str
    lang: str
    answerable: bool
    evidence: tuple[str, ...]


@dataclass
class Outcome:
    """What the system did with one gold question, and how long it took."""

    item: GoldItem
    reply: dict[str, Any]
    seconds: float
    documents: tuple[str, ...] = ()  # doc_ids whose text holds the evidence

    @property
    def answered(self) -> bool:
        return self.reply.get("status") == "answered"

    @property
    def tentative(self) -> bool:
        """Routed, with the first quote offered as "the closest, not sure" (the middle band)."""
        return bool(self.reply.get("tentative", False))

    @property
    def confidence(self) -> float:
        return float(self.reply.get("confidence", 0.0))

    @property
    def texts(self) -> list[str]:
        return [c["text"] for c in self.reply.get("citations", [])]

    @property
    def first_quote_correct(self) -> bool:
        citations = self.reply.get("citations", [])
        return bool(self.item.answerable and citations and metrics.contains_evidence(citations[0]["quote"], self.item.evidence))

    @property
    def correct_if_answered(self) -> bool:
        """Answering was right: an answerable question whose first quote holds the evidence."""
        return self.first_quote_correct


def load_gold(path: Path) -> list[GoldItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            items.append(GoldItem(row["id"], row["question"], row["lang"], bool(row["answerable"]), tuple(row["evidence"])))
    return items


def training_items(*, held_out: bool = True) -> list[GoldItem]:
    """The training questions kept out of model training (or the others), as gold-shaped items: the confidence
    is fitted on them together with dev."""
    from index.training_set import holdout_ids, read_training_set

    questions = read_training_set()
    held = holdout_ids(questions)
    return [GoldItem(q.id, q.question, q.lang, q.answerable, q.evidence)
            for q in questions if (q.id in held) == held_out]


def gold_path(split: str) -> Path:
    return GOLD_DIR / f"{split}.jsonl"


def run(engine: Any, items: list[GoldItem], *, fusion: str | None = None, explain: bool = True) -> list[Outcome]:
    """Ask every gold question through `bot.answering.contract.run_batch`, the function behind `vejviser ask --json --batch`
    (with `--explain`: the features and the middle band are scored too)."""
    from bot.answering.contract import run_batch

    document_texts = {doc_id: metrics.normalise(doc.text) for doc_id, doc in engine.documents.items()}
    outcomes = []
    replies = run_batch(engine, ({"id": i.id, "question": i.question} for i in items), fusion=fusion, explain=explain)
    for item in items:
        started = time.perf_counter()
        reply = next(replies)
        elapsed = time.perf_counter() - started
        holders = tuple(d for d, text in document_texts.items()
                        if any(metrics.normalise(e) in text for e in item.evidence))
        outcomes.append(Outcome(item, reply, elapsed, holders))
    return outcomes


@dataclass
class Scores:
    """The eval's figures for one group of questions."""

    n: int = 0
    answerable: int = 0
    hit1: float = math.nan
    hit5: float = math.nan
    mrr10: float = math.nan
    answer_precision: float = math.nan
    answered_answerable: int = 0
    route_recall: float = math.nan
    wrongly_routed: float = math.nan
    right_quote: float = math.nan  # answerable questions answered with a first quote that holds the evidence
    tentative: float = math.nan  # questions routed with the closest quote offered as "not sure" (the middle band)
    tentative_right: float = math.nan  # of those, the share whose "not sure" quote holds the evidence
    tentative_unanswerable: float = math.nan  # unanswerable questions shown a "not sure" quote
    auroc: float = math.nan
    aurc: float = math.nan
    coverage: float = math.nan
    risk: float = math.nan
    verbatim: float = math.nan
    p50_ms: float = math.nan
    p95_ms: float = math.nan
    extra: dict[str, Any] = field(default_factory=dict)


def score(outcomes: list[Outcome], documents: dict[str, str] | None = None) -> Scores:
    """Retrieval, answer, abstention, verbatim and latency figures (definitions in eval/report/REPORT.md)."""
    s = Scores(n=len(outcomes))
    if not outcomes:
        return s
    answerable = [o for o in outcomes if o.item.answerable]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    s.answerable = len(answerable)
    if answerable:
        s.hit1 = _mean(metrics.hit_at_k(o.texts, o.item.evidence, 1) for o in answerable)
        s.hit5 = _mean(metrics.hit_at_k(o.texts, o.item.evidence, 5) for o in answerable)
        s.mrr10 = _mean(metrics.reciprocal_rank(o.texts, o.item.evidence, 10) for o in answerable)
        s.wrongly_routed = _mean(not o.answered for o in answerable)
        answered = [o for o in answerable if o.answered]
        s.answered_answerable = len(answered)
        s.answer_precision = _mean(o.first_quote_correct for o in answered) if answered else math.nan
        s.right_quote = _mean(o.answered and o.first_quote_correct for o in answerable)
    if unanswerable:
        s.route_recall = _mean(not o.answered for o in unanswerable)
        s.tentative_unanswerable = _mean(o.tentative for o in unanswerable)
    band = [o for o in outcomes if o.tentative]
    s.tentative = len(band) / len(outcomes)
    s.tentative_right = _mean(o.first_quote_correct for o in band) if band else math.nan
    confidences = [o.confidence for o in outcomes]
    s.auroc = metrics.auroc(confidences, [int(o.item.answerable) for o in outcomes])
    s.aurc = metrics.aurc(confidences, [o.correct_if_answered for o in outcomes])
    answered_all = [o for o in outcomes if o.answered]
    s.coverage = len(answered_all) / len(outcomes)
    s.risk = _mean(not o.correct_if_answered for o in answered_all) if answered_all else 0.0
    s.verbatim = verbatim_rate(outcomes, documents or {})
    latencies = [o.seconds * 1000 for o in outcomes]
    s.p50_ms, s.p95_ms = metrics.percentile(latencies, 50), metrics.percentile(latencies, 95)
    return s


def bootstrap(outcomes: list[Outcome], figures: Sequence[str], *, draws: int = 1000,
              seed: int = 13) -> dict[str, list[float]]:
    """`score` figures over resampled question sets (with replacement, answerable and unanswerable ones apart, so
    every draw has both, as AUROC needs); seeded, so the report is reproducible. nan where a draw has no value."""
    import random

    rng = random.Random(seed)
    strata = [[o for o in outcomes if o.item.answerable], [o for o in outcomes if not o.item.answerable]]
    values: dict[str, list[float]] = {name: [] for name in figures}
    for _ in range(draws):
        scores = score([o for stratum in strata for o in rng.choices(stratum, k=len(stratum))])
        for name in figures:
            values[name].append(float(getattr(scores, name)))
    return values


def verbatim_rate(outcomes: list[Outcome], documents: dict[str, str]) -> float:
    """Share of quotes that are substrings of their chunk text and of the cleaned document (must be 1.0)."""
    checks = [
        c["quote"] in c["text"] and (c["doc_id"] not in documents or c["quote"] in documents[c["doc_id"]])
        for o in outcomes for c in o.reply.get("citations", [])
    ]
    return _mean(checks) if checks else 1.0


def grouped(outcomes: list[Outcome], documents: dict[str, str],
            similar_ids: set[str] | None = None) -> dict[str, dict[str, Scores]]:
    """Scores overall, per language, per document (a question counts for each document holding its evidence) and,
    given `similar_ids`, apart for the gold questions that have a similar training question and those that don't."""
    by_language: dict[str, list[Outcome]] = defaultdict(list)
    by_document: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_language[o.item.lang].append(o)
        for doc_id in (o.documents or (("(unanswerable)",) if not o.item.answerable else ("(evidence not found)",))):
            by_document[doc_id].append(o)
    groups = {
        "overall": {"all": score(outcomes, documents)},
        "language": {k: score(v, documents) for k, v in sorted(by_language.items())},
        "document": {k: score(v, documents) for k, v in sorted(by_document.items())},
    }
    if similar_ids is not None:
        groups["similarity"] = {
            "dissimilar to training": score([o for o in outcomes if o.item.id not in similar_ids], documents),
            "similar to a training question": score([o for o in outcomes if o.item.id in similar_ids], documents),
        }
    return groups


def _mean(values: Any) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else math.nan
