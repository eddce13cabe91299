"""In Chromium: a caseworker keeps the chat open, the task force answers her requisition, and the answer appears
on her page with the 'Nyt svar' mark and a count in the title, without a reload (the page polls /chat/updates)."""

from __future__ import annotations

import os

import pytest

from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import CHROMIUM, registered_caseworker, web_settings

POLL_SECONDS = 1  # the page's polling interval in this test (15 s by default)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs Debian's chromium"),
]


@pytest.fixture
def settings(engine_dir) -> Settings:  # type: ignore[no-untyped-def]
    return web_settings(engine_dir, web_chat_poll_seconds=POLL_SECONDS)


def test_a_task_force_answer_appears_on_the_open_chat_without_a_reload(server, browser, services, people):  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page = registered_caseworker(browser, server, 1280, services)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # She asks, sends the question on, and leaves the chat open.
    page.goto(f"{server}/chat")
    page.fill("#question", "Hvem betaler for tolk ved et akut møde om anbringelse en lørdag aften?")
    page.click("form[action='/chat/ask'] button")
    page.click("form[action='/chat/route'] button")
    page.wait_for_selector("text=rekvisition nr. R-00001")
    [mine] = services.requisitions.list(SYSTEM).items
    card = page.locator(f"#req-{mine.id}")
    assert card.locator(".badge.news").count() == 0
    page.evaluate("window.stillTheSamePage = true")

    # The task force answers through the service, as the dashboard would.
    services.requisitions.assign(SYSTEM, mine.id, people.anna.id)
    services.requisitions.start(people.anna, mine.id)
    services.requisitions.answer(people.anna, mine.id, "Forvaltningen betaler tolken, også i weekenden.")

    card.locator(".badge.news", has_text="Nyt svar").wait_for(timeout=30_000)
    assert "Forvaltningen betaler tolken, også i weekenden." in card.inner_text()
    assert page.title().startswith("(1) Spørg Vejviser")
    assert page.inner_text("#news-count") == "1 ny"
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"

    # Opening the requisition reads it: the mark and the count are gone, also after a reload.
    card.get_by_role("link", name="Markér som læst").click()
    page.wait_for_load_state()
    page.reload()
    assert page.locator(f"#req-{mine.id} .badge.news").count() == 0 and not page.title().startswith("(")
    assert not errors, errors
    page.context.close()


def test_her_history_links_a_routed_question_and_a_reply_is_confirmed_and_shown(server, browser, services, people):  # type: ignore[no-untyped-def]
    """The conversation stays after routing: both questions are in 'Dine spørgsmål', the routed one links to its
    requisition; when the task force asks for information, her reply is confirmed and shown on the card."""
    page = registered_caseworker(browser, server, 390, services)
    page.goto(f"{server}/chat")
    for question in ("Hvor mange rådgivere har task forcen?", "Hvem betaler for tolk ved et akut møde en lørdag?"):
        page.fill("#question", question)
        page.click("form[action='/chat/ask'] button")
        page.wait_for_selector(".bubble.bot")
    page.click("form[action='/chat/route'] button")
    page.wait_for_selector("text=rekvisition nr. R-00001")
    history = page.inner_text("#history")
    assert "Hvor mange rådgivere har task forcen?" in history and "Hvem betaler for tolk" in history

    [mine] = services.requisitions.list(SYSTEM).items
    services.requisitions.assign(SYSTEM, mine.id, people.anna.id)
    services.requisitions.start(people.anna, mine.id)
    services.requisitions.ask_for_info(people.anna, mine.id, "Hvilket sprog skal der tolkes til?")
    page.goto(f"{server}/chat")
    page.click("#history summary:has-text('Hvem betaler for tolk')")
    with page.expect_navigation():
        page.click("#history a:has-text('R-00001')")
    card = page.locator(f"#req-{mine.id}")
    card.locator("textarea").fill("Dari; borgeren taler ikke dansk.")
    with page.expect_navigation():
        card.locator("form[action$='/reply'] button").click()
    card = page.locator(f"#req-{mine.id}")
    assert "Dit svar er sendt til task forcen." in card.inner_text()
    assert "Dari; borgeren taler ikke dansk." in card.inner_text()
    page.context.close()
