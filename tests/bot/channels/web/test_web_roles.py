"""Roles are checked on the server for every route: advisers see only their own, caseworkers no dashboard."""

from __future__ import annotations

import pytest

from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import (
    ADVISER_PASSWORD,
    COORDINATOR_PASSWORD,
    caseworker_client,
    post_form,
    sign_in,
)


@pytest.fixture
def bos_requisition(services, people):
    """A requisition assigned to and started by adviser Bo."""
    answer = services.engine.ask("Hvordan samarbejder vi med boligselskaberne om tolkning?")
    requisition = services.requisitions.create(people.caseworker, answer.question, answer).requisition
    services.requisitions.assign(SYSTEM, requisition.id, people.bo.id)
    services.requisitions.start(people.bo, requisition.id)
    return requisition


def test_an_adviser_cannot_see_another_advisers_requisition(client, people, bos_requisition):
    sign_in(client, "anna", ADVISER_PASSWORD)
    assert client.get(f"/dashboard/requisitions/{bos_requisition.id}").status_code == 403
    assert bos_requisition.number not in client.get("/dashboard").text
    assert bos_requisition.number not in client.get("/dashboard/export.csv").text


def test_an_adviser_cannot_change_another_advisers_requisition(client, people, services, bos_requisition):
    sign_in(client, "anna", ADVISER_PASSWORD)
    page = "/dashboard"
    for action, data in (("answer", {"text": "Mit svar"}), ("request_info", {"message": "Hvem?"}), ("close", {})):
        response = post_form(client, page, f"/dashboard/requisitions/{bos_requisition.id}/{action}", data)
        assert response.status_code == 403, action
    assert services.requisitions.get(SYSTEM, bos_requisition.id).status == "in_progress"


def test_the_assigned_adviser_can_answer(client, people, services, bos_requisition):
    sign_in(client, "bo", ADVISER_PASSWORD)
    page = f"/dashboard/requisitions/{bos_requisition.id}"
    response = post_form(client, page, f"{page}/answer", {"text": "Kontakt boligsocial enhed.", "cite": ["0"]})
    assert response.status_code == 303
    answered = services.requisitions.get(SYSTEM, bos_requisition.id)
    assert answered.status == "answered"
    assert answered.sources[0].quote == bos_requisition.candidates[0].quote


def test_an_adviser_cannot_use_coordinator_pages_or_actions(client, people, bos_requisition):
    sign_in(client, "anna", ADVISER_PASSWORD)
    for path in ("/dashboard/users", "/dashboard/gaps"):
        assert client.get(path).status_code == 403, path
    for action, data in (
        (f"/dashboard/requisitions/{bos_requisition.id}/assign", {"adviser_id": people.anna.id}),
        (f"/dashboard/requisitions/{bos_requisition.id}/reject", {"reason": "nej"}),
        ("/dashboard/users", {"username": "eve", "role": "coordinator"}),
        ("/dashboard/invites", {"department": "SOF"}),
        ("/dashboard/tokens", {"name": "mine"}),
    ):
        assert post_form(client, "/dashboard", action, data).status_code == 403, action


def test_a_caseworker_cannot_reach_the_dashboard(client, people, services, bos_requisition):
    caseworker_client(client, services, people.caseworker)
    for path in ("/dashboard", f"/dashboard/requisitions/{bos_requisition.id}", "/dashboard/users", "/dashboard/gaps",
                 "/dashboard/eval", "/dashboard/export.csv", "/password"):
        assert client.get(path, follow_redirects=False).status_code == 403, path
    response = post_form(client, "/chat", f"/dashboard/requisitions/{bos_requisition.id}/answer", {"text": "svar"})
    assert response.status_code == 403


def test_staff_do_not_get_the_caseworker_chat(client, people):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    assert client.get("/chat").status_code == 403


def test_a_caseworker_cannot_touch_another_caseworkers_requisition(client, people, services, bos_requisition):
    other = services.accounts.register_caseworker(
        SYSTEM, channel="web", external_id="key:other", display_name="Ole", department="BIF"
    )
    caseworker_client(client, services, other)
    assert bos_requisition.question not in client.get("/chat").text
    response = post_form(client, "/chat", f"/chat/requisitions/{bos_requisition.id}/reply", {"text": "Her er mere"})
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/users", "/chat", "/documents", "/dashboard/requisitions/1"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_a_deactivated_adviser_is_signed_out(client, people, services):
    sign_in(client, "anna", ADVISER_PASSWORD)
    services.accounts.set_active(SYSTEM, people.anna.id, False)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
