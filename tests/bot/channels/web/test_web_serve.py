"""`vejviser serve`: refusals that protect data, and two uvicorn workers sharing one PostgreSQL queue."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from bot.channels.server import _announce_telegram, check_deployment
from bot.core.errors import ConfigurationError
from eval.bench.serve import stop_process_group
from tests.bot.channels.web.conftest import COORDINATOR_PASSWORD, SECRET_KEY, child_pids, local_port, web_settings
from tests.conftest import REPO_ROOT


def test_several_workers_on_sqlite_are_refused_with_the_fix(engine_dir):
    with pytest.raises(ConfigurationError, match="VEJVISER_DATABASE_URL=postgresql"):
        check_deployment(web_settings(engine_dir), 2)
    check_deployment(web_settings(engine_dir), 1)


def test_telegram_polling_with_several_workers_is_refused(engine_dir):
    settings = web_settings(engine_dir, database_url="postgresql+psycopg://u@127.0.0.1/db", telegram_token="1:abc")
    with pytest.raises(ConfigurationError, match="WEBHOOK_SECRET"):
        check_deployment(settings, 2)
    check_deployment(settings.model_copy(update={"telegram_webhook_secret": "s" * 32}), 2)


@pytest.mark.parametrize(("overrides", "said"), [
    ({}, "Telegram is off"),
    ({"telegram_token": "1:abc"}, "Telegram bot on, polling"),
    ({"telegram_token": "1:abc", "telegram_webhook_secret": "s" * 32}, "updates by webhook at /telegram/webhook"),
])
def test_serve_says_whether_and_how_it_answers_on_telegram(engine_dir, capsys, overrides, said):
    """Without -v: the operator sees on the console whether the bot runs, and by polling or webhook."""
    _announce_telegram(web_settings(engine_dir, **overrides))
    assert said in capsys.readouterr().out


def test_several_workers_are_forked_from_a_parent_that_loaded_the_engine_once(engine_dir, monkeypatch):
    """Issue 19: the parent loads the engine once and uvicorn forks the workers from it (each inherits the loaded
    engine instead of loading its own), only while the supervisor runs; and the worker health check waits the
    configured time instead of uvicorn's fixed 5 s, which killed workers still loading on a busy machine."""
    import multiprocessing

    from uvicorn.supervisors import multiprocess

    import bot.channels.server as serve_module
    import bot.services

    loaded = []
    monkeypatch.setattr(bot.services, "load_engine", lambda settings: loaded.append(settings) or object())
    monkeypatch.setattr(bot.services, "prepare_storage", lambda settings: None)
    spawn_factory = multiprocess.get_subprocess
    started = []

    class Supervisor:
        signalled = True

        def __init__(self, config, sockets):
            self.config, self.sockets = config, sockets

        def run(self):
            worker = multiprocess.get_subprocess(self.config, lambda sockets: None, self.sockets)
            started.append((self.config, worker))
            for sock in self.sockets:
                sock.close()

    monkeypatch.setattr(serve_module, "_Supervisor", Supervisor)
    settings = web_settings(engine_dir, database_url="postgresql+psycopg://u@127.0.0.1/db", host="127.0.0.1",
                            port=local_port())

    assert serve_module.serve(settings, 2) == 0
    [(config, worker)] = started
    assert len(loaded) == 1
    assert isinstance(worker, multiprocessing.get_context("fork").Process)
    assert multiprocess.get_subprocess is spawn_factory  # uvicorn's own again once the supervisor stopped
    assert config.workers == 2 and not isinstance(config.app, str)  # the app object, engine inside, not an import
    assert config.timeout_worker_healthcheck == settings.worker_healthcheck_seconds >= 30


@pytest.mark.postgres
def test_two_workers_share_the_postgresql_queue(postgres_database, tmp_path):
    port = local_port()
    env = os.environ | {
        "VEJVISER_DATA_DIR": str(tmp_path),
        "VEJVISER_DATABASE_URL": postgres_database,
        "VEJVISER_EMBEDDER": "hashing",
        "VEJVISER_ANSWER_THRESHOLD": "0",
        "VEJVISER_SECRET_KEY": SECRET_KEY,
        "VEJVISER_COORDINATOR_PASSWORD": COORDINATOR_PASSWORD,
        "VEJVISER_PORT": str(port),
        "VEJVISER_HOST": "127.0.0.1",
    }
    env.pop("VEJVISER_TELEGRAM_TOKEN", None)
    code = "from bot.core.settings import Settings; from bot.channels.server import serve; raise SystemExit(serve(Settings(), 2))"
    server = subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200 and len(child_pids(server.pid)) >= 2:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.5)
        time.sleep(2)  # both workers finish their lifespan
        from bot.people.accounts import AccountService
        from bot.people.actors import SYSTEM
        from bot.storage.db import Database

        database = Database(postgres_database)
        accounts = AccountService(database, web_settings(tmp_path, database_url=postgres_database))
        token = accounts.create_token(SYSTEM, "two-workers").secret
        caseworker = accounts.register_caseworker(
            SYSTEM, channel="web", external_id="key:pg", display_name="Sara", department="SOF"
        )
        database.close()
        headers = {"Authorization": f"Bearer {token}"}
        created = set()
        for i in range(16):  # a new connection each time, so the kernel spreads them over both workers
            with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
                response = api.post("/api/requisitions", json={"caseworker_id": caseworker.id, "question": f"Spørgsmål {i} om tolk?"})
                assert response.status_code == 201, response.text
                created.add(response.json()["requisition"]["number"])
        with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
            listed = api.get("/api/requisitions", params={"limit": 100}).json()
        assert len(created) == 16 and {item["number"] for item in listed["items"]} == created
        assert len(child_pids(server.pid)) >= 2
    finally:
        stop_process_group(server)


def test_first_start_prints_a_one_time_coordinator_password_once_and_it_signs_in(engine_dir, tmp_path, capsys):
    """The operator's first start: no default password; the printed one works; a restart prints nothing."""
    import re

    from fastapi.testclient import TestClient

    from bot.channels.web.app import create_app
    from tests.bot.channels.web.conftest import csrf_from

    settings = web_settings(engine_dir, coordinator_password=None,
                            database_url=f"sqlite:///{tmp_path / 'first.sqlite3'}")
    with TestClient(create_app(settings), base_url="https://testserver") as client:  # the lifespan loads everything
        printed = capsys.readouterr().out
        password = re.search(r"one-time password: (\S+)", printed).group(1)
        assert "username: coordinator" in printed and len(password) >= 16
        token = csrf_from(client.get("/login").text)
        signed_in = client.post("/login", data={"username": "coordinator", "password": password, "csrf_token": token},
                                follow_redirects=False)
        # It is one-time: the first page is the password change, and every other page leads back there.
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/password"
        assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/password"
    with TestClient(create_app(settings), base_url="https://testserver"):
        assert "one-time password" not in capsys.readouterr().out
