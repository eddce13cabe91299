"""Signing in and out: staff with username and password, caseworkers with an invite code and a personal key.

Staff passwords, their throttling (bot/people/throttling.py: growing waits counted in the database, never a lockout)
and audit live in `AccountService`; a browser that signed in before carries a signed device cookie. Caseworkers have no password in
the account service; on the web they register once with the coordinator's invite code and get a personal
sign-in key (128 random bits, shown once, kept only as a SHA-256 hash in their caseworker record's external id).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.channels.web import sessions
from bot.channels.web.deps import CsrfChecked, LanguageDep, ServicesDep, StaffAnyPassword, VisitorDep
from bot.channels.web.error_pages import error_text
from bot.channels.web.i18n import Language, translate
from bot.channels.web.schemas import Text
from bot.channels.web.templating import render
from bot.core.errors import InvalidInput, Throttled
from bot.people.actors import StaffUser
from bot.people.throttling import key_subject
from bot.services import Services

router = APIRouter(include_in_schema=False)
KEY_PREFIX = "vk-"
WEB_KEY_ID_PREFIX = "key:"

Username = Annotated[Text(100), Form()]  # type: ignore[valid-type]
Secret = Annotated[Text(1000), Form()]  # type: ignore[valid-type]


def client_address(request: Request) -> str:
    """The peer address (uvicorn resolves X-Forwarded-For only from the configured proxy addresses)."""
    return request.client.host if request.client else ""


def safe_next(target: str | None, default: str) -> str:
    """Only a local path: an open redirect would let a phishing link borrow our login page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and "\n" not in target:
        return target
    return default


def throttled(
    request: Request, template: str, context: dict[str, object], language: Language, exc: Throttled, *, field: str = "error"
) -> Response:
    """429 with Retry-After and the wait in the page's language."""
    error = error_text(exc, language)
    response = render(request, template, context | {field: error}, 429)
    response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


def home_for(visitor: sessions.Visitor) -> str:
    return "/chat" if visitor.caseworker is not None else "/dashboard"


STAFF_ONLY = ("/dashboard", "/account", "/password")


def landing(next: str | None, *, caseworker: bool) -> str:
    """The page to land on after signing in: `next` if it is local and this kind of account may open it."""
    target = safe_next(next, "")
    if caseworker:
        return "/chat" if not target or target.startswith(STAFF_ONLY) else target
    return "/dashboard" if not target or target.startswith("/chat") else target


@router.get("/login")
def login_page(request: Request, visitor: VisitorDep, next: str | None = None, expired: str | None = None) -> Response:
    if visitor.actor is not None:
        return RedirectResponse(landing(next, caseworker=visitor.caseworker is not None), status_code=303)
    return render(request, "login.html", {"next": safe_next(next, ""), "expired": bool(expired)})


@router.post("/login", dependencies=[CsrfChecked])
async def login(
    request: Request, services: ServicesDep, language: LanguageDep, username: Username, password: Secret,
    next: Annotated[str, Form()] = "",
) -> Response:
    address = client_address(request)
    username = username.strip()
    context = {"next": safe_next(next, ""), "username": username}
    known = sessions.is_known_device(request, username)
    try:
        signed_in = await run_in_threadpool(
            lambda: services.accounts.sign_in(username, password, address=address, known_device=known)
        )
    except Throttled as exc:
        return throttled(request, "login.html", context, language, exc)
    if signed_in is None:
        return render(request, "login.html", context | {"error": translate("login.failed", language)}, 401)
    target = landing(next, caseworker=False)
    if signed_in.mfa_enrolled:  # the code step carries the way back on, as the password step did
        code_step = f"/login/mfa?{urlencode({'next': target})}" if safe_next(next, "") else "/login/mfa"
        response = RedirectResponse(code_step, status_code=303)
        sessions.start_second_factor(request, response, signed_in.user.id, signed_in.failures_since_last)
        return response
    return await finish_sign_in(request, services, signed_in.user, signed_in.failures_since_last, target)


async def finish_sign_in(request: Request, services: Services, user: StaffUser, failures: int, target: str) -> Response:
    """A new session for a staff user who has proved who they are; one-time passwords go to /password first."""
    issued = await run_in_threadpool(services.accounts.create_session, user_id=user.id)
    response = RedirectResponse("/password" if issued.session.must_change_password else target, status_code=303)
    sessions.start_session(request, response, issued)
    sessions.remember_device(request, response, user.username)
    sessions.tell_after_sign_in(request, response, failures)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    sessions.end_session(request, response)
    return response


# ---------------------------------------------------------------------------- caseworkers


def key_id(key: str) -> str:
    return WEB_KEY_ID_PREFIX + hashlib.sha256(key.strip().encode()).hexdigest()


@router.post("/login/key", dependencies=[CsrfChecked])
async def login_with_key(
    request: Request, services: ServicesDep, language: LanguageDep, key: Secret,
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    address = client_address(request)
    external_id = key_id(key) if key.strip().startswith(KEY_PREFIX) else ""
    context = {"next": safe_next(next, "")}
    try:
        caseworker = await run_in_threadpool(
            lambda: services.accounts.sign_in_caseworker(external_id, subject=key_subject(key), address=address)
        )
    except Throttled as exc:
        return throttled(request, "login.html", context, language, exc, field="key_error")
    if caseworker is None:
        return render(request, "login.html", context | {"key_error": translate("login.failed", language)}, 401)
    issued = await run_in_threadpool(services.accounts.create_session, caseworker_id=caseworker.id)
    response = RedirectResponse(landing(next, caseworker=True), status_code=303)
    sessions.start_session(request, response, issued)
    return response


@router.get("/register")
def register_page(request: Request) -> Response:
    return render(request, "register.html")


@router.post("/register", dependencies=[CsrfChecked])
async def register(
    request: Request, services: ServicesDep, language: LanguageDep,
    code: Annotated[Text(200, 1), Form()],  # type: ignore[valid-type]
    display_name: Annotated[Text(100, 1), Form()],  # type: ignore[valid-type]
) -> Response:
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    try:
        caseworker = await run_in_threadpool(
            lambda: services.accounts.redeem_invite(
                code.strip(), channel="web", external_id=key_id(key), display_name=display_name.strip(), language=language,
                address=client_address(request),
            )
        )
    except Throttled as exc:
        return throttled(request, "register.html", {"display_name": display_name}, language, exc)
    except InvalidInput as exc:
        return render(request, "register.html", {"error": error_text(exc, language), "display_name": display_name}, 422)
    issued = await run_in_threadpool(services.accounts.create_session, caseworker_id=caseworker.id)
    request.state.visitor = sessions.Visitor(session=issued.session, token=issued.token)
    response = render(request, "registered.html", {"key": key})
    sessions.start_session(request, response, issued)
    return response


# ---------------------------------------------------------------------------- passwords and language


@router.get("/password")
def password_page(request: Request, staff: StaffAnyPassword, visitor: VisitorDep) -> Response:
    must_change = visitor.session is not None and visitor.session.must_change_password
    return render(request, "password.html", {"must_change": must_change})


@router.post("/password", dependencies=[CsrfChecked])
async def change_password(
    request: Request, staff: StaffAnyPassword, services: ServicesDep, language: LanguageDep,
    current: Secret, new: Secret, repeat: Secret,
) -> Response:
    address = client_address(request)
    if new != repeat:
        return render(request, "password.html", {"error": translate("password.mismatch", language)}, 422)
    if new == current:
        return render(request, "password.html", {"error": translate("password.same", language)}, 422)
    try:
        checked = await run_in_threadpool(
            lambda: services.accounts.authenticate(staff.username, current, address=address, known_device=True)
        )
    except Throttled as exc:
        return throttled(request, "password.html", {}, language, exc)
    if checked is None:
        return render(request, "password.html", {"error": translate("login.failed", language)}, 401)
    try:
        await run_in_threadpool(services.accounts.set_password, staff, staff.id, new)
    except InvalidInput as exc:
        return render(request, "password.html", {"error": error_text(exc, language)}, 422)
    # Changing the password revoked every session of this user; continue in a fresh one.
    issued = await run_in_threadpool(services.accounts.create_session, user_id=staff.id)
    request.state.visitor = sessions.Visitor(session=issued.session, token=issued.token)
    response = render(request, "password.html", {"done": True})
    sessions.start_session(request, response, issued)
    return response


@router.post("/language", dependencies=[CsrfChecked])
def choose_language(
    request: Request, visitor: VisitorDep, services: ServicesDep,
    language: Annotated[str, Form(max_length=5)], next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    chosen = "en" if language == "en" else "da"
    if visitor.caseworker is not None:
        services.accounts.set_language(visitor.caseworker.id, chosen)
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    sessions.set_language(request, response, chosen)
    return response
