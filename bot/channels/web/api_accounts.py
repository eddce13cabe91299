"""Offboarding over the JSON API: list and deactivate caseworkers, list and withdraw invites, list and revoke API
tokens. An API token acts as the system, which may do what the coordinator may; each change is in the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from bot.channels.web import schemas
from bot.channels.web.api import ERRORS
from bot.channels.web.deps import ApiActor, ServicesDep

router = APIRouter(tags=["accounts"])
CaseworkerId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The caseworker's id.")]
InviteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The invite's id.")]
TokenId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The API token's id.")]
NOT_FOUND = ERRORS | {404: {"description": "No caseworker, invite or token with this id."}}


@router.get("/api/caseworkers", response_model=list[schemas.CaseworkerOut], responses=ERRORS)
def list_caseworkers(services: ServicesDep, actor: ApiActor) -> list[schemas.CaseworkerOut]:
    """Every registered caseworker, active ones first (never their sign-in key or its hash)."""
    return [schemas.CaseworkerOut.model_validate(c, from_attributes=True) for c in services.accounts.list_caseworkers(actor)]


@router.post("/api/caseworkers/{caseworker_id}/deactivate", response_model=schemas.RevokedOut, responses=NOT_FOUND)
def deactivate_caseworker(caseworker_id: CaseworkerId, services: ServicesDep, actor: ApiActor) -> schemas.RevokedOut:
    """Offboard a caseworker: their web key, web sessions and Telegram access stop at once. `changed` is false
    when they had already been deactivated (nothing is done or audited again)."""
    result = services.accounts.deactivate_caseworker(actor, caseworker_id)
    return schemas.RevokedOut(id=result.id, changed=result.changed)


@router.get("/api/invites", response_model=list[schemas.InviteOut], responses=ERRORS)
def list_invites(services: ServicesDep, actor: ApiActor) -> list[schemas.InviteOut]:
    """Every invite, newest first, with its status (the code itself is never kept)."""
    return [schemas.InviteOut.model_validate(i, from_attributes=True) for i in services.accounts.list_invites(actor)]


@router.post("/api/invites/{invite_id}/revoke", response_model=schemas.RevokedOut, responses=NOT_FOUND)
def revoke_invite(invite_id: InviteId, services: ServicesDep, actor: ApiActor) -> schemas.RevokedOut:
    """Withdraw an unused invite; a used one is refused with 422 (deactivate that caseworker instead)."""
    result = services.accounts.revoke_invite(actor, invite_id)
    return schemas.RevokedOut(id=result.id, changed=result.changed)


@router.get("/api/tokens", response_model=list[schemas.TokenOut], responses=ERRORS)
def list_tokens(services: ServicesDep, actor: ApiActor) -> list[schemas.TokenOut]:
    """Every API token (never the secret)."""
    return [schemas.TokenOut.model_validate(t, from_attributes=True) for t in services.accounts.list_tokens(actor)]


@router.post("/api/tokens/{token_id}/revoke", response_model=schemas.RevokedOut, responses=NOT_FOUND)
def revoke_token(token_id: TokenId, services: ServicesDep, actor: ApiActor) -> schemas.RevokedOut:
    """Revoke an API token at once (the token calling may revoke itself)."""
    result = services.accounts.revoke_token(actor, token_id)
    return schemas.RevokedOut(id=result.id, changed=result.changed)
