"""`vejviser bench --vectors` at a tiny size: FAISS rows a reader can trust without a server, a one-line note instead
of an error when there is no server or no pgvector on it, and its section written into the page without touching the
rest. With VEJVISER_TEST_POSTGRES_URL the pgvector path runs where the extension is installed (CI's server has none:
there the test checks the one-line note).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from bot.core.settings import Settings
from corpus.store import CorpusStore
from eval.bench import vectors as bench_vectors
from index.builder import build_index
from index.embedder import HashingEmbedder

PLAN = bench_vectors.VectorPlan(sizes=(200, 500), queries=6, ivfflat=True)
NO_SERVER = "postgresql://postgres@127.0.0.1:1/postgres"  # nothing listens on port 1


def _vectors() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    real = rng.normal(size=(40, 32)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    return real, bench_vectors.padded(real, 46, seed=5)[40:]


def _measure(pg_url: str | None) -> bench_vectors.Result:
    real, queries = _vectors()
    return bench_vectors.measure(real, queries, PLAN, pg_url=pg_url, hnsw_threshold=300, queries_from="test vectors",
                                 embed_ms={"p50": 1.0, "p95": 2.0}, sentences_per_chunk=3.0)


def test_padding_keeps_the_real_vectors_and_makes_unit_copies_near_them():
    real, _ = _vectors()
    vectors = bench_vectors.padded(real, 500, seed=5)
    assert vectors.shape == (500, 32) and np.array_equal(vectors[:40], real)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, bench_vectors.padded(real, 500, seed=5)), "seeded"
    nearest = (vectors[40:] @ real.T).max(axis=1)
    assert abs(float(nearest.mean()) - bench_vectors.COPY_COSINE) < 0.03


def test_without_a_server_faiss_rows_and_a_one_line_note(capsys):
    result = _measure(None)
    assert result.skipped and "no PostgreSQL server given" in result.skipped and "\n" not in result.skipped
    assert result.skipped in capsys.readouterr().err
    table = bench_vectors.table(result)
    assert table.columns == bench_vectors.COLUMNS
    assert [r[:2] for r in table.rows] == [
        ["200", "FAISS flat, exact, every core (FAISS's default)"], ["200", "FAISS flat, exact, 1 thread (shipped)"],
        ["200", "FAISS HNSW M=32 efSearch=64"], ["200", "FAISS IVFFlat lists=10 probes=3"],
        ["500", "FAISS flat, exact, every core (FAISS's default)"], ["500", "FAISS flat, exact, 1 thread"],
        ["500", "FAISS HNSW M=32 efSearch=64 (shipped)"], ["500", "FAISS IVFFlat lists=10 probes=3"],
    ], "flat first (the exact answer), the one the service builds at each size marked"
    for row in result.rows:
        assert row.p50_ms > 0 and row.p95_ms >= row.p50_ms and row.worker_mib > 0 and row.server_mib == 0
        assert 0 < row.recall <= 1 and math.isfinite(row.build_seconds)
    assert table.row("200")["recall@50"] == 1.0 and result.rows[1].recall == 1.0
    assert result.skipped in "\n".join(table.notes)


def test_an_unreachable_server_is_a_note_not_an_error():
    result = _measure(NO_SERVER)
    assert result.skipped and result.skipped.startswith("pgvector not measured: cannot connect") and result.rows


def test_section_replaces_its_own_part_of_the_page_only():
    result = _measure(None)
    text = bench_vectors.section(result, "*Machine: test*", command="vejviser bench --vectors --smoke", seconds=5, smoke=True)
    assert text.startswith(bench_vectors.SECTION) and "Regenerate with `vejviser bench --vectors --smoke`" in text
    assert "| chunks | store | build s |" in text and "### What the figures say" in text
    assert "pgvector was not measured" in text and "FAISS per machine (default" in text
    page = "# Benchmarks\n\n## Targets\n\n- a\n\n## Tables\n\n### T\n"
    once = bench_vectors.replace_section(page, text)
    assert once.startswith(page.rstrip("\n")) and once.endswith(text.rstrip("\n") + "\n")
    middle = bench_vectors.replace_section(once + "\n## Later\n\nkept\n", text.replace("Smoke", "Again"))
    assert middle.count(bench_vectors.SECTION) == 1 and middle.endswith("## Later\n\nkept\n") and "Again" in middle
    assert bench_vectors.kept_section(once) == text.rstrip("\n") + "\n"


def test_run_over_an_installed_index_writes_the_section(tmp_path, capsys):
    settings = Settings(data_dir=tmp_path / "data", embedder="hashing")
    ingested = CorpusStore(settings.documents_dir, settings.added_documents_dir).load()
    build_index(settings, HashingEmbedder(), "hashing", ingested, "test")
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text("# Benchmarks\n\nkept\n", encoding="utf-8")
    assert bench_vectors.run(settings, smoke=True, pg_url=None, doc=doc) == 0
    page = doc.read_text(encoding="utf-8")
    assert page.startswith("# Benchmarks\n\nkept\n") and "| 1,000 | FAISS flat, exact, 1 thread (shipped) |" in page
    assert "gold questions" in page and "pgvector not measured: no PostgreSQL server given" in capsys.readouterr().err


@pytest.mark.postgres
def test_pgvector_rows_where_the_server_has_the_extension():
    url = os.environ.get("VEJVISER_TEST_POSTGRES_URL", "").strip()
    if not url:
        pytest.skip("needs VEJVISER_TEST_POSTGRES_URL: export VEJVISER_TEST_POSTGRES_URL=\"$(scripts/pg-test-cluster.sh start)\"")
    result = _measure(url)
    if result.skipped:  # CI's server: PostgreSQL without pgvector
        assert "CREATE EXTENSION vector" in result.skipped and "\n" not in result.skipped
        assert [r.store.split(" ")[0] for r in result.rows] == ["FAISS"] * 8
        return
    stores = [r.store for r in result.rows if r.size == 500 and r.store.startswith("pgvector")]
    assert stores == ["pgvector exact (sequential scan)", "pgvector HNSW m=16 ef_construction=64 ef_search=64",
                          "pgvector HNSW m=16 ef_construction=64 ef_search=200", "pgvector IVFFlat lists=10 probes=3"]
    exact = next(r for r in result.rows if r.size == 500 and r.store.startswith("pgvector exact"))
    assert exact.recall > 0.98 and exact.server_mib > 0 and exact.worker_mib == 0
    assert "the same structure in either store" in "\n".join(bench_vectors.decision(result))
