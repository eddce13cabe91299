"""The staff second factor on the web: the code step after a right password, and enrolment (QR code drawn here).

The logic (TOTP, recovery codes, replay and throttling) lives in `bot.people.mfa.SecondFactor`; these routes move
forms and cookies. Between the password and the code the browser holds only a signed five-minute cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.channels.web import sessions
from bot.channels.web.auth import client_address, finish_sign_in, landing, safe_next, throttled
from bot.channels.web.deps import CsrfChecked, LanguageDep, ServicesDep, StaffEnrolling
from bot.channels.web.error_pages import error_text
from bot.channels.web.i18n import translate
from bot.channels.web.schemas import Text
from bot.channels.web.templating import render
from bot.core.errors import InvalidInput, Throttled
from bot.people import mfa

router = APIRouter(include_in_schema=False)
Code = Annotated[Text(40), Form()]  # type: ignore[valid-type]


Next = Annotated[str, Form(max_length=2000)]


@router.get("/login/mfa")
def code_page(request: Request, next: Annotated[str, Query(max_length=2000)] = "") -> Response:
    if sessions.pending_second_factor(request) is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "login_mfa.html", {"next": safe_next(next, "")})


@router.post("/login/mfa", dependencies=[CsrfChecked])
async def check_code(request: Request, services: ServicesDep, language: LanguageDep, code: Code, next: Next = "") -> Response:
    """The code after the password; then on to the page the sign-in began from (`next`), else the dashboard."""
    context = {"next": safe_next(next, "")}
    pending = sessions.pending_second_factor(request)
    if pending is None:
        return render(request, "login.html", context | {"error": translate("mfa.expired", language)}, 401)
    user_id, failures = pending
    try:
        ok = await run_in_threadpool(lambda: services.accounts.mfa.verify(user_id, code, address=client_address(request)))
    except Throttled as exc:
        return throttled(request, "login_mfa.html", context, language, exc)
    if not ok:
        return render(request, "login_mfa.html", context | {"error": translate("error.mfa_code", language)}, 401)
    user = await run_in_threadpool(services.accounts.get_user, user_id)
    response = await finish_sign_in(request, services, user, failures, landing(next, caseworker=False))
    sessions.end_second_factor(request, response)
    return response


@router.get("/account/mfa")
def enrol_page(request: Request, staff: StaffEnrolling, services: ServicesDep) -> Response:
    if services.accounts.mfa.is_enrolled(staff.id):
        return render(request, "mfa_enrol.html", {"enrolled": True})
    secret = mfa.new_secret()
    return render(request, "mfa_enrol.html", {"secret": secret, "qr": mfa.qr_svg(secret, staff.username)})


@router.post("/account/mfa", dependencies=[CsrfChecked])
async def enrol(
    request: Request, staff: StaffEnrolling, services: ServicesDep, language: LanguageDep,
    secret: Annotated[Text(64), Form()], code: Code,  # type: ignore[valid-type]
) -> Response:
    try:
        codes = await run_in_threadpool(services.accounts.mfa.enrol, staff, staff.id, secret, code)
    except InvalidInput as exc:
        again = mfa.new_secret() if len(secret) != 32 else secret
        return render(request, "mfa_enrol.html", {"error": error_text(exc, language), "secret": again, "qr": mfa.qr_svg(again, staff.username)}, 422)
    return render(request, "mfa_enrol.html", {"enrolled": True, "recovery_codes": codes})
