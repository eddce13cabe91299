"""Sessions, cookies, CSRF, rate limiting and headers: the security items of the web issue, checked from outside."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bot.channels.web.app import create_app
from bot.channels.web.csrf import CsrfTokens, MemorySpentNonces
from bot.core.errors import ConfigurationError, Throttled
from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import (
    ADVISER_PASSWORD,
    COORDINATOR_PASSWORD,
    csrf_from,
    open_services,
    post_form,
    sign_in,
    web_settings,
)


def test_every_response_carries_the_security_headers_and_a_csp_without_inline_script(client):
    for path in ("/login", "/healthz", "/static/app.css", "/nope"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "max-age" in headers["strict-transport-security"]


def test_pages_have_no_inline_script_or_style(client, people, services):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    for path in ("/login", "/dashboard", "/dashboard/users", "/dashboard/gaps", "/dashboard/eval", "/documents", "/docs"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\son\w+=", html), path  # no onclick= and friends
        assert "style=" not in html, path


def test_session_cookie_is_host_prefixed_secure_httponly_strict(client, people):
    response = sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-vejviser-session=")
    for flag in ("HttpOnly", "Secure", "Path=/", "SameSite=strict"):
        assert flag in cookie
    assert "Domain" not in cookie


def test_development_mode_uses_plain_cookies_only_on_loopback(engine_dir):
    create_app(web_settings(engine_dir, development=True, host="127.0.0.1"))
    with pytest.raises(ConfigurationError, match="127.0.0.1"):
        create_app(web_settings(engine_dir, development=True, host="0.0.0.0"))


def test_a_placeholder_secret_key_is_refused(engine_dir):
    with pytest.raises(ConfigurationError, match="VEJVISER_SECRET_KEY"):
        create_app(web_settings(engine_dir, secret_key="changeme"))


def test_sign_in_issues_a_new_session_id_and_revokes_the_old_one(client, new_client, people, services):
    first = sign_in(client, "coordinator", COORDINATOR_PASSWORD).cookies["__Host-vejviser-session"]
    elsewhere = sign_in(new_client(), "coordinator", COORDINATOR_PASSWORD).cookies["__Host-vejviser-session"]
    again = post_form(client, "/dashboard", "/login", {"username": "coordinator", "password": COORDINATOR_PASSWORD})
    second = again.cookies["__Host-vejviser-session"]
    assert len({first, elsewhere, second}) == 3
    assert services.accounts.get_session(first) is None  # the browser's old session id is dead
    assert services.accounts.get_session(elsewhere) is not None  # another browser's session is untouched


def test_sign_out_revokes_the_session(client, people, services):
    token = sign_in(client, "coordinator", COORDINATOR_PASSWORD).cookies["__Host-vejviser-session"]
    post_form(client, "/dashboard", "/logout", {})
    assert services.accounts.get_session(token) is None
    assert client.get("/dashboard", follow_redirects=False).headers["location"].startswith("/login")


def test_idle_session_expires(client, people, services, monkeypatch):
    token = sign_in(client, "coordinator", COORDINATOR_PASSWORD).cookies["__Host-vejviser-session"]
    real_clock = services.accounts.clock
    from datetime import timedelta

    monkeypatch.setattr(services.accounts, "clock", lambda: real_clock() + timedelta(minutes=31))
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert "expired=1" in response.headers["location"]
    assert services.accounts.get_session(token) is None


def test_a_form_without_or_with_a_forged_token_is_refused(client, people):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    data = {"username": "eve", "role": "coordinator"}
    assert client.post("/dashboard/users", data=data).status_code == 403
    genuine = csrf_from(client.get("/dashboard/users").text)
    issued, nonce, mac = genuine.split(".")
    forged = f"{issued}.{nonce}.{'A' * len(mac)}"
    assert client.post("/dashboard/users", data=data | {"csrf_token": forged}).status_code == 403
    assert "eve" not in client.get("/dashboard/users").text


def test_a_replayed_form_is_refused(client, people):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    token = csrf_from(client.get("/dashboard/users").text)
    first = client.post("/dashboard/invites", data={"department": "SOF", "csrf_token": token})
    assert first.status_code == 200
    replay = client.post("/dashboard/invites", data={"department": "SOF", "csrf_token": token})
    assert replay.status_code == 403
    assert "allerede sendt" in replay.text


def test_a_form_replayed_to_another_worker_is_refused(client, settings, services, people):
    """Workers share nothing but the database: the second 'worker' here is another app over the same one."""
    from fastapi.testclient import TestClient

    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    token = csrf_from(client.get("/dashboard/users").text)
    assert client.post("/dashboard/invites", data={"department": "SOF", "csrf_token": token}).status_code == 200
    with TestClient(create_app(settings, services), base_url="https://testserver") as other_worker:
        other_worker.cookies = client.cookies
        assert other_worker.get("/dashboard/users").status_code == 200  # the same session works there
        replay = other_worker.post("/dashboard/invites", data={"department": "SOF", "csrf_token": token})
    assert replay.status_code == 403 and "allerede sendt" in replay.text


def test_a_token_from_another_session_is_refused(client, new_client, people):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    other = new_client()
    sign_in(other, "anna", ADVISER_PASSWORD)
    stolen = csrf_from(other.get("/dashboard").text)
    assert client.post("/logout", data={"csrf_token": stolen}).status_code == 403


def test_a_cross_site_post_without_a_token_cannot_sign_out(client, people, services):
    token = sign_in(client, "coordinator", COORDINATOR_PASSWORD).cookies["__Host-vejviser-session"]
    assert client.post("/logout", data={}).status_code == 403
    assert services.accounts.get_session(token) is not None


def test_state_changes_are_post_only(client, people):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    for path in ("/logout", "/dashboard/requisitions/1/assign", "/dashboard/invites", "/chat/ask", "/language"):
        assert client.get(path).status_code in (404, 405), path


def test_failed_logins_bring_a_429_with_retry_after_in_the_pages_language(client, new_client, people, settings):
    for _ in range(settings.login_max_failures):
        assert sign_in(client, "anna", "wrong password!!").status_code == 401
    response = sign_in(new_client(), "anna", ADVISER_PASSWORD)  # same address, right password: must wait
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) == settings.login_delay_seconds
    assert "Vent 30 sekunder" in response.text
    english = new_client()
    english.cookies.set("__Host-vejviser-lang", "en", domain="testserver.local", path="/")
    response = sign_in(english, "anna", ADVISER_PASSWORD)
    assert response.status_code == 429 and "Wait 30 seconds" in response.text


def test_many_failures_from_one_address_slow_that_address(client, people, settings):
    from bot.people.throttling import ADDRESS_FACTOR

    for i in range(settings.login_max_failures * ADDRESS_FACTOR):
        sign_in(client, f"nobody{i}", "wrong password!!")
    assert sign_in(client, "bo", ADVISER_PASSWORD).status_code == 429


def test_an_attackers_fifty_failures_do_not_stop_the_coordinators_sign_in(settings, services, people):
    app = create_app(settings, services)
    office = TestClient(app, base_url="https://testserver", client=("10.0.0.5", 40000))
    assert sign_in(office, "coordinator", COORDINATOR_PASSWORD).status_code == 303  # this browser is now known
    post_form(office, "/dashboard", "/logout", {})
    attacker = TestClient(app, base_url="https://testserver", client=("203.0.113.66", 40000))
    for i in range(50):
        assert sign_in(attacker, "coordinator", f"guess number {i}!").status_code in (401, 429)
    # ... and from a botnet, one try per address:
    for i in range(50):
        try:
            services.accounts.authenticate("coordinator", "wrong password!!", address=f"198.51.100.{i}")
        except Throttled:
            pass
    # A browser that never signed in as the coordinator has to wait (too many failures for the name from everywhere).
    stranger = TestClient(app, base_url="https://testserver", client=("10.0.0.6", 40000))
    assert sign_in(stranger, "coordinator", COORDINATOR_PASSWORD).status_code == 429
    response = sign_in(office, "coordinator", COORDINATOR_PASSWORD)  # the browser she used before: straight in
    assert response.status_code == 303
    page = office.get(response.headers["location"])
    assert re.search(r"er der gjort \d+ mislykkede forsøg på at logge ind som dig", page.text)
    assert "mislykkede forsøg" not in office.get("/dashboard").text  # told once


def test_failure_counts_survive_across_two_app_instances_on_one_database(settings, engine, services, people):
    url = services.database.url if hasattr(services.database, "url") else str(services.database.engine.url)
    other = open_services(settings, engine, url)
    try:
        first = TestClient(create_app(settings, services), base_url="https://testserver")
        second = TestClient(create_app(settings, other), base_url="https://testserver")
        for index in range(settings.login_max_failures):
            assert sign_in((first, second)[index % 2], "anna", "wrong password!!").status_code == 401
        assert sign_in(first, "anna", ADVISER_PASSWORD).status_code == 429
        assert sign_in(second, "anna", ADVISER_PASSWORD).status_code == 429
    finally:
        other.close()


def test_caseworker_key_typos_do_not_lock_out_the_office(new_client, services, settings, people):
    from bot.channels.web.auth import key_id

    key = "vk-" + "s" * 32
    services.accounts.register_caseworker(SYSTEM, channel="web", external_id=key_id(key), display_name="Mona",
                                          department="SOF")
    typist = new_client()
    for _ in range(settings.login_max_failures):
        assert post_form(typist, "/login", "/login/key", {"key": "vk-typo" + "x" * 29}).status_code == 401
    refused = post_form(typist, "/login", "/login/key", {"key": "vk-typo" + "x" * 29})
    assert refused.status_code == 429 and "retry-after" in refused.headers and "Vent" in refused.text
    colleague = new_client()  # same office address
    assert post_form(colleague, "/login", "/login/key", {"key": key}).headers["location"] == "/chat"


def test_invite_guessing_is_throttled(new_client, settings, people):
    from bot.people.invites import INVITE_ALPHABET

    guesser = new_client()
    for i in range(settings.login_max_failures * 4):
        code = f"{INVITE_ALPHABET[i]}AAA-BBBB-CCCC"
        assert post_form(guesser, "/register", "/register", {"code": code, "display_name": "X"}).status_code == 422
    refused = post_form(guesser, "/register", "/register", {"code": "QQQQ-BBBB-CCCC", "display_name": "X"})
    assert refused.status_code == 429 and "retry-after" in refused.headers


def test_a_one_time_password_must_be_changed_before_anything_else(client, services, people):
    services.accounts.create_user(people.coordinator, "eva", ADVISER_PASSWORD, "adviser", one_time=True)
    response = sign_in(client, "eva", ADVISER_PASSWORD)
    assert response.headers["location"] == "/password"
    for path in ("/dashboard", "/dashboard/gaps", "/documents"):
        moved = client.get(path, follow_redirects=False)
        assert (moved.status_code, moved.headers.get("location")) == (303, "/password"), path
    assert "engangsadgangskode" in client.get("/password").text
    as_json = client.get("/dashboard", headers={"accept": "application/json"}, follow_redirects=False)
    assert as_json.status_code == 403 and "one-time password" in as_json.json()["detail"]
    new_password = "min egen lange sætning her"
    assert post_form(client, "/password", "/password",
                     {"current": ADVISER_PASSWORD, "new": new_password, "repeat": new_password}).status_code == 200
    assert client.get("/dashboard", follow_redirects=False).status_code == 200


def test_sign_in_and_failures_are_audited(client, people, services):
    from sqlalchemy import select

    from bot.storage.models import LoginAttemptRow

    sign_in(client, "anna", "wrong password!!")
    sign_in(client, "anna", ADVISER_PASSWORD)
    attempts = services.database.run(
        lambda s: [(r.username, r.ok) for r in s.execute(select(LoginAttemptRow)).scalars()], readonly=True
    )
    assert attempts == [("anna", False), ("anna", True)]


def test_password_change_checks_strength_and_rotates_the_session(client, people, services):
    old = sign_in(client, "anna", ADVISER_PASSWORD).cookies["__Host-vejviser-session"]
    weak = post_form(client, "/password", "/password", {"current": ADVISER_PASSWORD, "new": "password1234", "repeat": "password1234"})
    assert weak.status_code == 422
    new_password = "grøn cykel under broen i regn"
    changed = post_form(client, "/password", "/password", {"current": ADVISER_PASSWORD, "new": new_password, "repeat": new_password})
    assert changed.status_code == 200
    assert services.accounts.get_session(old) is None
    assert client.get("/dashboard").status_code == 200  # continues in the new session
    assert services.accounts.authenticate("anna", new_password) is not None


def test_csrf_tokens_expire():
    now = [1_000_000.0]
    tokens = CsrfTokens(b"k" * 32, MemorySpentNonces(), max_age_seconds=60, clock=lambda: now[0])
    token = tokens.issue("session")
    now[0] += 61
    assert not tokens.check(token, "session")


def test_redirect_after_sign_in_stays_on_this_site(client, people):
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": "coordinator", "password": COORDINATOR_PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/dashboard"
