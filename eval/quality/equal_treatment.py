"""Equal-treatment check: questions that differ only in a citizen's name, nationality or language must be
answered alike (same status, same first citation)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.quality.runner import GOLD_DIR


@dataclass(frozen=True)
class Divergence:
    """A template whose variants were not treated alike."""

    template_id: str
    template: str
    outcomes: list[tuple[str, str, str]]  # (question, status, first citation)


def load_templates(path: Path = GOLD_DIR / "equal_treatment.jsonl") -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check(engine: Any, templates: list[dict[str, Any]]) -> tuple[int, list[Divergence]]:
    """Run every variant through the batch path; return the number of templates and the divergences."""
    from bot.answering.contract import run_batch

    divergences = []
    for template in templates:
        questions = [template["template"].format(**variant) for variant in template["variants"]]
        replies = list(run_batch(engine, ({"id": i, "question": q} for i, q in enumerate(questions))))
        seen = []
        for question, reply in zip(questions, replies):
            citations = reply.get("citations") or [{}]
            first = f"{citations[0].get('doc_id', '—')} › {citations[0].get('section', '—')}"
            seen.append((question, reply.get("status", reply.get("error", "?")), first))
        if len({(status, first) for _, status, first in seen}) > 1:
            divergences.append(Divergence(template["id"], template["template"], seen))
    return len(templates), divergences
