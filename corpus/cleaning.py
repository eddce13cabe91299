"""Turns a raw document into answerable text: markup, office routing stamps and letterheads removed,
hard-wrapped lines joined, with a map from every clean character back to the original file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.offsets import OffsetMap, TextBuilder

# A routing stamp starts with an office's "SEKR." header and ends at its last "Henlægges"/"Dato:" line.
_STAMP_START = re.compile(r"^\s*[A-ZÆØÅ]{2,5}\s+SEKR\.", re.MULTILINE)
_STAMP_END = re.compile(r"^\s*(Henlægges|Dato:)[\s\t]*$")
_STAMP_TAIL = re.compile(r"^\s*(Kopi til:?)?\s*$")

_LETTERHEAD_KEYS = re.compile(
    r"^\s*(Rådhuset|Telefon|Direkte telefon|Telefax|E-mail|www\.\S+|\d{4}\s+København\b.*|[\d ]{8,11}|\S+@\S+\.\w+)\s*$",
    re.IGNORECASE,
)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass
class CleanResult:
    """The clean text, its offset map to the raw text, the headings found, and letterhead facts."""

    text: str
    offsets: OffsetMap
    headings: list[tuple[int, int, int]] = field(default_factory=list)  # (level, start, end) in clean text
    contact: dict[str, str] = field(default_factory=dict)


def clean(raw: str, *, markup: bool = True) -> CleanResult:
    """Clean one document; see the module docstring for what is removed and why.

    With `markup=False` (a document Vejviser wrote itself, e.g. a published task-force answer) only its own
    `#` headings are read as markup: what an adviser typed, `<b>`, `**` or `[a](b)` included, stays as written."""
    lines = _split_lines(raw)
    drop = _stamp_lines(lines) | _letterhead_lines(lines)
    contact = _contact_facts([lines[i][0] for i in sorted(_letterhead_lines(lines))])
    hard_wrapped = _is_hard_wrapped([entry for i, entry in enumerate(lines) if i not in drop])

    builder = TextBuilder()
    headings: list[tuple[int, int, int]] = []
    length = 0
    pending_break = ""  # separator owed before the next kept line
    previous_kept: str | None = None
    for index, (line, start) in enumerate(lines):
        if index in drop:
            pending_break = pending_break or "\n\n"
            continue
        content, level, content_start, pieces = _strip_markup(line, start, markup=markup)
        if not content.strip():
            if previous_kept is not None:
                pending_break = "\n\n"
            continue
        if previous_kept is not None:
            separator = pending_break or "\n"
            if separator == "\n" and hard_wrapped and _continues(previous_kept, content):
                separator = "" if previous_kept.endswith("-") and not re.match(r"(og|eller)\b", content) else " "
            elif separator == "\n\n" and drop and _sentence_runs_on(previous_kept, content, index, drop):
                separator = " "
            builder.emit(separator, max(content_start - 1, 0))
            length += len(separator)
        line_start = length
        for piece_text, piece_start in pieces:
            builder.copy(raw, piece_start, piece_start + len(piece_text))
            length += len(piece_text)
        if level:
            headings.append((level, line_start, length))
        previous_kept = content.rstrip()
        pending_break = ""
    text, offsets = builder.build(len(raw))
    return CleanResult(text=text, offsets=offsets, headings=headings, contact=contact)


def _split_lines(raw: str) -> list[tuple[str, int]]:
    out, position = [], 0
    for line in raw.splitlines(keepends=True):
        out.append((line.rstrip("\r\n"), position))
        position += len(line)
    return out


def _stamp_lines(lines: list[tuple[str, int]]) -> set[int]:
    """Indexes of routing-stamp lines: a SEKR. header through its closing Henlægges/Dato: line."""
    drop: set[int] = set()
    index = 0
    while index < len(lines):
        if _STAMP_START.match(lines[index][0]):
            end = index
            for probe in range(index, min(index + 40, len(lines))):
                if _STAMP_END.match(lines[probe][0].replace("\t", " ")):
                    end = probe
                elif end > index and probe > end + 2 and lines[probe][0].strip():
                    break
            if end == index:
                index += 1
                continue
            while end + 1 < len(lines) and _STAMP_TAIL.match(lines[end + 1][0]):
                end += 1
            drop.update(range(index, end + 1))
            index = end + 1
        else:
            index += 1
    return drop


def _letterhead_lines(lines: list[tuple[str, int]]) -> set[int]:
    """Indexes of letterhead blocks: runs of address/phone/e-mail lines with at least three such keys."""
    drop: set[int] = set()
    run: list[int] = []
    keys = 0

    def close() -> None:
        nonlocal run, keys
        if keys >= 3:
            drop.update(run)
        run, keys = [], 0

    for index, (line, _) in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            if run:
                run.append(index)
            continue
        if _LETTERHEAD_KEYS.match(stripped) and len(stripped) <= 40:
            run.append(index)
            keys += 1
        else:
            close()
    close()
    return drop


def _contact_facts(lines: list[str]) -> dict[str, str]:
    """Letterhead facts for metadata: each label line is followed by its value line."""
    facts: dict[str, str] = {}
    values = [line.strip() for line in lines if line.strip()]
    labels = {"telefon": "phone", "direkte telefon": "direct_phone", "telefax": "fax", "e-mail": "email"}
    index = 0
    while index < len(values):
        key = labels.get(values[index].lower())
        if key and index + 1 < len(values):
            facts[key] = values[index + 1]
            index += 2
            continue
        if values[index].lower().startswith("www."):
            facts["web"] = values[index]
        elif values[index] == "Rådhuset" or re.match(r"\d{4}\s+København", values[index]):
            facts["address"] = (facts.get("address", "") + ", " + values[index]).strip(", ")
        index += 1
    return facts


def _is_hard_wrapped(lines: list[tuple[str, int]]) -> bool:
    """Scanned text is wrapped at a fixed width; born-digital text keeps a paragraph on one line."""
    lengths = [len(line.strip()) for line, _ in lines if line.strip()]
    if len(lengths) < 10:
        return False
    wrapped = sum(1 for n in lengths if 50 <= n <= 85)
    return wrapped / len(lengths) > 0.6


_BULLET = re.compile(r"^\s*(?:[-•–]|\d+\.)\s")


def _continues(previous: str, current: str) -> bool:
    """Whether `current` continues the wrapped paragraph of `previous`."""
    if _BULLET.match(current) or len(previous.strip()) < 45:
        return False
    if _BULLET.match(previous) and not previous.endswith((".", ",", ";", ":")) and current[:1].isupper():
        return False  # a bullet used as a sub-heading, followed by its paragraph
    return True


def _sentence_runs_on(previous: str, current: str, index: int, drop: set[int]) -> bool:
    """A stamp dropped mid-sentence: the text before it has no end punctuation and the text after is lower case."""
    return index - 1 in drop and not previous.endswith((".", ":", "!", "?")) and current[:1].islower()


_HEADING_HASH = re.compile(r"^(\s*)(#{1,6})\s+")


def _strip_markup(line: str, start: int, *, markup: bool = True) -> tuple[str, int, int, list[tuple[str, int]]]:
    """Remove Markdown/HTML markup from a line; return content, heading level, content start, kept pieces."""
    level = 0
    keep = [True] * len(line)
    match = _HEADING_HASH.match(line)
    if match:
        level = len(match.group(2))
        for i in range(match.end()):
            keep[i] = False
    for pattern in (_HTML_TAG,) if markup else ():
        for m in pattern.finditer(line):
            for i in range(m.start(), m.end()):
                keep[i] = False
    for m in _LINK.finditer(line) if markup else ():
        keep[m.start()] = False
        for i in range(m.end(1), m.end()):
            keep[i] = False
    for m in re.finditer(r"\*{1,3}", line) if markup else ():
        for i in range(m.start(), m.end()):
            keep[i] = False
    stripped_line = "".join(c for c, k in zip(line, keep) if k)
    if markup and not level and re.fullmatch(r"\s*\*\*[^*]+\*\*\s*", line):
        level = 2  # a bold line standing alone is a heading
    # Leading/trailing whitespace of the line is not kept either.
    first = next((i for i, (c, k) in enumerate(zip(line, keep)) if k and not c.isspace()), len(line))
    last = max((i for i, (c, k) in enumerate(zip(line, keep)) if k and not c.isspace()), default=-1)
    pieces: list[tuple[str, int]] = []
    run_start = None
    for i in range(first, last + 2):
        inside = i <= last and keep[i]
        if inside and run_start is None:
            run_start = i
        elif not inside and run_start is not None:
            pieces.append((line[run_start:i], start + run_start))
            run_start = None
    # Collapse runs of inner whitespace (tabs, double spaces) only in output length; keep verbatim.
    return stripped_line, level, start + first, pieces
