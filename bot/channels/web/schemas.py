"""The JSON API's request and response shapes; they are the OpenAPI spec that schemathesis tests against."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from bot.core.settings import Settings
from bot.queue.texts import MAX_ANSWER_CHARS, MAX_CONTEXT_CHARS, MAX_THEME_CHARS, MAX_THEMES
from bot.queue.views import Candidate, CitedSource

NO_NUL = r"^[^\x00]*$"  # in the spec too, so API clients (and schemathesis) know NUL is refused


def _storable(value: str) -> str:
    """Text every database can store: no NUL characters, no lone surrogates (they are not UTF-8)."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    return value


def Text(max_length: int, min_length: int = 0):  # noqa: N802 - reads as a type in annotations
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_NUL),
        AfterValidator(_storable),
    ]


# The spec states what the server enforces (schemathesis checks it): the limits come from the code that enforces them.
MAX_QUESTION_CHARS: int = Settings.model_fields["max_question_chars"].default
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID, description="The requisition's id (not its R-number).")]
CaseworkerId = Annotated[int, Field(ge=1, le=MAX_ID, description="The registered caseworker's id (GET /api/caseworkers).")]
AdviserId = Annotated[int, Field(ge=1, le=MAX_ID, description="The task-force member's (staff user's) id.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------- asking


class AskRequest(Strict):
    question: Text(MAX_QUESTION_CHARS, 1) = Field(description="The caseworker's question, Danish or English.")  # type: ignore[valid-type]


class CitationOut(BaseModel):
    doc_id: str
    title: str
    date: str | None
    section: str
    text: str
    quote: str
    score: float


class AnswerOut(BaseModel):
    """Exactly `vejviser ask --json`."""

    question: str
    language: Literal["da", "en"]
    status: Literal["answered", "route", "help"]
    answer: str
    confidence: float
    citations: list[CitationOut]
    notices: list[str]
    redacted: list[str]
    tentative: bool = Field(default=False, description="Routed, with the first citation's quote offered as the "
                            "closest passage, not sure (the middle band of the confidence).")


# ---------------------------------------------------------------------------- requisitions


class CandidateOut(BaseModel):
    doc_id: str
    section: str
    chunk_id: str
    quote: str
    score: float


class SourceIn(Strict):
    doc_id: Text(200, 1)  # type: ignore[valid-type]
    section: Text(500) = ""  # type: ignore[valid-type]
    quote: Text(5_000) = ""  # type: ignore[valid-type]

    def to_source(self) -> CitedSource:
        return CitedSource(doc_id=self.doc_id, section=self.section, quote=self.quote)


class SourceOut(BaseModel):
    doc_id: str
    section: str
    quote: str


class RequisitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    status: str
    question: str
    language: str
    department: str
    themes: list[str]
    candidates: list[CandidateOut]
    confidence: float | None
    context: str | None
    caseworker_id: int | None
    channel: str | None
    assignee_id: int | None
    assignee_username: str | None
    info_request: str | None
    answer: str | None
    answered_by_role: str | None
    sources: list[SourceOut]
    duplicate_of_id: int | None
    duplicate_of_number: str | None
    reject_reason: str | None
    published_doc_id: str | None
    created_at: datetime
    updated_at: datetime
    assigned_at: datetime | None
    started_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    first_response_seconds: float | None
    answer_seconds: float | None
    version: int = Field(description="Bumped by every change; send it back as `If-Match: \"v<version>\"` (the ETag).")


class RequisitionPage(BaseModel):
    items: list[RequisitionOut]
    total: int
    offset: int
    limit: int


class DuplicateOut(BaseModel):
    id: int
    number: str
    question: str
    status: str
    similarity: float


class CreatedOut(BaseModel):
    requisition: RequisitionOut
    duplicates: list[DuplicateOut]
    redacted: list[str]


class CreateRequisition(Strict):
    caseworker_id: CaseworkerId
    question: Text(MAX_QUESTION_CHARS, 1)  # type: ignore[valid-type]
    context: Text(MAX_CONTEXT_CHARS) | None = None  # type: ignore[valid-type]
    themes: list[Text(MAX_THEME_CHARS, 1)] = Field(default_factory=list, max_length=MAX_THEMES)  # type: ignore[valid-type]


class AssignRequest(Strict):
    adviser_id: AdviserId


class MessageRequest(Strict):
    message: Text(MAX_CONTEXT_CHARS, 1)  # type: ignore[valid-type]


class ReasonRequest(Strict):
    reason: Text(MAX_CONTEXT_CHARS, 1)  # type: ignore[valid-type]


class DuplicateRequest(Strict):
    duplicate_of: RecordId


class AnswerRequest(Strict):
    text: Text(MAX_ANSWER_CHARS, 1)  # type: ignore[valid-type]
    sources: list[SourceIn] = Field(default_factory=list, max_length=20)


class ChangedOut(BaseModel):
    requisition: RequisitionOut
    redacted: list[str]


class Durations(BaseModel):
    count: int
    median_seconds: float | None
    p90_seconds: float | None


class GroupOut(BaseModel):
    count: int
    open: int
    answered: int
    first_response: Durations
    answer: Durations


class StatsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    total: int
    by_status: dict[str, int]
    first_response: Durations
    answer: Durations
    by_department: dict[str, GroupOut]
    by_theme: dict[str, GroupOut]
    by_month: dict[str, GroupOut]


# ---------------------------------------------------------------------------- accounts (offboarding)


class CaseworkerOut(BaseModel):
    id: int
    channel: Literal["telegram", "web"]
    display_name: str
    department: str
    language: Literal["da", "en"]
    created_at: datetime
    active: bool


class InviteOut(BaseModel):
    id: int
    department: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    status: Literal["open", "used", "expired", "revoked"]
    used_by: int | None = Field(description="The caseworker who registered with it.")


class TokenOut(BaseModel):
    id: int
    name: str
    created_by: str
    created_at: datetime
    revoked: bool


class RevokedOut(BaseModel):
    id: int
    changed: bool = Field(description="False when it had already been done: nothing changed and nothing was audited.")


class Health(BaseModel):
    status: Literal["ok"]
    documents: int


class Readiness(BaseModel):
    """Each check is "ok" or says what is wrong and what fixes it."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str]


def requisition_out(view) -> RequisitionOut:  # noqa: ANN001 - a RequisitionView
    return RequisitionOut.model_validate(view, from_attributes=True)


def candidate_list(candidates: tuple[Candidate, ...]) -> list[CandidateOut]:
    return [CandidateOut.model_validate(c, from_attributes=True) for c in candidates]
