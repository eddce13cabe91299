"""The dashboard, document viewer, overview pages and web chat, through what a user sees in the HTML."""

from __future__ import annotations

import csv
import io
import re
from html import escape as html_escape

import pytest

from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import ANSWERABLE, COORDINATOR_PASSWORD, caseworker_client, post_form, sign_in


@pytest.fixture
def routed(services, people):
    """Three requisitions: new, assigned to Anna, and answered by Anna."""
    made = []
    for question, themes in (
        ("Hvordan bruger vi bydelsmødre i boligområderne?", ("bydelsmødre",)),
        ("Hvem betaler for tolk ved hjemløseenheden?", ("tolk",)),
        ("Må vi registrere etnicitet i sagerne?", ("registrering",)),
    ):
        answer = services.engine.ask(question)
        made.append(services.requisitions.create(people.caseworker, answer.question, answer, themes=themes).requisition)
    services.requisitions.assign(SYSTEM, made[1].id, people.anna.id)
    services.requisitions.assign(SYSTEM, made[2].id, people.anna.id)
    services.requisitions.start(people.anna, made[2].id)
    services.requisitions.answer(people.anna, made[2].id, "Nej, jf. høringssvaret.")
    return made


@pytest.fixture
def coordinator(client, people):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    return client


def numbers(html: str) -> list[str]:
    return re.findall(r">(R-\d+)</a></td>", html)


def test_list_filters_by_status_theme_assignee_department_age_and_text(coordinator, routed, people):
    assert len(numbers(coordinator.get("/dashboard").text)) == 3
    assert numbers(coordinator.get("/dashboard?status=new").text) == [routed[0].number]
    assert numbers(coordinator.get("/dashboard?theme=tolk").text) == [routed[1].number]
    assert set(numbers(coordinator.get(f"/dashboard?assignee={people.anna.id}").text)) == {routed[1].number, routed[2].number}
    assert numbers(coordinator.get("/dashboard?q=bydelsm%C3%B8dre").text) == [routed[0].number]
    assert numbers(coordinator.get("/dashboard?status=open&sort=created").text) == [routed[0].number, routed[1].number]
    assert numbers(coordinator.get("/dashboard?age=7").text) == []
    assert len(numbers(coordinator.get("/dashboard?department=Socialforvaltningen").text)) == 3
    assert numbers(coordinator.get("/dashboard?department=Beskæftigelsesforvaltningen").text) == []


def test_list_shows_waiting_time_and_unknown_filters_are_ignored(coordinator, routed):
    html = coordinator.get("/dashboard?status=bogus&sort=bogus").text
    assert len(numbers(html)) == 3
    assert "0 min" in html


def test_detail_links_candidates_into_the_viewer_which_highlights_them(coordinator, routed, services):
    requisition = routed[0]
    html = coordinator.get(f"/dashboard/requisitions/{requisition.id}").text
    links = re.findall(r'href="(/documents/[^"]+)"', html)
    assert links
    candidate = requisition.candidates[0]
    viewer = coordinator.get(links[0].replace("&amp;", "&"))
    marked = re.search(r'<mark id="cited" class="current">(.*?)</mark>', viewer.text, re.S).group(1)
    assert marked.replace("&#34;", '"').replace("&#39;", "'") == candidate.quote
    assert "Om dokumentet" in viewer.text


def test_detail_offers_only_the_actions_the_state_allows(coordinator, routed):
    new = coordinator.get(f"/dashboard/requisitions/{routed[0].id}").text
    assert "/assign" in new and "/reject" in new and "/answer" not in new
    answered = coordinator.get(f"/dashboard/requisitions/{routed[2].id}").text
    assert "/publish" in answered and "/close" in answered and "/assign" not in answered
    assert "Nej, jf. høringssvaret." in answered


def test_an_invalid_action_is_a_409_page_that_says_what_is_allowed(coordinator, routed):
    response = post_form(coordinator, "/dashboard", f"/dashboard/requisitions/{routed[0].id}/close", {})
    assert response.status_code == 409
    assert "Tilladt fra «ny»: tildelt, dublet, afvist." in response.text  # a Danish page, in Danish


def test_answering_with_a_quote_that_is_not_in_the_document_is_refused(client, routed, people):
    sign_in(client, "anna", "blå elefant spiser havregrød")
    page = f"/dashboard/requisitions/{routed[1].id}"
    post_form(client, page, f"{page}/start", {})
    response = post_form(
        client, page, f"{page}/answer",
        {"text": "Svar", "source_doc": "001_7fd9acb3b78e308e", "source_quote": "Dette står ikke i brevet."},
    )
    assert response.status_code == 422
    assert "står ikke ordret" in response.text  # in the page's language, on the requisition page (test_web_drafts.py)


def test_unknown_records_are_404_pages(coordinator):
    assert coordinator.get("/dashboard/requisitions/4242").status_code == 404
    assert coordinator.get("/documents/no_such_doc").status_code == 404
    response = coordinator.get("/no/such/page")
    assert response.status_code == 404 and "findes ikke" in response.text


def test_document_viewer_shows_metadata_and_survives_a_bad_span(coordinator):
    html = coordinator.get("/documents/001_7fd9acb3b78e308e?start=50&end=10").text
    assert "<mark" not in html and "findes ikke i dokumentet" in html
    assert "2006" in html


def test_csv_export_has_the_filtered_rows_and_defuses_formulas(coordinator, routed, services, people):
    answer = services.engine.ask("=HYPERLINK(\"http://evil\") tolk?")
    services.requisitions.create(people.caseworker, answer.question, answer)
    response = coordinator.get("/dashboard/export.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 4
    assert not any(value.startswith("=") for row in rows for value in row.values())
    assert len(list(csv.DictReader(io.StringIO(coordinator.get("/dashboard/export.csv?status=new").text.lstrip("\ufeff"))))) == 2


def test_gap_map_draws_charts_by_section_theme_and_month(coordinator, routed):
    html = coordinator.get("/dashboard/gaps").text
    assert html.count("<svg") == 3
    assert "bydelsmødre" in html and "tolk" in html


def test_gap_map_counts_thumbs_down_and_routed_questions_too(client, new_client, services, people):
    caseworker_client(client, services, people.caseworker)
    post_form(client, "/chat", "/chat/feedback", {"question": "Hvem betaler for tolk?", "vote": "down"})
    closest = services.engine.index.chunks[0]
    services.requisitions.record_routed(people.caseworker, "telegram", "Hjælper bydelsmødre med boligsøgning?",
                                        [closest.id])
    coordinator = new_client()
    sign_in(coordinator, "coordinator", COORDINATOR_PASSWORD)
    html = coordinator.get("/dashboard/gaps").text

    assert html.count("<svg") == 3  # no requisitions yet, and still the charts
    assert "negative tilbagemeldinger (👎): 1" in html and "rutede spørgsmål: 1" in html  # the bars' tooltips
    assert ">tolk<" in html and ">bydelsmødre<" in html and ">bolig<" in html  # themes read off the questions
    title = services.engine.documents[closest.doc_id].metadata.title
    assert f"<title>{html_escape(title)}" in html  # the routed question's closest section, by its document


def test_eval_page_says_so_when_there_is_no_report(coordinator, monkeypatch, tmp_path):
    from bot.channels.web import insights

    monkeypatch.setattr(insights, "REPORT_DIR", tmp_path)
    assert "vejviser eval" in coordinator.get("/dashboard/eval").text


def test_eval_page_renders_the_report_with_its_plots_and_escapes_html(coordinator, monkeypatch, tmp_path):
    from bot.channels.web import insights

    (tmp_path / "REPORT.md").write_text(
        "# Eval\n\n| metric | value |\n|---|---:|\n| hit@5 | 0.91 |\n\n![curve](risk_coverage.png)\n\n<script>alert(1)</script>\n"
    )
    (tmp_path / "risk_coverage.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setattr(insights, "REPORT_DIR", tmp_path)
    html = coordinator.get("/dashboard/eval").text
    assert "<table tabindex=\"0\">" in html and "hit@5" in html
    assert '<td class="align-right">0.91</td>' in html and "style=" not in html  # aligned without inline style
    assert 'src="/dashboard/eval/assets/risk_coverage.png"' in html
    assert "<script>alert" not in html
    assert coordinator.get("/dashboard/eval/assets/risk_coverage.png").status_code == 200
    assert coordinator.get("/dashboard/eval/assets/..%2FREPORT.md").status_code in (404, 422)


def test_interface_switches_to_english(coordinator):
    assert "Rekvisitioner" in coordinator.get("/dashboard").text
    response = post_form(coordinator, "/dashboard", "/language", {"language": "en", "next": "/dashboard"})
    assert response.status_code == 303
    html = coordinator.get("/dashboard").text
    assert "Requisitions" in html and '<html lang="en">' in html


def test_users_page_shows_new_secrets_once(coordinator, services):
    created = post_form(coordinator, "/dashboard/users", "/dashboard/users", {"username": "carl", "role": "adviser"})
    password = re.search(r'id="new-password">([^<]+)<', created.text).group(1)
    assert services.accounts.authenticate("carl", password) is not None
    assert password not in coordinator.get("/dashboard/users").text
    invite = post_form(coordinator, "/dashboard/users", "/dashboard/invites", {"department": "BIF"})
    assert re.search(r'id="invite-code">([^<]+)<', invite.text)
    token = post_form(coordinator, "/dashboard/users", "/dashboard/tokens", {"name": "BI-rapport"})
    secret = re.search(r'id="api-token">([^<]+)<', token.text).group(1)
    assert services.accounts.verify_token(secret) is not None


def test_caseworker_registers_with_an_invite_and_signs_in_with_the_key(client, new_client, services):
    invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
    registered = post_form(client, "/register", "/register", {"code": invite.code, "display_name": "Sara"})
    key = re.search(r'id="signin-key">([^<]+)<', registered.text).group(1)
    assert client.get("/chat").status_code == 200
    again = post_form(client, "/register", "/register", {"code": invite.code, "display_name": "Eve"})
    assert again.status_code == 422  # an invite is good for one registration
    later = new_client()
    assert post_form(later, "/login", "/login/key", {"key": "vk-wrong"}).status_code == 401
    response = post_form(later, "/login", "/login/key", {"key": key})
    assert response.status_code == 303 and response.headers["location"] == "/chat"
    assert "Sara" in later.get("/chat").text


def test_chat_answers_with_quotes_and_citations(client, services, people):
    caseworker_client(client, services, people.caseworker)
    html = post_form(client, "/chat", "/chat/ask", {"question": ANSWERABLE}).text
    assert "<blockquote>" in html and "/documents/" in html
    assert "Send til task forcen" in html


def test_chat_says_the_decision_in_words_with_the_number_only_in_a_tooltip(client, services, people):
    caseworker_client(client, services, people.caseworker)
    html = post_form(client, "/chat", "/chat/ask", {"question": ANSWERABLE}).text
    verdict = re.search(r'<p class="verdict good" title="Sikkerhed (\d,\d\d)"><strong>Fundet i dokumenterne</strong>', html)
    assert verdict is not None  # Danish decimals on a Danish page
    assert "Sikkerhed:" not in html and "Hjalp svaret?" in html


def test_a_routed_chat_answer_shows_the_decision_two_passages_at_most_and_no_feedback(client, services, people,
                                                                                      monkeypatch):
    monkeypatch.setattr(services.engine, "threshold", lambda: 1.01)  # nothing is sure enough: routed
    caseworker_client(client, services, people.caseworker)
    html = post_form(client, "/chat", "/chat/ask", {"question": ANSWERABLE}).text
    assert "Ikke i dokumenterne — send til task forcen?" in html  # under the band (the test model has none)
    assert html.count('<div class="passage">') <= 2
    assert "Hjalp svaret?" not in html and "Send til task forcen" in html


def test_pages_show_copenhagen_time_and_the_languages_decimals():
    from datetime import UTC, datetime

    from bot.channels.web.templating import decimal, timestamp

    assert timestamp(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "2026-07-01 12:00"  # summer time
    assert timestamp(datetime(2026, 12, 7, 23, 30, tzinfo=UTC)) == "2026-12-08 00:30"  # winter, the next day
    assert decimal(0.9134, "da") == "0,91" and decimal(0.9134, "en") == "0.91"


def test_chat_refuses_an_empty_question_politely(client, services, people):
    caseworker_client(client, services, people.caseworker)
    response = post_form(client, "/chat", "/chat/ask", {"question": "   "})
    assert response.status_code == 422 and "Spørgsmålet er tomt" in response.text


def test_chat_routes_a_question_and_tells_what_was_redacted(client, services, people):
    caseworker_client(client, services, people.caseworker)
    response = post_form(
        client, "/chat", "/chat/route", {"question": "Borgeren 010190-1234 mangler tolk, hvad gør vi?", "context": ""}
    )
    assert "R-00001" in response.text and "CPR-nummer" in response.text
    stored = services.requisitions.get(SYSTEM, 1)
    assert "010190-1234" not in stored.question and stored.candidates


def test_chat_feedback_is_recorded(client, services, people):
    caseworker_client(client, services, people.caseworker)
    response = post_form(client, "/chat", "/chat/feedback", {"question": ANSWERABLE, "vote": "down"})
    assert "Tak for din tilbagemelding" in response.text
    assert services.requisitions.feedback_summary(SYSTEM).down == 1


def test_chat_shows_requests_for_information_and_answers_and_takes_replies(client, services, people, routed):
    services.requisitions.start(people.anna, routed[1].id)
    services.requisitions.ask_for_info(people.anna, routed[1].id, "Hvilket sprog taler familien?")
    caseworker_client(client, services, people.caseworker)
    html = client.get("/chat").text
    assert "Hvilket sprog taler familien?" in html and "Nej, jf. høringssvaret." in html
    response = post_form(client, "/chat", f"/chat/requisitions/{routed[1].id}/reply", {"text": "Tigrinya"})
    assert response.status_code == 303
    assert services.requisitions.get(SYSTEM, routed[1].id).status == "in_progress"
    post_form(client, "/chat", f"/chat/requisitions/{routed[2].id}/close", {})
    assert services.requisitions.get(SYSTEM, routed[2].id).status == "closed"
