"""Nothing typed is lost (issue 16 d): a form sent after the session expired is still refused, but the page says
so in plain words and signs the visitor in again, back to the page the form is on (after the MFA step too); a quote
that is not in the document word for word is refused on the requisition page, with the adviser's text kept.

The browser keeps the typed text itself (bot/channels/web/static/app.js); the last test watches it come back in Chromium.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from html import escape

import pyotp
import pytest

from bot.channels.web.auth import key_id
from bot.channels.web.drafts import form_page
from bot.people.actors import SYSTEM
from bot.people.mfa import new_secret
from tests.bot.channels.web.conftest import (
    ADVISER_PASSWORD,
    ANSWERABLE,
    CHROMIUM,
    caseworker_client,
    csrf_from,
    post_form,
    sign_in,
)

KEY = "vk-" + "k" * 32
QUESTION = "Hvor mange rådgivere og koordinatorer skal task forcen have, og hvem ansætter dem?"
NEXT_FIELD = re.compile(r'name="next" value="([^"]*)"')


@pytest.fixture
def expire(services, monkeypatch):
    """Let every open session sit idle past `session_idle_minutes`, as a lunch break would."""

    def later() -> None:
        real_clock = services.accounts.clock
        minutes = services.settings.session_idle_minutes + 1
        monkeypatch.setattr(services.accounts, "clock", lambda: real_clock() + timedelta(minutes=minutes))

    return later


@pytest.fixture
def keyed(services, people):
    """A caseworker who signs in on the web with a personal key."""
    return services.accounts.register_caseworker(
        SYSTEM, channel="web", external_id=key_id(KEY), display_name="Sara", department="Socialforvaltningen"
    )


@pytest.fixture
def in_progress(services, people):
    """A requisition Anna has started on, so her answer form is on its page."""
    answer = services.engine.ask("Hvem betaler for tolk ved hjemløseenheden?")
    made = services.requisitions.create(people.caseworker, answer.question, answer).requisition
    services.requisitions.assign(SYSTEM, made.id, people.anna.id)
    services.requisitions.start(people.anna, made.id)
    return made


def test_a_question_sent_after_the_session_expired_gets_a_sign_in_page_in_plain_words(client, services, people, expire):
    caseworker_client(client, services, people.caseworker)
    token = csrf_from(client.get("/chat").text)
    expire()
    response = client.post("/chat/ask", data={"csrf_token": token, "question": QUESTION}, follow_redirects=False)
    assert response.status_code == 401
    text = response.text
    assert escape("Din session er udløbet, så dit spørgsmål blev ikke sendt. Log ind igen — din tekst er gemt, "
                  "og du kan sende den igen.") in text
    assert "genindlæst" not in text and "data-form-unsent" in text
    assert 'action="/login/key"' in text and 'action="/login"' in text  # signing in again is right here
    assert set(NEXT_FIELD.findall(text)) == {"/chat"}  # both sign-in forms and the language switch: the GET page


def test_the_page_is_in_english_for_an_english_reader(client, services, people, expire):
    caseworker_client(client, services, people.caseworker)
    token = csrf_from(client.get("/chat").text)
    client.cookies.set("__Host-vejviser-lang", "en", domain="testserver.local", path="/")
    expire()
    response = client.post("/chat/ask", data={"csrf_token": token, "question": QUESTION})
    assert response.status_code == 401
    assert escape("Your session has expired, so your question was not sent. Sign in again — your text is kept, "
                  "and you can send it again.") in response.text


def test_an_advisers_answer_after_expiry_names_the_answer_and_returns_to_the_requisition(client, in_progress, expire):
    sign_in(client, "anna", ADVISER_PASSWORD)
    page = f"/dashboard/requisitions/{in_progress.id}"
    token = csrf_from(client.get(page).text)
    expire()
    response = client.post(f"{page}/answer", data={"csrf_token": token, "text": "Kommunen betaler."})
    assert response.status_code == 401
    assert "så dit svar blev ikke sendt" in response.text
    assert set(NEXT_FIELD.findall(response.text)) == {page}


def test_the_stale_form_is_not_processed_even_after_signing_in_again(client, services, people, keyed, expire):
    """No CSRF weakening: the refused form did nothing, and its token stays refused in the new session."""
    post_form(client, "/login", "/login/key", {"key": KEY})
    answer = services.engine.ask(ANSWERABLE)
    page = client.get("/chat").text
    token = csrf_from(page)
    expire()
    form = {"csrf_token": token, "question": answer.question, "context": "Familien har to børn."}
    assert client.post("/chat/route", data=form).status_code == 401
    assert services.requisitions.list(keyed).total == 0

    assert post_form(client, "/login", "/login/key", {"key": KEY, "next": "/chat"}).headers["location"] == "/chat"
    replay = client.post("/chat/route", data=form)
    assert replay.status_code == 403
    assert "Din tekst er gemt" in replay.text and 'href="/chat"' in replay.text  # the way back, not "reloaded"
    assert "data-form-unsent" in replay.text  # so the browser keeps the draft
    assert services.requisitions.list(keyed).total == 0


@pytest.mark.parametrize(
    ("next_page", "landing"),
    [("/chat", "/chat"), ("/documents", "/documents"), ("", "/chat"), ("//evil.example/x", "/chat"),
     ("/dashboard/users", "/chat")],  # never off the site, nor to a page a caseworker cannot open
)
def test_the_key_sign_in_returns_to_a_safe_next(client, keyed, next_page, landing):
    response = post_form(client, "/login", "/login/key", {"key": KEY, "next": next_page})
    assert (response.status_code, response.headers["location"]) == (303, landing)


def test_a_get_page_behind_an_expired_session_asks_to_come_back_to_itself(client, in_progress, expire):
    sign_in(client, "anna", ADVISER_PASSWORD)
    expire()
    page = f"/dashboard/requisitions/{in_progress.id}"
    moved = client.get(page, follow_redirects=False)
    assert moved.headers["location"] == f"/login?next=%2Fdashboard%2Frequisitions%2F{in_progress.id}&expired=1"
    login = client.get(moved.headers["location"]).text
    assert set(NEXT_FIELD.findall(login)) >= {page}


def test_staff_sign_in_returns_to_next_also_after_the_code_step(client, services, people, in_progress):
    page = f"/dashboard/requisitions/{in_progress.id}"
    secret = new_secret()
    recovery = services.accounts.mfa.enrol(people.anna, people.anna.id, secret, pyotp.TOTP(secret).now())
    step = post_form(client, "/login", "/login", {"username": "anna", "password": ADVISER_PASSWORD, "next": page})
    assert step.headers["location"] == f"/login/mfa?next=%2Fdashboard%2Frequisitions%2F{in_progress.id}"
    code_page = client.get(step.headers["location"]).text
    assert page in NEXT_FIELD.findall(code_page)
    done = post_form(client, step.headers["location"], "/login/mfa", {"code": recovery[0], "next": page})
    assert (done.status_code, done.headers["location"]) == (303, page)
    assert client.get(page, follow_redirects=False).status_code == 200


def test_staff_without_a_second_factor_return_to_next_too(client, people, in_progress):
    page = f"/dashboard/requisitions/{in_progress.id}"
    response = post_form(client, "/login", "/login", {"username": "anna", "password": ADVISER_PASSWORD, "next": page})
    assert response.headers["location"] == page
    assert post_form(client, "/login", "/login", {"username": "bo", "password": ADVISER_PASSWORD, "next": "/chat"}
                     ).headers["location"] == "/dashboard"


def test_a_quote_not_in_the_document_re_renders_the_requisition_with_the_answer_kept(client, services, in_progress):
    sign_in(client, "anna", ADVISER_PASSWORD)
    page = f"/dashboard/requisitions/{in_progress.id}"
    doc_id = sorted(services.engine.documents)[0]
    title = services.engine.documents[doc_id].metadata.title
    typed = "Kommunen betaler tolken.\nSe afsnit 3."
    response = post_form(client, page, f"{page}/answer", {
        "text": typed, "cite": "0", "source_doc": doc_id, "source_quote": "Dette står ikke i brevet.",
    })
    assert response.status_code == 422
    text = response.text
    assert in_progress.number in text and 'action="/dashboard/requisitions/' in text  # the requisition page itself
    assert escape(f"Citatet „Dette står ikke i brevet.“ står ikke ordret i „{title}“") in text
    assert f">{escape(typed)}</textarea>" in text
    assert ">Dette står ikke i brevet.</textarea>" in text
    assert f'value="{doc_id}" selected' in text
    assert 'name="cite" value="0" checked' in text
    assert services.requisitions.get(SYSTEM, in_progress.id).status == "in_progress"  # nothing was answered


def test_the_quote_message_is_in_english_for_an_english_reader(client, services, in_progress):
    sign_in(client, "anna", ADVISER_PASSWORD)
    client.cookies.set("__Host-vejviser-lang", "en", domain="testserver.local", path="/")
    page = f"/dashboard/requisitions/{in_progress.id}"
    doc_id = sorted(services.engine.documents)[0]
    response = post_form(client, page, f"{page}/answer",
                         {"text": "The city pays.", "source_doc": doc_id, "source_quote": "Not in the letter."})
    assert response.status_code == 422
    assert escape("The quote “Not in the letter.” is not in") in response.text
    assert "word for word, so the answer was not sent" in response.text
    assert ">The city pays.</textarea>" in response.text


def test_a_verbatim_quote_is_still_accepted(client, services, in_progress):
    sign_in(client, "anna", ADVISER_PASSWORD)
    page = f"/dashboard/requisitions/{in_progress.id}"
    doc_id = sorted(services.engine.documents)[0]
    quote = " ".join(services.engine.documents[doc_id].text.split()[:8])
    response = post_form(client, page, f"{page}/answer", {"text": "Svar.", "source_doc": doc_id, "source_quote": quote})
    assert (response.status_code, response.headers["location"]) == (303, f"{page}?done=1")


@pytest.mark.parametrize(
    ("posted", "page"),
    [("/chat/ask", "/chat"), ("/chat/requisitions/7/reply", "/chat"), ("/dashboard/requisitions/7/answer",
     "/dashboard/requisitions/7"), ("/dashboard/requisitions/7/preview", "/dashboard/requisitions/7/publish"),
     ("/dashboard/invites", "/dashboard/users"), ("/dashboard/templates/3/delete", "/dashboard/templates"),
     ("/dashboard/assign", "/dashboard"), ("/password", "/password"), ("/somewhere/else", "/")],
)
def test_a_form_returns_to_the_get_page_it_is_on(posted, page):
    assert form_page(posted) == page


# ---------------------------------------------------------------------------- in a real browser


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs Debian's chromium")
def test_a_question_typed_before_the_session_expired_is_back_after_signing_in(server, browser, keyed, expire):
    errors: list[str] = []
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/login")
    page.fill("#key", KEY)
    page.click("form[action='/login/key'] button")
    page.wait_for_url(f"{server}/chat")

    page.fill("#question", QUESTION)
    expire()  # she went to lunch with the question typed
    page.click("form[action='/chat/ask'] button")
    page.wait_for_selector("[data-form-unsent]")
    assert "Din session er udløbet, så dit spørgsmål blev ikke sendt" in page.inner_text("main")

    page.fill("#key", KEY)
    page.click("form[action='/login/key'] button")
    page.wait_for_url(f"{server}/chat")
    assert page.input_value("#question") == QUESTION  # back in the field, ready to send

    page.click("form[action='/chat/ask'] button")
    page.wait_for_selector("#latest")
    page.goto(f"{server}/chat")
    assert page.input_value("#question") == ""  # sent, so the draft is gone
    assert [e for e in errors if "status of 401" not in e] == []  # the refused form's page is a 401, as it should be
