"""End to end, on SQLite and PostgreSQL: personal data of every kind goes in through the web chat, the JSON API and
Telegram (the real bot in `vejviser serve`, polling a Bot API stand-in on 127.0.0.1), the task force answers and
publishes; then every table, the server's log and every file of the data dir (index, published documents) is
scanned for the values seeded, and none may be there.

The caseworker's own name (the Telegram account's) is not citizen data and is not seeded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botapi_standin import BotApiStandIn
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.engine import make_url
from telegram_fakes import Person
from telegram_setup import CALIBRATION, TOKEN, UNANSWERABLE, open_services

from bot.answering.engine import AnswerEngine
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from index.embedder import HashingEmbedder

STARTUP_SECONDS = 120.0
STEP_SECONDS = 30.0
PASSWORD = "e2e-raadgiver-kode-7431"
POSTGRES_ENV = "VEJVISER_TEST_POSTGRES_URL"

# Each message carries one kind (or several); SEEDED are the strings that must be found nowhere afterwards.
MESSAGES = (
    "Min borger Hodan Warsame vil gerne have tolk. Må jeg bruge tolk?",
    "Fru Kjærsgaard og familien Yılmaz spørger om danskuddannelse, hvad gør jeg?",
    "ahmed qureshi spørger om bydelsmødre i Tingbjerg",
    "Borgeren bor på Blegdamsvej 17, 3. tv., 2100 København Ø og mangler tolk",
    "Borgeren med CPR 120378-4431 har ringet fra 41 27 98 03 om tolk",
    "Hun skriver fra hodan.warsame@example.dk om hjælp til bolig",
)
SEEDED = ("Hodan", "Warsame", "Kjærsgaard", "Yılmaz", "ahmed", "qureshi", "Blegdamsvej", "120378", "4431",
          "41 27 98 03", "41279803", "hodan.warsame@example.dk")  # fmt: skip
ANSWER_WITH_NAMES = "Hodan Warsame kan få tolk via Socialforvaltningen; ring til hende på 41 27 98 03."


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new database on the PostgreSQL test server (skip without one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
        return
    base = os.environ.get(POSTGRES_ENV, "").strip()
    if not base:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and PostgreSQL tests need {POSTGRES_ENV}", pytrace=False)
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    import psycopg

    name = f"vejviser_pii_{uuid.uuid4().hex[:8]}"
    admin = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def found_in(text: str) -> list[str]:
    """The seeded values present in a text (case-insensitive: lower-case names were seeded too).

    A number counts only standing on its own: "4431" inside a timestamp's microseconds (".443187"), a port or a
    hex digest is a coincidence, not the CPR number's serial (CI once found it so, beside no "120378")."""
    lowered = text.lower()
    return [value for value in SEEDED
            if (re.search(rf"(?<![0-9a-z]){re.escape(value)}(?![0-9a-z])", lowered) if value.replace(" ", "").isdigit()
                else value.lower() in lowered)]


def every_row(database_url: str) -> str:
    """Every value of every table, as text (JSON and bytes included)."""
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        parts: list[str] = []
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(select(table)):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            value = bytes(value).decode("utf-8", "ignore")
                        parts.append(f"{table.name}: {json.dumps(value, ensure_ascii=False, default=str)}")
        return "\n".join(parts)
    finally:
        engine.dispose()


def every_file(folder: Path) -> dict[str, str]:
    """Every file under a folder as text (binary index arrays decoded leniently, so strings in them are seen)."""
    return {str(p.relative_to(folder)): p.read_bytes().decode("utf-8", "ignore") for p in folder.rglob("*") if p.is_file()}


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def web_session(web: str, session_token: str) -> httpx.Client:
    """A browser of the web chat, signed in as the caseworker (the cookie set by hand: plain http on 127.0.0.1)."""
    client = httpx.Client(base_url=web, timeout=STEP_SECONDS, headers={"Cookie": f"__Host-vejviser-session={session_token}"})
    deadline = time.monotonic() + STEP_SECONDS
    while True:
        try:
            client.get("/healthz")
            return client
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_personal_data_from_every_door_is_found_nowhere(database_url: str, engine_settings: Settings,
                                                       tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(engine_settings.data_dir, data_dir)  # the session's built index, copied: publishing changes it
    before = every_file(data_dir)
    assert not any(found_in(text) for text in before.values()), "a seeded value is in the documents already"
    settings = engine_settings.model_copy(update={"database_url": database_url, "data_dir": data_dir})
    port = free_port()
    log_path = tmp_path / "server.log"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("VEJVISER_")}
    with BotApiStandIn(TOKEN) as api:
        environment |= {
            "VEJVISER_DATA_DIR": str(data_dir), "VEJVISER_EMBEDDER": "hashing",
            "VEJVISER_CALIBRATION_FILE": str(CALIBRATION), "VEJVISER_TODAY": "2026-11-23",
            "VEJVISER_DATABASE_URL": database_url, "VEJVISER_COORDINATOR_PASSWORD": "e2e-koordinator-kode-7431",
            "VEJVISER_TELEGRAM_TOKEN": TOKEN, "VEJVISER_TELEGRAM_API_BASE": api.base_url,
            "VEJVISER_TELEGRAM_OUTBOX_INTERVAL_SECONDS": "0.3", "VEJVISER_TELEGRAM_RATE_LIMIT": "1000",
            "VEJVISER_SECRET_KEY": "e2e-web-secret-key-0123456789-abcdefghij",
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "bot.channels.cli.main", "-v", "serve", "--port", str(port)],
                                       cwd=tmp_path, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            api.wait_for("getUpdates", timeout=STARTUP_SECONDS)
            engine = AnswerEngine.load(settings, embedder=HashingEmbedder())
            services = open_services(settings, engine)
            try:
                _send_through_every_door(api, services, f"http://127.0.0.1:{port}")
                _task_force_answers_and_publishes(services)
            finally:
                services.close()
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    rows = every_row(database_url)
    assert "[NAVN]" in rows and "[ADRESSE]" in rows and "[CPR]" in rows  # the messages did arrive, redacted
    leaks = {"database": found_in(rows), "log": found_in(log_path.read_text(errors="replace"))}
    leaks |= {f"data/{name}": found_in(text) for name, text in every_file(data_dir).items()}
    assert {where: values for where, values in leaks.items() if values} == {}


def _send_through_every_door(api: BotApiStandIn, services, web: str) -> None:  # type: ignore[no-untyped-def]
    # Telegram: register, then each message as a question, as /rekvirer, and as the context of a route.
    anna = Person(user_id=4242, first_name="Anna")
    invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
    mark = api.mark()
    api.push(anna.text(f"/start {invite.code}"))
    assert "Velkommen" in api.wait_for("sendMessage", after=mark, timeout=STEP_SECONDS).text
    for message in MESSAGES:
        for text in (message, f"/rekvirer {message}"):
            mark = api.mark()
            api.push(anna.text(text))
            reply = api.wait_for("sendMessage", lambda c: "🔒" in c.text or "gik galt" in c.text, after=mark,
                                 timeout=STEP_SECONDS)
            assert "gik galt" not in reply.text, (text, reply.text)
    mark = api.mark()
    api.push(anna.text(UNANSWERABLE))
    offer = api.wait_for("sendMessage", lambda c: "Send til task forcen" in json.dumps(c.markup or {}, ensure_ascii=False),
                         after=mark, timeout=STEP_SECONDS)
    mark = api.mark()
    api.push(anna.press(dict(offer.buttons())["Send til task forcen"], on=offer))
    api.wait_for("sendMessage", lambda c: "kontekst" in c.text, after=mark, timeout=STEP_SECONDS)
    mark = api.mark()
    api.push(anna.text(MESSAGES[2]))  # a context has no question mark: one would make it a new question
    api.wait_for("sendMessage", lambda c: "R-" in c.text, after=mark, timeout=STEP_SECONDS)

    # The web chat: ask and route each message, signed in as a web caseworker.
    caseworker = services.accounts.register_caseworker(SYSTEM, channel="web", external_id="key:e2e",
                                                       display_name="Sara", department="Socialforvaltningen")
    browser = web_session(web, services.accounts.create_session(caseworker_id=caseworker.id).token)
    try:
        for message in MESSAGES:
            for action, form in (("/chat/ask", {"question": message}),
                                 ("/chat/route", {"question": message, "context": message})):
                token = csrf(browser.get("/chat").text)
                response = browser.post(action, data={"csrf_token": token, **form})
                assert response.status_code in (200, 303), (action, response.status_code, response.text[:300])
                assert not found_in(response.text), (action, found_in(response.text))
    finally:
        browser.close()

    # The JSON API: ask, and create a requisition with context.
    token = services.accounts.create_token(SYSTEM, "e2e").secret
    with httpx.Client(base_url=web, timeout=STEP_SECONDS, headers={"Authorization": f"Bearer {token}"}) as client:
        for message in MESSAGES:
            asked = client.post("/api/ask", json={"question": message})
            assert asked.status_code == 200 and asked.json()["redacted"] and not found_in(asked.text), asked.text
        created = client.post("/api/requisitions", json={"question": MESSAGES[3], "context": MESSAGES[4],
                                                          "caseworker_id": caseworker.id})
        assert created.status_code == 201 and created.json()["redacted"] and not found_in(created.text), created.text


def _task_force_answers_and_publishes(services) -> None:  # type: ignore[no-untyped-def]
    """An adviser answers one requisition with the citizen's name and number in it, and the coordinator publishes."""
    from bot.queue import CitedSource

    adviser = services.accounts.create_user(SYSTEM, "raadgiver-e2e", PASSWORD, "adviser")
    requisition = services.requisitions.list(SYSTEM).items[0]
    services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
    services.requisitions.start(adviser, requisition.id)
    services.requisitions.ask_for_info(adviser, requisition.id, f"Hvem er {MESSAGES[0]}?")
    owner = services.accounts.get_caseworker_by_id(requisition.caseworker_id)
    services.requisitions.provide_info(owner, requisition.id, MESSAGES[3])
    doc_id = next(iter(services.engine.documents))
    services.requisitions.answer(adviser, requisition.id, ANSWER_WITH_NAMES, [CitedSource(doc_id, MESSAGES[1])])
    services.requisitions.publish(requisition.id, SYSTEM)
