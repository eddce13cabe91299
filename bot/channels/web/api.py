"""The JSON API: ask, the requisition workflow, figures and health. Thin: parse, call one service, shape JSON."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.channels.web import schemas
from bot.channels.web.deps import ApiActor, ServicesDep
from bot.core.errors import DatabaseDamaged, DatabaseUnavailable, InvalidInput
from bot.people.actors import Caseworker
from bot.queue import RequisitionView

ERRORS = {
    400: {"description": "An unreadable request (e.g. an invalid Content-Length header)."},
    401: {"description": "No or unknown API token."},
    403: {"description": "The token may not do this."},
    404: {"description": "No such requisition (or caseworker, adviser)."},
    409: {"description": "The requisition's state does not allow this (the message lists what is allowed), or it "
                         "changed since the version sent in If-Match."},
    413: {"description": "The request body is too large."},
    422: {"description": "Malformed JSON, a missing or wrong field, or an unusable question."},
    503: {"description": "The database cannot be reached right now; retry after the Retry-After seconds."},
}
_ETAG = re.compile(r'^(?:W/)?"v(\d{1,9})"$')
IfMatch = Annotated[str | None, Header(max_length=100, description='The ETag you read, `"v<version>"`: a requisition '
                                                                   "changed since then is refused with 409.")]
IdempotencyKey = Annotated[str | None, Header(max_length=150, description="Any unique string (a UUID) per requisition: "
                                                                          "a retry with the same key returns the first one.")]

router = APIRouter(tags=["api"])
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="The requisition's id.")]
State = Literal["new", "assigned", "in_progress", "needs_info", "answered", "closed", "duplicate", "rejected", "published"]
Sort = Literal["created", "-created", "updated", "-updated", "number", "-number", "status"]


def etag(view: RequisitionView) -> str:
    """The requisition's version as an HTTP entity tag."""
    return f'"v{view.version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None for no header or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise InvalidInput('If-Match must be the ETag you read, e.g. "v3".')
    return int(match.group(1))


@router.get("/healthz", response_model=schemas.Health, tags=["health"])
def healthz(services: ServicesDep) -> schemas.Health:
    """Kept for existing monitors: the engine is loaded and the database answers (see /healthz/ready)."""
    services.accounts.get_user_by_name("coordinator")
    return schemas.Health(status="ok", documents=len(services.engine.documents))


@router.get("/healthz/live", tags=["health"])
def live() -> dict[str, str]:
    """Liveness: the process answers. Restart it only when this fails, never because the database is down."""
    return {"status": "alive"}


@router.get("/healthz/ready", response_model=schemas.Readiness, tags=["health"],
            responses={503: {"model": schemas.Readiness, "description": "Not ready: the failing checks say why."}})
def ready(request: Request) -> Response:
    """Readiness: the model is loaded, the index files match their checksums, the database takes a commit and
    (PostgreSQL) the index holds the shared corpus's current version."""
    services = getattr(request.app.state, "services", None)
    checks: dict[str, str] = {}
    if services is None:
        checks["model"] = "loading"
    else:
        embedder = services.engine.embedder
        checks["model"] = "ok" if getattr(embedder, "loaded", True) else "not loaded"
        problems = services.engine.index_problems()
        checks["index"] = "ok" if not problems else f"{'; '.join(problems[:3])}: run `vejviser index build`"
        if services.corpus_sync is not None:
            try:
                checks["corpus"] = services.corpus_sync.lag() or "ok"
            except (DatabaseUnavailable, DatabaseDamaged) as exc:
                checks["corpus"] = f"the shared corpus version cannot be read: {exc}"
        try:
            services.database.check_writable()
            checks["database"] = "ok"
        except DatabaseUnavailable as exc:
            checks["database"] = f"{exc} ({exc.detail})"
        except DatabaseDamaged as exc:
            checks["database"] = str(exc)
    ok = all(value == "ok" for value in checks.values()) and "database" in checks
    body = schemas.Readiness(status="ready" if ok else "not ready", checks=checks).model_dump()
    return JSONResponse(body, 200 if ok else 503, headers=None if ok else {"Retry-After": "5"})


@router.post("/api/ask", response_model=schemas.AnswerOut, responses=ERRORS)
async def ask(body: schemas.AskRequest, services: ServicesDep, actor: ApiActor) -> dict:
    """Answer a question by quoting the documents, or say it should be routed (`status: route`, counted on the gap
    map like a routed question in chat)."""
    caseworker = actor if isinstance(actor, Caseworker) else None
    answer = await run_in_threadpool(services.assistant.ask, caseworker, "api", body.question)
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
async def create_requisition(
    body: schemas.CreateRequisition, services: ServicesDep, actor: ApiActor, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> schemas.CreatedOut:
    """Route a registered caseworker's question to the task force; the engine's closest passages go along.

    Send an `Idempotency-Key` header to make a retry safe: the same key returns the requisition the first call
    created (header `Idempotent-Replayed: true`) instead of a second one."""
    caseworker = await run_in_threadpool(services.accounts.get_caseworker_by_id, body.caseworker_id)
    answer = await run_in_threadpool(services.engine.ask, body.question)
    created = await run_in_threadpool(
        lambda: services.requisitions.create(caseworker, body.question, answer, body.context, tuple(body.themes),
                                             idempotency_key=idempotency_key)
    )
    response.headers["ETag"] = etag(created.requisition)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return schemas.CreatedOut(
        requisition=schemas.requisition_out(created.requisition),
        duplicates=[schemas.DuplicateOut.model_validate(d, from_attributes=True) for d in created.duplicates],
        redacted=list(created.redacted),
    )


@router.get("/api/requisitions/{requisition_id}", response_model=schemas.RequisitionOut, responses=ERRORS)
def get_requisition(
    requisition_id: IdPath, services: ServicesDep, actor: ApiActor, response: Response
) -> schemas.RequisitionOut:
    """One requisition; its ETag is the version to send back in If-Match when assigning it."""
    view = services.requisitions.get(actor, requisition_id)
    response.headers["ETag"] = etag(view)
    return schemas.requisition_out(view)


@router.post("/api/requisitions/{requisition_id}/assign", response_model=schemas.RequisitionOut, responses=ERRORS)
def assign(
    requisition_id: IdPath, body: schemas.AssignRequest, services: ServicesDep, actor: ApiActor, response: Response,
    if_match: IfMatch = None,
) -> schemas.RequisitionOut:
    """Assign to an adviser; with If-Match, refused (409) if someone changed the requisition since you read it."""
    view = services.requisitions.assign(actor, requisition_id, body.adviser_id, expected_version=expected_version(if_match))
    response.headers["ETag"] = etag(view)
    return schemas.requisition_out(view)


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


@router.post("/api/requisitions/{requisition_id}/unpublish", response_model=schemas.RequisitionOut, responses=ERRORS)
async def unpublish(requisition_id: IdPath, services: ServicesDep, actor: ApiActor) -> schemas.RequisitionOut:
    """Take a published answer back (published → answered): it leaves the corpus and no worker cites it again."""
    view = await run_in_threadpool(services.requisitions.unpublish, requisition_id, actor)
    return schemas.requisition_out(view)


@router.get("/api/stats", response_model=schemas.StatsOut, responses=ERRORS)
def stats(services: ServicesDep, actor: ApiActor) -> schemas.StatsOut:
    return schemas.StatsOut.model_validate(services.requisitions.stats(actor), from_attributes=True)


def _changed(changed) -> schemas.ChangedOut:  # noqa: ANN001 - a Changed
    return schemas.ChangedOut(requisition=schemas.requisition_out(changed.requisition), redacted=list(changed.redacted))
