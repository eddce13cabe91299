"""Reads what a caseworker needs to judge a source (title, date, type, issuer, numbers) from the clean text."""

from __future__ import annotations

import re
from collections import Counter

from corpus.document import DocumentMetadata

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "maj": 5, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "okt": 10, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_WORD = r"(jan(?:uar)?|feb(?:ruar)?|mar(?:ts)?|apr(?:il)?|maj|jun(?:i)?|jul(?:i)?|aug(?:ust)?|sep(?:tember)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE_WORDS = re.compile(r"\b(\d{1,2})\.?\s+" + _MONTH_WORD + r"\.?\s+(\d{4})\b", re.IGNORECASE)
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_DATO_LINE = re.compile(r"^\s*Dato:?[ \t]*(.+)$", re.MULTILINE | re.IGNORECASE)
_DECISION = re.compile(r"beslutning den\s+(\d{1,2})\.(\d{1,2})\.(\d{4})", re.IGNORECASE)
_ORG = re.compile(r"\b((?:[A-ZÆØÅ][\wæøå]*(?:-\s+og\s+|\s+og\s+))?[A-ZÆØÅ][\wæøå]*(?:udvalget|forvaltningen|rådet))\b")
_KNOWN_NUMBERS = {
    "case_number": re.compile(r"Sagsnr\.?:?\s*(\d{4}-\d+)"),
    "document_number": re.compile(r"Dok(?:ument)?\.?\s*nr\.?:?\s*(\d{4}-\d+(?:-\d+)?)", re.IGNORECASE),
    "journal_number": re.compile(r"J\.\s*nr\.?:?\s*(\d{4}-\d+)"),
}


def extract_metadata(text: str, headings: list[tuple[int, int, int]], contact: dict[str, str]) -> DocumentMetadata:
    """Best-effort metadata; every field is read from the document itself, none is looked up by file name."""
    title = _title(text, headings)
    numbers = {key: (m.group(1) if (m := pattern.search(text)) else None) for key, pattern in _KNOWN_NUMBERS.items()}
    if numbers["case_number"] is None and (m := re.search(r"\((\d{4}-\d{4,})\)", title)):
        numbers["case_number"] = m.group(1)
    return DocumentMetadata(
        title=title,
        date=_date(text),
        doc_type=_doc_type(text, title),
        issuer=_issuer(text, title),
        recipient=(m.group(1).strip() if (m := re.search(r"^\s*Til\s+(.+)$", text, re.MULTILINE)) else None),
        case_number=numbers["case_number"],
        document_number=numbers["document_number"],
        journal_number=numbers["journal_number"],
        signatory=(m.group(1).strip() if (m := re.search(r"Venlig hilsen\s*\n+\s*(.+)", text)) else None),
        contact=dict(contact),
    )


def _title(text: str, headings: list[tuple[int, int, int]]) -> str:
    for _, start, end in headings:
        candidate = text[start:end].strip()
        if not re.search(r"kommune$|^til\s", candidate, re.IGNORECASE) and len(candidate) > 15:
            return re.sub(r"^\d+\.\s+", "", candidate)
    for paragraph in re.split(r"\n\s*\n", text):
        line = " ".join(paragraph.split())
        if len(line) > 25 and not re.search(r"kommune\b|^til\s|^dato|sagsnr", line, re.IGNORECASE):
            following = text[text.find(paragraph) + len(paragraph):].lstrip()
            subtitle = following.split("\n", 1)[0].strip()
            if subtitle.startswith("- ") and len(subtitle) < 60:
                line = f"{line} {subtitle}"
            return re.sub(r"^\d+\.\s+", "", line)[:240]
    return "Dokument uden titel"


def _iso(day: int, month: int, year: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}"


def _parse_date(fragment: str) -> str | None:
    if m := _DATE_WORDS.search(fragment):
        return _iso(int(m.group(1)), _MONTHS[m.group(2)[:3].lower()], int(m.group(3)))
    if m := _DATE_NUMERIC.search(fragment):
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def _date(text: str) -> str | None:
    """The letter's own date; else the decision date; else the month of the latest date mentioned; else the year."""
    for m in _DATO_LINE.finditer(text):
        if parsed := _parse_date(m.group(1)):
            return parsed
    if decision := _DECISION.search(text):
        return _iso(int(decision.group(1)), int(decision.group(2)), int(decision.group(3)))
    candidates = [d[:7] for d in (_parse_date(m.group(0)) for m in _DATE_WORDS.finditer(text)) if d]
    without_ranges = re.sub(r"\b\d{4}\s*[-–]\s*\d{4}\b", " ", text)
    candidates += re.findall(r"\b(19[5-9]\d|20[0-4]\d)\b", without_ranges)
    # The latest moment the text speaks of; a month beats a bare year of the same year.
    return max(candidates, key=lambda d: (int(d[:4]), int(d[5:7] or 0)), default=None)


def _doc_type(text: str, title: str) -> str:
    lowered_title = title.lower()
    if lowered_title.startswith("bilag"):
        return "annex"
    if re.search(r"^\s*INDSTILLING\b", text, re.MULTILINE) or lowered_title.startswith("indstilling"):
        return "recommendation"
    if re.search(r"hørings\s?svar", lowered_title):
        return "hearing reply"
    if lowered_title.startswith("høring"):
        return "hearing letter"
    return "document"


def _issuer(text: str, title: str) -> str | None:
    """The sender: named after 'fra' in the title, else under the letterhead, else the body named most often."""
    if m := re.search(r"\bfra\s+(\w+(?:udvalget|forvaltningen))", title):
        return m.group(1)
    head = text[:400]
    if m := re.search(r"KOMMUNE\s*\n\s*(.+)", head):
        candidate = m.group(1).strip()
        if _ORG.fullmatch(candidate):
            return candidate
    counts = Counter(m.group(1) for m in _ORG.finditer(text))
    return counts.most_common(1)[0][0] if counts else None
