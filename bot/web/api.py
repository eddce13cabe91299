"""The JSON API: ask, the requisition workflow, figures and health. Thin: parse, call one service, shape JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from bot.web import schemas
from bot.web.deps import ApiActor, ServicesDep

ERRORS = {
    400: {"description": "An unreadable request (e.g. an invalid Content-Length header)."},
    401: {"description": "No or unknown API token."},
    403: {"description": "The token may not do this."},
    404: {"description": "No such requisition (or caseworker, adviser)."},
    409: {"description": "The requisition's state does not allow this; the message lists what is allowed."},
    413: {"description": "The request body is too large."},
    422: {"description": "Malformed JSON, a missing or wrong field, or an unusable question."},
}

router = APIRouter(tags=["api"])
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The requisition's id.")]
State = Literal["new", "assigned", "in_progress", "needs_info", "answered", "closed", "duplicate", "rejected", "published"]
Sort = Literal["created", "-created", "updated", "-updated", "number", "-number", "status"]


@router.get("/healthz", response_model=schemas.Health, tags=["health"])
def healthz(services: ServicesDep) -> schemas.Health:
    """Liveness and readiness: the engine is loaded and the database answers."""
    services.accounts.get_user_by_name("coordinator")
    return schemas.Health(status="ok", documents=len(services.engine.documents))


@router.post("/api/ask", response_model=schemas.AnswerOut, responses=ERRORS)
async def ask(body: schemas.AskRequest, services: ServicesDep, actor: ApiActor) -> dict:
    """Answer a question by quoting the documents, or say it should be routed (`status: route`)."""
    answer = await run_in_threadpool(services.engine.ask, body.question)
    return answer.to_json()


@router.get("/api/requisitions", response_model=schemas.RequisitionPage, responses=ERRORS)
def list_requisitions(
    services: ServicesDep,
    actor: ApiActor,
    status: Annotated[list[State] | None, Query(max_length=10)] = None,
    department: Annotated[schemas.Text(200) | None, Query()] = None,  # type: ignore[valid-type]
    theme: Annotated[schemas.Text(100) | None, Query()] = None,  # type: ignore[valid-type]
    assignee_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    older_than_days: Annotated[float | None, Query(ge=0, le=36_500)] = None,
    text: Annotated[schemas.Text(500) | None, Query()] = None,  # type: ignore[valid-type]
    sort: Sort = "-created",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> schemas.RequisitionPage:
    page = services.requisitions.list(
        actor,
        status=status or None,
        department=department or None,
        theme=theme or None,
        assignee_id=assignee_id,
        older_than_days=older_than_days,
        text=text or None,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    return schemas.RequisitionPage(
        items=[schemas.requisition_out(v) for v in page.items], total=page.total, offset=page.offset, limit=page.limit
    )


@router.post("/api/requisitions", response_model=schemas.CreatedOut, status_code=201, responses=ERRORS)
async def create_requisition(body: schemas.CreateRequisition, services: ServicesDep, actor: ApiActor) -> schemas.CreatedOut:
    """Route a registered caseworker's question to the task force; the engine's closest passages go along."""
    caseworker = services.accounts.get_caseworker_by_id(body.caseworker_id)
    answer = await run_in_threadpool(services.engine.ask, body.question)
    created = await run_in_threadpool(
        services.requisitions.create, caseworker, body.question, answer, body.context, tuple(body.themes)
    )
    return schemas.CreatedOut(
        requisition=schemas.requisition_out(created.requisition),
        duplicates=[schemas.DuplicateOut.model_validate(d, from_attributes=True) for d in created.duplicates],
        redacted=list(created.redacted),
    )


@router.get("/api/requisitions/{requisition_id}", response_model=schemas.RequisitionOut, responses=ERRORS)
def get_requisition(requisition_id: IdPath, services: ServicesDep, actor: ApiActor) -> schemas.RequisitionOut:
    return schemas.requisition_out(services.requisitions.get(actor, requisition_id))


@router.post("/api/requisitions/{requisition_id}/assign", response_model=schemas.RequisitionOut, responses=ERRORS)
def assign(requisition_id: IdPath, body: schemas.AssignRequest, services: ServicesDep, actor: ApiActor) -> schemas.RequisitionOut:
    return schemas.requisition_out(services.requisitions.assign(actor, requisition_id, body.adviser_id))


@router.post("/api/requisitions/{requisition_id}/start", response_model=schemas.RequisitionOut, responses=ERRORS)
def start(requisition_id: IdPath, services: ServicesDep, actor: ApiActor) -> schemas.RequisitionOut:
    return schemas.requisition_out(services.requisitions.start(actor, requisition_id))


@router.post("/api/requisitions/{requisition_id}/ask-for-info", response_model=schemas.ChangedOut, responses=ERRORS)
def ask_for_info(requisition_id: IdPath, body: schemas.MessageRequest, services: ServicesDep, actor: ApiActor) -> schemas.ChangedOut:
    return _changed(services.requisitions.ask_for_info(actor, requisition_id, body.message))


@router.post("/api/requisitions/{requisition_id}/answer", response_model=schemas.ChangedOut, responses=ERRORS)
def answer(requisition_id: IdPath, body: schemas.AnswerRequest, services: ServicesDep, actor: ApiActor) -> schemas.ChangedOut:
    sources = [source.to_source() for source in body.sources]
    return _changed(services.requisitions.answer(actor, requisition_id, body.text, sources))


@router.post("/api/requisitions/{requisition_id}/close", response_model=schemas.RequisitionOut, responses=ERRORS)
def close(requisition_id: IdPath, services: ServicesDep, actor: ApiActor) -> schemas.RequisitionOut:
    return schemas.requisition_out(services.requisitions.close(actor, requisition_id))


@router.post("/api/requisitions/{requisition_id}/duplicate", response_model=schemas.RequisitionOut, responses=ERRORS)
def mark_duplicate(
    requisition_id: IdPath, body: schemas.DuplicateRequest, services: ServicesDep, actor: ApiActor
) -> schemas.RequisitionOut:
    return schemas.requisition_out(services.requisitions.mark_duplicate(actor, requisition_id, body.duplicate_of))


@router.post("/api/requisitions/{requisition_id}/reject", response_model=schemas.ChangedOut, responses=ERRORS)
def reject(requisition_id: IdPath, body: schemas.ReasonRequest, services: ServicesDep, actor: ApiActor) -> schemas.ChangedOut:
    return _changed(services.requisitions.reject(actor, requisition_id, body.reason))


@router.post("/api/requisitions/{requisition_id}/publish", response_model=schemas.RequisitionOut, responses=ERRORS)
async def publish(requisition_id: IdPath, services: ServicesDep, actor: ApiActor) -> schemas.RequisitionOut:
    """Make the answer a best-practice document the assistant can cite (indexed incrementally)."""
    view = await run_in_threadpool(services.requisitions.publish, requisition_id, actor)
    return schemas.requisition_out(view)


@router.get("/api/stats", response_model=schemas.StatsOut, responses=ERRORS)
def stats(services: ServicesDep, actor: ApiActor) -> schemas.StatsOut:
    return schemas.StatsOut.model_validate(services.requisitions.stats(actor), from_attributes=True)


def _changed(changed) -> schemas.ChangedOut:  # noqa: ANN001 - a Changed
    return schemas.ChangedOut(requisition=schemas.requisition_out(changed.requisition), redacted=list(changed.redacted))
