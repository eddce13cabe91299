"""The task force's dashboard as its users drive it in Debian's Chromium: an adviser's inbox (assigned to me, no
export button), an internal note, the gap map's times in sensible units, and publishing through
the preview, with an edit, then unpublishing, each time checked against what the assistant cites."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering.engine import AnswerEngine
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.queue import CitedSource
from bot.services import Services
from index.embedder import HashingEmbedder
from tests.bot.channels.web.conftest import (
    ADVISER_PASSWORD,
    CHROMIUM,
    COORDINATOR_PASSWORD,
    open_services,
    web_settings,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs Debian's chromium"),
]

QUESTION = "Hvordan booker vi en tegnsprogstolk til et borgermøde om affaldssortering?"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A data directory of this test's own: publishing writes into the corpus the session's engine must keep."""
    return web_settings(tmp_path / "engine")


@pytest.fixture
def services(settings: Settings, migrated_db: Path, tmp_path: Path) -> Iterator[Services]:
    engine = AnswerEngine.load(settings, embedder=HashingEmbedder())
    shutil.copy(migrated_db, tmp_path / "db.sqlite3")
    built = open_services(settings, engine, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield built
    built.close()


@pytest.fixture
def answered(services: Services):  # type: ignore[no-untyped-def]
    """A requisition Anna has answered, and one still new."""
    accounts, requisitions = services.accounts, services.requisitions
    anna = accounts.create_user(SYSTEM, "anna", ADVISER_PASSWORD, "adviser")
    caseworker = accounts.register_caseworker(SYSTEM, channel="web", external_id="key:d", display_name="Sara",
                                              department="Socialforvaltningen")
    request = requisitions.create(caseworker, QUESTION, services.engine.ask(QUESTION)).requisition
    requisitions.assign(SYSTEM, request.id, anna.id)
    requisitions.start(anna, request.id)
    cited = request.candidates[0]
    requisitions.answer(anna, request.id, "Book via Tolkecentralen senest 14 dage før.",
                        [CitedSource(cited.doc_id, cited.section, cited.quote)])
    requisitions.create(caseworker, "Må vi registrere etnicitet i sagerne?", None)
    return request


def sign_in(browser, base: str, username: str, password: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard.*"))
    return page


def test_an_adviser_sees_her_own_work_and_no_export_and_notes_and_the_gap_map_reads_in_units(server, browser, services, answered):
    adviser = sign_in(browser, server, "anna", ADVISER_PASSWORD)
    assert adviser.locator("text=Eksportér CSV").count() == 0  # a button she could not use is not shown
    with adviser.expect_navigation():
        adviser.click("[data-inbox=mine]")
    rows = adviser.locator("table tbody tr")
    assert rows.count() == 1 and answered.number in rows.first.inner_text()

    adviser.goto(f"{server}/dashboard/requisitions/{answered.id}")
    adviser.fill("#note-text", "Tjek med jura før udgivelse.")
    with adviser.expect_navigation():
        adviser.click("#notes button[type=submit]")
    assert "Tjek med jura før udgivelse." in adviser.inner_text("#notes")
    adviser.context.close()

    coordinator = sign_in(browser, server, "coordinator", COORDINATOR_PASSWORD)
    assert coordinator.locator("text=Eksportér CSV").count() == 1
    coordinator.goto(f"{server}/dashboard/gaps")
    figures = coordinator.inner_text(".figures")
    assert re.search(r"\b\d+ s\b", figures), figures  # seconds in seconds (it said "0.0 h" for 58 s)
    coordinator.context.close()


def test_publishing_goes_through_a_preview_with_an_edit_and_unpublishing_stops_the_citing(
    server, browser, services, answered
):
    coordinator = sign_in(browser, server, "coordinator", COORDINATOR_PASSWORD)
    coordinator.goto(f"{server}/dashboard/requisitions/{answered.id}/publish")
    assert "Book via Tolkecentralen" in coordinator.inner_text("[data-preview]")
    coordinator.fill("#publish-text", coordinator.input_value("#publish-text") + "\nSkriv mødets adresse i bestillingen.")
    with coordinator.expect_navigation():
        coordinator.click("button[formaction$='/preview']")
    preview = coordinator.inner_text("[data-preview]")
    assert "Skriv mødets adresse i bestillingen." in preview

    with coordinator.expect_navigation():
        coordinator.click("form[action$='/publish'] button:not([formaction])")
    published = services.requisitions.get(SYSTEM, answered.id).published_doc_id
    assert published and any(c.doc_id == published for c in services.engine.ask(QUESTION).citations)
    assert "Skriv mødets adresse i bestillingen." in services.engine.documents[published].text

    coordinator.goto(f"{server}/dashboard/requisitions/{answered.id}")
    with coordinator.expect_navigation():
        coordinator.click("form[action$='/unpublish'] button")
    assert services.requisitions.get(SYSTEM, answered.id).published_doc_id is None
    assert all(c.doc_id != published for c in services.engine.ask(QUESTION).citations)
    coordinator.context.close()
