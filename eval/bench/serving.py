"""The benchmark's serving tables (issue 19): start-up, HTTP at 1-8 clients for 1 and 2 workers, memory per worker.

`serving_tables` starts `vejviser serve` once per worker count (PostgreSQL when a server is installed, as several
workers need it), records its start-up, loads it, reads each process's memory, and times `vejviser ask` both cold
and reusing the running service. Every child is on 127.0.0.1, bounded in time, and ended before it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.bench import serve
from eval.bench.report import Table, percentiles

STARTUP_LISTEN_S, STARTUP_ANSWER_S, ASK_COLD_S = 5.0, 8.0, 3.0  # issue 19's targets
HTTP_P95_MS, LATER_QUESTION_MS, WORKER_RSS_MIB = 150.0, 300.0, 600.0


@dataclass
class ServerRun:
    """One `vejviser serve` start: its start-up, its load levels and its processes' memory."""

    workers: int
    database: str
    listening: float = math.nan
    ready: float = math.nan
    first_answer: float = math.nan
    first_request_ms: float = math.nan
    loads: list[serve.LoadResult] = field(default_factory=list)
    memory: list[serve.ProcessMemory] = field(default_factory=list)
    refused: str = ""


def serving_tables(ctx: Any, plan: Any, dirs: dict[str, tuple[Path, dict[str, str]]]) -> list[Table]:  # noqa: ANN401 - bench.Context, bench.Plan
    """Start-up, HTTP and memory tables of the shipped settings."""
    data, env = dirs[ctx.settings.embedder]
    question = ctx.items[0].question
    cold = cold_starts(ctx, plan, dirs, question)  # first: its untimed first run fills the data folder's caches
    phases = serve.worker_phases(env)
    runs: list[ServerRun] = []
    reuse: serve.ColdStart | None = None
    with serve.Postgres() as pg:
        for workers in plan.http_workers:
            run = ServerRun(workers, "PostgreSQL" if pg.url else "SQLite")
            runs.append(run)
            if workers > 1 and pg.url is None:
                run.refused = pg.reason
                continue
            settings = ctx.settings.model_copy(update={"data_dir": data, "database_url": pg.url})
            token = serve.api_token(settings)
            server_env = env | ({"VEJVISER_DATABASE_URL": pg.url} if pg.url else {})
            with serve.Server(server_env, serve.free_port(), ctx.work / f"serve-{workers}.log", workers=workers,
                              token=token, question=question) as server:
                run.listening, run.ready, run.first_answer, run.first_request_ms = (
                    server.listening, server.ready, server.first_answer, server.first_request_ms)
                run.loads = [serve.load(server.base, token, clients, plan.http_seconds, ctx.questions) for clients in plan.http_clients]
                assert server.process is not None
                run.memory = serve.server_memory(server.process.pid)
                if reuse is None:
                    reuse_env = server_env | {"VEJVISER_SERVICE_URL": server.base, "VEJVISER_SERVICE_TOKEN": token}
                    reuse = serve.cold_start("vejviser ask, reusing the running service", reuse_env, question, plan.cold_runs, profile=False)
    ctx.figures["cold"] = cold + ([reuse] if reuse else [])
    ctx.figures["servers"] = runs
    ctx.figures["http"] = [{"workers": r.workers, **row} for r in runs for row in serve.http_rows(r.loads)]
    ctx.figures["worker_phases"] = phases
    return [startup_table(ctx, runs, cold, reuse), phases_table(phases), http_table(ctx, plan, runs), memory_table(runs)]


def phases_table(phases: list[dict[str, Any]]) -> Table:
    """Where a worker's start-up and memory go: the bound on start-up and on memory per worker."""
    table = Table("worker", "Where a worker's start-up and memory go (the shipped settings, one fresh process)",
                  ["step", "seconds", "RSS growth MiB", "anonymous growth MiB", "RSS after MiB"])
    table.rows = [[p["step"], p["seconds"], p["rss_mib"], p["anonymous_mib"], p["rss_after_mib"]] for p in phases]
    table.notes = [
        "Measured with /proc/self/smaps_rollup between the steps of `AnswerEngine.load` and `warm_up` in a child "
        "process (eval/bench/serve.py `probe_worker`); anonymous memory is the process's own (heap), the rest of RSS is "
        "file-backed (libraries, the mapped ONNX weights) and shared with any process that maps the same files.",
        "The graph rows (`probe_graph`, a process of their own): onnxruntime copies the mapped weights into a layout of "
        "its own for speed (prepacking); with `session.disable_prepacking` that memory is not spent and each question's "
        "run is slower by the difference shown. The service keeps prepacking on.",
    ]
    return table


def cold_starts(ctx: Any, plan: Any, dirs: dict[str, tuple[Path, dict[str, str]]], question: str) -> list[serve.ColdStart]:  # noqa: ANN401
    """`python -c pass`, then `vejviser ask` cold with each embedder setting measured."""
    results = [serve.interpreter_start(max(plan.cold_runs, 3))]
    for name, (_, env) in dirs.items():
        label = f"vejviser ask, embedder={name}" + (f", serving_backend={ctx.settings.serving_backend} (shipped)"
                                                    if name == ctx.settings.embedder else "")
        results.append(serve.cold_start(label, env, question, plan.cold_runs, profile=plan.profile))
    return results


def startup_table(ctx: Any, runs: list[ServerRun], cold: list[serve.ColdStart], reuse: serve.ColdStart | None) -> Table:  # noqa: ANN401
    """From process start to listening, to ready, to the first answer: the server and the command line."""
    table = Table("startup", "Start-up: process start to listening, to ready, to the first answer",
                  ["command", "runs", "listening s", "ready s", "first answer s", "first request ms",
                   "later p50 ms (1 client)", "target", "met"])
    for r in runs:
        name = f"vejviser serve --workers {r.workers} ({r.database})"
        if r.refused:
            table.rows.append([name, 0, None, None, None, None, None, "", f"not run: {r.refused}"])
            continue
        later = percentiles(r.loads[0].latencies_ms)["p50"] if r.loads else math.nan
        met = r.listening <= STARTUP_LISTEN_S and r.first_answer <= STARTUP_ANSWER_S
        table.rows.append([name, 1, r.listening, r.ready, r.first_answer, r.first_request_ms, later,
                           f"≤ {STARTUP_LISTEN_S:g} s listening, ≤ {STARTUP_ANSWER_S:g} s first answer", met])
    for c in cold + ([reuse] if reuse else []):
        is_ask = c is not cold[0]
        table.rows.append([c.name, len(c.seconds), None, None, c.median, None, None,
                           f"≤ {ASK_COLD_S:g} s" if is_ask else "", c.median <= ASK_COLD_S if is_ask else None])
    table.notes = [
        "`vejviser serve` on the index built beforehand and a migrated database (a restart, not a first start); "
        "'listening' is the first accepted TCP connection, 'ready' the first 200 from /healthz/ready, 'first answer' "
        "the first POST /api/ask answered, all from the process's start. 'First request ms' is that request alone; "
        "'later p50' is the same server's p50 at one client, to compare the first question with later ones.",
        "The server loads and warms the engine before it listens. With several workers the parent loads it once and "
        "uvicorn forks the workers from it, each with the loaded engine and its own database connections.",
        "`vejviser ask` rows: median of the runs, each a new process (the data folder is the benchmark's own); 'reusing "
        "the running service' is the same command with VEJVISER_SERVICE_TOKEN set while the one-worker server runs.",
    ]
    for c in cold:
        if c.profile:
            total = sum(c.profile.values()) or 1.0
            table.notes.append(f"{c.name}, where the time goes (pyinstrument, one run, {total:.1f} s): " + "; ".join(
                f"{name} {seconds:.2f} s ({seconds / total:.0%})" for name, seconds in c.profile.items() if seconds / total >= 0.02))
    return table


def http_table(ctx: Any, plan: Any, runs: list[ServerRun]) -> Table:  # noqa: ANN401
    """POST /api/ask at each client count for each worker count."""
    table = Table("http", f"HTTP: POST /api/ask on 127.0.0.1 ({plan.http_seconds:g} s per level)",
                  ["workers", "concurrent clients", "database", "requests", "errors", "req/s", "× 1-worker req/s",
                   "p50 ms", "p95 ms", "p99 ms", f"p95 ≤ {HTTP_P95_MS:g} ms, no errors"])
    one = {r["clients"]: r["throughput"] for r in serve.http_rows(runs[0].loads)} if runs and runs[0].loads else {}
    for run in runs:
        if run.refused:
            table.rows.append([run.workers, None, run.database, *[None] * 7, f"not run: {run.refused}"])
            continue
        for r in serve.http_rows(run.loads):
            base = one.get(r["clients"], math.nan)
            table.rows.append([run.workers, r["clients"], run.database, r["ok"], r["errors"], r["throughput"],
                               r["throughput"] / base if base else math.nan, r["p50"], r["p95"], r["p99"],
                               r["p95"] <= HTTP_P95_MS and r["errors"] == 0])
    table.notes = [
        "`vejviser serve --workers N` as shipped (bearer token issued to the benchmark, access log on) on the real corpus; "
        "the clients are asyncio + httpx in the benchmark's process, on the same cores, each posting back to back "
        "after two untimed warm-up questions. Each level is bounded in time and in requests (a 30 s timeout each).",
        "Each worker's engine answers one question at a time (its lock), so one worker's throughput is bounded by one "
        "answer's time and more clients add queueing; a second worker is a second engine on the other core.",
    ]
    return table


def memory_table(runs: list[ServerRun]) -> Table:
    """RSS, PSS and the shared part of each process of the server, after its load levels."""
    table = Table("memory", "Memory per process of `vejviser serve` (after the HTTP levels)",
                  ["workers", "process", "RSS MiB", "PSS MiB", "shared MiB", "private MiB", f"RSS ≤ {WORKER_RSS_MIB:g} MiB"])
    for run in runs:
        if run.refused:
            table.rows.append([run.workers, "—", None, None, None, None, f"not run: {run.refused}"])
            continue
        for m in run.memory:
            table.rows.append([run.workers, m.role, m.rss_mib, m.pss_mib, m.shared_mib, m.private_mib,
                               m.rss_mib <= WORKER_RSS_MIB if m.role != "supervisor" else None])
        table.rows.append([run.workers, "all processes (PSS: what they cost together)", sum(m.rss_mib for m in run.memory),
                           sum(m.pss_mib for m in run.memory), None, None, None])
    table.notes = [
        "From /proc/PID/smaps_rollup of each process of the server (the multiprocessing resource tracker left out). "
        "PSS charges each shared page to its sharers in equal parts, so the PSS of all processes is what the server "
        "costs the machine; 'shared' is resident memory another process maps too (libraries, and pages inherited "
        "over fork).",
        "The workers are forked from the parent after it loaded the engine: the tokenizer, the word lists, the index "
        "and the ONNX weights are pages they share with the parent until one of them writes to a page; what a worker "
        "holds of its own is what it wrote since (its database connections, answers' scratch memory).",
    ]
    return table
