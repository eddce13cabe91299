"""Finds people's names in a caseworker's message, so a citizen's name is neither stored nor embedded.

A capitalised word is a name when gender-guesser's first-name list (about 45,000 names from Europe,
the Middle East, Africa and Asia) knows it, unless it is an ordinary word that merely starts a sentence
("Kan", "Min", "Hans"). A capitalised word right after a first name that is no common word is taken as
the surname. Public officials named in the policy documents are masked too; that costs nothing in
retrieval, because questions are answered from the documents' content, not from who signed them.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-ZÆØÅÀ-ÖØ-Ý][\wÀ-ÿşğıçİŞĞÇ'’-]*")
_SENTENCE_START = re.compile(r"(^|[.!?:;\n]\s*|[\"“«(]\s*)$")


@lru_cache(maxsize=1)
def _detector():
    import gender_guesser.detector as gender

    return gender.Detector(case_sensitive=False)


@lru_cache(maxsize=4096)
def _commonness(word: str) -> float:
    from wordfreq import zipf_frequency

    lowered = word.lower()
    return max(zipf_frequency(lowered, "da"), zipf_frequency(lowered, "en"))


def _is_first_name(word: str, sentence_initial: bool) -> bool:
    if len(word) < 2 or word.isupper() or _detector().get_gender(word) == "unknown":
        return False
    return _commonness(word) < (5.0 if sentence_initial else 5.5)


def name_spans(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each name (first name plus a following surname)."""
    spans: list[tuple[int, int]] = []
    matches = list(_WORD.finditer(text))
    index = 0
    while index < len(matches):
        m = matches[index]
        initial = bool(_SENTENCE_START.search(text[:m.start()]))
        if not _is_first_name(m.group(0).rstrip("'’s"), initial):
            index += 1
            continue
        end = m.end()
        while index + 1 < len(matches):
            nxt = matches[index + 1]
            gap = text[end:nxt.start()]
            if gap.strip() or nxt.group(0).isupper() or _commonness(nxt.group(0)) >= 4.0:
                break
            end = nxt.end()
            index += 1
        start = m.start()
        # Keep an English possessive outside the placeholder: "Mette's" → "[NAVN]'s".
        possessive = re.search(r"['’]s$", text[start:end])
        spans.append((start, end - (2 if possessive else 0)))
        index += 1
    return spans
