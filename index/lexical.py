"""Lexical retrieval: BM25 over Danish-stemmed terms, which catches exact names and numbers that embeddings blur."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+", re.UNICODE)


class Analyzer:
    """Turns text into index terms: lower case, Danish and English stop words dropped, Danish snowball stems."""

    def __init__(self) -> None:
        import Stemmer
        from bm25s.stopwords import STOPWORDS_DANISH, STOPWORDS_EN

        self._stem = Stemmer.Stemmer("danish").stemWord
        self._stopwords = frozenset(STOPWORDS_DANISH) | frozenset(STOPWORDS_EN)

    def terms(self, text: str) -> list[str]:
        """Index terms of `text`, in order."""
        return [self.term(token) for token in _TOKEN.findall(text.lower()) if token not in self._stopwords]

    def content_words(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the words in `text` that are not stop words (what a question is about)."""
        return [m.span() for m in _TOKEN.finditer(text) if m.group().lower() not in self._stopwords]

    @lru_cache(maxsize=65536)  # noqa: B019 (one analyzer per index, alive as long as the process)
    def term(self, token: str) -> str:
        return token if token[0].isdigit() else self._stem(token)


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over chunk texts; scores every chunk for a query."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._bm25: Any = None  # a bm25s.BM25 once built (bm25s ships no type information)
        self.size = 0
        self.document_frequency: dict[str, int] = {}

    def build(self, texts: list[str]) -> None:
        """Index `texts` (rebuilding is cheap: no embeddings involved)."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25(method="lucene")
        self._bm25 = bm25
        self.size = len(texts)
        tokenised = [self.analyzer.terms(t) or ["∅"] for t in texts]
        self.document_frequency = dict(Counter(term for terms in tokenised for term in set(terms)))
        if texts:
            bm25.index(tokenised, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no term is known)."""
        if self._bm25 is None or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        vocabulary = self._bm25.vocab_dict
        terms = [t for t in self.analyzer.terms(query) if t in vocabulary]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def known_share(self, query: str) -> float:
        """Share of the query's terms that occur in the index: how much BM25 can say about this query."""
        terms = self.analyzer.terms(query)
        if self._bm25 is None or not terms:
            return 0.0
        vocabulary = self._bm25.vocab_dict
        return sum(t in vocabulary for t in terms) / len(terms)

    def save(self, directory: Path) -> None:
        if self._bm25 is not None and self.size:
            self._bm25.save(str(directory))
            (directory / "document_frequency.json").write_text(json.dumps(self.document_frequency), encoding="utf-8")

    def load(self, directory: Path, size: int) -> None:
        import bm25s

        self.size = size
        self._bm25 = bm25s.BM25.load(str(directory)) if size else None
        frequencies = directory / "document_frequency.json"
        self.document_frequency = json.loads(frequencies.read_text(encoding="utf-8")) if frequencies.is_file() else {}
