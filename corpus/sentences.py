"""Splits Danish text into sentences without breaking on abbreviations, ordinals or amounts."""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "bl.a", "fx", "f.eks", "m.m", "mv", "m.v", "dvs", "hhv", "nr", "kr", "mio", "mia", "ca", "jf", "evt",
    "inkl", "ekskl", "d", "j.nr", "dok.nr", "sagsnr", "kgs", "st", "pkt", "stk", "vedr", "mht", "pga",
    "tlf", "adm", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec", "dir", "vicedir", "sekr", "kt", "sek", "e.g", "i.e", "etc", "mr", "mrs", "dr", "ibid",
}
_BOUNDARY = re.compile(r"([.!?…]+[\"”’»)]*)(\s+)(?=[\"“„«(]?[A-ZÆØÅ0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """`[start, end)` spans of the sentences of `text`; lines (list items, headings) are sentences too."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        body = line.group(0)
        cursor = 0
        for m in _BOUNDARY.finditer(body):
            before = body[cursor:m.start(1)]
            word = re.search(r"([\w.]+)$", before)
            token = word.group(1).lower() if word else ""
            if token in _ABBREVIATIONS or re.fullmatch(r"\d{1,2}", token) or len(token) == 1:
                continue
            end = m.end(1)
            _append(spans, body, start, cursor, end)
            cursor = m.end(2)
        _append(spans, body, start, cursor, len(body))
    return spans


def _append(spans: list[tuple[int, int]], body: str, offset: int, start: int, end: int) -> None:
    piece = body[start:end]
    stripped_start = start + (len(piece) - len(piece.lstrip()))
    stripped_end = end - (len(piece) - len(piece.rstrip()))
    if stripped_end > stripped_start:
        spans.append((offset + stripped_start, offset + stripped_end))
