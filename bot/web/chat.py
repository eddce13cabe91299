"""The caseworkers' web chat: the same answer as in Telegram (quotes, citations, route button), their
requisitions and the answers that came back. For staff without Telegram, and for the demo.

Answers are not stored: a follow-up (route, feedback) carries the question back and the engine answers it
again, which is deterministic and takes milliseconds.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.answer_types import Answer
from bot.errors import InvalidQuestion
from bot.web.deps import CaseworkerDep, CsrfChecked, LanguageDep, ServicesDep
from bot.web.documents import citation_url, quote_url
from bot.web.error_pages import error_text
from bot.web.i18n import translate
from bot.web.schemas import Text
from bot.web.templating import render

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Question = Annotated[Text(10_000), Form()]  # type: ignore[valid-type]
MY_REQUISITIONS = 20
ROUTE_PASSAGES = 2  # a question the documents do not answer shows the decision, then at most this many passages


def _page(request: Request, caseworker, services, *, status: int = 200, **extra: object) -> Response:  # noqa: ANN001
    mine = services.requisitions.list(caseworker, sort="-updated", limit=MY_REQUISITIONS)
    answer: Answer | None = extra.get("answer")  # type: ignore[assignment]
    shown = (answer.citations if answer.status == "answered" else answer.citations[:ROUTE_PASSAGES]) if answer else []
    citations = [{"c": c, "url": citation_url(c)} for c in shown]
    documents = services.engine.documents
    context = {
        "mine": mine.items,
        "citations": citations,
        "titles": {doc_id: d.metadata.title for doc_id, d in documents.items()},
        "source_url": lambda source: quote_url(documents, source.doc_id, source.quote),
        # One key per answer shown: sending it on twice (a double click, a resubmitted form) makes one requisition.
        "message_key": secrets.token_urlsafe(16),
    }
    return render(request, "chat.html", context | extra, status_code=status)


@router.get("/chat")
def chat(request: Request, caseworker: CaseworkerDep, services: ServicesDep) -> Response:
    return _page(request, caseworker, services)


async def _ask(services, question: str) -> Answer:  # noqa: ANN001
    return await run_in_threadpool(services.engine.ask, question)


@router.post("/chat/ask", dependencies=[CsrfChecked])
async def ask(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep, language: LanguageDep, question: Question
) -> Response:
    try:
        answer = await _ask(services, question)
    except InvalidQuestion as exc:
        return _page(request, caseworker, services, status=422, error=error_text(exc, language), question=question)
    if answer.status == "route":  # the documents did not answer: it counts on the gap map
        cited = [c.chunk_id or c.doc_id for c in answer.citations]
        await run_in_threadpool(services.requisitions.record_routed, caseworker, "web", answer.question, cited)
    return _page(request, caseworker, services, answer=answer)


@router.post("/chat/route", dependencies=[CsrfChecked])
async def route(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep, language: LanguageDep, question: Question,
    context: Annotated[Text(10_000), Form()] = "",  # type: ignore[valid-type]
    message_key: Annotated[Text(100), Form()] = "",  # type: ignore[valid-type]
) -> Response:
    """Send the question to the task force with the engine's closest passages; confirm with its number."""
    answer = await _ask(services, question)
    created = await run_in_threadpool(
        lambda: services.requisitions.create(caseworker, answer.question, answer, context.strip() or None,
                                             idempotency_key=message_key.strip() or None)
    )
    notice = translate("chat.routed", language, number=created.requisition.number)
    return _page(request, caseworker, services, routed=notice, redacted=tuple(answer.redacted) + tuple(created.redacted))


@router.post("/chat/feedback", dependencies=[CsrfChecked])
async def feedback(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep, question: Question,
    vote: Annotated[Literal["up", "down"], Form()],
) -> Response:
    answer = await _ask(services, question)
    cited = [c.chunk_id or c.doc_id for c in answer.citations]
    await run_in_threadpool(services.requisitions.record_feedback, caseworker, "web", answer.question, cited, vote)
    return _page(request, caseworker, services, answer=answer, voted=vote)


@router.post("/chat/requisitions/{requisition_id}/reply", dependencies=[CsrfChecked])
def reply(
    requisition_id: IdPath, caseworker: CaseworkerDep, services: ServicesDep,
    text: Annotated[Text(10_000, 1), Form()],  # type: ignore[valid-type]
) -> Response:
    services.requisitions.provide_info(caseworker, requisition_id, text)
    return RedirectResponse("/chat#mine", status_code=303)


@router.post("/chat/requisitions/{requisition_id}/close", dependencies=[CsrfChecked])
def close(requisition_id: IdPath, caseworker: CaseworkerDep, services: ServicesDep) -> Response:
    services.requisitions.close(caseworker, requisition_id)
    return RedirectResponse("/chat#mine", status_code=303)
