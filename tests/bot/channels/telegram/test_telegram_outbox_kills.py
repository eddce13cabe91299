"""Task-force notifications through SIGKILLs: a delivery worker is killed at random moments (among them the worst
one: Telegram has taken a message part and the worker never hears back) and started again, at least 40 times,
over 100 notifications of one to three parts. Every part the stand-in received is counted: none twice.

A part whose worker died during its Bot API call is "uncertain" (Telegram has no idempotency key to ask); it is
not sent again, so it counts as missing only if the kill came before Telegram took it. The test prints the
figures docs/SERVICE.md reports.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from botapi_standin import BotApiStandIn, Call
from sqlalchemy.orm import Session
from telegram_setup import TOKEN

from bot.channels.telegram.rendering import render_notification
from bot.channels.telegram.sending import SendLog
from bot.core.settings import Settings
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM
from bot.queue.outbox import enqueue
from bot.storage.db import Database

NOTIFICATIONS = 100
CASEWORKERS = 5
MIN_KILLS = 40
LEASE_SECONDS = 1.0
WORKER = Path(__file__).with_name("outbox_kill_worker.py")
ROOT = Path(__file__).resolve().parents[4]


def notification(number: int) -> dict[str, object]:
    """An answered notification of one, two or three parts (every third is long)."""
    paragraph = f"Svar {number}: task forcen anbefaler at kontakte tolkecentret i god tid før mødet. " * 9
    answer = "\n\n".join([paragraph] * (1 + 45 * (number % 3))) if number % 3 else paragraph
    return {"number": f"R-{number:05d}", "question": f"Spørgsmål {number} om tolk?", "answer": answer[:9000],
            "sources": []}


def test_no_notification_part_arrives_twice_over_40_kill_cycles(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'kills.sqlite3'}"
    database = Database(database_url)
    database.migrate()
    accounts = AccountService(database, Settings(_env_file=None, data_dir=tmp_path))
    chats = [accounts.register_caseworker(SYSTEM, channel="telegram", external_id=str(7000 + n), display_name=f"C{n}",
                                          department="Socialforvaltningen") for n in range(CASEWORKERS)]
    expected: Counter[tuple[int, str]] = Counter()
    now = datetime.now(UTC)

    def fill(session: Session) -> None:
        for number in range(1, NOTIFICATIONS + 1):
            caseworker = chats[number % CASEWORKERS]
            payload = notification(number)
            enqueue(session, kind="answered", caseworker_id=caseworker.id, payload=payload, now=now)
            for chunk in render_notification("answered", payload, "da").chunks:
                expected[(int(caseworker.external_id), chunk)] += 1

    database.run(fill)
    rng = random.Random(15)
    kills = cycles = 0
    with BotApiStandIn(TOKEN) as api:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("VEJVISER_")} | {"PYTHONPATH": str(ROOT)}
        while True:
            cycles += 1
            assert cycles < 400, "the outbox never emptied"
            process = subprocess.Popen([sys.executable, str(WORKER), database_url, api.base_url, str(LEASE_SECONDS)],
                                       env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            taken = threading.Event()
            kill_at = rng.randint(1, 4)
            on_receipt = rng.random() < 0.5  # the worst moment: Telegram took it, the worker never hears back
            seen = [0]

            def hook(call: Call) -> None:
                if call.method != "sendMessage":
                    return
                seen[0] += 1
                if seen[0] == kill_at:
                    if on_receipt:
                        process.send_signal(signal.SIGKILL)
                    taken.set()

            api.on_call = hook
            if kills < MIN_KILLS + 10 and taken.wait(timeout=60) and not on_receipt:
                threading.Event().wait(rng.uniform(0.0, 0.05))  # somewhere in the next send or database write
                process.send_signal(signal.SIGKILL)
            _, error = process.communicate(timeout=120)
            api.on_call = None
            if process.returncode == -signal.SIGKILL:
                kills += 1
                continue
            assert process.returncode == 0, error.decode(errors="replace")[-3000:]
            break

    received = Counter((int(c.params["chat_id"]), c.params["text"]) for c in api.since(0, "sendMessage"))
    duplicates = sum(n - 1 for key, n in received.items() if n > 1)
    missing = sum(1 for key in expected if key not in received)
    uncertain = sum(state == "uncertain" for state in SendLog(database, stale_after_seconds=LEASE_SECONDS).states("o").values())
    database.close()
    print(f"\n{kills} kills, {sum(expected.values())} parts of {NOTIFICATIONS} notifications: "
          f"{duplicates} sent twice, {missing} missing, {uncertain} uncertain")
    assert kills >= MIN_KILLS
    assert duplicates == 0
    assert missing <= uncertain  # a part can only be missing if its worker died during its Bot API call
    assert set(received) <= set(expected)
