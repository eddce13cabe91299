"""Publishing from the dashboard: the preview is exactly the published document, an edit before publishing is
what gets published, and unpublishing takes it out of what the assistant cites."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from bot.answering.engine import AnswerEngine
from bot.channels.web.app import create_app
from bot.people.actors import SYSTEM
from bot.queue import CitedSource
from index.embedder import HashingEmbedder
from tests.bot.channels.web.conftest import COORDINATOR_PASSWORD, open_services, post_form, sign_in, web_settings

QUESTION = "Hvordan booker vi en tegnsprogstolk til et borgermøde om affaldssortering?"
WRITTEN = "Book via <b>Tolkecentralen</b> **senest** 14 dage før, se [vejledningen](https://kk.dk/tolk)."


@pytest.fixture
def own(tmp_path, migrated_db):  # type: ignore[no-untyped-def]
    """An engine and app of its own: publishing changes the corpus, which the session's shared engine must keep."""
    import shutil

    settings = web_settings(tmp_path / "engine")
    engine = AnswerEngine.load(settings, embedder=HashingEmbedder())
    shutil.copy(migrated_db, tmp_path / "db.sqlite3")
    services = open_services(settings, engine, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with TestClient(create_app(settings, services), base_url="https://testserver") as client:
        yield services, client
    services.close()


def div(html: str, marker: str) -> str:
    match = re.search(rf'<div class="document-text"[^>]*{marker}[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no document text marked {marker!r}"
    return unescape(re.sub(r"</?mark[^>]*>", "", match.group(1)))


@pytest.fixture
def answered(own):  # type: ignore[no-untyped-def]
    services, _ = own
    accounts = services.accounts
    anna = accounts.create_user(SYSTEM, "anna", "blå elefant spiser havregrød", "adviser")
    caseworker = accounts.register_caseworker(SYSTEM, channel="web", external_id="key:p", display_name="Sara",
                                              department="Socialforvaltningen")
    answer = services.engine.ask(QUESTION)
    req = services.requisitions.create(caseworker, QUESTION, answer).requisition
    services.requisitions.assign(SYSTEM, req.id, anna.id)
    services.requisitions.start(anna, req.id)
    cited = req.candidates[0]
    services.requisitions.answer(anna, req.id, WRITTEN, [CitedSource(cited.doc_id, cited.section, cited.quote)])
    return req


def test_the_preview_is_the_published_document_and_unpublish_stops_citing_it(own, answered):
    services, client = own
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    page = f"/dashboard/requisitions/{answered.id}"
    assert f'action="{page}/publish"' in client.get(page).text
    preview_html = client.get(f"{page}/publish").text
    preview = div(preview_html, "data-preview")
    assert WRITTEN in preview and "(rådgiver)" in preview and "(adviser)" not in preview
    assert answered.candidates[0].quote in preview  # the cited quote is published with the answer
    edited = WRITTEN + " Skriv mødets adresse i bestillingen."
    again = post_form(client, f"{page}/publish", f"{page}/preview", {"text": edited})
    assert again.status_code == 200 and edited in div(again.text, "data-preview")
    shown = div(again.text, "data-preview")
    done = post_form(client, f"{page}/publish", f"{page}/publish", {"text": edited})
    assert done.status_code == 303
    doc_id = services.requisitions.get(SYSTEM, answered.id).published_doc_id
    assert doc_id and services.engine.documents[doc_id].text == shown
    assert div(client.get(f"/documents/{doc_id}").text, "") == shown
    assert services.requisitions.get(SYSTEM, answered.id).answer == WRITTEN  # the caseworker's answer is unchanged
    assert any(c.doc_id == doc_id for c in services.engine.ask(QUESTION).citations)

    undone = post_form(client, page, f"{page}/unpublish", {})
    assert undone.status_code == 303
    view = services.requisitions.get(SYSTEM, answered.id)
    assert (view.status, view.published_doc_id) == ("answered", None)
    assert all(c.doc_id != doc_id for c in services.engine.ask(QUESTION).citations)
    assert client.get(f"/documents/{doc_id}").status_code == 404


def test_only_the_coordinator_sees_the_publish_preview(own, answered):
    services, client = own
    assert client.get(f"/dashboard/requisitions/{answered.id}/publish", follow_redirects=False).status_code in (303, 401, 403)
    sign_in(client, "anna", "blå elefant spiser havregrød")
    assert client.get(f"/dashboard/requisitions/{answered.id}/publish").status_code == 403
