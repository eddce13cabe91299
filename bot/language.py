"""Picks Danish or English for the fixed phrasing around quotes; anything short or unclear is Danish."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["da", "en"]
_ENGLISH_MARKERS = re.compile(r"\b(the|what|who|how|when|where|which|is|are|does|do|can|should|why|for|of|and)\b", re.I)


class LanguageDetector:
    """langdetect with a fixed seed (deterministic), loaded on first use."""

    def __init__(self) -> None:
        self._factory = None

    def detect(self, text: str) -> Language:
        words = re.findall(r"[^\W\d_]+", text)
        if len(words) < 3:
            return "da"
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0
        try:
            probabilities = {lang.lang: lang.prob for lang in detect_langs(text)}
        except LangDetectException:
            return "da"
        english = probabilities.get("en", 0.0)
        if english >= 0.7:
            return "en"
        # langdetect confuses short English with Dutch/Afrikaans; English function words settle it.
        markers = len(_ENGLISH_MARKERS.findall(text))
        scandinavian = sum(probabilities.get(code, 0.0) for code in ("da", "no", "sv"))
        return "en" if markers >= 2 and scandinavian < 0.5 and not re.search(r"[æøå]", text, re.I) else "da"
