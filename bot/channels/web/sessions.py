"""Browser sessions: the cookie, who is signed in, CSRF tokens bound to the session, and the page language.

The session itself (idle and absolute timeouts, revocation) lives in `AccountService`; this module only
moves its token between the cookie and the service, and caches the result on `request.state`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request
from starlette.responses import Response

from bot.channels.web.config import WebConfig
from bot.channels.web.csrf import CsrfTokens
from bot.channels.web.i18n import Language, pick_language

if TYPE_CHECKING:
    from bot.people.actors import Actor, Caseworker, StaffUser
    from bot.people.sessions import IssuedSession, WebSession
    from bot.services import Services

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
DEVICE_COOKIE_SECONDS = 180 * 24 * 3600  # a browser a staff user signed in from; its password tries skip the
# username-wide throttle, so an attacker's failures from elsewhere cannot keep them out (OWASP "device cookies")
NOTICE_COOKIE_SECONDS = 300
SECOND_FACTOR_SECONDS = 300  # between a right password and its TOTP code


@dataclass(frozen=True)
class Visitor:
    """Who is at the other end of a browser request: nobody, a staff user, or a caseworker."""

    session: WebSession | None = None
    token: str | None = None
    expired: bool = False  # a session cookie came, but the session has timed out or was revoked

    @property
    def staff(self) -> StaffUser | None:
        return self.session.user if self.session else None

    @property
    def caseworker(self) -> Caseworker | None:
        return self.session.caseworker if self.session else None

    @property
    def actor(self) -> Actor | None:
        return self.staff or self.caseworker

    @property
    def role(self) -> str | None:
        if self.staff is not None:
            return self.staff.role
        return "caseworker" if self.caseworker is not None else None

    @property
    def name(self) -> str:
        if self.staff is not None:
            return self.staff.username
        return self.caseworker.display_name if self.caseworker is not None else ""


@dataclass(frozen=True)
class PageContext:
    """What every template gets about the browser: the visitor and a fresh CSRF token per form."""

    user: Visitor
    csrf_token: Any  # () -> str


def web_config(request: Request) -> WebConfig:
    return request.app.state.web


def services_of(request: Request) -> Services:
    return request.app.state.services


def csrf_tokens(request: Request) -> CsrfTokens:
    return request.app.state.csrf


def visitor(request: Request) -> Visitor:
    """Resolve the session cookie once per request; touching the session extends its idle timeout."""
    cached = getattr(request.state, "visitor", None)
    if cached is not None:
        return cached
    token = request.cookies.get(web_config(request).session_cookie)
    found = Visitor()
    if token and len(token) <= 200:
        session = services_of(request).accounts.touch_session(token)
        found = Visitor(session=session, token=token) if session is not None else Visitor(expired=True)
    request.state.visitor = found
    return found


def _binding(request: Request) -> str:
    """The secret a CSRF token is bound to: the session token, or before sign-in a random pre-session id."""
    current = visitor(request)
    if current.token:
        return "s:" + hashlib.sha256(current.token.encode()).hexdigest()
    pre = request.cookies.get(web_config(request).presession_cookie) or getattr(request.state, "new_presession", None)
    if not pre or len(pre) > 100:
        pre = secrets.token_urlsafe(24)
        request.state.new_presession = pre
    return "p:" + hashlib.sha256(pre.encode()).hexdigest()


def issue_csrf(request: Request) -> str:
    return csrf_tokens(request).issue(_binding(request))


def check_csrf(request: Request, token: str | None) -> bool:
    current = visitor(request)
    if current.token:
        binding = "s:" + hashlib.sha256(current.token.encode()).hexdigest()
    else:
        pre = request.cookies.get(web_config(request).presession_cookie)
        if not pre:
            return False
        binding = "p:" + hashlib.sha256(pre.encode()).hexdigest()
    return csrf_tokens(request).check(token, binding)


def language_of(request: Request) -> Language:
    """The visitor's explicit choice (cookie), else a caseworker's registered language, else Danish."""
    cached = getattr(request.state, "language", None)
    if cached:
        return cached
    chosen = request.cookies.get(web_config(request).language_cookie) if hasattr(request.app.state, "web") else None
    caseworker = None
    if chosen is None and getattr(request.app.state, "services", None) is not None:
        try:
            caseworker = visitor(request).caseworker
        except Exception:  # an error page must render even when the database is down
            caseworker = None
    language = pick_language(chosen, caseworker.language if caseworker else None)
    request.state.language = language
    return language


def page_context(request: Request) -> PageContext:
    try:
        current = visitor(request)
    except Exception:  # an error page must render even when the database is down
        current = Visitor()
        request.state.visitor = current  # so the page's CSRF helpers do not ask the database again
    return PageContext(user=current, csrf_token=lambda: issue_csrf(request))


# ---------------------------------------------------------------------------- cookies


def _set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=web_config(request).secure_cookies,
        httponly=True,
        samesite="strict",
    )


def finish(request: Request, response: Response) -> Response:
    """Set the pre-session cookie if this page issued the first CSRF token of an anonymous browser."""
    pre = getattr(request.state, "new_presession", None)
    if pre and not visitor(request).token:
        _set_cookie(response, request, web_config(request).presession_cookie, pre)
    return response


def start_session(request: Request, response: Response, issued: IssuedSession) -> None:
    """Sign in: the old session (if any) is revoked and a new session id is issued, never reused."""
    config = web_config(request)
    old = request.cookies.get(config.session_cookie)
    if old:
        services_of(request).accounts.revoke_session(old)
    _set_cookie(response, request, config.session_cookie, issued.token)
    response.delete_cookie(config.presession_cookie, path="/", secure=config.secure_cookies, httponly=True, samesite="strict")


def end_session(request: Request, response: Response) -> None:
    config = web_config(request)
    token = request.cookies.get(config.session_cookie)
    if token:
        services_of(request).accounts.revoke_session(token)
    response.delete_cookie(config.session_cookie, path="/", secure=config.secure_cookies, httponly=True, samesite="strict")


def _device_signature(key: bytes, username: str, issued: int) -> str:
    return hmac.new(key, f"known-device|{username}|{issued}".encode(), hashlib.sha256).hexdigest()


def remember_device(request: Request, response: Response, username: str) -> None:
    """After a successful password: a signed cookie saying this browser has signed in as `username` before."""
    config = web_config(request)
    issued = int(time.time())
    name = base64.urlsafe_b64encode(username.encode()).decode().rstrip("=")
    value = f"{name}.{issued}.{_device_signature(config.secret_key, username, issued)}"
    _set_cookie(response, request, config.device_cookie, value, max_age=DEVICE_COOKIE_SECONDS)


def is_known_device(request: Request, username: str) -> bool:
    """The browser carries a valid, unexpired device cookie for this username (signed with the web secret key)."""
    config = web_config(request)
    value = request.cookies.get(config.device_cookie) or ""
    parts = value.split(".")
    if len(parts) != 3 or len(value) > 300 or not parts[1].isdigit():
        return False
    try:
        named = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    issued = int(parts[1])
    wanted = username.strip().lower()
    fresh = 0 <= time.time() - issued <= DEVICE_COOKIE_SECONDS
    return fresh and named == wanted and hmac.compare_digest(parts[2], _device_signature(config.secret_key, wanted, issued))


def start_second_factor(request: Request, response: Response, user_id: int, failures: int) -> None:
    """The password was right and a TOTP code must follow: a signed, five-minute cookie says whose it is."""
    config = web_config(request)
    issued = int(time.time())
    payload = f"{user_id}.{failures}.{issued}"
    signature = hmac.new(config.secret_key, f"second-factor|{payload}".encode(), hashlib.sha256).hexdigest()
    _set_cookie(response, request, config.second_factor_cookie, f"{payload}.{signature}", max_age=SECOND_FACTOR_SECONDS)


def pending_second_factor(request: Request) -> tuple[int, int] | None:
    """(user id, failures to tell) of a password checked in the last five minutes in this browser, else None."""
    config = web_config(request)
    parts = (request.cookies.get(config.second_factor_cookie) or "").split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        return None
    payload = ".".join(parts[:3])
    wanted = hmac.new(config.secret_key, f"second-factor|{payload}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(parts[3], wanted) or not 0 <= time.time() - int(parts[2]) <= SECOND_FACTOR_SECONDS:
        return None
    return int(parts[0]), int(parts[1])


def end_second_factor(request: Request, response: Response) -> None:
    config = web_config(request)
    response.delete_cookie(config.second_factor_cookie, path="/", secure=config.secure_cookies, httponly=True, samesite="strict")


def tell_after_sign_in(request: Request, response: Response, failures: int) -> None:
    """Carry "N failed attempts since your last sign-in" to the first page after the redirect."""
    if failures > 0:
        _set_cookie(response, request, web_config(request).notice_cookie, str(failures), max_age=NOTICE_COOKIE_SECONDS)


def pending_sign_in_notice(request: Request) -> int:
    """The failure count waiting to be shown to the staff user on this page, or 0."""
    if not hasattr(request.app.state, "web"):
        return 0
    value = request.cookies.get(web_config(request).notice_cookie) or ""
    return int(value) if value.isdigit() and len(value) < 7 else 0


def forget_sign_in_notice(request: Request, response: Response) -> None:
    """The notice was shown: the next page does not repeat it."""
    config = web_config(request)
    response.delete_cookie(config.notice_cookie, path="/", secure=config.secure_cookies, httponly=True, samesite="strict")


def set_language(request: Request, response: Response, language: Language) -> None:
    _set_cookie(response, request, web_config(request).language_cookie, language, max_age=LANGUAGE_COOKIE_SECONDS)
