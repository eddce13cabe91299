"""Two-step verification on the web (issue 17): required for staff, enrolled with a locally drawn QR code, then a
TOTP code after every password; codes generated here with pyotp, as an authenticator app would."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from bot.channels.web.app import create_app
from tests.bot.channels.web.conftest import ADVISER_PASSWORD, post_form, sign_in, web_settings


@pytest.fixture
def mfa_client(engine_dir, services, people):  # type: ignore[no-untyped-def]
    settings = web_settings(engine_dir, require_mfa=True)
    services.accounts.settings = settings
    with TestClient(create_app(settings, services), base_url="https://testserver") as client:
        yield client


def test_staff_must_enrol_then_give_a_code_after_the_password(mfa_client, services):
    assert sign_in(mfa_client, "anna", ADVISER_PASSWORD).status_code == 303
    moved = mfa_client.get("/dashboard", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, "/account/mfa")
    page = mfa_client.get("/account/mfa")
    assert "<svg" in page.text and "godkendelses-app" in page.text
    secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
    wrong = post_form(mfa_client, "/account/mfa", "/account/mfa", {"secret": secret, "code": "000000"})
    assert wrong.status_code == 422
    done = post_form(mfa_client, "/account/mfa", "/account/mfa", {"secret": secret, "code": pyotp.TOTP(secret).now()})
    recovery = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    assert done.status_code == 200 and len(recovery) == 10
    assert mfa_client.get("/dashboard", follow_redirects=False).status_code == 200
    assert recovery[0] not in mfa_client.get("/account/mfa").text  # shown once

    post_form(mfa_client, "/dashboard", "/logout", {})
    step = sign_in(mfa_client, "anna", ADVISER_PASSWORD)
    assert step.headers["location"] == "/login/mfa"
    assert mfa_client.get("/dashboard", follow_redirects=False).headers["location"].startswith("/login")  # no session yet
    assert post_form(mfa_client, "/login/mfa", "/login/mfa", {"code": "000000"}).status_code == 401
    signed_in = post_form(mfa_client, "/login/mfa", "/login/mfa", {"code": recovery[0]})
    assert signed_in.headers["location"] == "/dashboard"
    assert mfa_client.get("/dashboard", follow_redirects=False).status_code == 200


def test_the_code_step_cannot_be_skipped_or_forged(mfa_client):
    assert mfa_client.get("/login/mfa", follow_redirects=False).headers["location"] == "/login"
    mfa_client.cookies.set("__Host-vejviser-2fa", "2.0.9999999999.deadbeef", domain="testserver.local", path="/")
    assert post_form(mfa_client, "/login", "/login/mfa", {"code": "123456"}).status_code == 401
