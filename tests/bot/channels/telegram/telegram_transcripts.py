"""Writes the transcripts in docs/TELEGRAM.md: the real bot and the real engine, over a recording Bot API.

Run: `PYTHONPATH=. VEJVISER_DATA_DIR=<data dir with model and index> python tests/bot/channels/telegram/telegram_transcripts.py`
(prints Markdown; a fresh SQLite file in a temporary folder, nothing else is written).
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from pydantic import SecretStr  # noqa: E402 - after the path of the test helpers
from telegram_fakes import Call, Person, RecordingRequest, deliver  # noqa: E402
from telegram_setup import open_services  # noqa: E402

from bot.answering.engine import AnswerEngine  # noqa: E402
from bot.channels.telegram.app import build_application  # noqa: E402
from bot.channels.telegram.delivery import deliver_once  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.people.actors import SYSTEM  # noqa: E402

ANSWERED = "kan task forcen bruges af børnefamilieteams og ungerådgivningerne"
ROUTED = "Må vi bruge tolk til et hjemmebesøg hos en familie?"
CONTEXT = "Familien taler tigrinya, og mødet er i næste uge"
TASK_FORCE = ("Ja. Bestil tolken gennem Tolkeservice i god tid; udgiften afholdes af den enhed, der holder mødet. "
              "Skriv i bestillingen, at det er et hjemmebesøg.")


def shown(call: Call) -> str:
    """A bot message as the caseworker sees it, in Markdown: quotes as `>`, buttons in brackets."""
    value = call.text
    value = re.sub(r"<blockquote expandable>(.*?)</blockquote>", lambda m: "\n> " + m.group(1).replace("\n", "\n> ")
                   + " *(sammenfoldet)*\n", value, flags=re.S)
    value = re.sub(r"<blockquote>(.*?)</blockquote>", lambda m: "\n> " + m.group(1).replace("\n", "\n> ") + "\n",
                   value, flags=re.S)
    value = re.sub(r"</?b>", "**", value)
    value = re.sub(r"</?i>", "_", value)
    value = html.unescape(re.sub(r"<[^>]+>", "", value))
    buttons = " ".join(f"`[{label}]`" for label, _ in call.buttons())
    return value.strip() + (f"\n\n{buttons}" if buttons else "")


async def main() -> None:
    settings = Settings()
    engine = AnswerEngine.load(settings)
    with tempfile.TemporaryDirectory() as folder:
        settings = settings.model_copy(update={"database_url": f"sqlite:///{folder}/t.sqlite3", "telegram_token": SecretStr("1:x"),
                                               "telegram_api_base": "http://127.0.0.1:9/bot"})
        services = open_services(settings, engine)
        caseworker = services.accounts.register_caseworker(SYSTEM, channel="telegram", external_id="4242",
                                                           display_name="Anna", department="Socialforvaltningen")
        transport = RecordingRequest()
        application = build_application(services, request=transport, get_updates_request=transport, deliver_outbox=False)
        await application.initialize()
        await application.post_init(application)
        anna = Person()
        lines: list[str] = []

        async def say(message: dict, label: str) -> None:
            transport.clear()
            await deliver(application, message)
            lines.append(f"**Sagsbehandler:** {label}\n")
            for call in transport.messages():
                lines.append("**Vejviser:**\n\n" + "\n".join(f"{line}" for line in shown(call).splitlines()) + "\n")

        lines.append("### 1. Answered\n")
        await say(anna.text(ANSWERED), ANSWERED)
        lines.append("### 2. Routed\n")
        await say(anna.text(ROUTED), ROUTED)
        offer = transport.last_message()
        await say(anna.press(dict(offer.buttons())["Send til task forcen"], on=offer), "*(trykker «Send til task forcen»)*")
        await say(anna.text(CONTEXT), CONTEXT)
        lines.append("### 3. The task force's answer\n")
        requisition = services.requisitions.list(caseworker).items[0]
        adviser = services.accounts.create_user(SYSTEM, "raadgiver", "lang-og-sikker-kode-til-transcript", "adviser")
        services.requisitions.assign(SYSTEM, requisition.id, adviser.id)
        services.requisitions.start(adviser, requisition.id)
        services.requisitions.answer(adviser, requisition.id, TASK_FORCE, [])
        transport.clear()
        await deliver_once(services, application.bot)
        for call in transport.messages():
            lines.append("**Vejviser:**\n\n" + shown(call) + "\n")
        await application.shutdown()
        services.close()
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
