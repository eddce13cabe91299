"""Measures, for docs/BENCHMARKS.md, how long caseworkers wait on Telegram when four ask at once: from the update
reaching the Bot API (the stand-in) to the first thing the bot sends back ("typing…") and to the answer.
The machine's load average is printed with the figures: on a shared 2-core machine it moves them.

The real bot polls the stand-in on 127.0.0.1 with the real engine; each of the four asks ROUNDS questions, the
next as soon as her answer arrives. Bounded: 4 × ROUNDS questions.
Run: `PYTHONPATH=. VEJVISER_DATA_DIR=<data dir with model and index> python tests/bot/channels/telegram/telegram_latency.py`
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from botapi_standin import BotApiStandIn  # noqa: E402
from pydantic import SecretStr  # noqa: E402 - after the path of the test helpers
from telegram_fakes import Call, Person  # noqa: E402
from telegram_setup import TOKEN, open_services  # noqa: E402

from bot.answering.engine import AnswerEngine  # noqa: E402
from bot.channels.telegram.app import ALLOWED_UPDATES, build_application  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.people.actors import SYSTEM  # noqa: E402

ROUNDS = 5
CASEWORKERS = int(sys.argv[1]) if len(sys.argv) > 1 else 4  # `… telegram_latency.py 1`: one at a time, for comparison
QUESTIONS = ("kan task forcen bruges af børnefamilieteams og ungerådgivningerne",
             "Må vi bruge tolk til et hjemmebesøg hos en familie?",
             "hvornår godkendte BIU modellen for task forcen?",
             "har BIF en hotline vi i SOF kan ringe til om fælles borgere",
             "hvordan vil SOF skabe mere tid til borgerne")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


async def main() -> None:
    settings = Settings()
    engine = AnswerEngine.load(settings)
    engine.ask(QUESTIONS[0])  # warm
    with tempfile.TemporaryDirectory() as folder, BotApiStandIn(TOKEN) as api:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{folder}/l.sqlite3",
                                               "telegram_token": SecretStr(TOKEN), "telegram_api_base": api.base_url})
        services = open_services(settings, engine)
        people = [Person(user_id=6000 + n, first_name=f"P{n}") for n in range(CASEWORKERS)]
        update_ids = iter(range(1, 10_000))  # Telegram numbers updates in arrival order, across chats
        for person in people:
            person._update_ids = update_ids
            services.accounts.register_caseworker(SYSTEM, channel="telegram", external_id=str(person.user_id),
                                                  display_name=person.first_name, department="Socialforvaltningen")
        pushed: dict[int, float] = {}
        typing: dict[int, list[float]] = {p.user_id: [] for p in people}
        answered: dict[int, threading.Event] = {p.user_id: threading.Event() for p in people}
        first_reply: list[float] = []
        answer: list[float] = []

        def hook(call: Call) -> None:
            chat = int(call.params.get("chat_id") or 0)
            if chat not in pushed:
                return
            if call.method == "sendChatAction" and not typing[chat]:
                typing[chat].append(time.monotonic() - pushed[chat])
            if call.method == "sendMessage":
                answer.append(time.monotonic() - pushed[chat])
                first_reply.append(typing[chat][0] if typing[chat] else answer[-1])
                del pushed[chat]
                answered[chat].set()

        api.on_call = hook
        application = build_application(services)
        await application.initialize()
        await application.post_init(application)
        await application.start()
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.0)

        async def caseworker(person: Person) -> None:
            for round_ in range(ROUNDS):
                answered[person.user_id].clear()
                typing[person.user_id].clear()
                pushed[person.user_id] = time.monotonic()
                api.push(person.text(QUESTIONS[(round_ + person.user_id) % len(QUESTIONS)]))
                await asyncio.to_thread(answered[person.user_id].wait, 60)

        started = time.monotonic()
        await asyncio.gather(*(caseworker(p) for p in people))
        wall = time.monotonic() - started
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        services.close()
    print(f"{len(answer)} questions from {CASEWORKERS} caseworker(s) at once in {wall:.1f} s")
    print(f"update → first reply (typing): p50 {statistics.median(first_reply) * 1000:.0f} ms, p95 {p95(first_reply) * 1000:.0f} ms")
    print(f"update → answer:               p50 {statistics.median(answer) * 1000:.0f} ms, p95 {p95(answer) * 1000:.0f} ms")
    print(f"load average during the run: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
