"""End to end: the real bot process polls a Bot API stand-in on 127.0.0.1, and a caseworker registers, asks,
routes, and receives the task force's answer in the chat. Twice: as `vejviser telegram`, and as `vejviser serve`
with a token set (the README's run command: the web service with the bot in the same process).

The coordinator's side runs in the test process through the same services and the same SQLite file.
Every wait is bounded; the bot process is stopped with SIGTERM (SIGKILL after a grace period).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botapi_standin import BotApiStandIn
from telegram_fakes import Person
from telegram_setup import ANSWERABLE, CALIBRATION, TOKEN, UNANSWERABLE, open_services

from bot.answering.engine import AnswerEngine
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.queue import CitedSource

STARTUP_SECONDS = 120.0  # loading the engine in a fresh interpreter, on a busy 2-core machine
STEP_SECONDS = 30.0
PASSWORD = "e2e-raadgiver-kode-7431"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_get(url: str) -> httpx.Response:
    """GET, waiting for the listening socket: the bot starts in the app's lifespan, just before uvicorn binds."""
    deadline = time.monotonic() + STEP_SECONDS
    while True:
        try:
            return httpx.get(url, timeout=STEP_SECONDS)
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(params=["telegram", "serve"])
def bot_process(request: pytest.FixtureRequest, engine: AnswerEngine, engine_settings: Settings,
                tmp_path: Path) -> Iterator[tuple[BotApiStandIn, str, str | None]]:
    """The stand-in, and `vejviser telegram` or `vejviser serve` running against it; yields the stand-in, the
    database URL and, for `serve`, the web service's address."""
    database_url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    command, web = [request.param], None
    if request.param == "serve":
        port = free_port()
        command += ["--port", str(port)]
        web = f"http://127.0.0.1:{port}"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("VEJVISER_")}
    log_path = tmp_path / "bot.log"
    with BotApiStandIn(TOKEN) as api:
        environment |= {
            "VEJVISER_DATA_DIR": str(engine_settings.data_dir),  # the index the session's engine built
            "VEJVISER_EMBEDDER": "hashing",
            "VEJVISER_CALIBRATION_FILE": str(CALIBRATION),
            "VEJVISER_TODAY": "2026-11-23",
            "VEJVISER_DATABASE_URL": database_url,
            "VEJVISER_COORDINATOR_PASSWORD": "e2e-koordinator-kode-7431",
            "VEJVISER_TELEGRAM_TOKEN": TOKEN,
            "VEJVISER_TELEGRAM_API_BASE": api.base_url,
            "VEJVISER_TELEGRAM_OUTBOX_INTERVAL_SECONDS": "0.3",
            "VEJVISER_SECRET_KEY": "e2e-web-secret-key-0123456789-abcdefghij",
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "bot.channels.cli.main", "-v", *command], cwd=tmp_path,
                                       env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield api, database_url, web
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


def test_register_ask_route_and_receive_the_task_forces_answer(
    bot_process: tuple[BotApiStandIn, str, str | None], engine: AnswerEngine, engine_settings: Settings
) -> None:
    api, database_url, web = bot_process
    api.wait_for("getUpdates", timeout=STARTUP_SECONDS)  # the bot is up and polling (and has migrated the database)
    settings = engine_settings.model_copy(update={"database_url": database_url})
    services = open_services(settings, engine)
    try:
        if web is not None:  # the web service answers from the same process
            assert web_get(f"{web}/healthz").status_code == 200
            assert "Log ind" in httpx.get(f"{web}/login", timeout=STEP_SECONDS).text
        anna = Person(user_id=4242, first_name="Anna")

        # Register with an invite code from the coordinator.
        invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
        mark = api.mark()
        api.push(anna.text(f"/start {invite.code}"))
        assert "Velkommen" in api.wait_for("sendMessage", after=mark, timeout=STEP_SECONDS).text

        # An answerable question: typing…, then the quote with its source and the buttons.
        mark = api.mark()
        api.push(anna.text(ANSWERABLE))
        answer = api.wait_for("sendMessage", after=mark, timeout=STEP_SECONDS)
        assert api.since(mark, "sendChatAction")
        assert answer.text.startswith("Ifølge ") and "<blockquote>" in answer.text
        buttons = dict(answer.buttons())
        assert set(buttons) == {"👍", "👎", "Send til task forcen"}

        # 👎 is stored and acknowledged.
        mark = api.mark()
        api.push(anna.press(buttons["👎"], on=answer))
        api.wait_for("answerCallbackQuery", after=mark, timeout=STEP_SECONDS)
        api.wait_for("editMessageReplyMarkup", after=mark, timeout=STEP_SECONDS)
        assert services.requisitions.feedback_summary(SYSTEM).down == 1

        # An unanswerable question: the documents do not answer; routing is offered.
        mark = api.mark()
        api.push(anna.text(UNANSWERABLE))
        offer = api.wait_for("sendMessage", after=mark, timeout=STEP_SECONDS)
        assert "Det står ikke i dokumenterne" in offer.text

        # Route it, with the one optional follow-up answered.
        mark = api.mark()
        api.push(anna.press(dict(offer.buttons())["Send til task forcen"], on=offer))
        assert "kontekst" in api.wait_for("sendMessage", after=mark, timeout=STEP_SECONDS).text
        mark = api.mark()
        api.push(anna.text("Det gælder en hjemmeplejer med bil"))
        confirmation = api.wait_for("sendMessage", lambda c: "R-" in c.text, after=mark, timeout=STEP_SECONDS)
        number = confirmation.text.split("<b>")[1].split("</b>")[0]

        # The requisition exists; the task force answers it through the service.
        requisition = services.requisitions.get_by_number(SYSTEM, number)
        assert requisition.question == UNANSWERABLE and "hjemmeplejer" in (requisition.context or "")
        adviser = services.accounts.create_user(SYSTEM, "raadgiver-e2e", PASSWORD, "adviser")
        services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
        services.requisitions.start(adviser, requisition.id)
        doc_id = next(iter(engine.documents))
        mark = api.mark()
        services.requisitions.answer(adviser, requisition.id, "Parkering hører under Teknik- og Miljøforvaltningen.",
                                     [CitedSource(doc_id)])

        # The answer arrives in Anna's chat, referring to her question.
        delivered = api.wait_for("sendMessage", lambda c: "Svar fra task forcen" in c.text, after=mark, timeout=STEP_SECONDS)
        assert delivered.params["chat_id"] == anna.user_id
        assert number in delivered.text and UNANSWERABLE in delivered.text
        assert "Teknik- og Miljøforvaltningen" in delivered.text
    finally:
        services.close()
