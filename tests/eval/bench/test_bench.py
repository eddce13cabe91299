"""The benchmark's pieces at a tiny size with the hashing fake: each table has its rows and sane figures.

Not a timing test: it checks that `vejviser bench` can run and that what it prints is a table a reader can trust
(every expected row, every figure positive and finite). The real model's figures are in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.core.settings import Settings
from eval.bench import docs as bench_docs
from eval.bench import pieces as bench
from eval.bench import serving as bench_serving
from eval.bench.corpus import bench_questions, scale_corpus
from eval.bench.report import Table

PLAN = bench.Plan(sizes=(80, 300), embed_upto=80, answer_from=0, backend_chunks=None, questions=12, faiss_queries=12,
                  gold_limit=6, http_clients=(1, 4), http_workers=(1, 2), http_seconds=0.5, cold_runs=1, matmul_seconds=0.2, profile=False, onnx_export=False,
                  backends=("hashing", "bm25"))


def _positive(table: Table, columns: list[str]) -> None:
    for cells in table.rows:
        row = dict(zip(table.columns, cells))
        for column in columns:
            value = row[column]
            assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, f"{table.key} {cells[0]} {column}: {value}"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> bench.Context:
    settings = Settings(data_dir=tmp_path_factory.mktemp("bench-data"), embedder="hashing", answer_threshold=0.0)
    return bench.context(settings, tmp_path_factory.mktemp("bench") / "run", PLAN)


def test_scale_corpus_is_reproducible_and_grows_by_prefix(ctx):
    small, large = scale_corpus(ctx.chunks, 80, seed=7), scale_corpus(ctx.chunks, 160, seed=7)
    assert [c.id for c in small.chunks] == [c.id for c in large.chunks[:80]]
    assert len({c.id for c in large.chunks}) == 160
    assert large.chunks[:large.real] == ctx.chunks[:large.real]
    assert bench_questions(["a b c", "d e f"], 9) == bench_questions(["a b c", "d e f"], 9) and len(bench_questions(["hej med dig"], 9)) == 9


def test_backends_scale_and_faiss_tables(ctx):
    machine = bench.machine_table(ctx)
    assert machine.rows and ctx.machine.cpu in ctx.machine.line() and f"{ctx.machine.cores} cores" in ctx.machine.line()
    backends = bench.backends_table(ctx, PLAN)
    assert [r[0] for r in backends.rows] == [bench.NAMES["hashing"], bench.NAMES["bm25"]]
    _positive(backends, ["answer p50 ms", "answer p95 ms"])
    tables = {t.key: t for t in bench.scale_tables(ctx, PLAN)}
    assert [r[0] for r in tables["build"].rows] == ["80", "300"]
    assert [r[3] for r in tables["build"].rows] == ["embedded", "derived (perturbed copies)"]
    _positive(tables["build"], ["build s", "chunks/s", "peak RSS MiB", "disk MiB"])
    assert [r[:2] for r in tables["answer"].rows] == [["80", "flat"], ["300", "flat"], ["300", "hnsw"]]
    _positive(tables["answer"], ["p50 ms", "p95 ms", "p99 ms"])
    assert [r[0].split()[0][:3] for r in tables["faiss"].rows] == ["fla", "HNS", "HNS", "IVF", "IVF"]
    _positive(tables["faiss"], ["search p50 ms", "recall@50"])
    assert tables["faiss"].row("flat (exact)")["recall@10"] == 1.0
    assert "| 80 |" in tables["build"].markdown(ctx.machine.line()) and ctx.machine.cpu in tables["build"].markdown(ctx.machine.line())


def test_serving_tables_against_real_servers(ctx):
    if "backends" not in ctx.figures:
        bench.backends_table(ctx, PLAN)
    dirs = bench.serving_dirs(ctx, PLAN)
    startup, worker, http, memory = bench_serving.serving_tables(ctx, PLAN, dirs)
    assert worker.rows[-1][0].startswith("warm up")
    _positive(worker, ["seconds"])
    served = [r for r in ctx.figures["servers"] if not r.refused]
    assert [r.workers for r in ctx.figures["servers"]] == [1, 2] and served, "the one-worker server always runs"
    for run in served:
        assert 0 < run.listening <= run.ready <= run.first_answer, run
    _positive(startup, ["first answer s"])
    assert startup.row("vejviser ask, reusing the running service")["first answer s"] > 0
    levels = [(r[0], r[1]) for r in http.rows if r[1] is not None]
    assert levels == [(r.workers, c) for r in served for c in PLAN.http_clients]
    assert all(r[4] == 0 for r in http.rows if r[1] is not None), "no request may fail"
    _positive(Table(http.key, http.title, http.columns, [r for r in http.rows if r[1] is not None]), ["requests", "req/s", "p50 ms", "p95 ms"])
    processes = [r for r in memory.rows if r[1] in ("server", "worker")]
    assert len(processes) == sum(r.workers for r in served)
    _positive(Table(memory.key, memory.title, memory.columns, processes), ["RSS MiB", "PSS MiB"])
    page = bench_docs.page(ctx, [startup, worker, http, memory], command="vejviser bench", seconds=60, smoke=True)
    assert "## Targets (issue 19" in page and "HTTP p95 at 4 clients, 1 worker(s)" in page and ctx.machine.cpu in page
    assert "What bounds a worker's start-up" in page and "Memory per worker, 1 worker(s)" in page
    assert "# Benchmarks: serving" in page, "the serving tables alone (`--serving`) are titled so"
    assert ("## Targets (issue 7" in page) == bool(ctx.figures.get("builds")), "no empty scale section"
    assert not list(Path(ctx.work).glob("*.pid"))


def test_a_whole_run_keeps_the_hand_measured_telegram_table():
    """The page `vejviser bench` writes replaces its tables, not the ones measured by a script of their own."""
    committed = (Path(__file__).resolve().parents[3] / "docs" / "BENCHMARKS.md").read_text(encoding="utf-8")
    heading = bench_docs.HAND_MEASURED[0]
    assert heading in committed
    fresh = "# Benchmarks\n\n## Tables\n\n### Index build\n\n| a |\n\n## Vectors: FAISS per machine or pgvector\n\nv\n"
    page = bench_docs.carry_over(committed, fresh)
    telegram = committed[committed.find(heading):committed.find("\n## ", committed.find(heading))].strip("\n")
    assert telegram in page and page.index("### Index build") < page.index(heading) < page.index("## Vectors")
    assert bench_docs.carry_over(committed, page) == page  # a second run does not add it again
    assert bench_docs.carry_over("", fresh) == fresh  # nothing to keep on a first run
