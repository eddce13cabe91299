"""Fixtures for the web tests: one small engine per session (HashingEmbedder), a fresh database per test,
an in-process client over https (so the `__Host-` Secure cookies flow), and sign-in helpers."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from bot.answering.engine import AnswerEngine
from bot.channels.web.app import create_app
from bot.core.settings import Settings
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM, Caseworker, StaffUser
from bot.queue import RequisitionService
from bot.services import Services
from bot.storage.db import Database
from index.embedder import HashingEmbedder

COORDINATOR_PASSWORD = "korrekt hest batteri klips"
ADVISER_PASSWORD = "blå elefant spiser havregrød"
SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnop"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ANSWERABLE = "Hvor mange rådgivere og koordinatorer skal task forcen have?"


def web_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "embedder": "hashing",
        "answer_threshold": 0.0,  # the hashing fake is not calibrated: answer whatever it finds
        "today": "2015-01-01",
        "secret_key": SECRET_KEY,
        "coordinator_password": COORDINATOR_PASSWORD,
        "telegram_token": None,
        "require_mfa": False,  # tests/bot/channels/web/test_web_mfa.py turns it on and enrols
    }
    return Settings(**(values | overrides))


@pytest.fixture(scope="session")
def engine_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-engine")


@pytest.fixture(scope="session")
def engine(engine_dir: Path) -> AnswerEngine:
    return AnswerEngine.load(web_settings(engine_dir), embedder=HashingEmbedder())


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite file; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("web-db") / "template.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.close()
    return path


def open_services(settings: Settings, engine: AnswerEngine, database_url: str) -> Services:
    database = Database(database_url)
    database.migrate()
    accounts = AccountService(database, settings)
    accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # argon2id, cheap for tests
    requisitions = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine)
    accounts.ensure_coordinator(settings)
    return Services(settings, engine, requisitions, accounts, database)


@pytest.fixture
def settings(engine_dir: Path, tmp_path: Path) -> Settings:
    return web_settings(engine_dir)


@pytest.fixture
def services(settings: Settings, engine: AnswerEngine, migrated_db: Path, tmp_path: Path) -> Iterator[Services]:
    path = tmp_path / "vejviser.sqlite3"
    shutil.copy(migrated_db, path)
    built = open_services(settings, engine, f"sqlite:///{path}")
    yield built
    built.close()


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services), base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def new_client(settings: Settings, services: Services) -> Iterator:
    """A factory of further browsers (other cookies) on the same app and database."""
    app = create_app(settings, services)
    opened: list[TestClient] = []

    def make() -> TestClient:
        test_client = TestClient(app, base_url="https://testserver")
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


def csrf_from(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def post_form(client: TestClient, page: str, action: str, data: dict[str, object], **kwargs: object):
    """Load `page`, take a CSRF token from it, and submit `data` to `action` (as a browser would)."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False, **kwargs)


def sign_in(client: TestClient, username: str, password: str):
    return post_form(client, "/login", "/login", {"username": username, "password": password})


@dataclass
class People:
    """The cast of a web test: the coordinator, two advisers and a caseworker, with their passwords/keys."""

    coordinator: StaffUser
    anna: StaffUser
    bo: StaffUser
    caseworker: Caseworker


@pytest.fixture
def people(services: Services) -> People:
    accounts = services.accounts
    anna = accounts.create_user(SYSTEM, "anna", ADVISER_PASSWORD, "adviser")
    bo = accounts.create_user(SYSTEM, "bo", ADVISER_PASSWORD, "adviser")
    caseworker = accounts.register_caseworker(
        SYSTEM, channel="web", external_id="key:test", display_name="Sara", department="Socialforvaltningen"
    )
    return People(accounts.get_user_by_name("coordinator"), anna, bo, caseworker)


def caseworker_client(client: TestClient, services: Services, caseworker: Caseworker) -> TestClient:
    """Put a caseworker's session cookie in `client` (the key flow is tested on its own)."""
    issued = services.accounts.create_session(caseworker_id=caseworker.id)
    client.cookies.set("__Host-vejviser-session", issued.token, domain="testserver.local", path="/")
    return client


# ---------------------------------------------------------------------------- a real browser on a real server

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; browser tests (marker `browser`) skip without it outside CI
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def server(settings: Settings, services: Services) -> Iterator[str]:
    """The app under uvicorn on a free 127.0.0.1 port, in a thread of the test process (same database)."""
    import threading
    import time

    import uvicorn

    port = local_port()
    running = uvicorn.Server(uvicorn.Config(create_app(settings, services), host="127.0.0.1", port=port,
                                            log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=15)


def registered_caseworker(browser, base: str, width: int, services):  # type: ignore[no-untyped-def]
    """A caseworker who registers with an invite code, as in real life, and lands signed in."""
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{base}/register")
    page.fill("#code", services.accounts.create_invite(SYSTEM, "Socialforvaltningen").code)
    page.fill("#display_name", "Sara Sagsbehandler")
    page.click("form[action='/register'] button")
    page.wait_for_selector("#signin-key")
    return page


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# ---------------------------------------------------------------------------- PostgreSQL for `vejviser serve`


@pytest.fixture
def postgres_database():
    """A fresh database on the test cluster, dropped afterwards."""
    postgres_url = os.environ.get("VEJVISER_TEST_POSTGRES_URL")
    if not postgres_url:
        if os.environ.get("CI"):
            pytest.fail("CI must set VEJVISER_TEST_POSTGRES_URL (scripts/pg-test-cluster.sh start)")
        pytest.skip("VEJVISER_TEST_POSTGRES_URL is not set")
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"vejviser_web_{uuid.uuid4().hex[:8]}"
    admin = make_url(postgres_url).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------- a PostgreSQL the test may stop


def local_port() -> int:
    """A free 127.0.0.1 port; from VEJVISER_TEST_PORTS ("18180-18189") when a developer's range is set."""
    import socket

    wanted = os.environ.get("VEJVISER_TEST_PORTS", "")
    candidates = range(int(wanted.split("-")[0]), int(wanted.split("-")[1]) + 1) if "-" in wanted else [0]
    for candidate in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in VEJVISER_TEST_PORTS={wanted}")


@dataclass
class StoppablePostgres:
    """A private PostgreSQL cluster (scripts/pg-test-cluster.sh) that a test stops and starts: a real outage."""

    directory: Path
    port: int
    url: str

    def _pg_ctl(self, *args: str) -> None:
        import subprocess

        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*owner, str(bindir / "pg_ctl"), "-D", str(self.directory / "data"), *args],
                       check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        """As `pg_ctl -m immediate stop` does in an outage: connections drop, nothing is shut down cleanly."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def start(self) -> None:
        self._pg_ctl("-l", str(self.directory / "server.log"), "-w", "-t", "60", "-o",
                     f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.directory}", "start")


@pytest.fixture
def stoppable_postgres() -> Iterator[StoppablePostgres]:
    """Its own cluster, so stopping it cannot disturb the shared test cluster (or CI's)."""
    import subprocess
    import tempfile

    if not os.environ.get("VEJVISER_TEST_POSTGRES_URL"):
        if os.environ.get("CI"):
            pytest.fail("CI must set VEJVISER_TEST_POSTGRES_URL (scripts/pg-test-cluster.sh start)")
        pytest.skip("VEJVISER_TEST_POSTGRES_URL is not set (no PostgreSQL here)")
    directory = Path(tempfile.mkdtemp(prefix="vejviser-pg-outage-"))
    port = local_port()
    env = os.environ | {"PGTEST_DIR": str(directory), "PGTEST_PORT": str(port)}
    script = Path(__file__).resolve().parents[4] / "scripts" / "pg-test-cluster.sh"
    url = subprocess.run(["bash", str(script), "start"], env=env, check=True, capture_output=True, text=True,
                         timeout=120).stdout.strip()
    try:
        yield StoppablePostgres(directory, port, url)
    finally:
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, timeout=120)


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a `vejviser serve` parent's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found
