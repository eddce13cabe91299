"""The passages' contextual token vectors, computed once per model instead of once per question.

The word alignment (bot/answering/alignment.py) reads the top passage's token vectors for every question. Running
the passage through the model took ~100 of the ~165 ms an answer cost (pyinstrument, docs/BENCHMARKS-SERVING.md),
and a passage's vectors depend only on its text and the model. So they are computed at load for a corpus up to
:data:`STORED_PASSAGES_MAX` passages, saved in the cache folder (write-then-rename, keyed by the model's checksum and
each passage's text), and read back on the next start; a passage added later (a published answer, an added
document) or one beyond the bound is computed on its first use and kept in a bounded memory.

Each passage is run alone, as before, so the vectors are the ones a question used to compute (no padding).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedder import Kind, TokenEncoder

log = logging.getLogger(__name__)

FILE = "passage_tokens.npz"
# A passage's vectors take ~0.3 MiB (~200 tokens × 384 float32s; this corpus: 62 passages, 20 MiB) and ~80 ms to
# compute at a first start; a larger corpus stores none and computes each top passage on first use.
STORED_PASSAGES_MAX = 300
MEMORY_ENTRIES = 128  # passages computed at run time and kept (each ~0.3 MiB: ~40 MiB at most)

Tokens = tuple[list[tuple[int, int]], np.ndarray]


def text_key(text: str) -> str:
    """What a passage's vectors depend on besides the model: its exact text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class PassageTokens:
    """A TokenEncoder that answers passages from the store and passes questions to the model."""

    def __init__(self, encoder: TokenEncoder, stored: dict[str, Tokens] | None = None,
                 memory_entries: int = MEMORY_ENTRIES) -> None:
        self.encoder = encoder
        self.stored = stored or {}
        self.memory_entries = memory_entries
        self._memory: OrderedDict[str, Tokens] = OrderedDict()
        self._lock = threading.Lock()

    def token_vectors(self, text: str, *, kind: Kind) -> Tokens:
        """The store's vectors for a known passage; the model's for a question or a passage met the first time."""
        if kind != "passage":
            return self.encoder.token_vectors(text, kind=kind)
        key = text_key(text)
        found = self.stored.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                return found
        found = self.encoder.token_vectors(text, kind="passage")
        with self._lock:
            self._memory[key] = found
            while len(self._memory) > self.memory_entries:
                self._memory.popitem(last=False)
        return found


def passage_tokens(encoder: TokenEncoder, texts: Sequence[str], model_checksum: str, directory: Path) -> PassageTokens:
    """The store for these passages: read from the cache folder, the missing ones computed and the file rewritten;
    none stored for more than STORED_PASSAGES_MAX passages (they are then computed on first use)."""
    wanted = list(dict.fromkeys(texts))
    if len(wanted) > STORED_PASSAGES_MAX:
        log.info("%d passages: their token vectors are computed per question", len(wanted))
        return PassageTokens(encoder)
    saved = _load(directory / FILE, model_checksum)
    stored = {key: saved[key] for key in map(text_key, wanted) if key in saved}
    missing = [text for text in wanted if text_key(text) not in stored]
    if missing:
        log.info("computing the token vectors of %d passages (once per model and text)", len(missing))
        for text in missing:
            stored[text_key(text)] = encoder.token_vectors(text, kind="passage")
        _save(directory / FILE, model_checksum, stored)
    return PassageTokens(encoder, stored)


def _save(path: Path, model_checksum: str, stored: dict[str, Tokens]) -> None:
    keys = list(stored)
    counts = np.array([len(stored[k][1]) for k in keys], dtype=np.int64)
    spans = np.array([span for k in keys for span in stored[k][0]], dtype=np.int32).reshape(-1, 2)
    width = next((v.shape[1] for _, v in stored.values() if v.ndim == 2), 0)
    vectors = (np.concatenate([stored[k][1].reshape(-1, width) for k in keys]) if keys
               else np.zeros((0, width), np.float32)).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")  # workers may write at once
    np.savez(staging, model=np.array(model_checksum), keys=np.array(json.dumps(keys)), counts=counts, spans=spans,
             vectors=vectors)
    staging.replace(path)


def _load(path: Path, model_checksum: str) -> dict[str, Tokens]:
    """The saved vectors if they were made by this model; a damaged or foreign file is ignored (and rewritten)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model"]) != model_checksum:
                return {}
            keys = json.loads(str(data["keys"]))
            counts, spans, vectors = data["counts"], data["spans"], data["vectors"]
            if len(keys) != len(counts) or int(counts.sum()) != len(spans) or len(spans) != len(vectors):
                raise ValueError("its parts disagree in length")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError) as error:
        log.warning("ignoring the passage token vectors at %s (%s)", path, error)
        return {}
    ends = np.cumsum(counts)
    starts = ends - counts
    return {key: ([(int(a), int(b)) for a, b in spans[s:e]], vectors[s:e])
            for key, s, e in zip(keys, starts.tolist(), ends.tolist())}
