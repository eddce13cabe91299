"""The JSON API: token auth, /api/ask's contract, the requisition workflow, and bad input that never 500s."""

from __future__ import annotations

import pytest

from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import ANSWERABLE


@pytest.fixture
def token(services) -> str:
    return services.accounts.create_token(SYSTEM, "tests").secret


@pytest.fixture
def api(client, token):
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_healthz_says_ok_without_a_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "documents": 5}


def test_ask_refuses_a_missing_or_unknown_token(client):
    assert client.post("/api/ask", json={"question": ANSWERABLE}).status_code == 401
    response = client.post("/api/ask", json={"question": ANSWERABLE}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_ask_returns_exactly_the_cli_json(api, services):
    response = api.post("/api/ask", json={"question": ANSWERABLE})
    assert response.status_code == 200
    assert response.json() == services.engine.ask(ANSWERABLE).to_json()
    assert response.json()["citations"][0]["quote"]


def test_a_revoked_token_is_refused(api, services, token):
    stored = services.accounts.list_tokens(SYSTEM)[0]
    services.accounts.revoke_token(SYSTEM, stored.id)
    assert api.post("/api/ask", json={"question": ANSWERABLE}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"question": 42}', b'{"question": ""}', b'{"question": "x", "extra": 1}', b"[]", b'{"question": "a\\u0000b"}'],
)
def test_malformed_ask_bodies_get_422_with_a_message(api, body):
    response = api.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_a_question_the_engine_finds_unusable_gets_422_with_its_message(api):
    response = api.post("/api/ask", json={"question": "   "})
    assert response.status_code == 422
    assert "empty" in response.json()["detail"]


def test_a_body_over_the_limit_gets_413(api, settings):
    response = api.post("/api/ask", json={"question": "x" * (settings.max_body_bytes + 10)})
    assert response.status_code == 413


def test_a_chunked_body_over_the_limit_gets_413(api, settings):
    def chunks():
        for _ in range(settings.max_body_bytes // 1000 + 2):
            yield b"x" * 1000

    response = api.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_unknown_requisition_gets_404_and_a_bad_id_422(api):
    assert api.get("/api/requisitions/999999").status_code == 404
    assert api.get("/api/requisitions/0").status_code == 422
    assert api.get("/api/requisitions/99999999999999999999").status_code == 422


def test_the_workflow_through_the_api(api, people, services):
    created = api.post(
        "/api/requisitions",
        json={"caseworker_id": people.caseworker.id, "question": "Hvem betaler tolk til forældremøder?", "themes": ["tolk"]},
    )
    assert created.status_code == 201, created.text
    requisition = created.json()["requisition"]
    rid = requisition["id"]
    assert requisition["status"] == "new" and requisition["candidates"]

    assert api.post(f"/api/requisitions/{rid}/assign", json={"adviser_id": people.anna.id}).json()["status"] == "assigned"
    assert api.post(f"/api/requisitions/{rid}/start").json()["status"] == "in_progress"
    source = requisition["candidates"][0]
    answered = api.post(
        f"/api/requisitions/{rid}/answer",
        json={"text": "Forvaltningen betaler.", "sources": [{"doc_id": source["doc_id"], "quote": source["quote"]}]},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["requisition"]["sources"][0]["doc_id"] == source["doc_id"]
    listed = api.get("/api/requisitions", params={"status": "answered", "text": "tolk"}).json()
    assert [item["id"] for item in listed["items"]] == [rid]
    assert api.get("/api/stats").json()["total"] == 1


def test_an_invalid_transition_gets_409_naming_the_allowed_ones(api, people):
    rid = api.post("/api/requisitions", json={"caseworker_id": people.caseworker.id, "question": "Hvad med tolke?"}).json()[
        "requisition"
    ]["id"]
    response = api.post(f"/api/requisitions/{rid}/close")
    assert response.status_code == 409
    assert "assigned" in response.json()["detail"]


def test_unknown_caseworker_or_adviser_gets_404(api, people):
    assert api.post("/api/requisitions", json={"caseworker_id": 4242, "question": "Hvad?"}).status_code == 404
    rid = api.post("/api/requisitions", json={"caseworker_id": people.caseworker.id, "question": "Hvad med tolke?"}).json()[
        "requisition"
    ]["id"]
    assert api.post(f"/api/requisitions/{rid}/assign", json={"adviser_id": 4242}).status_code in (404, 422)


def test_openapi_spec_and_reference_page(client):
    spec = client.get("/openapi.json").json()
    assert "/api/ask" in spec["paths"] and "/dashboard" not in spec["paths"]
    page = client.get("/docs")
    assert page.status_code == 200 and "POST /api/ask" in page.text
    assert "cdn" not in page.text.lower()
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in page.text  # the descriptions' Markdown is rendered
    assert "`status: route`" not in page.text
