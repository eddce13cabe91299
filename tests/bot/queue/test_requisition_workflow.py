"""The state machine: every allowed move works through the service, disallowed ones name what is allowed."""

from __future__ import annotations

import itertools

import pytest

from bot.core.errors import InvalidTransition
from bot.people.actors import SYSTEM
from bot.queue import workflow
from bot.queue.service import RequisitionService

EXPECTED = {
    "new": {"assigned", "duplicate", "rejected"},
    "assigned": {"in_progress", "duplicate", "rejected"},
    "in_progress": {"needs_info", "answered"},
    "needs_info": {"in_progress"},
    "answered": {"closed", "published"},
    "closed": set(),
    "duplicate": set(),
    "rejected": set(),
    "published": {"answered"},
}


def test_the_table_is_the_documented_state_machine() -> None:
    assert {k: set(v) for k, v in workflow.ALLOWED.items()} == EXPECTED


@pytest.mark.parametrize(
    ("current", "requested"),
    [(c, r) for c, r in itertools.product(workflow.STATES, workflow.STATES) if r not in EXPECTED[c]],
)
def test_every_disallowed_move_is_refused_naming_the_allowed_ones(current: str, requested: str) -> None:
    with pytest.raises(InvalidTransition) as caught:
        workflow.check(current, requested)
    error = caught.value
    assert (error.current, error.requested) == (current, requested)
    assert set(error.allowed) == EXPECTED[current]
    message = str(error)
    assert f"'{current}'" in message and f"'{requested}'" in message
    for allowed in EXPECTED[current]:
        assert allowed in message
    if not EXPECTED[current]:
        assert "final state" in message


def _at(service: RequisitionService, people, state: str) -> int:  # type: ignore[no-untyped-def]
    """A requisition driven to `state` by the shortest legal path."""
    req = service.create(people.caseworker, f"Hvordan hjælper task forcen med {state}?", None).requisition
    paths = {
        "new": [],
        "assigned": ["assign"],
        "in_progress": ["assign", "start"],
        "needs_info": ["assign", "start", "ask"],
        "answered": ["assign", "start", "answer"],
        "closed": ["assign", "start", "answer", "close"],
        "published": ["assign", "start", "answer", "publish"],
        "duplicate": ["duplicate"],
        "rejected": ["reject"],
    }
    other = None
    for step in paths[state]:
        if step == "assign":
            service.assign(people.coordinator, req.id, people.adviser.id)
        elif step == "start":
            service.start(people.adviser, req.id)
        elif step == "ask":
            service.ask_for_info(people.adviser, req.id, "Hvilken forvaltning?")
        elif step == "answer":
            service.answer(people.adviser, req.id, "Kontakt task forcen.")
        elif step == "close":
            service.close(people.coordinator, req.id)
        elif step == "publish":
            service.publish(req.id, people.coordinator)
        elif step == "duplicate":
            other = service.create(people.other_caseworker, "Et andet spørgsmål om tolke", None).requisition
            service.mark_duplicate(people.coordinator, req.id, other.id)
        elif step == "reject":
            service.reject(people.coordinator, req.id, "Ikke en opgave for task forcen")
    assert service.get(SYSTEM, req.id).status == state
    return req.id


def _do(service: RequisitionService, people, requisition_id: int, target: str) -> None:  # type: ignore[no-untyped-def]
    if target == "assigned":
        service.assign(people.coordinator, requisition_id, people.adviser.id)
    elif target == "in_progress":
        view = service.get(SYSTEM, requisition_id)
        if view.status == "needs_info":
            service.provide_info(people.caseworker, requisition_id, "Det drejer sig om SOF.")
        else:
            service.start(people.coordinator, requisition_id)
    elif target == "needs_info":
        service.ask_for_info(people.coordinator, requisition_id, "Mere om sagen?")
    elif target == "answered" and service.get(SYSTEM, requisition_id).status == "published":
        service.unpublish(requisition_id, people.coordinator)
    elif target == "answered":
        service.answer(people.coordinator, requisition_id, "Svar fra task forcen.")
    elif target == "closed":
        service.close(people.coordinator, requisition_id)
    elif target == "published":
        service.publish(requisition_id, people.coordinator)
    elif target == "duplicate":
        other = service.create(people.other_caseworker, "Et helt andet spørgsmål om bolig", None).requisition
        service.mark_duplicate(people.coordinator, requisition_id, other.id)
    elif target == "rejected":
        service.reject(people.coordinator, requisition_id, "Uden for området")


ALLOWED_MOVES = [(c, r) for c, targets in sorted(EXPECTED.items()) for r in sorted(targets)]


@pytest.mark.parametrize(("current", "requested"), ALLOWED_MOVES)
def test_every_allowed_move_works_and_is_audited(service, people, database, current: str, requested: str) -> None:  # type: ignore[no-untyped-def]
    from bot.storage import audit

    requisition_id = _at(service, people, current)
    _do(service, people, requisition_id, requested)
    view = service.get(SYSTEM, requisition_id)
    assert view.status == requested
    with database.session(readonly=True) as session:
        last = audit.entries(session, subject=f"requisition:{view.number}", limit=1)[0]
    assert last.details["from"] == current and last.details["to"] == requested


SAMPLE_DISALLOWED = [("new", "answered"), ("new", "in_progress"), ("closed", "assigned"), ("rejected", "in_progress"),
                     ("answered", "in_progress"), ("published", "closed"), ("needs_info", "answered")]


@pytest.mark.parametrize(("current", "requested"), SAMPLE_DISALLOWED)
def test_disallowed_moves_through_the_service_change_nothing(service, people, current: str, requested: str) -> None:  # type: ignore[no-untyped-def]
    requisition_id = _at(service, people, current)
    before = service.get(SYSTEM, requisition_id)
    with pytest.raises(InvalidTransition) as caught:
        _do(service, people, requisition_id, requested)
    assert set(caught.value.allowed) == EXPECTED[current]
    assert service.get(SYSTEM, requisition_id) == before
