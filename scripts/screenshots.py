"""Screenshots for docs/SCREENSHOTS.md: the web chat (answered, routed, the task force's answer arriving live), the
coordinator's inbox and the publish preview, at desktop (1280 px) and phone (390 px) width.

Everything is local and thrown away afterwards: a temporary data directory (SQLite, the shipped documents, the
deterministic hashing embedder, so no model and no network is needed), a few seeded requisitions with their clocks
set back so the inbox shows waiting and overdue ones, uvicorn on 127.0.0.1, and Debian's headless Chromium.
Run it with scripts/screenshots.sh.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from PIL import Image

from bot.channels.web.app import create_app
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.queue import CitedSource
from bot.services import build_services
from index.embedder import HashingEmbedder

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "skærmbilleder kun lokalt 2026"
ANSWERED = "Hvor mange rådgivere og koordinatorer skal task forcen have?"
ROUTED = "Hvordan booker vi en tegnsprogstolk til et borgermøde om affaldssortering?"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
SEEDED = (  # question, hours ago (calendar), what happens to it
    ("Hvem betaler for tolk ved hjemløseenheden, når borgeren ikke taler dansk?", 80, "new"),
    ("Må vi registrere etnicitet i sagerne om boligsociale indsatser?", 30, "assigned"),
    ("Hvordan bruger vi bydelsmødre i dialogen med nyankomne familier?", 4, "new"),
    ("Kan sprogcaféen holde åbent i weekenden uden ekstra bevilling?", 120, "needs_info"),
    ("Gælder integrationspolitikken også for EU-borgere på kort ophold?", 50, "answered"),
)


def free_port() -> int:
    """A free port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed(services, now: datetime) -> int:  # noqa: ANN001 - bot.services.Services
    """Advisers and requisitions in every inbox state; returns the answered one's id, for the publish preview."""
    accounts, requisitions = services.accounts, services.requisitions
    anna = accounts.create_user(SYSTEM, "anna", PASSWORD, "adviser")
    accounts.create_user(SYSTEM, "bo", PASSWORD, "adviser")
    asker = accounts.register_caseworker(SYSTEM, channel="web", external_id="key:screenshots",
                                         display_name="Sagsbehandler", department="Socialforvaltningen")
    answered_id = 0
    for question, hours, state in SEEDED:
        requisitions.clock = lambda h=hours: now - timedelta(hours=h)
        req = requisitions.create(asker, question, services.engine.ask(question)).requisition
        requisitions.clock = lambda h=hours: now - timedelta(hours=h) + timedelta(minutes=20)
        if state == "new":
            continue
        requisitions.assign(SYSTEM, req.id, anna.id)
        if state == "assigned":
            continue
        requisitions.start(anna, req.id)
        if state == "needs_info":
            requisitions.ask_for_info(anna, req.id, "Hvilken bydel drejer det sig om?")
            continue
        cited = req.candidates[0]
        requisitions.answer(anna, req.id, "Ja, politikken gælder alle borgere i kommunen, **også** EU-borgere på "
                            "kort ophold; se afsnittet om målgrupper.", [CitedSource(cited.doc_id, cited.section, cited.quote)])
        requisitions.add_note(anna, req.id, "Koordinator: tjek formuleringen med jura før udgivelse.")
        answered_id = req.id
    requisitions.clock = lambda: datetime.now(UTC)
    return answered_id


def small_png(path: Path) -> None:
    """Quantised to 128 colours: the pages are flat colour, so this keeps text sharp at a fraction of the size."""
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=128).save(path, optimize=True)


def main() -> int:
    """Start the server, take the screenshots, stop everything; prints each file and its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="vejviser-shots-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), embedder="hashing", answer_threshold=0.001,
                            calibration_file=None, secret_key="screenshots-only-" + "x" * 32,
                            coordinator_password=PASSWORD, telegram_token=None, require_mfa=False,
                            web_chat_poll_seconds=1.0)
        services = build_services(settings, embedder=HashingEmbedder())
        answered_id = seed(services, datetime.now(UTC))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, services), host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
                for name, (width, height) in WIDTHS.items():
                    shoot(browser, base, services, args.out, name, width, height, answered_id)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            services.close()
    for png in sorted(args.out.glob("*.png")):
        print(f"{png.relative_to(REPO) if png.is_relative_to(REPO) else png}  {png.stat().st_size // 1024} KB")
    return 0


def shoot(browser, base: str, services, out: Path, name: str, width: int, height: int, answered_id: int) -> None:  # noqa: ANN001
    """The four pages at one width."""
    def save(page, what: str) -> None:  # noqa: ANN001
        path = out / f"{what}-{name}.png"
        page.screenshot(path=str(path))
        small_png(path)

    caseworker = browser.new_context(viewport={"width": width, "height": height}).new_page()
    caseworker.goto(f"{base}/register")
    caseworker.fill("#code", services.accounts.create_invite(SYSTEM, "Socialforvaltningen").code)
    caseworker.fill("#display_name", "Sara Sagsbehandler")
    caseworker.click("form[action='/register'] button")
    caseworker.goto(f"{base}/chat")
    caseworker.fill("#question", ANSWERED)
    caseworker.click("form[action='/chat/ask'] button")
    caseworker.wait_for_selector(".bubble.bot blockquote")
    save(caseworker, "chat-answered")
    caseworker.fill("#question", ROUTED)
    caseworker.click("form[action='/chat/ask'] button")
    caseworker.fill("#context", "Mødet er den 12. januar; to deltagere bruger tegnsprog.")
    caseworker.click("form[action='/chat/route'] button")
    caseworker.wait_for_selector(".flash.good")
    save(caseworker, "chat-routed")
    # The task force answers while the caseworker's page stays open: the answer arrives without a reload.
    routed = services.requisitions.list(SYSTEM, sort="-created", limit=1).items[0]
    anna = services.accounts.get_user_by_name("anna")
    services.requisitions.assign(SYSTEM, routed.id, anna.id)
    services.requisitions.start(anna, routed.id)
    services.requisitions.answer(anna, routed.id, "Book tolken gennem Tolkeservice senest fem hverdage før mødet; "
                                 "task forcen betaler for borgermøder i integrationsindsatsen.")
    caseworker.wait_for_selector(f"#req-{routed.id} .badge.news", timeout=30_000)
    caseworker.locator(f"#req-{routed.id}").scroll_into_view_if_needed()
    save(caseworker, "chat-live-answer")
    caseworker.context.close()

    coordinator = browser.new_context(viewport={"width": width, "height": height}).new_page()
    coordinator.goto(f"{base}/login")
    coordinator.fill("#username", "coordinator")
    coordinator.fill("#password", PASSWORD)
    coordinator.click("form[action='/login'] button[type=submit]")
    coordinator.wait_for_url(f"{base}/dashboard")
    save(coordinator, "inbox")
    coordinator.goto(f"{base}/dashboard/requisitions/{answered_id}/publish")
    save(coordinator, "publish-preview")
    coordinator.context.close()


if __name__ == "__main__":
    sys.exit(main())
