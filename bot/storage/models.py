"""The tables, as typed SQLAlchemy 2 models; the schema itself is created by the migrations in bot/storage/migrations.

Only the services in bot/ touch these; adapters get frozen views (bot/people/actors.py, bot/queue/views.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no time zones), always returned timezone-aware in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class CaseworkerRow(Base):
    __tablename__ = "caseworkers"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_caseworkers_channel_external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="da")
    created_at: Mapped[datetime]
    # Offboarding: a deactivated caseworker's key and Telegram account stop working (checked on every request).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    deactivated_at: Mapped[datetime | None]


class StaffUserRow(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # A printed or coordinator-set password is one-time: every page but /password redirects until it is changed.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_since_sign_in: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # told at next sign-in
    mfa_secret: Mapped[str | None] = mapped_column(String(64))  # TOTP (base32), set once enrolment is confirmed
    mfa_recovery_hashes: Mapped[list[str] | None] = mapped_column(JSON)  # sha256 of unused recovery codes
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)  # the last accepted TOTP time step: no replay


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None]


class InviteRow(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    department: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RequisitionRow(Base):
    __tablename__ = "requisitions"
    __table_args__ = (
        Index("ix_requisitions_status_created", "status", "created_at"),
        Index("ix_requisitions_assignee", "assignee_id"),
        Index("ix_requisitions_caseworker", "caseworker_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    department: Mapped[str] = mapped_column(String(200))
    themes: Mapped[str] = mapped_column(String(1000), default="")  # "|tolk|bolig|": LIKE-searchable everywhere
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    context: Mapped[str | None] = mapped_column(Text)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(200))
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    info_request: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    answered_by_role: Mapped[str | None] = mapped_column(String(16))
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("requisitions.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    published_doc_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    info_requested_at: Mapped[datetime | None]
    info_provided_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    duplicate_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]  # entered a final state; retention counts from here
    purged_at: Mapped[datetime | None]
    # Bumped by every change; a caller that read an older one gets 409 instead of overwriting (ETag/If-Match).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # "<caseworker id>:<client's key>": a create retried with the same key returns the first requisition.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    __mapper_args__ = {"version_id_col": version}  # every UPDATE bumps it and checks nobody else did meanwhile


class AuditHeadRow(Base):
    """The newest audit entry's seq and hash: a deleted tail shows, and appends lock this one row."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class HealthProbeRow(Base):
    """One row the readiness check rewrites: proof that the database takes a commit (disk not full, not read-only)."""

    __tablename__ = "health_probe"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    checked_at: Mapped[float] = mapped_column(Float)


class AuditRow(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"))
    channel: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class BestPracticeRow(Base):
    __tablename__ = "best_practice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), unique=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    adviser_role: Mapped[str] = mapped_column(String(16))
    published_at: Mapped[datetime]
    doc_id: Mapped[str] = mapped_column(String(200))


class NoteRow(Base):
    """An internal note on a requisition between coordinator and adviser; never part of what a caseworker sees."""

    __tablename__ = "requisition_notes"
    __table_args__ = (Index("ix_requisition_notes_requisition", "requisition_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AnswerTemplateRow(Base):
    """A stored text an adviser can insert into an answer (a greeting, a standard paragraph)."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))
    question: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    vote: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginAttemptRow(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"), Index("ix_login_attempts_address_at", "address", "at"),
                      Index("ix_login_attempts_kind_at", "kind", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="password", server_default="password")  # password, key, invite
    username: Mapped[str] = mapped_column(String(100))  # for keys and invites: the first characters only
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)


class SpentNonceRow(Base):
    """A web form's CSRF nonce after its one submission: kept until its token expires, shared by all workers."""

    __tablename__ = "csrf_spent_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class TelegramAnswerRow(Base):
    """An answer shown with buttons (Telegram's, the web chat's): what 👍/👎 and routing need, in the database so any
    worker (or the bot after a restart) can act on a click. The question in it is the redacted one. (The table is
    named for the first door that had buttons.)"""

    __tablename__ = "telegram_answers"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    waiting_since: Mapped[datetime | None]  # set while the bot waits for the context of a route


class TelegramSendRow(Base):
    """One Bot API message under a delivery key, recorded before the call ("sending") and after it ("sent"), so
    that a retry, a second worker or a restart recognises a part already delivered and does not send it again."""

    __tablename__ = "telegram_sends"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # sending | sent | uncertain
    message_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]


class ChatEntryRow(Base):
    """One turn of a caseworker's web chat, kept for her own history until retention: a question with the answer
    shown (kind "question"), or her reply to the task force's request for information (kind "reply"). Every
    text is the redacted one."""

    __tablename__ = "chat_history"
    __table_args__ = (Index("ix_chat_history_caseworker", "caseworker_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # question | reply
    text: Mapped[str] = mapped_column(Text)  # the question, or the reply
    status: Mapped[str | None] = mapped_column(String(16))  # the engine's: answered | route | help (questions only)
    answer: Mapped[str | None] = mapped_column(Text)
    citations: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"doc_id", "section", "quote"}]
    requisition_id: Mapped[int | None] = mapped_column(ForeignKey("requisitions.id"), index=True)
    created_at: Mapped[datetime]


class RequisitionSeenRow(Base):
    """When the asking caseworker last looked at her requisition: newer news from the task force shows as unread.
    Apart from the requisition, so a caseworker reading it never bumps the version a task-force form holds."""

    __tablename__ = "requisition_seen"

    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime]


class CorpusDocumentRow(Base):
    """A document that is not shipped in the package (added by an operator, or a published task-force answer), as
    its extracted text: with PostgreSQL the one copy every machine indexes. An unpublished answer stays as a row
    with `withdrawn_at` set, so the record of what was cited remains."""

    __tablename__ = "corpus_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # "added" or the task-force answer's doc_type
    source_name: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)  # extracted UTF-8 text; a published answer's is already redacted
    document_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of source name, text and metadata
    changed_in: Mapped[int] = mapped_column(Integer)  # the corpus version this row last changed in
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class CorpusVersionRow(Base):
    """One row: bumped in the transaction that changes corpus_documents, so a machine polls one integer."""

    __tablename__ = "corpus_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
