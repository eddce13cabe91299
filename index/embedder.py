"""The encoder behind a one-method protocol, so the index and fast tests need not know which model runs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np

Kind = Literal["query", "passage"]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; e5 models need to know queries from passages."""

    @property
    def model_id(self) -> str:
        """Names the weights (recorded in the index manifest)."""
        ...

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        ...

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        """Return an array of shape (len(texts), dimensions), each row of unit length."""
        ...


@runtime_checkable
class TokenEncoder(Protocol):
    """An embedder that also shows its contextual token vectors, for checking a question word by word."""

    def token_vectors(self, text: str, *, kind: Kind) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each token's character span in `text` and its unit-length vector; prefix and special tokens left out."""
        ...


class HashingEmbedder:
    """A deterministic bag-of-words fake for fast unit tests; never used for quality figures."""

    model_id = "hashing-256"
    dimensions = 256

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(token[:6].encode(), digest_size=4).digest(), "little")
                out[row, bucket % self.dimensions] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
