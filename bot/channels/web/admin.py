"""The coordinator's user management: staff accounts, caseworkers (offboarding), invite codes, API tokens.

A secret (one-time password, invite code, API token) is rendered once in the response to the POST that made
it, never put in a URL or a log; the service keeps only its hash.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from bot.channels.web.deps import Coordinator, CsrfChecked, LanguageDep, ServicesDep
from bot.channels.web.error_pages import error_text
from bot.channels.web.i18n import translate
from bot.channels.web.schemas import Text
from bot.channels.web.templating import render
from bot.core.errors import InvalidInput

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _page(request: Request, staff, services, status: int = 200, **extra: object) -> Response:  # noqa: ANN001
    context = {
        "users": services.accounts.list_users(staff),
        "tokens": services.accounts.list_tokens(staff),
        "caseworkers": services.accounts.list_caseworkers(staff),
        "invites": services.accounts.list_invites(staff),
    } | extra
    return render(request, "users.html", context, status_code=status)


@router.get("/dashboard/users")
def users(request: Request, staff: Coordinator, services: ServicesDep) -> Response:
    return _page(request, staff, services)


@router.post("/dashboard/users", dependencies=[CsrfChecked])
def add_user(
    request: Request, staff: Coordinator, services: ServicesDep, language: LanguageDep,
    username: Annotated[Text(100, 1), Form()],  # type: ignore[valid-type]
    role: Annotated[Literal["coordinator", "adviser"], Form()],
) -> Response:
    password = secrets.token_urlsafe(12)  # 16 characters, shown once; the user changes it at first sign-in
    try:
        services.accounts.create_user(staff, username.strip(), password, role, one_time=True)
    except InvalidInput as exc:
        return _page(request, staff, services, 422, error=error_text(exc, language))
    return _page(request, staff, services, created_password=password, created_username=username.strip())


@router.post("/dashboard/users/{user_id}/active", dependencies=[CsrfChecked])
def set_active(
    user_id: IdPath, staff: Coordinator, services: ServicesDep, active: Annotated[Literal["0", "1"], Form()]
) -> Response:
    services.accounts.set_active(staff, user_id, active == "1")
    return RedirectResponse("/dashboard/users", status_code=303)


@router.post("/dashboard/invites", dependencies=[CsrfChecked])
def create_invite(
    request: Request, staff: Coordinator, services: ServicesDep,
    department: Annotated[Text(200, 1), Form()],  # type: ignore[valid-type]
) -> Response:
    invite = services.accounts.create_invite(staff, department.strip())
    return _page(request, staff, services, invite=invite)


@router.post("/dashboard/tokens", dependencies=[CsrfChecked])
def create_token(
    request: Request, staff: Coordinator, services: ServicesDep,
    name: Annotated[Text(100, 1), Form()],  # type: ignore[valid-type]
) -> Response:
    issued = services.accounts.create_token(staff, name.strip())
    return _page(request, staff, services, token_secret=issued.secret)


@router.post("/dashboard/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke_token(
    request: Request, token_id: IdPath, staff: Coordinator, services: ServicesDep, language: LanguageDep
) -> Response:
    result = services.accounts.revoke_token(staff, token_id)
    key = "users.token_revoked" if result.changed else "users.token_already"
    return _page(request, staff, services, notice=translate(key, language, id=result.id))


@router.post("/dashboard/invites/{invite_id}/revoke", dependencies=[CsrfChecked])
def revoke_invite(
    request: Request, invite_id: IdPath, staff: Coordinator, services: ServicesDep, language: LanguageDep
) -> Response:
    result = services.accounts.revoke_invite(staff, invite_id)
    key = "users.invite_revoked" if result.changed else "users.invite_already"
    return _page(request, staff, services, notice=translate(key, language, id=result.id))


@router.post("/dashboard/caseworkers/{caseworker_id}/deactivate", dependencies=[CsrfChecked])
def deactivate_caseworker(
    request: Request, caseworker_id: IdPath, staff: Coordinator, services: ServicesDep, language: LanguageDep
) -> Response:
    """Offboard a caseworker: their web key, web sessions and Telegram access stop at once, in every worker."""
    result = services.accounts.deactivate_caseworker(staff, caseworker_id)
    key = "users.caseworker_deactivated" if result.changed else "users.caseworker_already"
    return _page(request, staff, services, notice=translate(key, language, id=result.id))
