"""Issue 18: the server as an operator runs it (PostgreSQL, several workers) through a database outage, a killed
worker and a damaged index. It must answer 503 with Retry-After while the database is down, keep its parent alive
when a worker restarts meanwhile, answer 200 again when the database is back, and exit non-zero when it stops
for anything but a signal. Bounded: one client, at most 20 requests a second, each step with its own deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bot.core.settings import Settings
from eval.bench.serve import stop_process_group
from tests.bot.channels.web.conftest import COORDINATOR_PASSWORD, SECRET_KEY, child_pids, local_port, web_settings
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.postgres
# A bound, not a speed target: when each worker loaded its own engine, two starting at once took over 60 s while the
# machine's two cores also ran other test suites; forked from a loaded parent they start at once (speed is measured by
# `vejviser bench`).
STARTUP_SECONDS = 240
HEALTHCHECK_SECONDS = Settings.model_fields["worker_healthcheck_seconds"].default  # the server below keeps it


def _workers(parent: int) -> list[int]:
    """The parent's uvicorn workers (not multiprocessing's resource tracker, also a child)."""
    found = []
    for pid in child_pids(parent):
        try:
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def _start_server(tmp_path: Path, database_url: str, workers: int) -> tuple[subprocess.Popen, str, Path]:
    port = local_port()
    log_path = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEJVISER_")} | {
        "VEJVISER_DATA_DIR": str(tmp_path / "data"),
        "VEJVISER_DATABASE_URL": database_url,
        "VEJVISER_EMBEDDER": "hashing",
        "VEJVISER_ANSWER_THRESHOLD": "0",
        "VEJVISER_SECRET_KEY": SECRET_KEY,
        "VEJVISER_COORDINATOR_PASSWORD": COORDINATOR_PASSWORD,
        "VEJVISER_PORT": str(port),
        "VEJVISER_HOST": "127.0.0.1",
    }
    code = "from bot.core.settings import Settings; from bot.channels.server import serve; raise SystemExit(serve(Settings()))"
    with log_path.open("w") as log:
        server = subprocess.Popen([sys.executable, "-c", code, ], cwd=REPO_ROOT, env=env | {"VEJVISER_WORKERS": str(workers)},
                                  start_new_session=True, stdout=log, stderr=subprocess.STDOUT, text=True)
    return server, f"http://127.0.0.1:{port}", log_path


def _wait(what: str, condition, seconds: float, server: subprocess.Popen, log_path: Path) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert server.poll() is None, f"the server exited ({server.returncode}) while waiting for {what}:\n{log_path.read_text()}"
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s:\n{log_path.read_text()[-4000:]}"
        time.sleep(0.25)


def _status(url: str, **kwargs: object) -> int | str:
    try:
        return httpx.get(url, timeout=5, **kwargs).status_code
    except httpx.HTTPError as exc:
        return type(exc).__name__


def _api_credentials(database_url: str, data_dir: Path) -> dict[str, str]:
    from bot.people.accounts import AccountService
    from bot.people.actors import SYSTEM
    from bot.storage.db import Database

    database = Database(database_url)
    try:
        token = AccountService(database, web_settings(data_dir, database_url=database_url)).create_token(SYSTEM, "outage").secret
    finally:
        database.close()
    return {"Authorization": f"Bearer {token}"}


def test_a_database_outage_and_a_killed_worker_give_503_then_200_with_the_parent_alive(stoppable_postgres, tmp_path):
    server, base, log_path = _start_server(tmp_path, stoppable_postgres.url, workers=2)
    try:
        _wait("two ready workers", lambda: _status(f"{base}/healthz/ready") == 200 and len(_workers(server.pid)) >= 2,
              STARTUP_SECONDS, server, log_path)
        headers = _api_credentials(stoppable_postgres.url, tmp_path / "data")
        assert _status(f"{base}/api/requisitions", headers=headers) == 200

        seen: list[tuple[float, int | str, str | None]] = []
        stop_load = threading.Event()

        def load() -> None:  # one client, new connection per request, ≤ 20/s, ≤ 1,500 requests
            for _ in range(1500):
                if stop_load.is_set():
                    return
                try:
                    response = httpx.get(f"{base}/api/requisitions", headers=headers, timeout=5)
                    seen.append((time.monotonic(), response.status_code, response.headers.get("retry-after")))
                except httpx.HTTPError as exc:
                    seen.append((time.monotonic(), type(exc).__name__, None))
                time.sleep(0.05)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        time.sleep(1)
        stoppable_postgres.stop()
        down_at = time.monotonic()
        _wait("a 503", lambda: any(s == 503 for t, s, _ in seen if t > down_at), 15, server, log_path)
        victim = _workers(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        # uvicorn restarts a dead worker on its next health check; if the kill lands while that check's ping is out,
        # the parent waits the whole health-check timeout (it holds the pipe's other end, so no EOF comes): 60 s.
        _wait("a replacement worker", lambda: victim not in _workers(server.pid) and len(_workers(server.pid)) >= 2,
              HEALTHCHECK_SECONDS + 15, server, log_path)
        time.sleep(3)  # the replacement starts with the database still down; before the fix it failed and took the parent
        assert server.poll() is None, log_path.read_text()
        assert _status(f"{base}/healthz/live") == 200
        assert _status(f"{base}/healthz/ready") == 503
        stoppable_postgres.start()
        up_at = time.monotonic()
        _wait("200 after the outage", lambda: any(s == 200 for t, s, _ in seen if t > up_at + 0.5), 30, server, log_path)
        stop_load.set()
        loader.join(timeout=10)
        _wait("ready again", lambda: _status(f"{base}/healthz/ready") == 200, 20, server, log_path)
        assert server.poll() is None

        during = Counter(s for t, s, _ in seen if down_at + 0.5 < t < up_at)
        assert during[503] > 0 and during[500] == 0, during
        assert all(retry == "5" for _, s, retry in seen if s == 503)
        # A dropped connection only where the killed worker had one open, not one per request (before: 234).
        assert sum(n for s, n in during.items() if isinstance(s, str)) <= 3, during
        log = log_path.read_text()
        assert log.count("database unavailable") <= 3, log  # once per outage per worker process, not per request
        assert "Traceback" not in log, log
    finally:
        stop_load_code = stop_process_group(server)
    assert stop_load_code == 0  # stopped by SIGTERM: a clean stop


def test_the_server_exits_non_zero_when_a_worker_cannot_start(stoppable_postgres, tmp_path):
    """A replacement worker that finds the index damaged cannot start; uvicorn stops the parent, and the exit
    code must say so (before: 0, so systemd's Restart=on-failure did nothing)."""
    server, base, log_path = _start_server(tmp_path, stoppable_postgres.url, workers=2)
    try:
        _wait("two ready workers", lambda: _status(f"{base}/healthz/ready") == 200 and len(_workers(server.pid)) >= 2,
              STARTUP_SECONDS, server, log_path)
        vectors = tmp_path / "data" / "index" / "vectors.npy"
        vectors.write_bytes(os.urandom(vectors.stat().st_size))  # same size, other bytes
        assert "vejviser index build" in httpx.get(f"{base}/healthz/ready", timeout=10).json()["checks"]["index"]
        os.kill(_workers(server.pid)[0], signal.SIGKILL)
        killed = time.monotonic()
        # Noticing the dead worker takes up to the health check's timeout (the parent holds its pipe: no EOF), then
        # a replacement starts and fails, and the healthy worker shuts down: 63 s on a quiet machine, over 120 s
        # once while the whole suite ran. A bound, not a speed target.
        server.wait(timeout=HEALTHCHECK_SECONDS + STARTUP_SECONDS)
        print(f"exited {time.monotonic() - killed:.1f} s after the kill")
    finally:
        code = stop_process_group(server)
    assert code == 1, log_path.read_text()
    assert "damaged" in log_path.read_text()
