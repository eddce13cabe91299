"""The dashboard as an inbox: counts per state, each requisition's clock against its service level in working
days, sorting by due time, "assigned to me", bulk assignment, and internal notes the caseworker never sees."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.core.errors import PermissionDenied
from bot.people.actors import SYSTEM
from bot.storage.audit import entries
from bot.storage.models import OutboxRow
from tests.bot.channels.web.conftest import (
    ADVISER_PASSWORD,
    COORDINATOR_PASSWORD,
    caseworker_client,
    csrf_from,
    post_form,
    sign_in,
)

FRIDAY = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Tuesday 13:00 in Copenhagen
NOTE = "Ring til Jobcenter Amager før svaret, de har en ny praksis."


def at(services, when: datetime) -> None:
    services.requisitions.clock = lambda: when


@pytest.fixture
def inbox(services, people):
    """A (Friday, new: overdue), C (Saturday, new: not overdue in working days), B (Monday, Anna's),
    D (Friday, Anna's, waiting for information since Monday)."""
    def create(question: str, when: datetime):
        at(services, when)
        return services.requisitions.create(people.caseworker, question, None).requisition

    a = create("Hvordan bruger vi bydelsmødre i boligområderne?", FRIDAY)
    c = create("Må vi registrere etnicitet i sagerne?", SATURDAY)
    b = create("Hvem betaler for tolk ved hjemløseenheden?", MONDAY)
    services.requisitions.assign(SYSTEM, b.id, people.anna.id)
    d = create("Hvornår starter sprogcaféen i Nordvest?", FRIDAY)
    services.requisitions.assign(SYSTEM, d.id, people.anna.id)
    services.requisitions.start(people.anna, d.id)
    at(services, MONDAY)
    services.requisitions.ask_for_info(people.anna, d.id, "Hvilken forvaltning spørger du fra?")
    at(services, NOW)
    return {"a": a, "b": b, "c": c, "d": d}


def numbers(html: str) -> list[str]:
    return re.findall(r">(R-\d+)</a></td>", html)


def count(html: str, key: str) -> int:
    match = re.search(rf'data-inbox="{key}">\s*<span class="label">[^<]+</span> <span class="value">(\d+)</span>', html)
    assert match, f"no inbox count for {key}"
    return int(match.group(1))


def test_the_inbox_counts_new_unassigned_waiting_and_overdue(client, people, inbox):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    html = client.get("/dashboard").text
    assert [count(html, k) for k in ("new", "unassigned", "needs_info", "overdue", "mine")] == [2, 2, 1, 1, 0]
    assert numbers(client.get("/dashboard?overdue=1").text) == [inbox["a"].number]
    assert set(numbers(client.get("/dashboard?unassigned=1").text)) == {inbox["a"].number, inbox["c"].number}


def test_overdue_is_counted_in_working_days_and_said_in_words(client, people, inbox):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    html = client.get("/dashboard").text
    rows = {n: row for n, row in re.findall(r"<tr[^>]*>\s*(?:<td class=\"pick\">.*?</td>\s*)?<td class=\"number\"><a[^>]*>(R-\d+)</a>(.*?)</tr>", html, re.S)}
    # Friday 12:00 to Tuesday 13:00 Copenhagen time is 4 calendar days but 49 working hours: 1 hour past 2 days.
    assert "Overskredet: 2 d 1 t af 2 d" in rows[inbox["a"].number]
    # Saturday's requisition is older in calendar days than Monday's, yet counts from Monday: not overdue.
    assert "1 d 13 t af 2 d" in rows[inbox["c"].number] and "Overskredet" not in rows[inbox["c"].number]
    assert "1 d 1 t af 2 d" in rows[inbox["b"].number]
    assert "1 d 1 t af 5 d" in rows[inbox["d"].number]


def test_the_list_is_sorted_by_due_time_first(client, people, inbox):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    expected = [inbox[k].number for k in ("a", "c", "b", "d")]  # due Tue 12:00, Wed 00:00, Wed 12:00, next Mon
    assert numbers(client.get("/dashboard").text) == expected
    assert numbers(client.get("/dashboard?sort=due").text) == expected
    assert numbers(client.get("/dashboard?sort=created").text) == [inbox[k].number for k in ("a", "d", "c", "b")]


def test_an_adviser_sees_assigned_to_me_and_no_export_button(client, people, inbox):
    sign_in(client, "anna", ADVISER_PASSWORD)
    html = client.get("/dashboard").text
    assert count(html, "mine") == 2 and count(html, "overdue") == 0
    assert set(numbers(client.get("/dashboard?mine=1").text)) == {inbox["b"].number, inbox["d"].number}
    assert "Eksportér CSV" not in html and "/dashboard/export.csv" not in html
    assert 'action="/dashboard/assign"' not in html
    assert client.get("/dashboard/export.csv").status_code == 403


def test_the_coordinator_sees_the_export_button(client, people, inbox):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    assert "Eksportér CSV" in client.get("/dashboard").text


def test_bulk_assign_gives_all_ticked_to_one_adviser_each_audited(client, services, people, inbox):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    picked = [inbox["a"].id, inbox["c"].id]
    response = post_form(client, "/dashboard", "/dashboard/assign", {"adviser_id": people.bo.id, "selected": picked,
                                                                     "back": "status=new"})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard?status=new"
    for requisition_id in picked:
        view = services.requisitions.get(SYSTEM, requisition_id)
        assert (view.status, view.assignee_username) == ("assigned", "bo")
    with services.database.session() as session:
        for key in ("a", "c"):
            log = entries(session, subject=f"requisition:{inbox[key].number}")
            assert log[0].action == "requisition.assigned" and log[0].details["assignee"] == "bo"


def test_bulk_assign_is_all_or_nothing_and_needs_csrf_and_a_coordinator(client, services, people, inbox, new_client):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    # One of the three is answered-or-missing: nothing is assigned.
    response = post_form(client, "/dashboard", "/dashboard/assign",
                         {"adviser_id": people.bo.id, "selected": [inbox["a"].id, 2**31 - 1]})
    assert response.status_code == 404
    assert services.requisitions.get(SYSTEM, inbox["a"].id).assignee_id is None
    forged = client.post("/dashboard/assign", data={"adviser_id": people.bo.id, "selected": [inbox["a"].id]},
                         follow_redirects=False)
    assert forged.status_code == 403
    assert services.requisitions.get(SYSTEM, inbox["a"].id).assignee_id is None
    adviser = new_client()
    sign_in(adviser, "anna", ADVISER_PASSWORD)
    refused = post_form(adviser, "/dashboard", "/dashboard/assign", {"adviser_id": people.anna.id, "selected": [inbox["a"].id]})
    assert refused.status_code == 403
    assert services.requisitions.get(SYSTEM, inbox["a"].id).assignee_id is None


def test_internal_notes_reach_the_task_force_and_never_the_caseworker(client, services, people, inbox, new_client):
    b = inbox["b"]
    sign_in(client, "anna", ADVISER_PASSWORD)
    page = f"/dashboard/requisitions/{b.id}"
    response = post_form(client, page, f"{page}/notes", {"text": NOTE + " CPR 010190-1234"})
    assert response.status_code == 303
    html = client.get(page).text
    assert NOTE in html and "010190-1234" not in html and "anna (rådgiver)" in html
    coordinator = new_client()
    sign_in(coordinator, "coordinator", COORDINATOR_PASSWORD)
    assert NOTE in coordinator.get(page).text
    other = new_client()
    sign_in(other, "bo", ADVISER_PASSWORD)
    assert other.post(f"{page}/notes", data={"text": "x", "csrf_token": csrf_from(other.get("/dashboard").text)},
                      follow_redirects=False).status_code == 403
    with services.database.session() as session:
        log = entries(session, subject=f"requisition:{b.number}")
        assert log[0].action == "requisition.note" and NOTE not in str(log[0].details)
    # The caseworker's doors: the web chat, the views the Telegram bot renders, the API, the notifications.
    services.requisitions.start(people.anna, b.id)
    services.requisitions.answer(people.anna, b.id, "Tolken betales af forvaltningen.")
    chat = caseworker_client(new_client(), services, people.caseworker)
    assert NOTE not in chat.get("/chat").text
    mine = services.requisitions.list(people.caseworker, limit=50).items
    assert all(NOTE not in repr(view) for view in mine)
    token = services.accounts.create_token(SYSTEM, "tests").secret
    api = new_client()
    listed = api.get("/api/requisitions", headers={"Authorization": f"Bearer {token}"})
    one = api.get(f"/api/requisitions/{b.id}", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == one.status_code == 200
    assert NOTE not in listed.text and NOTE not in one.text
    with services.database.session() as session:
        payloads = [row.payload for row in session.query(OutboxRow).all()]
    assert payloads and all(NOTE not in str(p) for p in payloads)
    with pytest.raises(PermissionDenied, match="task force only"):
        services.requisitions.notes(people.caseworker, b.id)


def test_due_order_pages_open_ones_first_then_the_rest_newest_first(services, people, inbox):
    b = inbox["b"]
    services.requisitions.start(people.anna, b.id)
    services.requisitions.answer(people.anna, b.id, "Forvaltningen betaler.")
    late = services.requisitions.create(people.caseworker, "Hvornår åbner det nye borgerservicecenter?", None).requisition
    order = [inbox[k].number for k in ("a", "c")] + [late.number, inbox["d"].number, b.number]
    pages = [services.requisitions.list(SYSTEM, sort="due", offset=o, limit=2) for o in (0, 2, 4)]
    assert [v.number for p in pages for v in p.items] == order
    assert {p.total for p in pages} == {5}
