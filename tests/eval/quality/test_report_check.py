"""The regression guard CI runs (`vejviser eval --check`): a real drop fails it, noise within the tolerance does not."""

from __future__ import annotations

import json
from pathlib import Path

from eval.quality.report import GUARDED, regressions

COMMITTED = json.loads((Path(__file__).resolve().parents[3] / "eval" / "report" / "summary.json").read_text(encoding="utf-8"))


def _with(**changes: float) -> dict:
    current = json.loads(json.dumps(COMMITTED))
    current["figures"].update(changes)
    return current


def test_the_committed_report_passes_against_itself() -> None:
    assert regressions(COMMITTED, COMMITTED, 0.03) == []


def test_a_drop_beyond_the_tolerance_is_named() -> None:
    problems = regressions(_with(hit1=COMMITTED["figures"]["hit1"] - 0.05), COMMITTED, 0.03)
    assert len(problems) == 1 and problems[0].startswith("hit1:")


def test_a_drop_within_the_tolerance_and_any_gain_pass() -> None:
    figures = COMMITTED["figures"]
    assert regressions(_with(hit1=figures["hit1"] - 0.02, auroc=figures["auroc"] + 0.1), COMMITTED, 0.03) == []


def test_more_answerable_questions_routed_is_a_regression() -> None:
    assert GUARDED["wrongly_routed"] == -1
    problems = regressions(_with(wrongly_routed=COMMITTED["figures"]["wrongly_routed"] + 0.05), COMMITTED, 0.03)
    assert [p.split(":")[0] for p in problems] == ["wrongly_routed"]


def test_a_new_equal_treatment_divergence_fails_whatever_the_tolerance() -> None:
    current = json.loads(json.dumps(COMMITTED))
    current["equal_treatment"]["divergences"] += 1
    assert any(p.startswith("equal treatment") for p in regressions(current, COMMITTED, 1.0))
