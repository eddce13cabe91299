"""Property-based API fuzzing against our own OpenAPI spec: whatever a client sends, never a 500, and every
response matches the documented status codes and schemas. Bounded: SCHEMATHESIS_EXAMPLES per operation.

Shape-valid input that the domain refuses (a blank question, a blank doc_id) gets a documented 422 with a
message, so schemathesis' "valid data must be accepted" check is left out; and unknown query parameters are
ignored (as HTTP servers do), which its "invalid data must be refused" check counts against us, so that one
is left out too. Everything else is checked (CHECKS): no 5xx, documented status codes, headers, content types and
response schemas; and the request limits in the spec are the ones the server enforces."""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.channels.web.app import create_app
from bot.people.actors import SYSTEM

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
BUDGET_SECONDS = 240  # about 15 s per mode on the shared 2-core machine; a slower run means something hangs
# Named, not "all but": every response is checked against its documented status, headers, content type and schema.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


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
    # Offboarding last: it may revoke this very token or deactivate the caseworker the other operations use.
    operations = sorted((result.ok() for result in api_schema.get_all_operations()),
                        key=lambda operation: operation.path.startswith(("/api/tokens", "/api/caseworkers", "/api/invites")))
    assert len(operations) >= 19
    calls: list[str] = []
    started = time.monotonic()
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def check(case):
            calls.append(operation.label)
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong in e.g. GET /healthz
    elapsed = time.monotonic() - started
    print(f"schemathesis ({mode.value}): {len(calls)} calls over {len(set(calls))} operations in {elapsed:.0f} s")
    assert elapsed < BUDGET_SECONDS
    assert len(set(calls)) >= (13 if mode is GenerationMode.POSITIVE else 8)


def test_the_spec_states_the_limits_the_server_enforces(client, settings):
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    assert spec["AskRequest"]["properties"]["question"]["maxLength"] == settings.max_question_chars
    create = spec["CreateRequisition"]["properties"]
    assert create["question"]["maxLength"] == settings.max_question_chars
    assert create["themes"]["maxItems"] == 10 and create["themes"]["items"]["maxLength"] == 50
    assert "caseworker" in create["caseworker_id"]["description"]
    assert "requisition" not in spec["AssignRequest"]["properties"]["adviser_id"]["description"]


def test_the_server_refuses_just_past_each_documented_limit(client, services, people):
    client.headers["Authorization"] = f"Bearer {services.accounts.create_token(SYSTEM, 'limits').secret}"
    limit = services.settings.max_question_chars
    assert client.post("/api/ask", json={"question": "hvem " * (limit // 5)}).status_code == 200
    assert client.post("/api/ask", json={"question": "x" * (limit + 1)}).status_code == 422
    body = {"caseworker_id": people.caseworker.id, "question": "Hvem betaler tolken?"}
    assert client.post("/api/requisitions", json=body | {"themes": [f"t{i}" for i in range(11)]}).status_code == 422
    assert client.post("/api/requisitions", json=body | {"themes": ["t" * 51]}).status_code == 422
    assert client.post("/api/requisitions", json=body | {"themes": [f"t{i}" for i in range(10)]}).status_code == 201
