"""The task force's dashboard: the requisition list with filters, the detail page and its actions, CSV export.

Every route names `Staff` or `Coordinator`; the service checks again that an adviser touches only what is
assigned to them, so a forged URL or form gets 403 from the service even if a route were too generous.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.channels.web.deps import Coordinator, CsrfChecked, LanguageDep, ServicesDep, Staff
from bot.channels.web.documents import quote_url
from bot.channels.web.i18n import translate
from bot.channels.web.schemas import Text
from bot.channels.web.templating import render
from bot.people.actors import StaffUser
from bot.queue import EXPORT_COLUMNS, CitedSource, RequisitionView
from bot.queue.workflow import ALLOWED, OPEN_STATES, STATES

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
SORTS = {"due": "req.sort.due", "-created": "req.sort.newest", "created": "req.sort.oldest", "status": "req.sort.status"}
AGES = (1, 7, 30)
PAGE_SIZE = 50
FormText = Annotated[Text(20_000, 1), Form()]  # type: ignore[valid-type]


@dataclass(frozen=True)
class Filters:
    """The list's query string, parsed once and echoed back into the form and the export link."""

    status: str = ""
    department: str = ""
    theme: str = ""
    assignee: int | None = None
    age: int | None = None
    q: str = ""
    sort: str = "due"
    offset: int = 0
    unassigned: bool = False
    overdue: bool = False
    mine: bool = False

    def service_kwargs(self, staff: StaffUser) -> dict:
        return {
            "status": (list(OPEN_STATES) if self.status == "open" else self.status) or None,
            "department": self.department or None,
            "theme": self.theme or None,
            "assignee_id": staff.id if self.mine else self.assignee,
            "unassigned": self.unassigned,
            "overdue": self.overdue,
            "older_than_days": float(self.age) if self.age else None,
            "text": self.q or None,
            "sort": self.sort,
        }

    def query(self, **changes: object) -> str:
        from urllib.parse import urlencode

        values = {
            "status": self.status, "department": self.department, "theme": self.theme, "assignee": self.assignee,
            "age": self.age, "q": self.q, "sort": self.sort, "offset": self.offset,
            "unassigned": int(self.unassigned), "overdue": int(self.overdue), "mine": int(self.mine),
        } | changes
        return urlencode({k: v for k, v in values.items() if v not in (None, "", 0, False) or k == "sort"})

    @property
    def quick(self) -> str:
        """Which inbox shortcut these filters are, for aria-current on it ("" when none or several)."""
        others = (self.department, self.theme, self.assignee, self.age, self.q)
        if any(others):
            return ""
        picked = [name for name, on in (("unassigned", self.unassigned), ("overdue", self.overdue),
                                        ("mine", self.mine)) if on]
        if self.status in ("new", "needs_info") and not picked:
            return self.status
        if not self.status and len(picked) == 1:
            return picked[0]
        return "all" if not self.status and not picked else ""


def _filters(
    status: Annotated[str, Query(max_length=20)] = "",
    department: Annotated[Text(200), Query()] = "",  # type: ignore[valid-type]
    theme: Annotated[Text(100), Query()] = "",  # type: ignore[valid-type]
    assignee: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    age: Annotated[int | None, Query(ge=0, le=36_500)] = None,
    q: Annotated[Text(500), Query()] = "",  # type: ignore[valid-type]
    sort: Annotated[str, Query(max_length=20)] = "due",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    unassigned: Annotated[bool, Query()] = False,
    overdue: Annotated[bool, Query()] = False,
    mine: Annotated[bool, Query()] = False,
) -> Filters:
    if status not in STATES and status != "open":
        status = ""
    if sort not in SORTS:
        sort = "due"
    return Filters(status, department.strip(), theme.strip(), assignee, age or None, q.strip(), sort, offset,
                   unassigned, overdue, mine)


FiltersDep = Annotated[Filters, Depends(_filters)]


@router.get("/dashboard")
def requisition_list(
    request: Request, staff: Staff, services: ServicesDep, filters: FiltersDep
) -> Response:
    return _list_page(request, staff, services, filters)


def _list_page(request: Request, staff: StaffUser, services, filters: Filters) -> Response:  # noqa: ANN001
    page = services.requisitions.list(staff, **filters.service_kwargs(staff), offset=filters.offset, limit=PAGE_SIZE)
    advisers = _advisers(services, staff)
    return render(
        request,
        "requisitions.html",
        {
            "page": page, "filters": filters, "states": STATES, "sorts": SORTS, "ages": AGES,
            "advisers": advisers, "page_size": PAGE_SIZE, "inbox": services.requisitions.inbox(staff),
            "coordinator": staff.role == "coordinator",
        },
    )


@router.post("/dashboard/assign", dependencies=[CsrfChecked])
def bulk_assign(
    staff: Coordinator, services: ServicesDep,
    adviser_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    selected: Annotated[list[int], Form(max_length=200)] = [],  # noqa: B006 - FastAPI copies defaults
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Assign every ticked requisition to one adviser: one transaction, so either all are assigned or none."""
    services.requisitions.assign_many(staff, selected, adviser_id)
    return RedirectResponse(f"/dashboard?{back}" if back else "/dashboard", status_code=303)  # a query: stays here


@router.get("/dashboard/export.csv")
def export_csv(request: Request, staff: Staff, services: ServicesDep, filters: FiltersDep) -> Response:
    """The filtered requisitions as CSV; cells that a spreadsheet would run as a formula are defused."""
    rows = services.requisitions.export_rows(staff, **filters.service_kwargs(staff))
    columns = list(EXPORT_COLUMNS) or (list(rows[0]) if rows else [])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _defuse(str(v) if v is not None else "") for k, v in row.items()})
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM, so Excel reads æøå as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="vejviser-rekvisitioner.csv"'},
    )


def _defuse(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _advisers(services, staff: StaffUser) -> list[StaffUser]:  # noqa: ANN001
    if staff.role != "coordinator":
        return []
    return [u for u in services.accounts.list_users(staff) if u.role == "adviser" and u.active]


# ---------------------------------------------------------------------------- detail and actions


def allowed_actions(requisition: RequisitionView, staff: StaffUser) -> list[str]:
    """The actions the current state and the user's role allow, in the order the page shows them."""
    status = requisition.status
    next_states = ALLOWED.get(status, ())
    coordinator = staff.role == "coordinator"
    mine = coordinator or requisition.assignee_id == staff.id
    actions = []
    if coordinator and status in OPEN_STATES:
        actions.append("assign")
    if mine and "in_progress" in next_states and status == "assigned":
        actions.append("start")
    if mine and status == "in_progress":
        actions += ["answer", "request_info"]
    if mine and "closed" in next_states:
        actions.append("close")
    if coordinator and "published" in next_states:
        actions.append("publish")
    if coordinator and status == "published":
        actions.append("unpublish")
    if coordinator and "duplicate" in next_states:
        actions.append("duplicate")
    if coordinator and "rejected" in next_states:
        actions.append("reject")
    return actions


def history(requisition: RequisitionView) -> list[tuple[object, str]]:
    """The requisition's transitions in time order, from the timestamps the service keeps."""
    stamps = [  # events, not states or buttons: "the caseworker replied", not "Send information"
        (requisition.created_at, "history.created"),
        (requisition.assigned_at, "history.assigned"),
        (requisition.started_at, "history.started"),
        (requisition.info_requested_at, "history.info_requested"),
        (requisition.info_provided_at, "history.info_provided"),
        (requisition.answered_at, "history.answered"),
        (requisition.closed_at, "history.closed"),
        (requisition.duplicate_at, "history.duplicate"),
        (requisition.rejected_at, "history.rejected"),
        (requisition.published_at, "history.published"),
    ]
    return sorted(((when, key) for when, key in stamps if when is not None), key=lambda item: item[0])


@router.get("/dashboard/requisitions/{requisition_id}")
def requisition_detail(
    request: Request, requisition_id: IdPath, staff: Staff, services: ServicesDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return _detail_page(request, staff, services, requisition_id, done=done == "1")


def _detail_page(
    request: Request, staff: StaffUser, services, requisition_id: int, *, status: int = 200,  # noqa: ANN001
    **extra: object,
) -> Response:
    """The requisition page; `extra` carries a notice, or a refused answer kept in its form (`answer_error`, `kept`)."""
    requisition = services.requisitions.get(staff, requisition_id)
    documents = services.engine.documents
    candidates = [
        {"candidate": c, "url": quote_url(documents, c.doc_id, c.quote), "title": _title(documents, c.doc_id)}
        for c in requisition.candidates
    ]
    sources = [
        {"source": s, "url": quote_url(documents, s.doc_id, s.quote), "title": _title(documents, s.doc_id)}
        for s in requisition.sources
    ]
    context = {
        "r": requisition,
        "candidates": candidates,
        "sources": sources,
        "history": history(requisition),
        "actions": allowed_actions(requisition, staff),
        "advisers": _advisers(services, staff),
        "documents": sorted(documents.values(), key=lambda d: d.doc_id),
        "done": False,
        "notes": services.requisitions.notes(staff, requisition_id),
        "templates": services.requisitions.templates.list(staff),
        "kept": KeptAnswer(),
    }
    return render(request, "requisition.html", context | extra, status_code=status)


@router.post("/dashboard/requisitions/{requisition_id}/notes", dependencies=[CsrfChecked])
def add_note(requisition_id: IdPath, staff: Staff, services: ServicesDep, text: FormText) -> Response:
    """An internal note for the task force; the caseworker never sees it."""
    services.requisitions.add_note(staff, requisition_id, text)
    return RedirectResponse(f"/dashboard/requisitions/{requisition_id}?done=1#notes", status_code=303)


def _title(documents, doc_id: str) -> str:  # noqa: ANN001
    document = documents.get(doc_id)
    return document.metadata.title if document else doc_id


def _back(requisition_id: int) -> Response:
    return RedirectResponse(f"/dashboard/requisitions/{requisition_id}?done=1", status_code=303)


@router.post("/dashboard/requisitions/{requisition_id}/assign", dependencies=[CsrfChecked])
def assign(
    requisition_id: IdPath, staff: Coordinator, services: ServicesDep,
    adviser_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    version: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """The form carries the version the coordinator saw: if another coordinator assigned it meanwhile, 409."""
    services.requisitions.assign(staff, requisition_id, adviser_id, expected_version=version)
    return _back(requisition_id)


@router.post("/dashboard/requisitions/{requisition_id}/start", dependencies=[CsrfChecked])
def start(requisition_id: IdPath, staff: Staff, services: ServicesDep) -> Response:
    services.requisitions.start(staff, requisition_id)
    return _back(requisition_id)


@router.post("/dashboard/requisitions/{requisition_id}/request_info", dependencies=[CsrfChecked])
def request_info(requisition_id: IdPath, staff: Staff, services: ServicesDep, message: FormText) -> Response:
    services.requisitions.ask_for_info(staff, requisition_id, message)
    return _back(requisition_id)


@dataclass(frozen=True)
class KeptAnswer:
    """An answer form the page refused, put back as the adviser left it."""

    text: str = ""
    cite: frozenset[int] = frozenset()
    source_doc: str = ""
    source_quote: str = ""


QUOTE_SHOWN = 120  # characters of a refused quote repeated in the message


@router.post("/dashboard/requisitions/{requisition_id}/answer", dependencies=[CsrfChecked])
def answer(
    request: Request, requisition_id: IdPath, staff: Staff, services: ServicesDep, language: LanguageDep,
    text: FormText,
    cite: Annotated[list[int], Form(max_length=20)] = [],  # noqa: B006 - FastAPI copies defaults
    source_doc: Annotated[Text(200), Form()] = "",  # type: ignore[valid-type]
    source_quote: Annotated[Text(5_000), Form()] = "",  # type: ignore[valid-type]
) -> Response:
    """Answer, citing some of the assistant's candidate passages and/or one verbatim quote from a document.

    A quote that is not in the document word for word is refused on the requisition page itself (422), with the
    adviser's text, citations and quote kept in the form to correct and send again."""
    requisition = services.requisitions.get(staff, requisition_id)
    sources = [
        CitedSource(doc_id=c.doc_id, section=c.section, quote=c.quote)
        for i, c in enumerate(requisition.candidates) if i in set(cite)
    ]
    if source_doc.strip():
        problem = _quote_problem(services, source_doc.strip(), source_quote.strip(), language)
        if problem:
            kept = KeptAnswer(text, frozenset(cite), source_doc.strip(), source_quote)
            return _detail_page(request, staff, services, requisition_id, status=422, answer_error=problem, kept=kept)
        sources.append(CitedSource(doc_id=source_doc.strip(), section="", quote=source_quote.strip()))
    services.requisitions.answer(staff, requisition_id, text, sources)
    return _back(requisition_id)


def _quote_problem(services, doc_id: str, quote: str, language: str) -> str | None:  # noqa: ANN001
    """Why an added quote cannot stand, in the page's language; None when it is copied from the document word for
    word (whitespace aside), so the answer stays a quotation."""
    document = services.engine.documents.get(doc_id)
    if document is None:
        return translate("unsent.document", language)
    if quote and " ".join(quote.split()) not in " ".join(document.text.split()):
        shown = " ".join(quote.split())
        shown = shown if len(shown) <= QUOTE_SHOWN else shown[:QUOTE_SHOWN].rstrip() + "…"
        return translate("unsent.quote", language, quote=shown, title=document.metadata.title)
    return None


@router.post("/dashboard/requisitions/{requisition_id}/close", dependencies=[CsrfChecked])
def close(requisition_id: IdPath, staff: Staff, services: ServicesDep) -> Response:
    services.requisitions.close(staff, requisition_id)
    return _back(requisition_id)


@router.get("/dashboard/requisitions/{requisition_id}/publish")
def publish_preview(request: Request, requisition_id: IdPath, staff: Coordinator, services: ServicesDep) -> Response:
    """Exactly the document publishing will write and the assistant will cite, with the answer to edit first."""
    return _preview_page(request, services, staff, requisition_id, None)


@router.post("/dashboard/requisitions/{requisition_id}/preview", dependencies=[CsrfChecked])
def publish_preview_edited(
    request: Request, requisition_id: IdPath, staff: Coordinator, services: ServicesDep, text: FormText
) -> Response:
    return _preview_page(request, services, staff, requisition_id, text)


def _preview_page(request: Request, services, staff: StaffUser, requisition_id: int, text: str | None) -> Response:  # noqa: ANN001
    requisition = services.requisitions.get(staff, requisition_id)
    edited = None if text is None or text.strip() == (requisition.answer or "").strip() else text
    preview = services.requisitions.preview(requisition_id, staff, edited)
    return render(request, "publish.html", {"r": requisition, "preview": preview,
                                            "text": edited if edited is not None else requisition.answer or ""})


@router.post("/dashboard/requisitions/{requisition_id}/publish", dependencies=[CsrfChecked])
async def publish(
    requisition_id: IdPath, staff: Coordinator, services: ServicesDep,
    text: Annotated[Text(20_000), Form()] = "",  # type: ignore[valid-type]
) -> Response:
    """Publish the answer as previewed; a text other than the stored answer is the coordinator's edit."""
    stored = (await run_in_threadpool(services.requisitions.get, staff, requisition_id)).answer or ""
    edited = text if text.strip() and text.strip() != stored.strip() else None
    await run_in_threadpool(services.requisitions.publish, requisition_id, staff, edited)
    return _back(requisition_id)


@router.post("/dashboard/requisitions/{requisition_id}/unpublish", dependencies=[CsrfChecked])
async def unpublish(requisition_id: IdPath, staff: Coordinator, services: ServicesDep) -> Response:
    """Take the published answer out of the corpus: the assistant stops citing it in every worker."""
    await run_in_threadpool(services.requisitions.unpublish, requisition_id, staff)
    return _back(requisition_id)


@router.post("/dashboard/requisitions/{requisition_id}/duplicate", dependencies=[CsrfChecked])
def duplicate(
    requisition_id: IdPath, staff: Coordinator, services: ServicesDep,
    duplicate_of: Annotated[Text(20, 1), Form()],  # type: ignore[valid-type]
) -> Response:
    """The original is given by its number (R-00042) or id."""
    original = duplicate_of.strip().upper()
    if original.isdigit() and int(original) < 2**31:
        original_id = int(original)
    else:
        original_id = services.requisitions.get_by_number(staff, original).id
    services.requisitions.mark_duplicate(staff, requisition_id, original_id)
    return _back(requisition_id)


@router.post("/dashboard/requisitions/{requisition_id}/reject", dependencies=[CsrfChecked])
def reject(requisition_id: IdPath, staff: Coordinator, services: ServicesDep, reason: FormText) -> Response:
    services.requisitions.reject(staff, requisition_id, reason)
    return _back(requisition_id)


# ---------------------------------------------------------------------------- answer templates


@router.get("/dashboard/templates")
def templates_page(request: Request, staff: Coordinator, services: ServicesDep) -> Response:
    """The coordinator's stored answer texts, which advisers insert into their answers."""
    return render(request, "templates.html", {"templates": services.requisitions.templates.list(staff)})


@router.post("/dashboard/templates", dependencies=[CsrfChecked])
def save_template(
    staff: Coordinator, services: ServicesDep, text: FormText,
    title: Annotated[Text(200, 1), Form()],  # type: ignore[valid-type]
) -> Response:
    services.requisitions.templates.save(staff, title, text)
    return RedirectResponse("/dashboard/templates", status_code=303)


@router.post("/dashboard/templates/{template_id}/delete", dependencies=[CsrfChecked])
def delete_template(template_id: IdPath, staff: Coordinator, services: ServicesDep) -> Response:
    services.requisitions.templates.delete(staff, template_id)
    return RedirectResponse("/dashboard/templates", status_code=303)
