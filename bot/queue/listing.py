"""Reading requisitions: one by id or number, a filtered and sorted page, and a staff member's inbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput, NotFound
from bot.people.actors import Actor, Caseworker, StaffUser, is_privileged
from bot.privacy.redaction import redact
from bot.queue import workflow
from bot.queue.base import RequisitionsBase
from bot.queue.views import Inbox, Page, RequisitionView
from bot.storage.models import RequisitionRow

SORTS = {
    "created": (RequisitionRow.created_at, RequisitionRow.id),
    "updated": (RequisitionRow.updated_at, RequisitionRow.id),
    "number": (RequisitionRow.id,),
    "status": (RequisitionRow.status, RequisitionRow.id),
}


class Listing(RequisitionsBase):
    """What the actor may see: `get`, `get_by_number`, `list` (filters, sorts, pages), `inbox`."""

    def get(self, actor: Actor, requisition_id: int) -> RequisitionView:
        """One requisition the actor may see."""

        def work(session: Session) -> RequisitionView:
            return self._view(session, self._load(session, actor, requisition_id, lock=False))

        return self.database.run(work, readonly=True)

    def get_by_number(self, actor: Actor, number: str) -> RequisitionView:
        """One requisition by the number users see ("R-00042", case and spaces ignored)."""
        wanted = number.strip().upper()

        def work(session: Session) -> RequisitionView:
            row_id = session.scalar(select(RequisitionRow.id).where(RequisitionRow.number == wanted))
            if row_id is None:
                raise NotFound(f"There is no requisition {wanted}.", key="requisition_number_missing", number=wanted)
            return self._view(session, self._load(session, actor, row_id, lock=False))

        return self.database.run(work, readonly=True)

    def list(
        self,
        actor: Actor,
        *,
        status: str | Sequence[str] | None = None,
        department: str | None = None,
        theme: str | None = None,
        assignee_id: int | None = None,
        older_than_days: float | None = None,
        text: str | None = None,
        unassigned: bool = False,
        overdue: bool = False,
        sort: str = "-created",
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """A filtered, sorted page of the requisitions the actor may see.

        `sort="due"` puts the requisition whose service level runs out first on top (those without a running
        clock last); `overdue=True` keeps only those past it; both are computed here, in working days."""
        query = self._filtered(
            actor, status=status, department=department, theme=theme, assignee_id=assignee_id,
            older_than_days=older_than_days, text=text, unassigned=unassigned,
        )
        if offset < 0 or not 1 <= limit <= 1000:
            raise InvalidInput("Paging: offset must be ≥ 0 and limit between 1 and 1000.")
        descending = sort.startswith("-")
        by_due = sort.lstrip("-") == "due"
        columns = SORTS["created"] if by_due else SORTS.get(sort.lstrip("-"))
        if columns is None:
            raise InvalidInput(
                f"Unknown sort '{sort}'; use one of: due, {', '.join(sorted(SORTS))} (prefix '-' for newest first)."
            )
        if overdue:
            query = query.where(RequisitionRow.status.in_(workflow.OPEN_STATES))

        def computed(session: Session) -> Page:
            """Only open requisitions run a clock, so only they are read into memory; the rest (answered and
            final ones, newest first) are paged by the database after them."""
            running = query.where(RequisitionRow.status.in_(workflow.OPEN_STATES)).order_by(*[c.asc() for c in columns])
            views = [self._view(session, r) for r in session.execute(running).scalars()]
            if overdue:
                views = [v for v in views if v.sla is not None and v.sla.overdue]
            far = datetime.max.replace(tzinfo=UTC)
            views.sort(key=lambda v: (v.sla.due_at if v.sla is not None else far), reverse=descending)
            items = views[offset:offset + limit]
            if overdue:
                return Page(tuple(items), len(views), offset, limit)
            rest = query.where(RequisitionRow.status.not_in(workflow.OPEN_STATES))
            rest_total = session.scalar(select(func.count()).select_from(rest.subquery())) or 0
            if len(items) < limit:
                start = max(0, offset - len(views))
                newest = rest.order_by(RequisitionRow.created_at.desc(), RequisitionRow.id.desc())
                rows = session.execute(newest.offset(start).limit(limit - len(items))).scalars()
                items += [self._view(session, r) for r in rows]
            return Page(tuple(items), len(views) + rest_total, offset, limit)

        def work(session: Session) -> Page:
            if by_due or overdue:
                return computed(session)
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            ordered = query.order_by(*[c.desc() if descending else c.asc() for c in columns]).offset(offset).limit(limit)
            rows = session.execute(ordered).scalars().all()
            return Page(tuple(self._view(session, r) for r in rows), total, offset, limit)

        return self.database.run(work, readonly=True)

    def _filtered(
        self,
        actor: Actor,
        *,
        status: str | Sequence[str] | None = None,
        department: str | None = None,
        theme: str | None = None,
        assignee_id: int | None = None,
        older_than_days: float | None = None,
        text: str | None = None,
        unassigned: bool = False,
    ) -> Select[RequisitionRow]:
        query = select(RequisitionRow)
        if isinstance(actor, Caseworker):
            query = query.where(RequisitionRow.caseworker_id == actor.id)
        elif not is_privileged(actor):
            assert isinstance(actor, StaffUser)
            query = query.where(RequisitionRow.assignee_id == actor.id)
        if status:
            states = (status,) if isinstance(status, str) else tuple(status)
            unknown = [s for s in states if s not in workflow.STATES]
            if unknown:
                raise InvalidInput(f"Unknown status {unknown[0]!r}; use one of: {', '.join(workflow.STATES)}.")
            query = query.where(RequisitionRow.status.in_(states))
        if department:
            query = query.where(RequisitionRow.department == department)
        if theme:
            tag = " ".join(theme.lower().split())
            query = query.where(RequisitionRow.themes.contains(f"|{tag}|", autoescape=True))
        if assignee_id is not None:
            query = query.where(RequisitionRow.assignee_id == assignee_id)
        if unassigned:
            query = query.where(RequisitionRow.assignee_id.is_(None), RequisitionRow.status.in_(workflow.OPEN_STATES))
        if older_than_days is not None:
            query = query.where(RequisitionRow.created_at <= self.clock() - timedelta(days=older_than_days))
        if text and text.strip():
            needle = redact(text.strip()).text
            query = query.where(
                or_(
                    RequisitionRow.number.icontains(needle, autoescape=True),
                    RequisitionRow.question.icontains(needle, autoescape=True),
                    RequisitionRow.context.icontains(needle, autoescape=True),
                    RequisitionRow.answer.icontains(needle, autoescape=True),
                )
            )
        return query

    def inbox(self, actor: Actor) -> Inbox:
        """The counts at the top of the dashboard: new, unassigned, waiting for info, overdue, and the user's own."""

        def work(session: Session) -> Inbox:
            query = self._filtered(actor, status=workflow.OPEN_STATES)
            views = [self._view(session, r) for r in session.execute(query).scalars()]
            me = actor.id if isinstance(actor, StaffUser) else None
            return Inbox(
                new=sum(v.status == workflow.NEW for v in views),
                unassigned=sum(v.assignee_id is None for v in views),
                needs_info=sum(v.status == workflow.NEEDS_INFO for v in views),
                overdue=sum(v.sla is not None and v.sla.overdue for v in views),
                mine=sum(me is not None and v.assignee_id == me for v in views),
            )

        return self.database.run(work, readonly=True)
