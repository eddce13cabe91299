"""The report's per-language intervals: a reader can tell a real Danish-English gap from what ~50 questions show."""

from __future__ import annotations

import re

from eval.quality.report import _intervals_section
from eval.quality.runner import GoldItem, Outcome, bootstrap, score


def _outcome(number: int, lang: str, answerable: bool, answered: bool, confidence: float) -> Outcome:
    evidence = ("Task forcen består af fire rådgivere.",)
    quote = evidence[0] if answerable else "Venlig hilsen"
    reply = {"status": "answered" if answered else "route", "confidence": confidence,
             "citations": [{"text": quote, "quote": quote, "doc_id": "000"}]}
    return Outcome(GoldItem(f"q{number}", "?", lang, answerable, evidence if answerable else ()), reply, 0.01)


def _questions() -> list[Outcome]:
    outcomes = []
    for i in range(40):  # Danish: 30 answerable, 27 of them answered; English: 30 answerable, 12 answered
        outcomes.append(_outcome(i, "da", i < 30, i < 27, 0.9 if i < 27 else 0.3))
        outcomes.append(_outcome(100 + i, "en", i < 30, i < 12, 0.9 if i < 12 else 0.4 if i < 30 else 0.2))
    return outcomes


def test_the_draws_are_seeded_and_bracket_the_figure() -> None:
    outcomes = [o for o in _questions() if o.item.lang == "en"]
    first, again = bootstrap(outcomes, ["right_quote"], draws=200), bootstrap(outcomes, ["right_quote"], draws=200)
    assert first == again
    values = sorted(first["right_quote"])
    assert values[5] < score(outcomes).right_quote == 0.4 < values[-5]


def test_the_gap_between_the_languages_is_shown_with_its_interval() -> None:
    lines = _intervals_section(_questions())
    rows = {line.split("|")[1].strip(): line for line in lines if line.startswith("| ")}
    assert set(rows) >= {"all", "da", "en", "Danish − English"}
    gap = rows["Danish − English"].split("|")[5]  # the "answered right" column
    point, low, high = (float(x) for x in re.findall(r"[+-]\d\.\d+", gap))
    assert point == 0.5 and 0 < low < point < high  # 0.9 against 0.4: clearly apart, and the interval says so
