"""Reads the text out of the file types caseworkers' policy documents come in: .txt, .md, .pdf, .docx, .html."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.errors import DocumentError

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")
MAX_FILE_BYTES = 50 * 1024 * 1024


def read_text(path: Path) -> str:
    """The document's text, or a DocumentError saying why it cannot be used and what to do."""
    if not path.exists():
        raise DocumentError(f"{path}: no such file.")
    if not path.is_file():
        raise DocumentError(f"{path}: not a file; give the path of a .txt, .md, .pdf, .docx or .html document.")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"{path.name}: unsupported file type '{suffix or 'none'}'; use one of {', '.join(SUPPORTED_SUFFIXES)}.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DocumentError(f"{path.name}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB; split it first.")
    if path.stat().st_size == 0:
        raise DocumentError(f"{path.name}: the file is empty.")
    try:
        text = _READERS[suffix](path)
    except DocumentError:
        raise
    except Exception as exc:  # each library has its own exceptions for broken files
        raise DocumentError(f"{path.name}: could not be read as {suffix} ({type(exc).__name__}); is the file damaged?") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if len(re.findall(r"[A-Za-zÆØÅæøåÉé]{2,}", text)) < 5:
        hint = " It looks scanned without a text layer: run OCR on it first." if suffix == ".pdf" else ""
        raise DocumentError(f"{path.name}: contains no readable text.{hint}")
    return text


def _read_plain(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path.name}: not UTF-8 or Windows-1252 text; save it as UTF-8.")


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(f"{path.name}: the PDF is password-protected; save an unprotected copy.")
        return "\n\n".join((page.extract_text() or "") for page in reader.pages)
    except PdfReadError as exc:
        raise DocumentError(f"{path.name}: not a readable PDF ({exc}).") from exc


def _read_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts: list[str] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
        text = paragraph.text.strip()
        if not text:
            continue
        level = int(m.group(1)) if (m := re.search(r"heading (\d)", style)) else 0
        parts.append(("#" * min(level + 1, 6) + " " + text) if level else text)
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(parts)


def _read_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_read_plain(path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer"]):
        tag.decompose()
    parts: list[str] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "tr"]):
        text = " ".join(element.get_text(" ").split())
        if not text:
            continue
        if element.name.startswith("h"):
            parts.append("#" * int(element.name[1]) + " " + text)
        elif element.name == "li":
            parts.append("- " + text)
        elif element.name == "tr":
            parts.append("\t".join(" ".join(c.get_text(" ").split()) for c in element.find_all(["td", "th"])))
        else:
            parts.append(text)
    return "\n\n".join(parts)


_READERS = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".html": _read_html,
    ".htm": _read_html,
}
