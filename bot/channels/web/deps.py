"""FastAPI dependencies as `Annotated` aliases: who is asking, what they may reach, and the CSRF check.

Every page and API route names one of these in its signature, so the role check is visible where the
route is declared and cannot be forgotten inside it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from bot.channels.web import drafts, sessions
from bot.channels.web.csrf import FIELD_NAME
from bot.channels.web.error_pages import (
    ApiAuthRequired,
    CsrfRejected,
    LoginRequired,
    MfaEnrolmentRequired,
    PasswordChangeRequired,
    SessionExpired,
)
from bot.channels.web.i18n import Language
from bot.core.settings import Settings
from bot.people.actors import Actor, Caseworker, StaffUser, SystemActor
from bot.services import Services


def get_services(request: Request) -> Services:
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise HTTPException(503, "The service is starting; try again in a moment.")
    return services


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_visitor(request: Request) -> sessions.Visitor:
    get_services(request)
    return sessions.visitor(request)


def get_language(request: Request) -> Language:
    return sessions.language_of(request)


def _next_path(request: Request) -> str:
    """Where to come back after signing in: this page, or for a form the page it is on (a POST path has none)."""
    if request.method not in ("GET", "HEAD"):
        return drafts.form_page(request.url.path)
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _signed_in(request: Request, visitor: Annotated[sessions.Visitor, Depends(get_visitor)]) -> sessions.Visitor:
    if visitor.actor is None:
        raise LoginRequired(_next_path(request), expired=visitor.expired)
    return visitor


def _password_changed(visitor: Annotated[sessions.Visitor, Depends(_signed_in)]) -> sessions.Visitor:
    if visitor.session is not None and visitor.session.must_change_password:
        raise PasswordChangeRequired()
    return visitor


def require_signed_in(visitor: Annotated[sessions.Visitor, Depends(_password_changed)]) -> sessions.Visitor:
    """Anyone signed in; a staff user with a one-time password is sent to change it first, then one without the
    required second factor to set it up (as JSON: 403 saying so)."""
    if visitor.session is not None and visitor.session.mfa_missing:
        raise MfaEnrolmentRequired()
    return visitor


def require_staff_enrolling(visitor: Annotated[sessions.Visitor, Depends(_password_changed)]) -> StaffUser:
    """Staff who may lack the second factor: only its enrolment page."""
    if visitor.staff is None:
        raise HTTPException(403)
    return visitor.staff


def require_staff_any_password(visitor: Annotated[sessions.Visitor, Depends(_signed_in)]) -> StaffUser:
    """Staff, even one who still has to replace a one-time password: only the change-password page."""
    if visitor.staff is None:
        raise HTTPException(403)
    return visitor.staff


def require_staff(visitor: Annotated[sessions.Visitor, Depends(require_signed_in)]) -> StaffUser:
    """The dashboard: the coordinator and advisers only; a caseworker gets 403, not a redirect loop."""
    if visitor.staff is None:
        raise HTTPException(403)
    return visitor.staff


def require_coordinator(staff: Annotated[StaffUser, Depends(require_staff)]) -> StaffUser:
    if staff.role != "coordinator":
        raise HTTPException(403)
    return staff


def require_caseworker(visitor: Annotated[sessions.Visitor, Depends(require_signed_in)]) -> Caseworker:
    """The web chat: signed-in caseworkers; staff use the dashboard (and Telegram if they want to ask)."""
    if visitor.caseworker is None:
        raise HTTPException(403)
    return visitor.caseworker


async def check_csrf(request: Request) -> None:
    """Every state-changing form carries a single-use token bound to this browser's session."""
    form = await request.form()
    token = form.get(FIELD_NAME)
    # Spending the token and reading the session are database calls: off the event loop (SQLite may wait on a lock).
    if not isinstance(token, str) or not await run_in_threadpool(sessions.check_csrf, request, token):
        visitor = await run_in_threadpool(sessions.visitor, request)
        if visitor.actor is None and request.url.path not in drafts.ANONYMOUS_FORMS:
            raise SessionExpired(request.url.path)  # still refused; only the words and the way back differ
        raise CsrfRejected()


_bearer = HTTPBearer(auto_error=False, description="An API token created by the coordinator.")


def api_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """API clients act as the system under their token's name; the audit log records `system:api:<name>`."""
    if credentials is None or not credentials.credentials or len(credentials.credentials) > 200:
        raise ApiAuthRequired()
    token = get_services(request).accounts.verify_token(credentials.credentials)
    if token is None:
        raise ApiAuthRequired()
    return SystemActor(name=f"api:{token.name}")


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
VisitorDep = Annotated[sessions.Visitor, Depends(get_visitor)]
LanguageDep = Annotated[Language, Depends(get_language)]
SignedIn = Annotated[sessions.Visitor, Depends(require_signed_in)]
Staff = Annotated[StaffUser, Depends(require_staff)]
StaffAnyPassword = Annotated[StaffUser, Depends(require_staff_any_password)]
StaffEnrolling = Annotated[StaffUser, Depends(require_staff_enrolling)]
Coordinator = Annotated[StaffUser, Depends(require_coordinator)]
CaseworkerDep = Annotated[Caseworker, Depends(require_caseworker)]
CsrfChecked = Depends(check_csrf)  # use as `dependencies=[CsrfChecked]` on POST routes
ApiActor = Annotated[Actor, Depends(api_actor)]
