"""Cuts a clean document into passages that follow its own structure: headings, numbered items, paragraphs, tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from corpus.document import Chunk
from corpus.sentences import sentence_spans

TARGET_CHARS = 700
MAX_CHARS = 1100
MIN_CHARS = 160  # shorter passages join a neighbour


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    kind: str  # "heading", "paragraph", "item", "table", "intro"
    level: int = 0


def chunk_document(doc_id: str, text: str, headings: list[tuple[int, int, int]], title: str) -> list[Chunk]:
    """Chunks of `text`; each carries its section path (title › heading › sub-heading) and clean-text offsets."""
    blocks = _blocks(text, headings)
    chunks: list[Chunk] = []
    path: list[tuple[int, str]] = []
    group: list[_Block] = []

    def flush() -> None:
        if group:
            section = tuple([title] + [name for _, name in path])
            chunks.extend(_emit(doc_id, text, section, group))
            group.clear()

    for block in blocks:
        if block.kind == "heading":
            flush()
            name = " ".join(text[block.start:block.end].split()).lstrip("- ").strip()
            if _is_letterhead_heading(name):  # an addressee line is text a caseworker may ask about, not a section
                group.append(_Block(block.start, block.end, "paragraph"))
                continue
            if title.startswith(name):
                continue
            level = 4 if re.match(r"\d+\.\s", name) else block.level  # numbered sections are siblings
            path[:] = [(lvl, n) for lvl, n in path if lvl < level] + [(level, name)]
            continue
        size = sum(b.end - b.start for b in group)
        joins_list = block.kind == "item" and group and group[-1].kind in {"item", "intro"}
        if group and not joins_list and (block.kind == "table" or group[-1].kind == "table" or size + (block.end - block.start) > TARGET_CHARS):
            flush()
        group.append(block)
    flush()
    return _absorb_fragments(doc_id, text, chunks)


QUESTION_HEADING = "Spørgsmål"
ANSWER_HEADING = "Svar"


def chunk_answer_document(doc_id: str, text: str, headings: list[tuple[int, int, int]], title: str) -> list[Chunk] | None:
    """A published task-force answer as question → answer units: the answer is chunked and quoted, the question is
    each chunk's context (embedded, never quoted). None when the text lacks the two headed sections."""
    spans = sorted((start, end) for _, start, end in headings)
    names = [" ".join(text[start:end].split()) for start, end in spans]
    asked = next((i for i, name in enumerate(names) if name == QUESTION_HEADING), None)
    answered = next((i for i, name in enumerate(names) if name.startswith(ANSWER_HEADING)), None)
    if asked is None or answered is None or answered < asked:
        return None
    question = text[spans[asked][1]:spans[asked + 1][0] if asked + 1 < len(spans) else len(text)]
    start = spans[answered][1]
    while start < len(text) and text[start].isspace():
        start += 1
    end = spans[answered + 1][0] if answered + 1 < len(spans) else len(text)
    end = _trim_end(text, start, end)
    if end <= start or not question.strip():
        return None
    section = (title, names[answered])
    context = " ".join(question.split())
    return [replace(piece, context=context, id="")
            for piece in _emit(doc_id, text, section, [_Block(start, end, "paragraph")])]


def _absorb_fragments(doc_id: str, text: str, chunks: list[Chunk]) -> list[Chunk]:
    """Join a fragment (a signature, a lone header line) to its neighbour in the same section.

    Alone, "Venlig hilsen Mikkel Warming" or "Dato / Sagsnr." is a passage nobody can find or quote usefully."""
    merged: list[Chunk] = []
    for chunk in chunks:
        if merged and merged[-1].section == chunk.section \
                and (len(chunk.text) < MIN_CHARS or len(merged[-1].text) < MIN_CHARS) \
                and chunk.end - merged[-1].start <= MAX_CHARS:
            merged[-1] = _chunk(doc_id, text, chunk.section, merged[-1].start, chunk.end)
        else:
            merged.append(chunk)
    return merged


def _emit(doc_id: str, text: str, section: tuple[str, ...], group: list[_Block]) -> list[Chunk]:
    start, end = group[0].start, group[-1].end
    if end - start <= MAX_CHARS or group[0].kind == "table":
        return [Chunk(doc_id=doc_id, section=section, start=start, end=end, text=text[start:end])]
    # A long run of text: cut at sentence ends near the target size.
    pieces: list[Chunk] = []
    piece_start = start
    for s, e in sentence_spans(text[start:end]):
        s, e = s + start, e + start
        if e - piece_start > TARGET_CHARS and s > piece_start:
            pieces.append(_chunk(doc_id, text, section, piece_start, _trim_end(text, piece_start, s)))
            piece_start = s
    pieces.append(_chunk(doc_id, text, section, piece_start, end))
    return pieces


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _chunk(doc_id: str, text: str, section: tuple[str, ...], start: int, end: int) -> Chunk:
    return Chunk(doc_id=doc_id, section=section, start=start, end=end, text=text[start:end])


_ITEM = re.compile(r"^\s*(?:[-•–]|\d+\.)\s+")


def _blocks(text: str, headings: list[tuple[int, int, int]]) -> list[_Block]:
    """Paragraph-level blocks, with headings recognised from markup or from their shape."""
    marked = {start: level for level, start, _ in headings}
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text)]
    blocks: list[_Block] = []
    index = 0
    while index < len(paragraphs):
        start, end = paragraphs[index]
        body = text[start:end]
        following = text[paragraphs[index + 1][0]:paragraphs[index + 1][1]] if index + 1 < len(paragraphs) else ""
        if "\t" in body:
            # A table: this paragraph and the tab-separated paragraphs after it, header first.
            while index + 1 < len(paragraphs) and "\t" in text[paragraphs[index + 1][0]:paragraphs[index + 1][1]]:
                index += 1
                end = paragraphs[index][1]
            blocks.append(_Block(start, end, "table"))
        elif start in marked:
            heading_end = text.find("\n", start, end)
            heading_end = end if heading_end < 0 else heading_end
            blocks.append(_Block(start, heading_end, "heading", marked[start]))
            if heading_end < end:
                paragraphs.insert(index + 1, (heading_end + 1, end))
        elif _looks_like_heading(body, following):
            level = 6 if _ITEM.match(body) else 5
            blocks.append(_Block(start, end, "heading", level))
        else:
            lines = [(m.start() + start, m.end() + start) for m in re.finditer(r"[^\n]+", body)]
            for line_start, line_end in _split_leading_heading(text, lines, blocks):
                line = text[line_start:line_end]
                kind = "item" if _ITEM.match(line) else ("intro" if line.rstrip().endswith(":") else "paragraph")
                blocks.append(_Block(line_start, line_end, kind))
        index += 1
    return blocks


def _split_leading_heading(text: str, lines: list[tuple[int, int]], blocks: list[_Block]) -> list[tuple[int, int]]:
    """A short bullet line with no end punctuation directly above a paragraph is that paragraph's heading."""
    if len(lines) >= 2:
        first = text[lines[0][0]:lines[0][1]]
        rest = text[lines[1][0]:lines[1][1]]
        if _ITEM.match(first) and len(first) < 80 and not first.rstrip().endswith((".", ",", ";", ":")) and rest[:1].isupper():
            blocks.append(_Block(lines[0][0], lines[0][1], "heading", 6))
            return lines[1:]
    return lines


def _is_letterhead_heading(name: str) -> bool:
    """The municipality's name and the addressee line are letterhead, not sections."""
    return bool(re.fullmatch(r"(?i)k.benhavns kommune", name) or re.match(r"Til\s", name))


_META_LINE = re.compile(r"^\s*(Dato|Sagsnr|Dok|J\.\s*nr|Journal|Bilag:|Venlig hilsen)", re.IGNORECASE)


def _looks_like_heading(body: str, following: str) -> bool:
    """A single short line without end punctuation, followed by running text, is a heading."""
    if "\n" in body or len(body) > 90 or body.rstrip().endswith((".", ",", ";", ":", ")")):
        return False
    stripped = _ITEM.sub("", body).strip()
    if not stripped[:1].isupper() or _META_LINE.match(stripped) or _is_letterhead_heading(stripped):
        return False
    if not re.search(r"[A-Za-zÆØÅæøå]{3,}", stripped):
        return False
    if not following:
        return False
    if _ITEM.match(body):
        return len(following) > 120 and not _ITEM.match(following)
    if _ITEM.match(following):
        sub_heading = len(following) < 60 and not following.rstrip().endswith((".", ",", ";", ":"))
        return stripped.isupper() or sub_heading
    return len(stripped.split()) <= 12 and len(following) > 60
