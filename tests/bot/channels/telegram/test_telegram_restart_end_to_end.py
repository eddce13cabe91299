"""End to end through trouble: `vejviser telegram` (a real process) polls the Bot API stand-in while Telegram
answers one reply with a 429, another with a 500, and the bot is restarted in the middle of routing a question.
Nothing the caseworker should see is lost, and nothing arrives twice.

Every wait is bounded; the bot process is stopped with SIGTERM (SIGKILL after a grace period).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from botapi_standin import BotApiStandIn, Fault
from telegram_fakes import Person
from telegram_setup import ANSWERABLE, CALIBRATION, TOKEN, UNANSWERABLE, open_services

from bot.answering.engine import AnswerEngine
from bot.core.settings import Settings
from bot.people.actors import SYSTEM

STARTUP_SECONDS = 120.0
STEP_SECONDS = 30.0


class BotProcess:
    """`vejviser telegram` against the stand-in, startable again over the same database (a restart)."""

    def __init__(self, api: BotApiStandIn, engine_settings: Settings, database_url: str, tmp_path: Path) -> None:
        self.api, self.tmp_path, self.runs = api, tmp_path, 0
        self.environment = {key: value for key, value in os.environ.items() if not key.startswith("VEJVISER_")} | {
            "VEJVISER_DATA_DIR": str(engine_settings.data_dir), "VEJVISER_EMBEDDER": "hashing",
            "VEJVISER_CALIBRATION_FILE": str(CALIBRATION), "VEJVISER_TODAY": "2026-11-23",
            "VEJVISER_DATABASE_URL": database_url, "VEJVISER_COORDINATOR_PASSWORD": "e2e-koordinator-kode-7431",
            "VEJVISER_TELEGRAM_TOKEN": TOKEN, "VEJVISER_TELEGRAM_API_BASE": api.base_url,
            "VEJVISER_TELEGRAM_OUTBOX_INTERVAL_SECONDS": "0.3", "VEJVISER_OUTBOX_BACKOFF_SECONDS": "0.5",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.tmp_path / f"bot-{self.runs}.log"

    def start(self) -> None:
        self.runs += 1
        mark = self.api.mark()
        with self.log_path.open("wb") as log:  # without -v: what an operator sees
            self.process = subprocess.Popen([sys.executable, "-m", "bot.channels.cli.main", "telegram"], cwd=self.tmp_path,
                                            env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        self.api.wait_for("getUpdates", after=mark, timeout=STARTUP_SECONDS)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def bot_process(engine_settings: Settings, tmp_path: Path) -> Iterator[tuple[BotProcess, str]]:
    database_url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    with BotApiStandIn(TOKEN) as api:
        bot = BotProcess(api, engine_settings, database_url, tmp_path)
        try:
            yield bot, database_url
        except BaseException:
            for run in range(1, bot.runs + 1):
                print((tmp_path / f"bot-{run}.log").read_text(errors="replace")[-3000:])
            raise
        finally:
            bot.stop()


def test_a_429_a_500_and_a_restart_mid_conversation_lose_nothing_and_send_nothing_twice(
    bot_process: tuple[BotProcess, str], engine: AnswerEngine, engine_settings: Settings
) -> None:
    bot, database_url = bot_process
    api = bot.api
    services = open_services(engine_settings.model_copy(update={"database_url": database_url}), engine)
    anna = Person(user_id=4242, first_name="Anna")
    try:
        bot.start()
        assert "Telegram bot @vejviser_test_bot started, polling" in bot.log_path.read_text()
        invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
        api.push(anna.text(f"/start {invite.code}"))
        api.wait_for("sendMessage", lambda c: "Velkommen" in c.text, timeout=STEP_SECONDS)

        # A 429 on the answer: waited out, answered once.
        api.fail("sendMessage", Fault.too_many(1))
        api.push(anna.text(ANSWERABLE))
        api.wait_for("sendMessage", lambda c: c.text.startswith("Ifølge"), timeout=STEP_SECONDS)

        # A 500 on the next: retried, answered once; she presses "Send til task forcen".
        api.fail("sendMessage", Fault.status(500))
        api.push(anna.text(UNANSWERABLE))
        offer = api.wait_for("sendMessage", lambda c: "Det står ikke" in c.text, timeout=STEP_SECONDS)
        mark = api.mark()
        api.push(anna.press(dict(offer.buttons())["Send til task forcen"], on=offer))
        api.wait_for("sendMessage", lambda c: "kontekst" in c.text, after=mark, timeout=STEP_SECONDS)

        # The bot restarts while the route waits for her context.
        bot.stop()
        bot.start()
        api.push(anna.text("Det gælder en hjemmeplejer med bil"))
        confirmation = api.wait_for("sendMessage", lambda c: "Sendt til task forcen" in c.text, timeout=STEP_SECONDS)
        found = re.search(r"R-\d+", confirmation.text)
        assert found is not None
        number = found.group(0)
        requisition = services.requisitions.get_by_number(SYSTEM, number)
        assert requisition.question == UNANSWERABLE and "hjemmeplejer" in (requisition.context or "")

        # The task force answers; the first delivery meets a 500 on every retry, the next round delivers.
        api.fail("sendMessage", *[Fault.status(500)] * 4)
        adviser = services.accounts.create_user(SYSTEM, "raadgiver-e2e", "e2e-raadgiver-kode-7431", "adviser")
        services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
        services.requisitions.start(adviser, requisition.id)
        services.requisitions.answer(adviser, requisition.id, "Parkering hører under Teknik- og Miljøforvaltningen.", [])
        api.wait_for("sendMessage", lambda c: "Svar fra task forcen" in c.text, timeout=STEP_SECONDS)
    finally:
        services.close()
    bot.stop()

    sent = Counter(api.sent_texts(anna.user_id))
    assert [text for text, times in sent.items() if times > 1] == []  # nothing twice
    seen = list(sent)
    for expected in ("Velkommen", "Ifølge", "Det står ikke", "Klar til at sende", "Sendt til task forcen",
                     "Svar fra task forcen"):
        assert sum(text.startswith(expected) for text in seen) == 1, (expected, seen)  # each once: nothing lost
    assert not any("gik galt" in text for text in seen)
    assert len(api.failures) == 1 + 1 + 4
