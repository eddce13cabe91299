"""Ingestion: raw text → clean, OCR-repaired text with metadata and chunks, all offsets traceable to the file."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from corpus.chunking import chunk_answer_document, chunk_document
from corpus.cleaning import clean
from corpus.document import Chunk, Document, DocumentMetadata
from corpus.metadata import extract_metadata
from corpus.offsets import OffsetMap


@dataclass(frozen=True)
class IngestedDocument:
    """A document and its chunks, ready to index."""

    document: Document
    chunks: list[Chunk]


class Ingestor:
    """Holds the OCR speller (built once) and the vocabulary of the clean documents it learns from."""

    def __init__(self) -> None:
        self._vocabulary: Counter[str] = Counter()

    def learn(self, raw_texts: list[str]) -> None:
        """Add the words of clean documents to the vocabulary OCR repair prefers."""
        from corpus import ocr

        self._vocabulary.update(ocr.vocabulary_from([t for t in raw_texts if not ocr.needs_repair(t)]))

    def ingest(self, doc_id: str, source_name: str, raw: str, metadata: DocumentMetadata | None = None) -> IngestedDocument:
        """Clean, repair if it reads like OCR output, extract metadata (unless given), and chunk."""
        from corpus import ocr

        written_here = metadata is not None and metadata.doc_type == "task force answer"  # typed, not scanned
        cleaned = clean(raw, markup=not written_here)
        text, offsets, headings = cleaned.text, cleaned.offsets, cleaned.headings
        repaired = False
        if not written_here and ocr.needs_repair(text):
            repaired_text, repair_map = ocr.repair(text, self._vocabulary)
            headings = _remap_headings(headings, repair_map, len(repaired_text))
            text, offsets, repaired = repaired_text, offsets.then(repair_map), True
        found = extract_metadata(text, headings, cleaned.contact)
        if metadata is not None:
            found = replace(metadata, contact=metadata.contact or found.contact)
        document = Document(
            doc_id=doc_id, source_name=source_name, raw_text=raw, text=text,
            offsets=offsets, metadata=found, ocr_repaired=repaired,
        )
        chunks = (chunk_answer_document(doc_id, text, headings, found.title) if found.doc_type == "task force answer" else None) \
            or chunk_document(doc_id, text, headings, found.title)
        return IngestedDocument(document=document, chunks=chunks)


def _remap_headings(headings: list[tuple[int, int, int]], repair_map: OffsetMap, length: int) -> list[tuple[int, int, int]]:
    """Heading spans after repair: the first repaired offsets whose origin reaches the old start/end."""
    origin = repair_map.origin

    def forward(old: int) -> int:
        for new in range(length + 1):
            if origin[new] >= old:
                return new
        return length

    return [(level, forward(start), forward(end)) for level, start, end in headings]


def safe_doc_id(name: str) -> str:
    """A file stem turned into a doc_id that is safe in paths and URLs."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")
    return stem[:80] or "document"
