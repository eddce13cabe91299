"""A published task-force answer as a corpus document, written by one function: the preview the coordinator
checks and the document the engine indexes are the same text.

The adviser's answer is kept as written (Vejviser's own documents are not stripped of Markdown or HTML, see
corpus/cleaning.py), the sources the answer cites are listed with their quotes, and the role is in Danish, the
language of the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.privacy.redaction import redact
from corpus.document import DocumentMetadata
from corpus.pipeline import Ingestor

DOC_TYPE = "task force answer"
ROLE_DA = {"adviser": "rådgiver", "coordinator": "koordinator"}


def compose(
    question: str, answer: str, adviser_role: str, published_on: date, number: str,
    sources: Sequence[tuple[str, str, str]] = (),
) -> tuple[str, DocumentMetadata]:
    """The document's raw text and metadata; `sources` are (document title, section, quote) as cited."""
    asked = redact(question).text
    role = ROLE_DA.get(adviser_role, adviser_role)
    title = f"Task force-svar {number}: {asked[:120]}"
    body = (f"# {title}\n\nDato: {published_on.strftime('%d.%m.%Y')}\n\n## Spørgsmål\n\n{asked}\n\n"
            f"## Svar fra task forcen ({role})\n\n{redact(answer).text}\n")
    if sources:
        lines = []
        for source_title, section, quote in sources:
            where = f"{source_title} › {section}" if section and section != source_title else source_title
            lines.append(f"“{redact(quote).text}” ({where})" if quote else where)
        body += "\n## Kilder\n\n" + "\n\n".join(lines) + "\n"
    metadata = DocumentMetadata(title=title, date=published_on.isoformat(), doc_type=DOC_TYPE,
                                issuer=f"Task forcen på integrationsområdet ({role})")
    return body, metadata


def document_text(body: str, metadata: DocumentMetadata) -> str:
    """The text the document viewer will show and the assistant will quote from, for the preview."""
    return Ingestor().ingest("preview", "preview.txt", body, metadata).document.text
