"""Offboarding on the coordinator's users page: deactivate a caseworker, withdraw an invite, revoke a token; each
takes effect at once, says so in the visitor's language, changes nothing the second time and is for the coordinator."""

from __future__ import annotations

import re

import pytest

from bot.people.actors import SYSTEM
from bot.storage import audit
from tests.bot.channels.web.conftest import ADVISER_PASSWORD, COORDINATOR_PASSWORD, post_form, sign_in


@pytest.fixture
def coordinator(new_client, people):
    client = new_client()
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    return client


def _actions(services, subject: str) -> list[str]:
    with services.database.session(readonly=True) as session:
        return [e.action for e in audit.entries(session, subject=subject)]


def test_a_deactivated_caseworker_is_signed_out_and_their_key_refused(coordinator, new_client, services, people):
    invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
    caseworker = new_client()
    registered = post_form(caseworker, "/register", "/register", {"code": invite.code, "display_name": "Sara B"})
    key = re.search(r'id="signin-key">([^<]+)<', registered.text).group(1)
    assert caseworker.get("/chat").status_code == 200
    cw_id = services.accounts.list_invites(SYSTEM)[0].used_by

    page = coordinator.get("/dashboard/users").text
    assert f'action="/dashboard/caseworkers/{cw_id}/deactivate"' in page and "Sara B" in page
    done = post_form(coordinator, "/dashboard/users", f"/dashboard/caseworkers/{cw_id}/deactivate", {})
    assert done.status_code == 200 and f"Sagsbehandler {cw_id} er deaktiveret" in done.text
    assert f'action="/dashboard/caseworkers/{cw_id}/deactivate"' not in done.text and "deaktiveret" in done.text

    assert caseworker.get("/chat", follow_redirects=False).status_code in (303, 401)  # the session ended
    later = new_client()
    assert post_form(later, "/login", "/login/key", {"key": key}).status_code == 401

    again = post_form(coordinator, "/dashboard/users", f"/dashboard/caseworkers/{cw_id}/deactivate", {})
    assert again.status_code == 200 and "allerede deaktiveret" in again.text
    assert _actions(services, f"caseworker:{cw_id}").count("caseworker.deactivate") == 1


def test_invites_and_tokens_are_listed_and_revoked_once_in_english(coordinator, services):
    post_form(coordinator, "/dashboard", "/language", {"language": "en", "next": "/dashboard"})
    invite = services.accounts.create_invite(SYSTEM, "BIF")
    token = services.accounts.create_token(SYSTEM, "BI-rapport")
    page = coordinator.get("/dashboard/users").text
    assert "Invite codes" in page and "open" in page and "BI-rapport" in page

    revoked = post_form(coordinator, "/dashboard/users", f"/dashboard/invites/{invite.id}/revoke", {})
    assert revoked.status_code == 200 and f"Invite {invite.id} has been revoked." in revoked.text
    assert "already revoked" in post_form(coordinator, "/dashboard/users", f"/dashboard/invites/{invite.id}/revoke", {}).text
    gone = post_form(coordinator, "/dashboard/users", f"/dashboard/tokens/{token.token.id}/revoke", {})
    assert f"API token {token.token.id} has been revoked." in gone.text
    assert "already revoked" in post_form(coordinator, "/dashboard/users", f"/dashboard/tokens/{token.token.id}/revoke", {}).text
    assert services.accounts.verify_token(token.secret) is None
    assert _actions(services, f"invite:{invite.id}") == ["invite.revoke", "invite.create"]


@pytest.mark.parametrize("action", ["/dashboard/caseworkers/999/deactivate", "/dashboard/invites/999/revoke",
                                    "/dashboard/tokens/999/revoke"])
def test_an_unknown_id_is_a_404_page(coordinator, action):
    response = post_form(coordinator, "/dashboard/users", action, {})
    assert response.status_code == 404 and "999" in response.text


def test_only_the_coordinator_offboards_and_only_with_a_csrf_token(client, coordinator, services, people):
    assert coordinator.post(f"/dashboard/caseworkers/{people.caseworker.id}/deactivate", data={}).status_code == 403
    sign_in(client, "anna", ADVISER_PASSWORD)
    for action in (f"/dashboard/caseworkers/{people.caseworker.id}/deactivate", "/dashboard/invites/1/revoke"):
        assert post_form(client, "/dashboard", action, {}).status_code == 403, action
    assert services.accounts.get_caseworker("web", "key:test") is not None  # nothing was deactivated
