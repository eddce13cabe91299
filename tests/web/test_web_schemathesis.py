"""Property-based API fuzzing against our own OpenAPI spec: whatever a client sends, never a 500, and every
response matches the documented status codes and schemas. Bounded: SCHEMATHESIS_EXAMPLES per operation.

Shape-valid input that the domain refuses (a blank question, a blank doc_id) gets a documented 422 with a
message, so schemathesis' "valid data must be accepted" check is left out; and unknown query parameters are
ignored (as HTTP servers do), which its "invalid data must be refused" check counts against us, so that one
is left out too. Everything else is checked: no 5xx, documented status codes, content types and schemas."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from bot.actors import SYSTEM
from bot.web.app import create_app

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def api_schema(settings, services, people):
    """The spec of an app with data in it: a requisition in each interesting state, so ids 1-3 exist."""
    for question in ("Hvem betaler tolken?", "Hvad gør vi med hjemløse?", "Må vi registrere etnicitet?"):
        answer = services.engine.ask(question)
        services.requisitions.create(people.caseworker, answer.question, answer)
    services.requisitions.assign(SYSTEM, 2, people.anna.id)
    services.requisitions.assign(SYSTEM, 3, people.anna.id)
    services.requisitions.start(SYSTEM, 3)
    app = create_app(settings, services)
    app.state.test_token = services.accounts.create_token(SYSTEM, "schemathesis").secret
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_api_never_fails_and_matches_its_spec(api_schema, mode):
    token = api_schema.app.state.test_token
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 13
    calls: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def check(case):
            calls.append(operation.label)
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance, negative_data_rejection]
            )

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong in e.g. GET /healthz
    print(f"schemathesis ({mode.value}): {len(calls)} calls over {len(set(calls))} operations")
    assert len(set(calls)) >= (13 if mode is GenerationMode.POSITIVE else 8)
