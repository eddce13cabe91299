"""`vejviser bench`: speed, memory and scale of indexing and answering, against the alternatives; writes docs/BENCHMARKS.md.

    vejviser bench                      # the full run (1k/10k/100k chunks, 1,000 questions; the better part of an hour on 2 cores)
    vejviser bench --smoke --no-write   # tiny sizes, a couple of minutes: the CI check that it runs
    vejviser bench --vectors            # FAISS per worker against pgvector on a server (eval/bench/vectors.py)
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import time
from typing import Any

from bot.core.settings import REPO_ROOT, Settings

DOC = REPO_ROOT / "docs" / "BENCHMARKS.md"
SERVING_DOC = REPO_ROOT / "docs" / "BENCHMARKS-SERVING.md"  # `--serving`: issue 19's tables without the hour of the rest


def register(commands: Any) -> None:
    parser = commands.add_parser("bench", help="measure indexing and answering; regenerate docs/BENCHMARKS.md")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and short bounds (CI)")
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's data folder (indexes, logs) afterwards")
    parser.add_argument("--serving", action="store_true", help="only the serving tables (start-up, worker, HTTP, memory) "
                        f"over the installed index; writes {SERVING_DOC.relative_to(REPO_ROOT)}")
    parser.add_argument("--vectors", action="store_true", help="only the vector-store table: FAISS in each worker "
                        "against pgvector on a PostgreSQL server, at 1k/10k/100k chunks; its section of "
                        f"{DOC.relative_to(REPO_ROOT)}")
    parser.add_argument("--pg-url", default=None,
                        help="the PostgreSQL server for --vectors (default: $VEJVISER_BENCH_POSTGRES_URL); "
                        "without one, or without pgvector on it, FAISS alone is measured")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from eval.bench import docs as bench_docs
    from eval.bench import pieces as bench
    from eval.bench import serving as bench_serving
    from eval.bench import vectors as bench_vectors

    if args.vectors:
        return bench_vectors.run(settings, smoke=args.smoke, pg_url=args.pg_url, doc=None if args.no_write else DOC)
    started = time.perf_counter()
    plan = bench.SMOKE if args.smoke else bench.Plan()
    if args.serving:  # the shipped embedder only: another one would have to embed the corpus first
        plan = dataclasses.replace(plan, backends=())
    work = settings.data_dir / "bench" / ("run-smoke" if args.smoke else "run-serving" if args.serving else "run")
    tables = []
    try:
        ctx = bench.context(settings, work, plan)

        def show(table: Any) -> None:
            print(table.markdown(ctx.machine.line()), flush=True)
            print(f"bench: {table.key} done at {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            tables.append(table)

        if args.serving:
            bench.use_installed_index(ctx, settings.index_dir)
        else:
            show(bench.machine_table(ctx))
            show(bench.backends_table(ctx, plan))
            for table in bench.scale_tables(ctx, plan):
                show(table)
        dirs = bench.serving_dirs(ctx, plan)
        for table in bench_serving.serving_tables(ctx, plan, dirs):
            show(table)
        command = "vejviser bench" + (" --smoke" if args.smoke else "") + (" --serving" if args.serving else "")
        text = bench_docs.page(ctx, tables, command=command, seconds=time.perf_counter() - started, smoke=args.smoke)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary = text.split("## Tables", 1)[0]
    print(summary, flush=True)
    if not args.no_write:
        doc = SERVING_DOC if args.serving else DOC
        old = doc.read_text(encoding="utf-8") if doc.is_file() else ""
        kept = bench_vectors.kept_section(old)
        if kept:  # `--vectors` writes its own section (it needs a PostgreSQL server): keep it
            text = bench_vectors.replace_section(text, kept)
        text = bench_docs.carry_over(old, text)
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(text, encoding="utf-8")
        print(f"wrote {doc}", file=sys.stderr)
    print(f"bench: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0

