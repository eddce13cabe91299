"""Index build, answering and dense search on scale corpora (1k, 10k, 100k chunks made from the real documents).

Each build runs in a fresh process, so its peak memory is its own; the parent then loads the saved index and
answers questions through the real `AnswerEngine` with the real query embedder.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.settings import Settings
from eval.bench.report import Table, disk_mib, peak_rss_mib, percentiles, rss_mib
from index.embedder import Embedder


@dataclass
class BuildResult:
    """What one index build cost, measured in its own process."""

    size: int
    chunks: int
    sentences: int
    kind: str
    vectors: str  # "embedded" or "derived (...)"
    seconds: float  # HybridIndex.build, embedding included
    embed_seconds: float  # inside the model (0 for derived vectors)
    corpus_seconds: float  # generating the scale corpus (not part of the build)
    save_seconds: float
    start_rss_mib: float  # the process before building (libraries, model)
    peak_rss_mib: float
    disk_mib: float
    index_dir: Path
    embedded: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # text -> vector, model builds only
    derived: int = 0


def build_job(job: dict[str, Any]) -> dict[str, Any]:
    """Child process: make the corpus of `job['size']` chunks, build and save its index, report the costs."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from eval.bench.corpus import DerivedEmbedder, RecordingEmbedder, derivation_sources, scale_corpus
    from index.store import HybridIndex

    started = time.perf_counter()
    corpus = scale_corpus(job["chunks"], job["size"], job["seed"])
    corpus_seconds = time.perf_counter() - started
    embedder: Any
    if job["mode"] == "model":
        from index.builder import load_embedder

        inner, checksum = load_embedder(job["settings"])
        embedder = RecordingEmbedder(inner)
    else:
        embedder = DerivedEmbedder(job["known"], derivation_sources(corpus), model_id=job["model_id"],
                                   chunk_noise=job["chunk_noise"], sentence_noise=job["sentence_noise"])
        checksum = f"{job['checksum']}+derived"
    start_rss = rss_mib()
    index = HybridIndex()
    started = time.perf_counter()
    index.build(corpus.chunks, embedder, corpus_hash=f"bench-{job['size']}-{job['seed']}", model_checksum=checksum,
                kind=job["kind"], hnsw_threshold=job["hnsw_threshold"])
    seconds = time.perf_counter() - started
    out = Path(job["out_dir"])
    started = time.perf_counter()
    index.save(out)
    save_seconds = time.perf_counter() - started
    assert index.manifest is not None
    return {
        "size": job["size"], "chunks": len(index.chunks), "sentences": len(index.sentences),
        "kind": index.manifest.index_kind, "seconds": seconds, "corpus_seconds": corpus_seconds,
        "save_seconds": save_seconds, "embed_seconds": getattr(embedder, "seconds", 0.0),
        "start_rss_mib": start_rss, "peak_rss_mib": peak_rss_mib(), "disk_mib": disk_mib(out),
        "embedded": getattr(embedder, "vectors", {}), "derived": getattr(embedder, "derived", 0),
    }


def build(job: dict[str, Any]) -> BuildResult:
    """Run `build_job` in a fresh (spawned) process and wait for it."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result = pool.submit(build_job, job).result()
    vectors = "embedded" if job["mode"] == "model" else "derived (perturbed copies)"
    return BuildResult(index_dir=Path(job["out_dir"]), vectors=vectors, **result)


# ------------------------------------------------------------------------------------------------ answering


def scale_engine(settings: Settings, index_dir: Path, query_embedder: Embedder, ingested: list[Any]) -> tuple[Any, float, float]:
    """An AnswerEngine over a saved scale index (the real query embedder); returns it, load seconds and RSS growth."""
    from bot.answering.confidence import ConfidenceModel
    from bot.answering.engine import AnswerEngine
    from corpus.store import CorpusStore
    from index.store import HybridIndex, read_manifest

    manifest = read_manifest(index_dir)
    before, started = rss_mib(), time.perf_counter()
    index = HybridIndex.load(index_dir, model_id=manifest.model_id, model_checksum=manifest.model_checksum, corpus_hash=None)
    seconds = time.perf_counter() - started
    engine = AnswerEngine(settings, query_embedder, index, ingested,
                          CorpusStore(settings.documents_dir, settings.added_documents_dir),
                          ConfidenceModel.load(settings.calibration_file), manifest.model_checksum)
    return engine, seconds, rss_mib() - before


def answer_latencies(engine: Any, questions: list[str]) -> list[float]:
    """Milliseconds per `engine.ask`, one question after another (after two warm-up questions)."""
    for question in questions[:2]:
        engine.ask(question)
    out = []
    for question in questions:
        started = time.perf_counter()
        engine.ask(question)
        out.append((time.perf_counter() - started) * 1000)
    return out


def gold_hits(engine: Any, items: list[Any]) -> dict[str, float]:
    """Gold hit@5 and MRR@10 of the engine on a scale corpus (synthetic chunks are distractors here)."""
    from eval.quality import runner

    scores = runner.score(runner.run(engine, items))
    return {"hit5": scores.hit5, "mrr10": scores.mrr10}


def swap_dense(engine: Any, kind: str) -> None:
    """Replace the loaded index's dense part by `kind` ("flat" or "hnsw", shipped parameters) over the same vectors."""
    from index.dense import DenseIndex

    dense = DenseIndex(engine.index.vectors.shape[1], kind)  # type: ignore[arg-type]
    dense.add(engine.index.vectors)
    engine.index.dense = dense


ANSWER_PHASES = [
    ("query embedding", lambda f: f["function"] == "embed"),
    ("BM25 scores", lambda f: f["function"] == "scores" and f.get("class_name") == "LexicalIndex"),
    ("FAISS search", lambda f: f["function"] == "search" and f.get("class_name") == "DenseIndex"),
    ("argsort (BM25 candidates, ranks)", lambda f: f["function"] == "argsort"),
    ("best-sentence scores", lambda f: f["function"] == "_best_sentence_scores"),
    ("quote selection", lambda f: f["function"] == "_best_span"),
    ("confidence features", lambda f: f["function"] == "_features"),
    ("redaction", lambda f: f["function"] == "redact"),
    ("language detection", lambda f: f["function"] == "detect"),
]


def profile_answers(engine: Any, questions: list[str]) -> dict[str, float]:
    """Share of answering time per phase (pyinstrument), to say what bounds the latency."""
    import json

    from pyinstrument import Profiler
    from pyinstrument.renderers import JSONRenderer

    from eval.bench.serve import phases

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for question in questions:
        engine.ask(question)
    profiler.stop()
    root = json.loads(profiler.output(JSONRenderer()))["root_frame"]
    seconds = phases(root, ANSWER_PHASES, "other (fusion, ranking, Python)")
    total = sum(seconds.values()) or 1.0
    return {name: value / total for name, value in seconds.items()}


# ------------------------------------------------------------------------------------------------ dense search


@dataclass
class SearchRow:
    name: str
    build_seconds: float
    p50_ms: float
    p95_ms: float
    recall10: float
    recall50: float
    memory_mib: float


def dense_search_rows(vectors: np.ndarray, queries: np.ndarray, *, deadline_seconds: float = 60.0) -> list[SearchRow]:
    """Exact search, the shipped HNSW and IVF on the same vectors, one query at a time; recall against exact.

    The engine asks FAISS for 50 candidates, so recall@50 is what decides whether the fused ranking can see the
    chunk; recall@10 is the usual headline. Each structure is built once; its rows differ in search parameters.
    """
    import faiss

    from index.dense import DenseIndex

    dims, n = vectors.shape[1], len(vectors)
    nlist = max(1, min(4096, int(4 * math.sqrt(n))))
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    k = min(50, n)

    def ivf() -> Any:
        quantiser = faiss.IndexFlatIP(dims)
        index = faiss.IndexIVFFlat(quantiser, dims, nlist, faiss.METRIC_INNER_PRODUCT)
        return index

    def set_ef(ef: int) -> Any:
        return lambda index: setattr(index.hnsw, "efSearch", ef)

    def set_nprobe(nprobe: int) -> Any:
        return lambda index: setattr(index, "nprobe", nprobe)

    structures = [
        (lambda: DenseIndex(dims, "flat")._index, [("flat (exact)", lambda index: None)]),
        (lambda: DenseIndex(dims, "hnsw")._index, [("HNSW M=32 efSearch=64 (shipped)", set_ef(64)),
                                                  ("HNSW M=32 efSearch=128", set_ef(128))]),
        (ivf, [(f"IVF{nlist} nprobe=8", set_nprobe(8)), (f"IVF{nlist} nprobe=32", set_nprobe(32))]),
    ]
    exact: np.ndarray | None = None
    rows = []
    for make, variants in structures:
        index = make()
        started = time.perf_counter()
        if not index.is_trained:
            index.train(vectors)
        index.add(vectors)
        build_seconds = time.perf_counter() - started
        size = len(faiss.serialize_index(index)) / 2**20
        for name, configure in variants:
            configure(index)
            found, times = [], []
            stop = time.perf_counter() + deadline_seconds
            for query in queries:
                started = time.perf_counter()
                _, ids = index.search(query.reshape(1, -1), k)
                times.append((time.perf_counter() - started) * 1000)
                found.append(ids[0])
                if time.perf_counter() > stop:
                    break
            found_ids = np.stack(found)
            exact = found_ids if exact is None else exact
            m = min(len(found_ids), len(exact))
            recall10 = np.mean([len(set(found_ids[i, :10]) & set(exact[i, :10])) / min(10, k) for i in range(m)])
            recall50 = np.mean([len(set(found_ids[i]) & set(exact[i])) / k for i in range(m)])
            stats = percentiles(times)
            rows.append(SearchRow(name, build_seconds, stats["p50"], stats["p95"], float(recall10), float(recall50), size))
        del index
    return rows


def search_table(rows: list[SearchRow], size: int, queries: int, vectors: str) -> Table:
    flat = rows[0]
    table = Table("faiss", f"Dense search at {size:,} chunks: exact vs HNSW vs IVF",
                  ["index", "build s", "search p50 ms", "search p95 ms", "× flat p95", "recall@10", "recall@50",
                   "size MiB"])
    for r in rows:
        table.rows.append([r.name, r.build_seconds, r.p50_ms, r.p95_ms, r.p95_ms / flat.p95_ms if flat.p95_ms else math.nan,
                           r.recall10, r.recall50, r.memory_mib])
    table.notes = [
        f"{queries} benchmark questions embedded with the query embedder, searched one at a time for 50 candidates "
        "(what the engine asks FAISS for); recall is against exact search on the same vectors.",
        f"Chunk vectors: {vectors}. Perturbed copies scatter evenly around their template, the hardest case for "
        "graph and cluster indexes, so approximate recall here is a lower estimate.",
    ]
    return table
