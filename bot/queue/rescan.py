"""Re-run the current redaction over every text already stored, so an installation that ran an older redactor (one
that let surnames, lower-case names or addresses through) can be cleaned: `vejviser requisitions redact`.

It rewrites, in one transaction: requisitions (question, context, request for information, answer, rejection
reason, and the quotes kept with candidates and sources), best practice, feedback, the caseworkers' chat history, the Telegram answers kept for
buttons, the outbox's payloads and the user names typed at login (numbers and e-mail only: staff user names are
names by design). A question that changes loses its stored
embedding, which the duplicate check computes again with the current embedder on next use. Published task-force
answers in the data dir's added documents are rewritten too; the index then needs `vejviser index build`.
Running it twice changes nothing the second time (redaction leaves its own placeholders alone); a run that
changed something writes one audit entry with the counts, never the texts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.privacy.redaction import redact
from bot.storage import audit
from bot.storage.models import (
    BestPracticeRow,
    ChatEntryRow,
    FeedbackRow,
    LoginAttemptRow,
    OutboxRow,
    RequisitionRow,
    TelegramAnswerRow,
)

__all__ = ["RescanReport", "redact_stored"]

_PAYLOAD_TEXTS = ("question", "answer", "message", "reason", "context")
_QUOTED = ("quote", "section")


@dataclass
class RescanReport:
    """What a run changed: fields rewritten per table, and the kinds of personal data found."""

    changed: Counter[str] = field(default_factory=Counter)  # "requisitions.question" -> rows rewritten
    kinds: Counter[str] = field(default_factory=Counter)
    documents: list[str] = field(default_factory=list)  # published answers rewritten (re-index needed)

    @property
    def total(self) -> int:
        """Fields rewritten in all; 0 on a second run."""
        return sum(self.changed.values()) + len(self.documents)


def _redacted(value: str | None, report: RescanReport, where: str, *, names: bool = True) -> str | None:
    """The value redacted again, counting it under `where` when it changed."""
    if not value:
        return value
    result = redact(value, names=names)
    if result.text != value:
        report.changed[where] += 1
        report.kinds.update(result.found)
    return result.text


def _redact_dicts(items: Iterable[Any], keys: Iterable[str], report: RescanReport, where: str) -> list[Any]:
    """A JSON list of dicts with the string values under `keys` redacted again."""
    wanted = tuple(keys)
    out: list[Any] = []
    for item in items or []:
        if isinstance(item, dict):
            item = {k: (_redacted(v, report, where) if k in wanted and isinstance(v, str) else v) for k, v in item.items()}
        out.append(item)
    return out


def _redact_payload(data: Any, report: RescanReport, where: str) -> Any:
    """A stored JSON object with every free-text field (question, answer, message, …) redacted again, nested too."""
    if isinstance(data, dict):
        return {k: (_redacted(v, report, where) if k in _PAYLOAD_TEXTS and isinstance(v, str)
                    else _redact_payload(v, report, where)) for k, v in data.items()}  # fmt: skip
    if isinstance(data, list):
        return [_redact_payload(v, report, where) for v in data]
    return data


def _requisitions(session: Session, report: RescanReport) -> None:
    for row in session.execute(select(RequisitionRow).with_for_update()).scalars():
        question = _redacted(row.question, report, "requisitions.question")
        if question != row.question:
            row.question = question or ""
            row.embedding, row.embedding_model = None, None  # computed again from the redacted question
        for column in ("context", "info_request", "answer", "reject_reason"):
            before = getattr(row, column)
            after = _redacted(before, report, f"requisitions.{column}")
            if after != before:
                setattr(row, column, after)
        candidates = _redact_dicts(row.candidates, _QUOTED, report, "requisitions.candidates")
        if candidates != list(row.candidates or []):
            row.candidates = candidates
        sources = _redact_dicts(row.sources, _QUOTED, report, "requisitions.sources")
        if sources != list(row.sources or []):
            row.sources = sources


def _simple(session: Session, report: RescanReport, model: Any, columns: Iterable[str], table: str) -> None:
    for row in session.execute(select(model).with_for_update()).scalars():
        for column in columns:
            before = getattr(row, column)
            after = _redacted(before, report, f"{table}.{column}")
            if after != before:
                setattr(row, column, after)


def _chat_history(session: Session, report: RescanReport) -> None:
    _simple(session, report, ChatEntryRow, ("text", "answer"), "chat_history")
    for row in session.execute(select(ChatEntryRow).with_for_update()).scalars():
        citations = _redact_dicts(row.citations, _QUOTED, report, "chat_history.citations")
        if citations != list(row.citations or []):
            row.citations = citations


def _payloads(session: Session, report: RescanReport) -> None:
    for message in session.execute(select(OutboxRow).with_for_update()).scalars():
        payload = _redact_payload(message.payload, report, "outbox.payload")
        if payload != message.payload:
            message.payload = payload
    for answer in session.execute(select(TelegramAnswerRow).with_for_update()).scalars():
        data = json.loads(answer.payload)
        redone = _redact_payload(data, report, "telegram_answers.payload")
        if redone != data:
            answer.payload = json.dumps(redone, ensure_ascii=False)


def _login_names(session: Session, report: RescanReport) -> None:
    for attempt in session.execute(select(LoginAttemptRow).with_for_update()).scalars():
        # names stay: staff user names are names by design ("anna"); see bot/people/staff.py
        name = _redacted(attempt.username, report, "login_attempts.username", names=False)
        if name != attempt.username:
            attempt.username = (name or "")[:100]


def _documents(folder: Path | None, report: RescanReport) -> None:
    """Published task-force answers (taskforce-*.txt in the added documents): redacted again in place."""
    if folder is None or not folder.is_dir():
        return
    for path in sorted(folder.glob("taskforce-*.txt")):
        text = path.read_text(encoding="utf-8")
        result = redact(text)
        if result.text != text:
            path.write_text(result.text, encoding="utf-8")
            report.documents.append(path.stem)
            report.kinds.update(result.found)


def redact_stored(run: Callable[[Callable[[Session], RescanReport]], RescanReport], actor: str,
                  now: Callable[[], datetime], added_documents: Path | None = None) -> RescanReport:
    """Redact every stored text again with the current redactor, in one transaction run by `run`; audited."""

    def work(session: Session) -> RescanReport:
        report = RescanReport()
        _requisitions(session, report)
        _simple(session, report, BestPracticeRow, ("question", "answer"), "best_practice")
        _simple(session, report, FeedbackRow, ("question",), "feedback")
        _chat_history(session, report)
        _payloads(session, report)
        _login_names(session, report)
        if report.changed:
            audit.append(session, actor=actor, action="privacy.redact_stored", subject="redaction",
                         details={"fields": dict(sorted(report.changed.items())), "kinds": dict(sorted(report.kinds.items()))},
                         at=now())  # fmt: skip
        return report

    report = run(work)
    _documents(added_documents, report)  # after the transaction: a file write cannot be rolled back with it
    return report
