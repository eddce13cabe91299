"""A click under an answer acts on the answer shown (bot/assistant.py): routing and voting do not ask the engine
again, a vote counts once however often it is clicked, and a form without its token (an old page) still works.
The routed question counts on the gap map once, whichever door asked it, `/api/ask` included."""

from __future__ import annotations

import re

import pytest

from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import ANSWERABLE, caseworker_client, post_form

TOKEN = re.compile(r'name="answer_token" value="([^"]+)"')
UNANSWERED = "Hvem betaler for tolk ved hjemløseenheden?"


@pytest.fixture
def chat(client, services, people):  # type: ignore[no-untyped-def]
    return caseworker_client(client, services, people.caseworker)


@pytest.fixture
def engine_calls(services, monkeypatch):  # type: ignore[no-untyped-def]
    calls: list[object] = []
    ask = services.engine.ask

    def counted(question, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(question)
        return ask(question, **kwargs)

    monkeypatch.setattr(services.engine, "ask", counted)
    return calls


def test_routing_the_answer_shown_asks_the_engine_once_and_counts_one_gap(chat, services, monkeypatch, engine_calls):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services.engine, "threshold", lambda: 1.01)  # nothing is sure enough: routed
    html = post_form(chat, "/chat", "/chat/ask", {"question": UNANSWERED}).text
    token = TOKEN.search(html)[1]
    routed = post_form(chat, "/chat", "/chat/route", {"question": UNANSWERED, "answer_token": token})
    assert "R-00001" in routed.text
    assert engine_calls == [UNANSWERED]  # the route used the answer shown
    requisition = services.requisitions.get(SYSTEM, 1)
    assert requisition.candidates  # with the passages the engine found when it was asked
    assert [s.kind for s in services.requisitions.gap_signals(SYSTEM)] == ["routed"]


def test_a_vote_clicked_twice_counts_once_and_asks_nothing(chat, services, engine_calls):  # type: ignore[no-untyped-def]
    html = post_form(chat, "/chat", "/chat/ask", {"question": ANSWERABLE}).text
    token = TOKEN.search(html)[1]
    for _ in range(2):
        thanked = post_form(chat, "/chat", "/chat/feedback", {"question": ANSWERABLE, "vote": "up", "answer_token": token})
        assert "Tak for" in thanked.text
    assert engine_calls == [ANSWERABLE]
    assert services.requisitions.feedback_summary(SYSTEM).up == 1


def test_a_form_without_its_answer_still_routes(chat, services, engine_calls):  # type: ignore[no-untyped-def]
    routed = post_form(chat, "/chat", "/chat/route", {"question": UNANSWERED, "answer_token": "gone1234"})
    assert "R-00001" in routed.text and engine_calls == [UNANSWERED]


def test_another_caseworkers_token_is_not_hers(chat, services, people):  # type: ignore[no-untyped-def]
    html = post_form(chat, "/chat", "/chat/ask", {"question": ANSWERABLE}).text
    token = TOKEN.search(html)[1]
    assert services.assistant.recall(people.caseworker, token) is not None
    other = services.accounts.register_caseworker(SYSTEM, channel="web", external_id="other", display_name="Other",
                                                  department="Jobcenter")
    assert services.assistant.recall(other, token) is None


def test_a_question_routed_through_the_api_counts_on_the_gap_map(client, services, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services.engine, "threshold", lambda: 1.01)
    secret = services.accounts.create_token(SYSTEM, "tests").secret
    response = client.post("/api/ask", json={"question": UNANSWERED}, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.json()["status"] == "route"
    [gap] = services.requisitions.gap_signals(SYSTEM)
    assert (gap.kind, gap.question) == ("routed", UNANSWERED)
