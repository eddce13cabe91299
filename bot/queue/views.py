"""What the requisition service returns: frozen dataclasses, so adapters never hold a database session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from bot.queue.sla import Sla

Status = str  # one of bot.queue.workflow.STATES


@dataclass(frozen=True)
class Candidate:
    """A passage the engine found for the question but was not confident enough to answer with."""

    doc_id: str
    section: str
    chunk_id: str
    quote: str
    score: float


@dataclass(frozen=True)
class CitedSource:
    """A source an adviser cites in an answer: a document (and optionally section and quote)."""

    doc_id: str
    section: str = ""
    quote: str = ""


@dataclass(frozen=True)
class RequisitionView:
    """One requisition as the coordinator, an adviser or the asking caseworker sees it.

    Texts are already redacted (and "[anonymiseret]" after retention). Timestamps are timezone-aware
    UTC, None until the transition happened; `*_seconds` are derived from them.
    """

    id: int
    number: str  # shown to users, e.g. "R-00042"
    status: Status
    question: str
    language: str
    department: str
    themes: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    confidence: float | None
    context: str | None
    caseworker_id: int | None
    channel: str | None
    assignee_id: int | None
    assignee_username: str | None
    info_request: str | None  # the adviser's last question to the caseworker (needs_info)
    answer: str | None
    answered_by_id: int | None
    answered_by_role: str | None
    sources: tuple[CitedSource, ...]
    duplicate_of_id: int | None
    duplicate_of_number: str | None
    reject_reason: str | None
    published_doc_id: str | None
    created_at: datetime
    updated_at: datetime
    assigned_at: datetime | None = None
    started_at: datetime | None = None
    info_requested_at: datetime | None = None
    info_provided_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    duplicate_at: datetime | None = None
    rejected_at: datetime | None = None
    published_at: datetime | None = None
    first_response_at: datetime | None = None
    purged_at: datetime | None = None
    version: int = 1  # bumped by every change: the API's ETag, the dashboard form's hidden field
    sla: Sla | None = None  # the running service-level clock (bot/queue/sla.py); None when none runs

    @property
    def first_response_seconds(self) -> float | None:
        """Created until the task force first acted on it (assigned, rejected, ...)."""
        return _seconds(self.created_at, self.first_response_at)

    @property
    def answer_seconds(self) -> float | None:
        """Created until answered."""
        return _seconds(self.created_at, self.answered_at)


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


@dataclass(frozen=True)
class DuplicateSuggestion:
    """An open requisition whose question is close to a new one (cosine similarity of the embeddings)."""

    id: int
    number: str
    question: str
    status: Status
    similarity: float


class Created(NamedTuple):
    """What `create` returns: the requisition, similar open ones, what was redacted, and whether it was replayed."""

    requisition: RequisitionView
    duplicates: tuple[DuplicateSuggestion, ...]
    redacted: tuple[str, ...]  # kinds of personal data removed from question/context ("cpr", "phone", "email")
    replayed: bool = False  # True when an idempotency key matched: this is the requisition the first call created


class Changed(NamedTuple):
    """What a call that takes free text returns: the new state and what was redacted from the text."""

    requisition: RequisitionView
    redacted: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    """One page of a filtered list; `total` counts all matches, not only this page."""

    items: tuple[RequisitionView, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Inbox:
    """The counts at the top of the dashboard, over the open requisitions the user may see."""

    new: int  # status new: nobody has looked at it yet
    unassigned: int  # open without an assignee
    needs_info: int  # waiting for the caseworker
    overdue: int  # past the service level of its state
    mine: int  # open and assigned to the user


@dataclass(frozen=True)
class Note:
    """An internal note between coordinator and adviser on a requisition; never shown to the caseworker."""

    id: int
    requisition_id: int
    author: str  # the staff user's username
    author_role: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Durations:
    """Median and 90th percentile of a duration in seconds, over `count` requisitions (None when none)."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class GroupStats:
    """Figures for one department, theme or month."""

    count: int
    open: int
    answered: int  # answered, closed or published
    first_response: Durations
    answer: Durations


@dataclass(frozen=True)
class Stats:
    """The coordinator's dashboard figures; months are "YYYY-MM" of creation."""

    total: int
    by_status: Mapping[str, int]
    first_response: Durations
    answer: Durations
    by_department: Mapping[str, GroupStats]
    by_theme: Mapping[str, GroupStats]
    by_month: Mapping[str, GroupStats]


@dataclass(frozen=True)
class OutboxMessage:
    """A notification to one caseworker, delivered at least once by the channel's sender.

    `kind` is "answered", "needs_info", "rejected" or "duplicate"; `payload` holds
    `requisition_id`, `number`, `question`, and per kind `answer` + `sources`, `message`, or `reason`.
    """

    id: int
    kind: str
    caseworker_id: int
    channel: str
    external_id: str
    language: str
    payload: Mapping[str, Any]
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class DeliveryReport:
    """What one `deliver_pending` round did."""

    delivered: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    errors: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FeedbackSummary:
    """Thumbs up and down on the assistant's answers."""

    up: int
    down: int


@dataclass(frozen=True)
class GapSignal:
    """A sign the documents left a caseworker without an answer: a 👎 ("down") or a question the engine
    routed ("routed"), with the passages it came closest to (chunk or document ids, best first)."""

    kind: str
    question: str
    citations: tuple[str, ...]
    created_at: datetime
