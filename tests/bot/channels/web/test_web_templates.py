"""Answer templates: the coordinator keeps a few stored texts, advisers pick them in the answer form."""

from __future__ import annotations

import pytest

from bot.core.errors import PermissionDenied
from bot.people.actors import SYSTEM
from bot.storage.audit import entries
from tests.bot.channels.web.conftest import ADVISER_PASSWORD, COORDINATOR_PASSWORD, post_form, sign_in

GREETING = "Tak for dit spørgsmål. Task forcen har set på sagen, og svaret følger her."


@pytest.fixture
def in_progress(services, people):
    req = services.requisitions.create(people.caseworker, "Hvem betaler for tolk ved hjemløseenheden?", None).requisition
    services.requisitions.assign(SYSTEM, req.id, people.anna.id)
    services.requisitions.start(people.anna, req.id)
    return req


def test_the_coordinator_saves_a_template_and_the_adviser_can_pick_it(client, new_client, services, people, in_progress):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    saved = post_form(client, "/dashboard/templates", "/dashboard/templates",
                      {"title": "Indledning", "text": GREETING + " CPR 010190-1234."})
    assert saved.status_code == 303
    page = client.get("/dashboard/templates").text
    assert "Indledning" in page and GREETING in page and "010190-1234" not in page  # redacted like every text
    adviser = new_client()
    sign_in(adviser, "anna", ADVISER_PASSWORD)
    form = adviser.get(f"/dashboard/requisitions/{in_progress.id}").text
    assert f'data-text="{GREETING}' in form and ">Indledning</option>" in form
    assert "/dashboard/templates" not in form  # the link to edit them is the coordinator's
    assert adviser.get("/dashboard/templates").status_code == 403
    refused = post_form(adviser, f"/dashboard/requisitions/{in_progress.id}", "/dashboard/templates",
                        {"title": "Min egen", "text": "x"})
    assert refused.status_code == 403
    with services.database.session() as session:
        assert [e.action for e in entries(session, subject="template:1")] == ["template.save"]
    (template,) = services.requisitions.templates.list(people.coordinator)
    deleted = post_form(client, "/dashboard/templates", f"/dashboard/templates/{template.id}/delete", {})
    assert deleted.status_code == 303 and services.requisitions.templates.list(people.coordinator) == []
    with pytest.raises(PermissionDenied):
        services.requisitions.templates.list(people.caseworker)
