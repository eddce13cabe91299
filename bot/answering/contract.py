"""The answer JSON contract that `vejviser ask --json`, `/api/ask` and the eval share, and the batch behind
`vejviser ask --json --batch`: here, below every door, so the eval drives the caseworkers' code path without
importing a door."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from bot.core.errors import InvalidInput, InvalidQuestion

if TYPE_CHECKING:
    from bot.answering.answer import Answer
    from bot.answering.engine import AnswerEngine
    from index.fusion import FusionMethod

CONTRACT_KEYS = ("question", "language", "status", "answer", "confidence", "citations")


def answer_json(answer: Answer, *, explain: bool = False) -> dict[str, Any]:
    """The `--json` object: exactly the contract's keys, which other tools depend on; the validity notices are
    written into `answer`, where a reader sees them. With `explain`, the confidence features and whether the
    question fell in the middle band too (eval fits on the one and scores the other)."""
    full = answer.to_json()
    data = {key: full[key] for key in CONTRACT_KEYS}
    if answer.notices:
        data["answer"] = "\n".join([data["answer"], *answer.notices])
    if explain:
        data["features"] = dict(answer.features)
        data["tentative"] = answer.tentative
    return data


def run_batch(engine: AnswerEngine, rows: Iterable[dict[str, Any] | InvalidInput], *, fusion: FusionMethod | None = None,
              explain: bool = False) -> Iterator[dict[str, Any]]:
    """One output object per input line, with its id; a bad line yields an error object and the batch goes on."""
    for row in rows:
        if isinstance(row, InvalidInput):
            yield {"id": None, "error": str(row)}
            continue
        try:
            answer = engine.ask(row.get("question"), method=fusion)
        except InvalidQuestion as exc:
            yield {"id": row.get("id"), "error": str(exc)}
            continue
        yield {"id": row.get("id"), **answer_json(answer, explain=explain)}
