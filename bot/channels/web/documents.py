"""The document viewer: a document's clean text and metadata, with the cited passage highlighted."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from bot.answering.answer import Citation
from bot.channels.web.deps import ServicesDep, SignedIn
from bot.channels.web.templating import render
from bot.core.errors import NotFound
from corpus.document import Document

router = APIRouter(include_in_schema=False)
DocId = Annotated[str, Path(max_length=200, pattern=r"^[\w.\-]+$")]


def viewer_url(doc_id: str, start: int | None = None, end: int | None = None) -> str:
    query = f"?{urlencode({'start': start, 'end': end})}" if start is not None and end is not None else ""
    return f"/documents/{doc_id}{query}#cited"


def citation_url(citation: Citation) -> str:
    """Link to the quote inside its chunk; the chunk's offsets are in the document's clean text."""
    offset = citation.text.find(citation.quote) if citation.quote else -1
    if offset < 0:
        return viewer_url(citation.doc_id, citation.start, citation.end)
    start = citation.start + offset
    return viewer_url(citation.doc_id, start, start + len(citation.quote))


def quote_url(documents: dict[str, Document], doc_id: str, quote: str) -> str:
    """Link to a stored quote (a requisition's candidate or cited source), found verbatim in the text."""
    document = documents.get(doc_id)
    if document is None or not quote:
        return viewer_url(doc_id)
    start = document.text.find(quote)
    if start < 0:
        start = document.text.find(quote.strip()[:200])
        if start < 0:
            return viewer_url(doc_id)
        return viewer_url(doc_id, start, start + len(quote.strip()[:200]))
    return viewer_url(doc_id, start, start + len(quote))


@router.get("/documents")
def document_list(request: Request, visitor: SignedIn, services: ServicesDep) -> Response:
    documents = sorted(services.engine.documents.values(), key=lambda d: (d.metadata.date or "", d.doc_id))
    return render(request, "documents.html", {"documents": documents})


@router.get("/documents/{doc_id}")
def document_view(
    request: Request,
    doc_id: DocId,
    visitor: SignedIn,
    services: ServicesDep,
    start: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
    end: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> Response:
    document = services.engine.documents.get(doc_id)
    if document is None:
        raise NotFound(f"There is no document '{doc_id}'.", key="document_missing", doc_id=doc_id)
    text = document.text
    bad_span = False
    parts: tuple[str, str, str] = (text, "", "")
    if start is not None and end is not None:
        if 0 <= start < end <= len(text):
            parts = (text[:start], text[start:end], text[end:])
        else:
            bad_span = True
    return render(
        request,
        "document.html",
        {"document": document, "metadata": document.metadata, "parts": parts, "bad_span": bad_span},
    )
