"""The CSV export: every matching requisition as a row of strings, safe to open in a spreadsheet."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict, Unpack

from bot.people.actors import Actor
from bot.queue.listing import Listing


class ExportFilters(TypedDict, total=False):
    """The list's filters, as `export_rows` passes them on (the dashboard's filter form)."""

    status: str | Sequence[str] | None
    department: str | None
    theme: str | None
    assignee_id: int | None
    older_than_days: float | None
    text: str | None
    unassigned: bool
    overdue: bool

EXPORT_COLUMNS: tuple[str, ...] = (
    "number",
    "status",
    "created_at",
    "department",
    "themes",
    "language",
    "question",
    "confidence",
    "assignee",
    "first_response_at",
    "answered_at",
    "first_response_seconds",
    "answer_seconds",
    "answer",
    "answered_by_role",
    "sources",
    "duplicate_of",
    "reject_reason",
    "published_doc_id",
)


def _spreadsheet_safe(value: str) -> str:
    """Neutralise a leading =, +, - or @ so a spreadsheet opening the CSV does not run it as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class Export(Listing):
    """`export_rows` (coordinator)."""

    def export_rows(self, actor: Actor, *, sort: str = "created", **filters: Unpack[ExportFilters]
                    ) -> builtins.list[dict[str, str]]:
        """All matching requisitions as string rows keyed by EXPORT_COLUMNS, safe to open in a spreadsheet."""
        self._require_coordinator(actor)
        page = self.list(actor, sort=sort, limit=1000, **filters)
        views = builtins.list(page.items)
        while len(views) < page.total:
            views += self.list(actor, sort=sort, offset=len(views), limit=1000, **filters).items

        def fmt(value: object) -> str:
            if value is None:
                return ""
            if isinstance(value, datetime):
                return value.isoformat(timespec="seconds")
            if isinstance(value, float):
                return f"{value:.0f}" if value.is_integer() else f"{value:.4f}"
            return str(value)

        rows = []
        for v in views:
            values = {
                "number": v.number, "status": v.status, "created_at": v.created_at, "department": v.department,
                "themes": ", ".join(v.themes), "language": v.language, "question": v.question, "confidence": v.confidence,
                "assignee": v.assignee_username, "first_response_at": v.first_response_at, "answered_at": v.answered_at,
                "first_response_seconds": v.first_response_seconds, "answer_seconds": v.answer_seconds, "answer": v.answer,
                "answered_by_role": v.answered_by_role, "sources": ", ".join(s.doc_id for s in v.sources),
                "duplicate_of": v.duplicate_of_number, "reject_reason": v.reject_reason, "published_doc_id": v.published_doc_id,
            }
            rows.append({k: _spreadsheet_safe(fmt(values[k])) for k in EXPORT_COLUMNS})
        return rows
