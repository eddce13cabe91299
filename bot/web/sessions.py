"""Browser sessions: the cookie, who is signed in, CSRF tokens bound to the session, and the page language.

The session itself (idle and absolute timeouts, revocation) lives in `AccountService`; this module only
moves its token between the cookie and the service, and caches the result on `request.state`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request
from starlette.responses import Response

from bot.web.config import WebConfig
from bot.web.csrf import CsrfTokens
from bot.web.i18n import Language, pick_language

if TYPE_CHECKING:
    from bot.accounts import IssuedSession, WebSession
    from bot.actors import Actor, Caseworker, StaffUser
    from bot.services import Services

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


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


def set_language(request: Request, response: Response, language: Language) -> None:
    _set_cookie(response, request, web_config(request).language_cookie, language, max_age=LANGUAGE_COOKIE_SECONDS)
