"""The only words Vejviser adds to the quotes: fixed phrases in Danish or English, and dates written out."""

from __future__ import annotations

import re

from bot.answering.answer import Citation
from corpus.document import DocumentMetadata

_MONTHS = {
    "da": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
}
_TYPES = {
    "da": {"hearing letter": "høringsbrev", "hearing reply": "høringssvar", "recommendation": "indstilling",
           "annex": "bilag", "task force answer": "task force-svar", "document": "dokument"},
    "en": {"hearing letter": "hearing letter", "hearing reply": "hearing reply", "recommendation": "recommendation",
           "annex": "annex", "task force answer": "task force answer", "document": "document"},
}


def format_date(iso: str | None, language: str) -> str:
    """'2006-11-17' → '17. november 2006' (da) / '17 November 2006' (en); month- or year-only dates stay so."""
    if not iso:
        return "udateret" if language == "da" else "undated"
    parts = iso.split("-")
    year = parts[0]
    if len(parts) == 1:
        return year
    month = _MONTHS["en" if language == "en" else "da"][int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {year}"
    day = int(parts[2])
    return f"{day}. {month} {year}" if language == "da" else f"{day} {month} {year}"


def document_type(doc_type: str, language: str) -> str:
    """A document type ("hearing letter") as a reader of `language` says it ("høringsbrev")."""
    return _TYPES["en" if language == "en" else "da"].get(doc_type, doc_type)


def source_line(citation: Citation, metadata: DocumentMetadata | None, language: str) -> str:
    """'høringsbrev «Title» (17. november 2006), afsnit «Section»'."""
    kind = document_type(citation.doc_type, language)
    section = f", {'section' if language == 'en' else 'afsnit'} «{citation.section}»" if citation.section != citation.title else ""
    return f"{kind} «{citation.title}» ({format_date(citation.date, language)}){section}"


def compose_answer(status: str, citations: list[Citation], documents: dict[str, DocumentMetadata], language: str,
                   *, tentative: bool = False) -> str:
    """The answer text: quotes with their sources when answered; when routed, the decision first, then the closest
    quote only in the middle band, where it holds the answer often enough to be worth reading as "not sure"."""
    if status == "answered":
        first = citations[0]
        lead = "According to the" if language == "en" else "Ifølge"
        return f"{lead} {source_line(first, documents.get(first.doc_id), language)}:\n«{first.quote}»"
    if language == "en":
        head = "The documents do not answer this with confidence."
        offer = "You can send the question to the integration task force."
        closest = "The closest I find — not sure:"
    else:
        head = "Dokumenterne giver ikke et sikkert svar på dette."
        offer = "Du kan sende spørgsmålet til integrationsområdets task force."
        closest = "Det nærmeste, jeg finder — ikke sikkert:"
    if not (tentative and citations):
        return f"{head}\n{offer}"
    first = citations[0]
    return f"{head}\n{offer}\n{closest} {source_line(first, documents.get(first.doc_id), language)}:\n«{first.quote}»"


_SMALL_TALK = frozenset({
    "hej", "hejsa", "hallo", "goddag", "godmorgen", "godaften", "davs", "tak", "mange", "tusind", "takker", "ok", "okay",
    "fint", "super", "godt", "farvel", "vi", "ses", "hi", "hello", "hey", "thanks", "thank", "you", "thx", "ty",
    "bye", "good", "morning", "afternoon", "evening", "great", "cool", "nice", "yes", "no", "ja", "nej", "test",
    "for", "det", "hjælpen", "meget", "så", "dig", "jer", "help", "hjælp", "the", "so", "much", "very", "a", "lot",
})


def is_question(text: str) -> bool:
    """False for greetings, thanks and bare symbols ("Hej", "tak", "👍", "?"): nothing in them to look up."""
    words = [w.lower() for w in re.findall(r"[^\W_]+", text)]
    return any(w not in _SMALL_TALK for w in words)


def help_text(language: str) -> str:
    """What to ask and how: the reply to a message that is not a question."""
    if language == "en":
        return ("Hi! Ask me a question about the municipality's integration policy documents, e.g. "
                "\"Who can requisition the task force?\". I answer with quotes from the documents, and if they do not "
                "answer it, I can send your question to the integration task force.")
    return ("Hej! Stil mig et spørgsmål om kommunens integrationspolitiske dokumenter, fx "
            "\"Hvem kan rekvirere task forcen?\". Jeg svarer med citater fra dokumenterne, og hvis de ikke svarer på "
            "det, kan jeg sende dit spørgsmål til integrationsområdets task force.")
