"""Fixtures for the web tests: one small engine per session (HashingEmbedder), a fresh database per test,
an in-process client over https (so the `__Host-` Secure cookies flow), and sign-in helpers."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from bot.accounts import AccountService
from bot.actors import SYSTEM, Caseworker, StaffUser
from bot.answer import AnswerEngine
from bot.db import Database
from bot.requisitions import RequisitionService
from bot.services import Services
from bot.settings import Settings
from bot.web.app import create_app
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
