"""The caseworkers' web chat: the same answer as in Telegram (quotes, citations, route button), their own history of
questions and answers, their requisitions and what the task force said, kept current while the page is open.

Each question asked is kept once, redacted, in her history (bot/queue/history.py); a follow-up (route,
feedback) carries the question back and the engine answers it again, which is deterministic and takes
milliseconds, so a follow-up never adds an entry. The page polls GET /chat/updates (bot/channels/web/static/app.js) for
requisitions changed since its last look; news stays marked until she opens the requisition.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.answer_memory import PendingAnswer
from bot.answering.answer import Answer
from bot.channels.web.deps import CaseworkerDep, CsrfChecked, LanguageDep, ServicesDep
from bot.channels.web.documents import citation_url, quote_url
from bot.channels.web.error_pages import error_text
from bot.channels.web.i18n import translate
from bot.channels.web.schemas import Text
from bot.channels.web.templating import fragment, render
from bot.core.errors import InvalidQuestion
from bot.people.actors import Caseworker
from bot.queue import RequisitionView
from bot.services import Services

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Question = Annotated[Text(10_000), Form()]  # type: ignore[valid-type]
MY_REQUISITIONS = 20
HISTORY_PAGE = 10  # questions per page of her history
ROUTE_PASSAGES = 2  # a question the documents do not answer shows the decision, then at most this many passages
CARD = "chat_requisition.html"


def news_key(view: RequisitionView) -> str:
    """The word for what is new on a requisition: an answer, a question for her, or another decision."""
    if view.status == "needs_info":
        return "chat.news.needs_info"
    return "chat.news.answered" if view.answered_at is not None else "chat.news.other"


def unread_label(count: int, language: str) -> str:
    """'1 ny', '3 nye': the count of requisitions with news, beside the heading."""
    return translate("chat.news_count_one" if count == 1 else "chat.news_count", language, n=count)


def _shown(answer: Answer) -> int:
    """How many citations the page shows under this answer (and the history keeps)."""
    return len(answer.citations) if answer.status == "answered" else ROUTE_PASSAGES


def _documents(services: Services) -> dict[str, object]:
    documents = services.engine.documents
    return {
        "titles": {doc_id: d.metadata.title for doc_id, d in documents.items()},
        "source_url": lambda source: quote_url(documents, source.doc_id, source.quote),
        "citation_url": lambda doc_id, quote: quote_url(documents, doc_id, quote),
    }


def _cards(services: Services, caseworker: Caseworker, views: list[RequisitionView], unread: set[int]) -> dict[str, object]:
    """What a requisition card needs beside the requisition: her replies and which hold news."""
    return {"replies": services.requisitions.history.replies(caseworker, [v.id for v in views]), "unread": unread,
            "news_key": news_key} | _documents(services)


def _gather(services: Services, caseworker: Caseworker, *, focus: int | None = None, page: int = 1) -> dict[str, Any]:
    """Everything the chat page reads from the database (sync: called in a worker thread)."""
    history = services.requisitions.history
    mine = list(services.requisitions.list(caseworker, sort="-updated", limit=MY_REQUISITIONS).items)
    if focus is not None:
        history.mark_seen(caseworker, focus)  # opening it is reading it
        if all(r.id != focus for r in mine):
            mine.insert(0, services.requisitions.get(caseworker, focus))
    news = history.updates(caseworker)
    unread = set(news.unread)
    past = history.page(caseworker, offset=(page - 1) * HISTORY_PAGE, limit=HISTORY_PAGE)
    return {
        "mine": mine,
        "unread_count": len(unread),
        "unread_label": unread_label,
        "past": past,
        "history_page": page,
        "history_pages": max(1, -(-past.total // HISTORY_PAGE)),
        "focus": focus,
        "checked_at": news.checked_at.isoformat(),  # the page's first poll asks what changed after this
        "poll_seconds": services.settings.web_chat_poll_seconds,
        "retention_days": services.settings.retention_days,
    } | _cards(services, caseworker, mine, unread)


def _page(request: Request, data: dict[str, Any], *, status: int = 200, **extra: object) -> Response:
    answer: Answer | None = extra.get("answer")  # type: ignore[assignment]
    shown = answer.citations[:_shown(answer)] if answer else []
    context = data | {
        "citations": [{"c": c, "url": citation_url(c)} for c in shown],
        # One key per answer shown: sending it on twice (a double click, a resubmitted form) makes one requisition.
        "message_key": secrets.token_urlsafe(16),
    }
    return render(request, "chat.html", context | extra, status_code=status)


@router.get("/chat")
def chat(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    replied: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    return _page(request, _gather(services, caseworker, page=page), replied=replied)


@router.get("/chat/requisitions/{requisition_id}")
def requisition(request: Request, requisition_id: IdPath, caseworker: CaseworkerDep, services: ServicesDep) -> Response:
    """Her requisition, shown on the chat page and marked as read (the history's and the badge's link)."""
    return _page(request, _gather(services, caseworker, focus=requisition_id))


@router.get("/chat/updates")
def updates(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep, language: LanguageDep,
    since: Annotated[datetime | None, Query()] = None,
) -> JSONResponse:
    """For the open chat page: her requisitions changed since `since` as ready cards, and how many hold news."""
    if since is not None and since.tzinfo is None:
        raise HTTPException(422, "Give `since` with its time zone, as the last answer's `checked_at` has it.")
    found = services.requisitions.history.updates(caseworker, since)
    views = [services.requisitions.get(caseworker, i) for i in found.changed[-MY_REQUISITIONS:]]
    unread = set(found.unread)
    context = _cards(services, caseworker, views, unread)
    changed = [
        {"id": v.id, "version": v.version, "unread": v.id in unread,
         "news": translate("chat.news_on", language, news=translate(news_key(v), language), number=v.number),
         "html": fragment(request, CARD, context | {"r": v})}
        for v in views
    ]
    return JSONResponse({"checked_at": found.checked_at.isoformat(), "unread": len(unread),
                         "unread_label": unread_label(len(unread), language), "changed": changed},
                        headers={"cache-control": "no-store"})


Token = Annotated[Text(32), Form()]  # type: ignore[valid-type]
Entry = Annotated[int | None, Form(ge=1, le=2**31 - 1)]


def _asked(services: Services, caseworker: Caseworker, question: str) -> tuple[Answer, int, str | None]:
    """Ask once (sync, in a worker thread): the answer, its history entry, and the token its buttons carry."""
    answer = services.assistant.ask(caseworker, "web", question)
    entry = services.requisitions.history.record(caseworker, answer, _shown(answer))
    if answer.status == "help":
        return answer, entry, None
    token, _ = services.assistant.keep(caseworker, answer, _language(answer), answer.citations[:_shown(answer)])
    return answer, entry, token


def _kept(services: Services, caseworker: Caseworker, token: str, question: str) -> tuple[PendingAnswer, str]:
    """The answer a button belongs to, kept when it was shown; an expired one (or a form without a token) is asked
    again and kept anew, under a new token."""
    pending = services.assistant.recall(caseworker, token) if token else None
    if pending is not None:
        return pending, token
    answer = services.engine.ask(question)  # not assistant.ask: the gap was counted when it was first asked
    token, pending = services.assistant.keep(caseworker, answer, _language(answer), answer.citations[:_shown(answer)])
    return pending, token


def _language(answer: Answer) -> Literal["da", "en"]:
    return "en" if answer.language == "en" else "da"


@router.post("/chat/ask", dependencies=[CsrfChecked])
async def ask(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep, language: LanguageDep, question: Question
) -> Response:
    try:
        answer, entry, token = await run_in_threadpool(_asked, services, caseworker, question)
    except InvalidQuestion as exc:
        data = await run_in_threadpool(_gather, services, caseworker)
        return _page(request, data, status=422, error=error_text(exc, language), question=question)
    data = await run_in_threadpool(_gather, services, caseworker)
    return _page(request, data, answer=answer, entry=entry, answer_token=token)


@router.post("/chat/route", dependencies=[CsrfChecked])
async def route(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep, language: LanguageDep, question: Question,
    context: Annotated[Text(10_000), Form()] = "",  # type: ignore[valid-type]
    message_key: Annotated[Text(100), Form()] = "",  # type: ignore[valid-type]
    entry: Entry = None,
    answer_token: Token = "",
) -> Response:
    """Send the question to the task force with the engine's closest passages, from the answer shown (not asked
    again); confirm with its number."""
    pending, token = await run_in_threadpool(_kept, services, caseworker, answer_token.strip(), question)
    created = await run_in_threadpool(services.assistant.route, caseworker, token, pending, context.strip() or None,
                                      message_key.strip() or None)
    if entry is not None:  # the history's question now links to its requisition; no second entry
        await run_in_threadpool(services.requisitions.history.link, caseworker, entry, created.requisition.id)
    notice = translate("chat.routed", language, number=created.requisition.number)
    data = await run_in_threadpool(_gather, services, caseworker)
    return _page(request, data, routed=notice, redacted=tuple(pending.answer.redacted) + tuple(created.redacted))


@router.post("/chat/feedback", dependencies=[CsrfChecked])
async def feedback(
    request: Request, caseworker: CaseworkerDep, services: ServicesDep, question: Question,
    vote: Annotated[Literal["up", "down"], Form()],
    entry: Entry = None,
    answer_token: Token = "",
) -> Response:
    """👍/👎 on the answer shown, counted once however often it is clicked."""
    pending, token = await run_in_threadpool(_kept, services, caseworker, answer_token.strip(), question)
    await run_in_threadpool(services.assistant.vote, caseworker, "web", token, pending, vote)
    data = await run_in_threadpool(_gather, services, caseworker)
    return _page(request, data, answer=pending.answer, voted=vote, entry=entry, answer_token=token)


@router.post("/chat/requisitions/{requisition_id}/reply", dependencies=[CsrfChecked])
def reply(
    requisition_id: IdPath, caseworker: CaseworkerDep, services: ServicesDep,
    text: Annotated[Text(10_000, 1), Form()],  # type: ignore[valid-type]
) -> Response:
    services.requisitions.provide_info(caseworker, requisition_id, text)
    services.requisitions.history.mark_seen(caseworker, requisition_id)  # she answered the question: read
    return RedirectResponse(f"/chat?replied={requisition_id}#req-{requisition_id}", status_code=303)


@router.post("/chat/requisitions/{requisition_id}/close", dependencies=[CsrfChecked])
def close(requisition_id: IdPath, caseworker: CaseworkerDep, services: ServicesDep) -> Response:
    services.requisitions.close(caseworker, requisition_id)
    services.requisitions.history.mark_seen(caseworker, requisition_id)
    return RedirectResponse(f"/chat#req-{requisition_id}", status_code=303)
