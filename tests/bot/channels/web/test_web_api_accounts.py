"""Offboarding over the JSON API: listed without secrets, revoked and deactivated once, 404 for unknown ids."""

from __future__ import annotations

import pytest

from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import ANSWERABLE


@pytest.fixture
def api(client, services):
    client.headers["Authorization"] = f"Bearer {services.accounts.create_token(SYSTEM, 'tests').secret}"
    return client


def test_a_caseworker_deactivated_over_the_api_can_no_longer_send_requisitions(api, services, people):
    listed = api.get("/api/caseworkers").json()
    assert [(c["id"], c["active"]) for c in listed] == [(people.caseworker.id, True)]
    assert "external_id" not in listed[0]
    first = api.post(f"/api/caseworkers/{people.caseworker.id}/deactivate")
    second = api.post(f"/api/caseworkers/{people.caseworker.id}/deactivate")
    assert (first.status_code, first.json()) == (200, {"id": people.caseworker.id, "changed": True})
    assert second.json()["changed"] is False
    assert api.get("/api/caseworkers").json()[0]["active"] is False
    refused = api.post("/api/requisitions", json={"caseworker_id": people.caseworker.id, "question": ANSWERABLE})
    assert refused.status_code == 403 and "deactivated" in refused.json()["detail"]


def test_invites_and_tokens_are_listed_and_revoked_over_the_api(api, services):
    invite = services.accounts.create_invite(SYSTEM, "BIF")
    other = services.accounts.create_token(SYSTEM, "BI-rapport")
    assert api.get("/api/invites").json()[0] | {"created_at": None, "expires_at": None} == {
        "id": invite.id, "department": "BIF", "created_by": "system:system", "status": "open", "used_by": None,
        "created_at": None, "expires_at": None}
    assert api.post(f"/api/invites/{invite.id}/revoke").json() == {"id": invite.id, "changed": True}
    assert api.post(f"/api/invites/{invite.id}/revoke").json() == {"id": invite.id, "changed": False}
    assert api.get("/api/invites").json()[0]["status"] == "revoked"
    tokens = api.get("/api/tokens").json()
    assert [t["name"] for t in tokens] == ["tests", "BI-rapport"] and other.secret not in str(tokens)
    assert api.post(f"/api/tokens/{other.token.id}/revoke").json()["changed"] is True
    assert services.accounts.verify_token(other.secret) is None


@pytest.mark.parametrize("path", ["/api/caseworkers/999/deactivate", "/api/invites/999/revoke", "/api/tokens/999/revoke"])
def test_unknown_ids_are_404_with_a_message(api, path):
    response = api.post(path)
    assert response.status_code == 404 and "999" in response.json()["detail"]


def test_offboarding_needs_a_token_and_is_in_the_openapi_spec(client):
    assert client.get("/api/caseworkers").status_code == 401
    assert client.post("/api/tokens/1/revoke").status_code == 401
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/caseworkers", "/api/caseworkers/{caseworker_id}/deactivate", "/api/invites",
            "/api/invites/{invite_id}/revoke", "/api/tokens", "/api/tokens/{token_id}/revoke"} <= set(paths)
