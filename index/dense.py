"""Dense retrieval over unit vectors with FAISS: exact inner product by default, HNSW for large corpora."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

IndexKind = Literal["flat", "hnsw"]


class DenseIndex:
    """A FAISS index whose row numbers are chunk positions."""

    def __init__(self, dimensions: int, kind: IndexKind = "flat", *, hnsw_m: int = 32, ef_search: int = 64) -> None:
        import faiss

        self.kind = kind
        self.dimensions = dimensions
        self._index: faiss.Index
        if kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dimensions, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            hnsw.hnsw.efSearch = ef_search
            self._index = hnsw
        else:
            self._index = faiss.IndexFlatIP(dimensions)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def add(self, vectors: np.ndarray) -> None:
        """Append vectors; their positions continue from the current size."""
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, positions) of the `k` nearest chunks, best first; positions of -1 are padding."""
        k = max(1, min(k, self.size))
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        return scores[0], ids[0]

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, dimensions: int, kind: IndexKind) -> DenseIndex:
        import faiss

        index = cls(dimensions, kind)
        index._index = faiss.read_index(str(path))
        return index


def use_search_threads(threads: int) -> None:
    """Search on this many threads: FAISS's OpenMP and numpy's BLAS (the question bank's similarities). Both take
    every core by default, and on cores shared with other work that made a search slower, not faster
    (docs/BENCHMARKS.md, vectors: 10k chunks, median 15.8 ms on every core, 0.35 ms on one; the bank's 2,007 × 384
    product 5.7 ms on two BLAS threads, 0.09 ms on one)."""
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(threads)
    threadpool_limits(threads, user_api="blas")


def choose_kind(requested: str, size: int, threshold: int) -> IndexKind:
    """'auto' picks exact search below the measured size threshold and HNSW above it."""
    if requested in ("flat", "hnsw"):
        return requested  # type: ignore[return-value]
    return "hnsw" if size > threshold else "flat"
