"""The reply language is right on terse questions too (the fixed phrasing around the quotes depends on it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.language import LanguageDetector
from index.training_set import read_training_set

GOLD = Path(__file__).resolve().parents[3] / "eval" / "gold"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize("text, expected", [
    ("interpreter budget", "en"), ("task force budget?", "en"), ("homeless unit", "en"), ("who signed it", "en"),
    ("tolk handicap", "da"), ("bydelsmødre?", "da"), ("hvornar starter taskforcen", "da"), ("gældsrådgivning", "da"),
    ("Hvem skal høringssvarene om task forcen sendes til?", "da"),
    ("Who should the hearing replies about the task force be sent to?", "en"),
    ("", "da"), ("👍", "da"),
])
def test_terse_and_full_questions(detector: LanguageDetector, text: str, expected: str) -> None:
    assert detector.detect(text) == expected


def test_at_least_98_percent_right_on_the_gold_and_training_tags(detector: LanguageDetector) -> None:
    gold = [json.loads(line) for split in ("dev", "test") for line in (GOLD / f"{split}.jsonl").read_text().splitlines()
            if line.strip()]
    gold_right = sum(detector.detect(row["question"]) == row["lang"] for row in gold) / len(gold)
    training = read_training_set()
    training_right = sum(detector.detect(q.question) == q.lang for q in training) / len(training)
    print(f"\n[language] gold {gold_right:.3f} of {len(gold)}, training {training_right:.3f} of {len(training)}")
    assert gold_right >= 0.98 and training_right >= 0.98
