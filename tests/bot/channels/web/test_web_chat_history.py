"""The caseworker's web chat keeps her conversation: questions and answers listed (redacted, linked to the
requisition they became, deleted at retention), task-force news through /chat/updates with an unread mark that
lasts until she opens the requisition, and a reply to a request for information confirmed and shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from bot.answering.answer import Answer
from bot.people.actors import SYSTEM
from bot.storage.models import ChatEntryRow
from tests.bot.channels.web.conftest import ANSWERABLE, caseworker_client, post_form

ENTRY = re.compile(r'name="entry" value="(\d+)"')
CHECKED_AT = re.compile(r'data-checked-at="([^"]+)"')
JSON = {"Accept": "application/json"}


def stored_entries(services) -> list[ChatEntryRow]:  # type: ignore[no-untyped-def]
    return services.database.run(lambda s: list(s.execute(select(ChatEntryRow).order_by(ChatEntryRow.id)).scalars()),
                                  readonly=True)


def history_section(html: str) -> str:
    return html[html.index('id="history"'):html.index('id="mine"')]


@pytest.fixture
def chat(client, services, people):  # type: ignore[no-untyped-def]
    return caseworker_client(client, services, people.caseworker)


@pytest.fixture
def routed_one(services, people):  # type: ignore[no-untyped-def]
    """One of Sara's requisitions, started by Anna."""
    answer = services.engine.ask("Hvem betaler for tolk ved hjemløseenheden?")
    made = services.requisitions.create(people.caseworker, answer.question, answer).requisition
    services.requisitions.assign(SYSTEM, made.id, people.anna.id)
    services.requisitions.start(people.anna, made.id)
    return made


def test_questions_are_kept_redacted_and_listed_newest_first(chat, services):  # type: ignore[no-untyped-def]
    post_form(chat, "/chat", "/chat/ask", {"question": "Borgeren 010190-1234 mangler tolk til mødet, hvem betaler?"})
    post_form(chat, "/chat", "/chat/ask", {"question": ANSWERABLE})
    history = history_section(chat.get("/chat").text)
    assert history.index("Hvor mange rådgivere") < history.index("mangler tolk")  # newest first
    assert "<blockquote>" in history and "Fundet i dokumenterne" in history  # the answer shown, with its quotes
    rows = stored_entries(services)
    assert len(rows) == 2 and all(row.kind == "question" and row.answer for row in rows)
    assert "010190-1234" not in rows[0].text and "010190-1234" not in history
    assert rows[1].citations and {"doc_id", "section", "quote"} <= set(rows[1].citations[0])


def test_routing_and_voting_add_no_entry_and_the_question_links_to_its_requisition(chat, services, monkeypatch):  # type: ignore[no-untyped-def]
    html = post_form(chat, "/chat", "/chat/ask", {"question": ANSWERABLE}).text
    post_form(chat, "/chat", "/chat/feedback", {"question": ANSWERABLE, "vote": "up", "entry": ENTRY.search(html)[1]})
    monkeypatch.setattr(services.engine, "threshold", lambda: 1.01)  # nothing is sure enough: routed
    html = post_form(chat, "/chat", "/chat/ask", {"question": "Hvem betaler for tolk ved hjemløseenheden?"}).text
    routed = post_form(chat, "/chat", "/chat/route",
                       {"question": "Hvem betaler for tolk ved hjemløseenheden?", "entry": ENTRY.search(html)[1]})
    assert "R-00001" in routed.text
    assert len(stored_entries(services)) == 2  # two questions asked, two entries
    requisition = services.requisitions.get(SYSTEM, 1)
    link = f'href="/chat/requisitions/{requisition.id}#req-{requisition.id}">Sendt til task forcen som R-00001</a>'
    assert link in history_section(chat.get("/chat").text)
    opened = chat.get(f"/chat/requisitions/{requisition.id}").text
    assert f'id="req-{requisition.id}"' in opened and "Hvem betaler for tolk ved hjemløseenheden?" in opened


def test_the_history_pages_ten_questions_at_a_time(chat, services, people):  # type: ignore[no-untyped-def]
    for n in range(12):
        services.requisitions.history.record(people.caseworker, Answer(f"Spørgsmål nummer {n:02d}", "da", "help", "…", 0.0, []))
    first = history_section(chat.get("/chat").text)
    assert "Spørgsmål nummer 11" in first and "Spørgsmål nummer 02" in first and "Spørgsmål nummer 01" not in first
    assert "Side 1 af 2" in first and 'href="/chat?page=2#history">Ældre</a>' in first
    second = history_section(chat.get("/chat?page=2").text)
    assert "Spørgsmål nummer 01" in second and "Spørgsmål nummer 00" in second and "Spørgsmål nummer 02" not in second


def test_the_history_is_gone_from_the_page_after_retention(chat, services, people):  # type: ignore[no-untyped-def]
    post_form(chat, "/chat", "/chat/ask", {"question": ANSWERABLE})
    start = datetime.now(UTC)
    services.requisitions.clock = lambda: start + timedelta(days=200)
    services.requisitions.history.record(people.caseworker, Answer("Et nyere spørgsmål om bydelsmødre", "da", "help", "…", 0.0, []))
    services.requisitions.clock = lambda: start + timedelta(days=services.settings.retention_days + 1)
    services.requisitions.purge()  # what `vejviser requisitions purge` runs
    history = history_section(chat.get("/chat").text)
    assert "Hvor mange rådgivere" not in history and "Et nyere spørgsmål om bydelsmødre" in history
    assert [row.text for row in stored_entries(services)] == ["Et nyere spørgsmål om bydelsmødre"]


def test_updates_bring_a_task_force_answer_marked_new(chat, services, people, routed_one):  # type: ignore[no-untyped-def]
    since = CHECKED_AT.search(chat.get("/chat").text)[1]
    before = chat.get(f"/chat/updates?since={quote(since)}", headers=JSON).json()
    assert before["unread"] == 0 and not any(card["unread"] for card in before["changed"])  # assigned, started: no news
    services.requisitions.answer(people.anna, routed_one.id, "Tolken betales af forvaltningen.")
    data = chat.get(f"/chat/updates?since={quote(since)}", headers=JSON).json()
    assert data["unread"] == 1 and data["unread_label"] == "1 ny"
    [card] = data["changed"]
    assert card["id"] == routed_one.id and card["unread"] and card["news"] == f"Nyt svar: {routed_one.number}"
    assert "Tolken betales af forvaltningen." in card["html"] and 'class="badge news">Nyt svar<' in card["html"]
    later = chat.get(f"/chat/updates?since={quote(data['checked_at'])}", headers=JSON).json()
    assert later["unread"] == 1  # still unread: she has not opened it


def test_updates_hold_only_the_caseworkers_own_requisitions(chat, services, people, routed_one, new_client):  # type: ignore[no-untyped-def]
    other = services.accounts.register_caseworker(SYSTEM, channel="web", external_id="key:other",
                                                  display_name="Ole", department="Beskæftigelse")
    services.requisitions.answer(people.anna, routed_one.id, "Forvaltningen betaler.")
    theirs = caseworker_client(new_client(), services, other)
    data = theirs.get("/chat/updates", headers=JSON).json()
    assert data == {"checked_at": data["checked_at"], "unread": 0, "unread_label": "0 nye", "changed": []}
    assert theirs.get(f"/chat/requisitions/{routed_one.id}").status_code == 403
    assert "Forvaltningen betaler." not in theirs.get("/chat").text


def test_updates_refuse_a_visitor_who_is_not_signed_in(client, new_client, people):  # type: ignore[no-untyped-def]
    assert client.get("/chat/updates", headers=JSON).status_code == 401
    page = new_client().get("/chat/updates", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_news_stays_marked_across_reloads_until_she_opens_the_requisition(chat, services, people, routed_one):  # type: ignore[no-untyped-def]
    services.requisitions.ask_for_info(people.anna, routed_one.id, "Hvilket sprog taler familien?")
    for _ in range(2):  # a reload does not count as reading
        html = chat.get("/chat").text
        assert "<title>(1) Spørg Vejviser" in html and 'class="badge news">Nyt spørgsmål til dig<' in html
    chat.get(f"/chat/requisitions/{routed_one.id}")
    html = chat.get("/chat").text
    assert "<title>Spørg Vejviser" in html and 'class="badge news">Nyt' not in html
    assert chat.get("/chat/updates", headers=JSON).json()["unread"] == 0
    post_form(chat, "/chat", f"/chat/requisitions/{routed_one.id}/reply", {"text": "Dari"})
    services.requisitions.answer(people.anna, routed_one.id, "Bestil en dari-tolk.")
    assert 'class="badge news">Nyt svar<' in chat.get("/chat").text  # news after the last look is new again


def test_a_reply_is_confirmed_and_shown_under_the_requisition(chat, services, people, routed_one):  # type: ignore[no-untyped-def]
    services.requisitions.ask_for_info(people.anna, routed_one.id, "Hvilket sprog taler familien?")
    response = post_form(chat, "/chat", f"/chat/requisitions/{routed_one.id}/reply",
                         {"text": "Tigrinya. Ring til mig på 22 33 44 55."})
    assert response.status_code == 303
    html = chat.get(response.headers["location"]).text
    card = html[html.index(f'id="req-{routed_one.id}"'):]
    assert "Dit svar er sendt til task forcen." in card
    assert "Task forcen spurgte:</strong> Hvilket sprog taler familien?" in card and "Tigrinya." in card
    assert "22 33 44 55" not in html  # the reply is kept redacted
    assert "Dit svar er sendt" not in chat.get("/chat").text  # the confirmation belongs to that one answer


def test_the_chat_speaks_english_to_an_english_caseworker(chat, services, people, routed_one):  # type: ignore[no-untyped-def]
    post_form(chat, "/chat", "/language", {"language": "en", "next": "/chat"})
    services.requisitions.ask_for_info(people.anna, routed_one.id, "Which language does the family speak?")
    response = post_form(chat, "/chat", f"/chat/requisitions/{routed_one.id}/reply", {"text": "Tigrinya"})
    html = chat.get(response.headers["location"]).text
    assert "Your reply has been sent to the task force." in html and "Your questions" in html
    services.requisitions.answer(people.anna, routed_one.id, "Book a Tigrinya interpreter.")
    data = chat.get("/chat/updates", headers=JSON).json()
    assert data["unread_label"] == "1 new" and 'class="badge news">New answer<' in data["changed"][0]["html"]
