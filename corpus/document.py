"""The corpus's nouns: a cleaned document with its metadata, and the chunks answers quote from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from corpus.offsets import OffsetMap

DOCUMENT_TYPES = ("hearing letter", "hearing reply", "recommendation", "annex", "task force answer", "document")


@dataclass(frozen=True)
class DocumentMetadata:
    """What a caseworker needs to judge a source: what it is, who wrote it, when, and its numbers."""

    title: str
    date: str | None = None  # ISO 8601 (YYYY-MM-DD or YYYY) as precise as the document says
    doc_type: str = "document"
    issuer: str | None = None
    recipient: str | None = None
    case_number: str | None = None
    document_number: str | None = None
    journal_number: str | None = None
    signatory: str | None = None
    contact: dict[str, str] = field(default_factory=dict)  # letterhead facts: address, phone, e-mail, web
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A source document after cleaning: the only text answers may quote from."""

    doc_id: str
    source_name: str
    raw_text: str
    text: str
    offsets: OffsetMap
    metadata: DocumentMetadata
    ocr_repaired: bool = False

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.raw_text.encode("utf-8")).hexdigest()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Where `text[start:end]` lies in the original file."""
        return self.offsets.span_to_original(start, end)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: the unit we embed, retrieve and quote; its id is a hash of its content."""

    doc_id: str
    section: tuple[str, ...]
    start: int
    end: int
    text: str
    id: str = ""
    # Embedded with the text, never quoted: a published task-force answer is matched by the caseworker's question
    # that it answered, but only the adviser's answer is quoted.
    context: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", chunk_id(self.doc_id, self.section, self.context + self.text))

    @property
    def section_label(self) -> str:
        return " › ".join(self.section)

    @property
    def embedding_text(self) -> str:
        """The text we embed: the section path gives context a lone paragraph lacks."""
        body = f"{self.context}\n{self.text}" if self.context else self.text
        return f"{self.section_label}\n{body}" if self.section else body


def chunk_id(doc_id: str, section: tuple[str, ...], text: str) -> str:
    """A content hash, so unchanged chunks keep their id and are never embedded twice."""
    digest = hashlib.sha256("\x1f".join((doc_id, *section, text)).encode("utf-8")).hexdigest()
    return digest[:20]
