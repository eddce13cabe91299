"""Through the doors: a question, context or name with terminal escapes or bidi overrides is stored without them."""

from __future__ import annotations

import re

from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import post_form

HIDDEN = "Hvem \x1b[2J\x1b[31mbetaler\x1b[0m \u202etolken\u202c i \u2066SOF\u2069?\x07"
CLEAN = "Hvem betaler tolken i SOF?"


def test_the_api_stores_a_question_and_context_without_escapes_or_bidi_overrides(client, services, people):
    client.headers["Authorization"] = f"Bearer {services.accounts.create_token(SYSTEM, 'tests').secret}"
    created = client.post("/api/requisitions", json={
        "caseworker_id": people.caseworker.id, "question": HIDDEN, "context": "Borger\u202e har\r\nbrug for\ttolk\x1b[0m"})
    assert created.status_code == 201, created.text
    stored = services.requisitions.get(SYSTEM, created.json()["requisition"]["id"])
    assert stored.question == CLEAN
    assert stored.context == "Borger har\nbrug for\ttolk"


def test_a_registration_stores_the_name_without_controls(client, services):
    invite = services.accounts.create_invite(SYSTEM, "SOF")
    registered = post_form(client, "/register", "/register", {"code": invite.code, "display_name": "Sara\u202e\x1b[1m B"})
    assert re.search(r'id="signin-key">', registered.text)
    assert [c.display_name for c in services.accounts.list_caseworkers(SYSTEM)] == ["Sara B"]
