"""Lexical retrieval: BM25 over Danish-stemmed terms, which catches exact names and numbers that embeddings blur."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

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

    @lru_cache(maxsize=65536)
    def term(self, token: str) -> str:
        return token if token[0].isdigit() else self._stem(token)


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over chunk texts; scores every chunk for a query."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._bm25 = None
        self.size = 0

    def build(self, texts: list[str]) -> None:
        """Index `texts` (rebuilding is cheap: no embeddings involved)."""
        import bm25s

        self._bm25 = bm25s.BM25(method="lucene")
        self.size = len(texts)
        if texts:
            self._bm25.index([self.analyzer.terms(t) or ["∅"] for t in texts], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when no term is known)."""
        if self._bm25 is None or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        vocabulary = self._bm25.vocab_dict
        terms = [t for t in self.analyzer.terms(query) if t in vocabulary]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def save(self, directory: Path) -> None:
        if self._bm25 is not None and self.size:
            self._bm25.save(str(directory))

    def load(self, directory: Path, size: int) -> None:
        import bm25s

        self.size = size
        self._bm25 = bm25s.BM25.load(str(directory)) if size else None
