"""Signing in and out: staff with username and password, caseworkers with an invite code and a personal key.

Staff passwords, their rate limiting and audit live in `AccountService`. Caseworkers have no password in
the account service; on the web they register once with the coordinator's invite code and get a personal
sign-in key (128 random bits, shown once, kept only as a SHA-256 hash in their caseworker record's external id).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.errors import InvalidInput
from bot.web import sessions
from bot.web.deps import CsrfChecked, LanguageDep, ServicesDep, SettingsDep, Staff, VisitorDep
from bot.web.i18n import translate
from bot.web.schemas import Text
from bot.web.templating import render

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


def home_for(visitor: sessions.Visitor) -> str:
    return "/chat" if visitor.caseworker is not None else "/dashboard"


@router.get("/login")
def login_page(request: Request, visitor: VisitorDep, next: str | None = None, expired: str | None = None) -> Response:
    if visitor.actor is not None:
        return RedirectResponse(safe_next(next, home_for(visitor)), status_code=303)
    return render(request, "login.html", {"next": safe_next(next, ""), "expired": bool(expired)})


@router.post("/login", dependencies=[CsrfChecked])
async def login(
    request: Request, services: ServicesDep, language: LanguageDep, username: Username, password: Secret,
    next: Annotated[str, Form()] = "",
) -> Response:
    address = client_address(request)
    username = username.strip()
    context = {"next": safe_next(next, ""), "username": username}
    if await run_in_threadpool(services.accounts.is_rate_limited, username, address):
        minutes = services.settings.login_window_minutes
        return render(request, "login.html", context | {"error": translate("login.limited", language, minutes=minutes)}, 429)
    user = await run_in_threadpool(services.accounts.authenticate, username, password, address=address)
    if user is None:
        return render(request, "login.html", context | {"error": translate("login.failed", language)}, 401)
    issued = await run_in_threadpool(services.accounts.create_session, user_id=user.id)
    response = RedirectResponse(safe_next(next, "/dashboard"), status_code=303)
    sessions.start_session(request, response, issued)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    sessions.end_session(request, response)
    return response


# ---------------------------------------------------------------------------- caseworkers


class _Failures:
    """Failed key sign-ins per address in this process; keys are unguessable, this only slows a flood."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def limited(self, address: str, max_failures: int, window_seconds: float) -> bool:
        with self._lock:
            seen = self._seen[address]
            while seen and seen[0] < time.monotonic() - window_seconds:
                seen.popleft()
            return len(seen) >= max_failures

    def record(self, address: str) -> None:
        with self._lock:
            self._seen[address].append(time.monotonic())


_key_failures = _Failures()


def key_id(key: str) -> str:
    return WEB_KEY_ID_PREFIX + hashlib.sha256(key.strip().encode()).hexdigest()


@router.post("/login/key", dependencies=[CsrfChecked])
async def login_with_key(request: Request, services: ServicesDep, settings: SettingsDep, language: LanguageDep, key: Secret) -> Response:
    address = client_address(request)
    window = settings.login_window_minutes * 60
    if _key_failures.limited(address, settings.login_max_failures, window):
        minutes = settings.login_window_minutes
        return render(request, "login.html", {"key_error": translate("login.limited", language, minutes=minutes)}, 429)
    caseworker = None
    if key.strip().startswith(KEY_PREFIX):
        caseworker = await run_in_threadpool(services.accounts.get_caseworker, "web", key_id(key))
    if caseworker is None:
        _key_failures.record(address)
        return render(request, "login.html", {"key_error": translate("login.failed", language)}, 401)
    issued = await run_in_threadpool(services.accounts.create_session, caseworker_id=caseworker.id)
    response = RedirectResponse("/chat", status_code=303)
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
                code.strip(), channel="web", external_id=key_id(key), display_name=display_name.strip(), language=language
            )
        )
    except InvalidInput as exc:
        return render(request, "register.html", {"error": str(exc), "display_name": display_name}, 422)
    issued = await run_in_threadpool(services.accounts.create_session, caseworker_id=caseworker.id)
    request.state.visitor = sessions.Visitor(session=issued.session, token=issued.token)
    response = render(request, "registered.html", {"key": key})
    sessions.start_session(request, response, issued)
    return response


# ---------------------------------------------------------------------------- passwords and language


@router.get("/password")
def password_page(request: Request, staff: Staff) -> Response:
    return render(request, "password.html")


@router.post("/password", dependencies=[CsrfChecked])
async def change_password(
    request: Request, staff: Staff, services: ServicesDep, language: LanguageDep,
    current: Secret, new: Secret, repeat: Secret,
) -> Response:
    address = client_address(request)
    if new != repeat:
        return render(request, "password.html", {"error": translate("password.mismatch", language)}, 422)
    if await run_in_threadpool(services.accounts.is_rate_limited, staff.username, address):
        return render(request, "password.html", {"error": translate("error.429", language)}, 429)
    if await run_in_threadpool(services.accounts.authenticate, staff.username, current, address=address) is None:
        return render(request, "password.html", {"error": translate("login.failed", language)}, 401)
    try:
        await run_in_threadpool(services.accounts.set_password, staff, staff.id, new)
    except InvalidInput as exc:
        return render(request, "password.html", {"error": str(exc)}, 422)
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
