"""Where the chunk vectors live when PostgreSQL holds the corpus: FAISS in every worker, or pgvector on the server.

    vejviser bench --vectors                       # 1k, 10k, 100k chunks (a few minutes); writes docs/BENCHMARKS.md
    vejviser bench --vectors --smoke --no-write    # 1k chunks, a few queries
    vejviser bench --vectors --pg-url postgresql://postgres@127.0.0.1:5432/postgres

The server comes from `--pg-url` or VEJVISER_BENCH_POSTGRES_URL. Without one, or without the pgvector extension
on it, the bench says so in one line and measures FAISS alone. It asks each store for the candidates the engine
asks FAISS for, one question at a time, and scores the approximate ones against exact search on the same vectors.
"""

from __future__ import annotations

import math
import os
import re
import struct
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.settings import Settings
from eval.bench.corpus import noise_for_cosine
from eval.bench.report import Table, cell, percentiles

POSTGRES_ENV = "VEJVISER_BENCH_POSTGRES_URL"
SECTION = "## Vectors: FAISS per machine or pgvector"
CANDIDATES = 50  # HybridIndex.search's `candidates`: what the engine asks the dense index for
# The scale bench's calibration (docs/BENCHMARKS.md, index build notes): an embedded synthetic chunk lies at cosine
# 0.967 to the real chunk it was made from, so the padding copies lie there too.
COPY_COSINE = 0.967
EXACT_SEARCH_BUDGET_MS = 5.0  # the share of an answer exact search may take (eval/bench_docs.py)
PG_HNSW = {"m": 16, "ef_construction": 64}  # pgvector's defaults
PG_HNSW_EF_SEARCH = (64, 200)  # 64 as FAISS's shipped efSearch; the engine's 50 candidates need at least 50


@dataclass(frozen=True)
class VectorPlan:
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    queries: int = 60
    faiss_hnsw: bool = True  # the index the service builds above `hnsw_threshold`
    ivfflat: bool = True
    seed: int = 11


SMOKE = VectorPlan(sizes=(1_000,), queries=8)


@dataclass
class Row:
    """One store at one size."""

    size: int
    store: str
    build_seconds: float  # once per corpus change: FAISS add, or COPY + CREATE INDEX on the server
    load_seconds: float  # at every worker's start: reading the FAISS index (nothing for pgvector)
    p50_ms: float
    p95_ms: float
    recall: float  # of the exact top CANDIDATES
    worker_mib: float  # held by each worker (each worker of each machine holds its own copy)
    server_mib: float  # held once by the database server, shared by all workers and machines

    def cells(self) -> list[Any]:
        return [f"{self.size:,}", self.store, self.build_seconds, self.load_seconds, self.p50_ms, self.p95_ms,
                self.recall, self.worker_mib, self.server_mib]


COLUMNS = ["chunks", "store", "build s", "load per worker s", "search p50 ms", "search p95 ms", f"recall@{CANDIDATES}",
           "per worker MiB", "on the server MiB"]


@dataclass
class Result:
    """The rows, what the queries were and why pgvector was left out (None when it was measured)."""

    rows: list[Row]
    queries: str
    embed_ms: dict[str, float]
    real_chunks: int
    dimensions: int
    sentences_per_chunk: float
    pgvector: str | None  # the server's pgvector version, when measured
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)


class PgvectorUnavailable(Exception):
    """No server, or no pgvector on it: the bench goes on with FAISS alone."""


# ------------------------------------------------------------------------------------------------ vectors


def padded(real: np.ndarray, size: int, seed: int) -> np.ndarray:
    """The real chunk vectors, then seeded perturbed copies of them (cosine ≈ COPY_COSINE), re-normalised, to `size`."""
    real = np.asarray(real, dtype=np.float32)
    if size <= len(real):
        return np.ascontiguousarray(real[:size])
    rng = np.random.default_rng(seed)
    extra = size - len(real)
    copies = real[rng.integers(0, len(real), extra)] + rng.normal(
        0.0, noise_for_cosine(COPY_COSINE, real.shape[1]), (extra, real.shape[1])).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    return np.ascontiguousarray(np.vstack([real, copies]), dtype=np.float32)


def embed_questions(embedder: Any, questions: list[str]) -> tuple[np.ndarray, dict[str, float]]:
    """Each question embedded on its own, as the engine does: the vectors and the time per question."""
    vectors, times = [], []
    embedder.embed(questions[:1], kind="query")  # warm-up
    for question in questions:
        started = time.perf_counter()
        vectors.append(embedder.embed([question], kind="query")[0])
        times.append((time.perf_counter() - started) * 1000)
    return np.ascontiguousarray(np.stack(vectors), dtype=np.float32), percentiles(times)


def _timed_search(search: Any, queries: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    for query in queries[:2]:
        search(query)  # warm-up: first touch of the pages
    found, times = [], []
    for query in queries:
        started = time.perf_counter()
        ids = search(query)
        times.append((time.perf_counter() - started) * 1000)
        found.append(np.pad(np.asarray(ids, dtype=np.int64), (0, CANDIDATES - len(ids)), constant_values=-1))
    return np.stack(found), percentiles(times)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    """Share of the exact top candidates found, averaged over queries."""
    k = min(CANDIDATES, int((exact[0] >= 0).sum()))
    return float(np.mean([len(set(f[:k]) & set(e[:k]) - {-1}) / k for f, e in zip(found, exact)]))


# ------------------------------------------------------------------------------------------------ FAISS


def ivf_lists(n: int) -> tuple[int, int]:
    """pgvector's advice for IVFFlat: rows / 1000 lists (at least 10) up to a million rows, probes √lists."""
    lists = max(10, n // 1000)
    return lists, max(1, round(math.sqrt(lists)))


def faiss_rows(vectors: np.ndarray, queries: np.ndarray, plan: VectorPlan, kind: str) -> tuple[list[Row], np.ndarray]:
    """FAISS as the service builds it (index/dense.py), in this process, and the other structures pgvector offers
    with the same parameters, so a row differs from its pgvector twin by the store alone; returns the rows and the
    exact top ids. The service searches on `VEJVISER_TORCH_THREADS` OpenMP threads (1 shipped, index/dense.py); exact
    search is measured on one thread and on every core (FAISS's own default), to show what that setting is worth."""
    import faiss

    from index.dense import DenseIndex

    n, dims = vectors.shape
    lists, probes = ivf_lists(n)

    def ivf() -> Any:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dims), dims, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = probes
        return index

    structures: list[tuple[str, Any]] = [("flat", lambda: DenseIndex(dims, "flat")._index)]
    if plan.faiss_hnsw or kind == "hnsw":
        structures.append(("hnsw", lambda: DenseIndex(dims, "hnsw")._index))
    if plan.ivfflat:
        structures.append(("ivf", ivf))
    names = {"flat": "FAISS flat, exact", "hnsw": "FAISS HNSW M=32 efSearch=64", "ivf": f"FAISS IVFFlat lists={lists} probes={probes}"}
    rows, exact = [], None
    for each, make in structures:
        started = time.perf_counter()
        index = make()
        index.add(vectors)
        build = time.perf_counter() - started
        data = faiss.serialize_index(index)
        started = time.perf_counter()
        faiss.deserialize_index(data)  # what DenseIndex.load does at a worker's start, from the page cache
        load = time.perf_counter() - started
        shipped = " (shipped)" if each == kind else ""
        if each == "flat":
            threads = faiss.omp_get_max_threads()
            try:
                faiss.omp_set_num_threads(os.cpu_count() or 1)
                found, stats = _timed_search(lambda q, i=index: i.search(q.reshape(1, -1), CANDIDATES)[1][0], queries)
                exact = found
                rows.append(Row(n, "FAISS flat, exact, every core (FAISS's default)", build, load, stats["p50"],
                                stats["p95"], 1.0, len(data) / 2**20, 0.0))
                faiss.omp_set_num_threads(1)
                found, stats = _timed_search(lambda q, i=index: i.search(q.reshape(1, -1), CANDIDATES)[1][0], queries)
            finally:
                faiss.omp_set_num_threads(threads)
            rows.append(Row(n, "FAISS flat, exact, 1 thread" + shipped, build, load, stats["p50"], stats["p95"],
                            recall(found, exact), len(data) / 2**20, 0.0))
            continue
        found, stats = _timed_search(lambda q, i=index: i.search(q.reshape(1, -1), CANDIDATES)[1][0], queries)
        assert exact is not None  # flat comes first
        rows.append(Row(n, names[each] + shipped, build, load, stats["p50"], stats["p95"], recall(found, exact),
                        len(data) / 2**20, 0.0))
    assert exact is not None
    return rows, exact


# ------------------------------------------------------------------------------------------------ pgvector


def psycopg_url(url: str) -> str:
    """libpq's form of a SQLAlchemy URL (`postgresql+psycopg://…` → `postgresql://…`)."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)


@contextmanager
def pgvector_schema(url: str | None) -> Iterator[tuple[Any, str]]:
    """A connection with a throw-away schema on the server, and pgvector's version; PgvectorUnavailable if not."""
    if not url:
        raise PgvectorUnavailable(f"no PostgreSQL server given (--pg-url or {POSTGRES_ENV})")
    import psycopg

    try:
        connection = psycopg.connect(psycopg_url(url), autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise PgvectorUnavailable(f"cannot connect to the server: {_first_line(exc)}") from exc
    schema = f"bench_vectors_{os.getpid()}"
    try:
        try:
            connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as exc:
            raise PgvectorUnavailable(f"pgvector is not available on the server (CREATE EXTENSION vector: {_first_line(exc)}); "
                                      "install it there (e.g. the postgresql-NN-pgvector package) and have a superuser "
                                      "run CREATE EXTENSION vector") from exc
        row = connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"SET search_path = {schema}, public")
        yield connection, str(row[0]) if row else "?"
    finally:
        with suppress(psycopg.Error):
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def copy_binary(connection: Any, vectors: np.ndarray, batch: int = 10_000) -> None:
    """Load `vectors` as rows (id = position, embedding) with COPY … FORMAT binary: pgvector's wire format is
    int16 dimensions, int16 unused, then big-endian float4s, so numpy writes it without a text round trip."""
    n, dims = vectors.shape
    row = np.dtype([("fields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("vec_len", ">i4"), ("dims", ">i2"),
                    ("unused", ">i2"), ("values", ">f4", (dims,))])
    with connection.cursor().copy("COPY chunk_vectors (id, embedding) FROM STDIN WITH (FORMAT binary)") as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0))
        for start in range(0, n, batch):
            part = vectors[start:start + batch]
            rows = np.zeros(len(part), dtype=row)
            rows["fields"], rows["id_len"], rows["vec_len"], rows["dims"] = 2, 4, 4 + 4 * dims, dims
            rows["id"] = np.arange(start, start + len(part))
            rows["values"] = part
            copy.write(rows.tobytes())
        copy.write(struct.pack("!h", -1))


def _literal(query: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in query.tolist()) + "]"


def _mib(connection: Any, relation: str) -> float:
    row = connection.execute("SELECT pg_total_relation_size(%s::regclass)", (relation,)).fetchone()
    return float(row[0]) / 2**20 if row else math.nan


def pgvector_rows(connection: Any, vectors: np.ndarray, queries: np.ndarray, exact: np.ndarray,
                  plan: VectorPlan) -> list[Row]:
    """Exact scan, HNSW and IVFFlat in pgvector over psycopg on the server, for the engine's candidates by inner
    product (`<#>`, as FAISS's IndexFlatIP on unit vectors): build, latency, recall, the server's bytes."""
    n, dims = vectors.shape
    connection.execute("DROP TABLE IF EXISTS chunk_vectors")
    connection.execute(f"CREATE TABLE chunk_vectors (id integer PRIMARY KEY, embedding vector({dims}) NOT NULL)")
    started = time.perf_counter()
    copy_binary(connection, vectors)
    connection.execute("ANALYZE chunk_vectors")
    loaded = time.perf_counter() - started
    table_mib = _mib(connection, "chunk_vectors")
    sql = "SELECT id FROM chunk_vectors ORDER BY embedding <#> %s::vector LIMIT %s"

    def search(query: np.ndarray) -> list[int]:
        return [r[0] for r in connection.execute(sql, (_literal(query), CANDIDATES), prepare=True).fetchall()]

    def measure(name: str, build: float, server_mib: float) -> Row:
        found, stats = _timed_search(search, queries)
        return Row(n, name, build, 0.0, stats["p50"], stats["p95"], recall(found, exact), 0.0, server_mib)

    rows = [measure("pgvector exact (sequential scan)", loaded, table_mib)]
    # pgvector asks for the graph to fit in maintenance_work_mem, or the build slows down (its NOTICE says so).
    connection.execute("SET maintenance_work_mem = '1GB'")
    started = time.perf_counter()
    connection.execute(f"CREATE INDEX chunk_vectors_hnsw ON chunk_vectors USING hnsw (embedding vector_ip_ops) "
                       f"WITH (m = {PG_HNSW['m']}, ef_construction = {PG_HNSW['ef_construction']})")
    built = time.perf_counter() - started
    index_mib = _mib(connection, "chunk_vectors_hnsw")
    for ef in PG_HNSW_EF_SEARCH:
        connection.execute(f"SET hnsw.ef_search = {ef}")
        rows.append(measure(f"pgvector HNSW m={PG_HNSW['m']} ef_construction={PG_HNSW['ef_construction']} ef_search={ef}",
                            loaded + built, table_mib + index_mib))
    connection.execute("DROP INDEX chunk_vectors_hnsw")
    if plan.ivfflat:
        lists, probes = ivf_lists(n)
        started = time.perf_counter()
        connection.execute(f"CREATE INDEX chunk_vectors_ivf ON chunk_vectors USING ivfflat (embedding vector_ip_ops) "
                           f"WITH (lists = {lists})")
        built = time.perf_counter() - started
        connection.execute(f"SET ivfflat.probes = {probes}")
        rows.append(measure(f"pgvector IVFFlat lists={lists} probes={probes}", loaded + built,
                            table_mib + _mib(connection, "chunk_vectors_ivf")))
        connection.execute("DROP INDEX chunk_vectors_ivf")
    connection.execute("DROP TABLE chunk_vectors")
    return rows


# ------------------------------------------------------------------------------------------------ the run


def measure(real: np.ndarray, queries: np.ndarray, plan: VectorPlan, *, pg_url: str | None, hnsw_threshold: int,
            index_kind: str = "auto", queries_from: str, embed_ms: dict[str, float],
            sentences_per_chunk: float = math.nan, log: Any = None) -> Result:
    """FAISS at every size; pgvector beside it when the server has it (else `skipped` says why, in one line)."""
    from index.dense import choose_kind

    result = Result([], queries_from, embed_ms, len(real), real.shape[1], sentences_per_chunk, None)
    queries = queries[:plan.queries]
    try:
        with pgvector_schema(pg_url) as (connection, version):
            result.pgvector = version
            for size in plan.sizes:
                vectors = padded(real, size, plan.seed)
                rows, exact = faiss_rows(vectors, queries, plan, choose_kind(index_kind, size, hnsw_threshold))
                rows += pgvector_rows(connection, vectors, queries, exact, plan)
                _report(log, size, rows)
                result.rows += rows
    except PgvectorUnavailable as exc:
        result.skipped = f"pgvector not measured: {exc}."
        print(f"bench: {result.skipped}", file=sys.stderr, flush=True)
        done = {r.size for r in result.rows}
        for size in plan.sizes:
            if size not in done:
                rows, _ = faiss_rows(padded(real, size, plan.seed), queries, plan,
                                     choose_kind(index_kind, size, hnsw_threshold))
                _report(log, size, rows)
                result.rows += rows
    return result


def _report(log: Any, size: int, rows: list[Row]) -> None:
    if log is not None:
        log(f"bench: vectors at {size:,} chunks: " + "; ".join(f"{r.store} p95 {cell(r.p95_ms)} ms" for r in rows))


def table(result: Result) -> Table:
    out = Table("vectors", f"Dense candidates: FAISS in each worker or pgvector on the server ({CANDIDATES} per question)",
                COLUMNS, [r.cells() for r in result.rows])
    embed = result.embed_ms
    out.notes = [
        f"Vectors: the {result.real_chunks:,} real chunk vectors of the installed index ({result.dimensions} dimensions), "
        f"padded with seeded copies perturbed to cosine {COPY_COSINE} to their original and re-normalised (the scale "
        "bench's calibration). The copies scatter evenly around their templates, so they form as many tight clusters as "
        "there are real chunks: hard for graph indexes (HNSW) to tell apart, easy for lists (IVFFlat) to match. Neither "
        "recall is a promise for a real corpus of that size; latency, build time and bytes do not depend on it.",
        f"Queries: {result.queries}. Embedding a question (the same for every store, not in the rows): p50 "
        f"{cell(embed.get('p50'))} ms, p95 {cell(embed.get('p95'))} ms.",
        f"Search: one question at a time for the {CANDIDATES} candidates the engine asks for (HybridIndex.search), by "
        "inner product on unit vectors (FAISS IndexFlatIP; pgvector `<#>` with vector_ip_ops); pgvector over psycopg "
        "on 127.0.0.1 with a prepared statement, the query sent as a text literal, so its rows include the round trip. "
        f"Recall is against FAISS exact on the same vectors.",
        "The service builds FAISS flat up to `hnsw_threshold` chunks (100,000 shipped) and HNSW above it: '(shipped)' "
        "marks the one it builds at each size.",
        "Build: FAISS adds the vectors in each worker (at `index build`; a worker then reads the saved index: 'load per "
        "worker'); pgvector is COPY (binary) plus ANALYZE, plus CREATE INDEX for HNSW/IVFFlat (maintenance_work_mem 1GB), "
        "done once on the server for all workers and machines.",
        "Memory: 'per worker' is the FAISS index each worker holds (serialised size); 'on the server' is the pgvector "
        "table with its index (pg_total_relation_size), shared by every worker and machine. Either way each worker "
        f"still holds the chunk vectors ({result.dimensions * 4} bytes a chunk: the fused ranking rescores its pool and "
        "`standout` reads them all) and the sentence vectors"
        + (f" (about {result.sentences_per_chunk:.1f} a chunk in the installed index)" if not math.isnan(result.sentences_per_chunk) else "")
        + ": see the decision.",
    ]
    if result.pgvector:
        out.notes.append(f"pgvector {result.pgvector} built from source against Debian's PostgreSQL 15 (default "
                         "configuration: shared_buffers 128MB), on the same two cores as the benchmark.")
    if result.skipped:
        out.notes.append(result.skipped)
    return out


def _first(rows: list[Row], prefix: str) -> Row | None:
    return next((r for r in rows if r.store.startswith(prefix)), None)


def decision(result: Result) -> list[str]:
    """What the figures say about moving the vectors into PostgreSQL, each claim with its numbers."""
    largest = max((r.size for r in result.rows), default=0)
    rows = [r for r in result.rows if r.size == largest]
    flat, every = _first(rows, "FAISS flat, exact, 1"), _first(rows, "FAISS flat, exact, every")
    if flat is None:
        return []
    sentences = 0.0 if math.isnan(result.sentences_per_chunk) else result.sentences_per_chunk
    arrays = largest * result.dimensions * 4 * (1 + sentences) / 2**20
    saved = flat.worker_mib / (flat.worker_mib + arrays)
    lines = [f"Memory: at {largest:,} chunks each worker holds {cell(flat.worker_mib)} MiB of FAISS index (read in "
             f"{cell(flat.load_seconds)} s at its start) beside {cell(arrays)} MiB of chunk and sentence vectors that the "
             f"engine keeps whatever holds the index: moving only the index to pgvector takes {saved:.0%} off each worker."]
    pg_exact = _first(rows, "pgvector exact")
    if pg_exact is None:
        lines.append("pgvector was not measured in this run (see the note under the table); the default stays FAISS.")
        return lines
    pairs = [(name, _first(rows, f"FAISS {name}"), _first(rows, f"pgvector {name}"))
             for name in ("HNSW", "IVFFlat")]
    def ms(row: Row) -> str:
        return f"{cell(row.p50_ms)}/{cell(row.p95_ms)}"

    twins = [f"exact {ms(flat)} ms against {ms(pg_exact)} ms"]
    twins += [f"{name} {ms(f)} against {ms(g)} ms (recall {cell(f.recall)} against {cell(g.recall)})"
              for name, f, g in pairs if f and g]
    slower = all(g.p50_ms > f.p50_ms for _, f, g in pairs if f and g) and pg_exact.p50_ms > flat.p50_ms
    lines.append(f"Latency, the same structure in either store (p50/p95 at {largest:,} chunks, FAISS against pgvector): "
                 + "; ".join(twins) + ". " + ("pgvector adds a round trip and the SQL executor to every search, so "
                                              "each structure is slower there than in the worker." if slower else
                                              "pgvector is not slower for every structure here."))
    graphs = [r for r in rows if r.store.startswith("pgvector HNSW")]
    hnsw, faiss_hnsw = max(graphs, key=lambda r: r.recall, default=None), _first(rows, "FAISS HNSW")
    ivf = _first(rows, "pgvector IVFFlat")
    if hnsw and faiss_hnsw and ivf and ivf.recall >= 0.95 > max(hnsw.recall, faiss_hnsw.recall):
        lines.append(f"Recall: HNSW finds at best {hnsw.recall:.0%} of the exact {CANDIDATES} candidates in pgvector and "
                     f"{faiss_hnsw.recall:.0%} in FAISS; "
                     f"IVFFlat's {ivf.recall:.0%} comes from the padding (copies of {result.real_chunks} real chunks form "
                     "that many tight clusters, which its lists match), not a promise for a real corpus of this size.")
    if every and flat.p95_ms * 1.5 < every.p95_ms:
        lines.append(f"Threads: the service searches on `VEJVISER_TORCH_THREADS` threads (1 shipped); on these shared "
                     f"cores FAISS's own default, every core, took p95 {cell(every.p95_ms)} against {cell(flat.p95_ms)} ms "
                     f"on one thread ({every.p95_ms / flat.p95_ms:.1f}× slower).")
    # Medians decide: the p95 of multi-threaded FAISS on shared cores moves by tens of ms between runs.
    exact_fits = pg_exact.p50_ms - flat.p50_ms <= EXACT_SEARCH_BUDGET_MS
    if exact_fits and saved >= 0.5:
        lines.append(f"**Worth offering pgvector as an option** on PostgreSQL: exact search there stays within "
                     f"{EXACT_SEARCH_BUDGET_MS:g} ms of FAISS at the median and takes most of the vectors off every worker.")
    else:
        why = [f"exact search there costs {cell(pg_exact.p50_ms - flat.p50_ms)} ms more per question at the median (the "
               f"budget for it is {EXACT_SEARCH_BUDGET_MS:g} ms)"] if not exact_fits else []
        why += [f"it would take only {saved:.0%} off each worker's memory until the engine stops holding the vectors"
                ] if saved < 0.5 else []
        lines.append("**FAISS per machine stays the default, on PostgreSQL as on SQLite**: " + " and ".join(why)
                     + ", while it asks the operator for an extension on the database server.")
    return lines


DECISION = """\
What each option asks of an operator:

- **FAISS per machine (default, and the only store for SQLite installations).** Nothing beyond Vejviser: the index
  is a file in each machine's data folder, built there (`make setup`, or at a first start with an empty data
  folder) and read by every worker at start; when the shared corpus changes, every worker on every machine embeds
  and adds the new chunks itself (a published answer is a few chunks). Each worker holds its own copy (the 'per
  worker' column, times workers, times machines) and answers without a network round trip.
- **pgvector.** The extension on the database server (their distribution's package, e.g. Debian's
  `postgresql-15-pgvector`, or PGDG's; a managed PostgreSQL has to offer it) and `CREATE EXTENSION vector` by a
  superuser; the vectors loaded once for all machines, an index built on the server (HNSW: the 'build s' column;
  later inserts update it) and memory there to keep table and index cached (the 'on the server' column, beyond
  PostgreSQL's default 128 MB of shared_buffers at 100k chunks). Each question then costs the 'pgvector' rows
  instead of the FAISS ones, and the workers give up only the FAISS copy: the engine still keeps the chunk vectors
  and sentence vectors in every worker.

What a pgvector backend would need before it could save memory (not built): a dense store behind the index's small
verbs (`search(query, k)`) so HybridIndex can take FAISS or a SQL table; the sentence vectors for the pool (the
best-sentence score and the quote) fetched from the server per question instead of held; `standout` (best minus
mean cosine over all chunks) computed from the top hit and a stored mean vector, since mean(v · q) = mean(v) · q;
the embedding column and its HNSW index created by a migration only where the extension exists; and the PostgreSQL
corpus sync writing a new chunk's vectors once, instead of every worker embedding and adding it itself. Until then
pgvector is not offered: it would cost every question a round trip and save only the share of a worker's memory
given above.
"""


def section(result: Result, machine_line: str, *, command: str, seconds: float, smoke: bool) -> str:
    """The page's section: when, where, how to regenerate, the table, the figures' verdict and the decision."""
    lines = [
        SECTION,
        "",
        f"Regenerate with `{command}` ({_duration(seconds)} here; the server from `--pg-url` or "
        f"{POSTGRES_ENV}). Run: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}."
        + (" **Smoke sizes: not the figures to quote.**" if smoke else ""),
        "",
        table(result).markdown(machine_line),
        "### What the figures say",
        "",
        *[f"- {line}" for line in decision(result)],
        "",
        DECISION,
    ]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} minutes"


def replace_section(page: str, text: str) -> str:
    """`page` with its vectors section replaced by `text` (appended when it has none); other sections untouched."""
    start = page.find(SECTION)
    if start < 0:
        return page.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    end = page.find("\n## ", start + len(SECTION))
    return page[:start] + text.rstrip("\n") + "\n" + (page[end:] if end >= 0 else "")


def kept_section(page: str) -> str | None:
    """The vectors section of an existing page, so a whole `vejviser bench` run carries it over."""
    start = page.find(SECTION)
    if start < 0:
        return None
    end = page.find("\n## ", start + len(SECTION))
    return page[start:end if end >= 0 else len(page)].rstrip("\n") + "\n"


def run(settings: Settings, *, smoke: bool, pg_url: str | None, doc: Path | None) -> int:
    """`vejviser bench --vectors`: the installed index's vectors, the gold questions embedded by the query embedder."""
    from eval.bench.backends import machine
    from eval.quality import runner
    from index.builder import load_query_embedder
    from index.errors import IndexMissing
    from index.store import REBUILD_HINT

    started = time.perf_counter()
    plan = SMOKE if smoke else VectorPlan()
    vectors_file = settings.index_dir / "vectors.npy"
    if not vectors_file.is_file():
        raise IndexMissing(f"There is no index at {settings.index_dir}: {REBUILD_HINT}.")
    real = np.load(vectors_file, mmap_mode="r")  # read-only: the installed index is not touched
    sentences = np.load(settings.index_dir / "sentence_vectors.npy", mmap_mode="r").shape[0] / max(1, len(real))
    items = runner.load_gold(runner.gold_path("test")) + runner.load_gold(runner.gold_path("dev"))
    questions = [item.question for item in items][:plan.queries]
    embedder, _ = load_query_embedder(settings)
    queries, embed_ms = embed_questions(embedder, questions)
    source = f"{len(questions)} gold questions (eval/gold test, then dev) embedded once with the query embedder ({settings.embedder}"
    source += f", {settings.serving_backend})" if settings.embedder == "sentence-transformers" else ")"
    result = measure(np.asarray(real, dtype=np.float32), queries, plan, pg_url=pg_url or os.environ.get(POSTGRES_ENV),
                     hnsw_threshold=settings.hnsw_threshold, index_kind=settings.index_kind, queries_from=source,
                     embed_ms=embed_ms, sentences_per_chunk=sentences,
                     log=lambda line: print(line, file=sys.stderr, flush=True))
    command = "vejviser bench --vectors" + (" --smoke" if smoke else "")
    text = section(result, machine().line(), command=command, seconds=time.perf_counter() - started, smoke=smoke)
    print(text, flush=True)
    if doc is not None:
        doc.write_text(replace_section(doc.read_text(encoding="utf-8") if doc.is_file() else "# Benchmarks\n", text),
                       encoding="utf-8")
        print(f"wrote {doc}", file=sys.stderr)
    print(f"bench: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0
