"""Issue 18 through the doors: a stale assignment is 409 (ETag/If-Match, the dashboard's hidden version), a create
retried with the same key makes one requisition, readiness tells a damaged index or a read-only database apart
from a live process, and while PostgreSQL is down the API answers 503 with Retry-After but /api/ask still answers."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from bot.channels.web.app import create_app
from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import (
    ANSWERABLE,
    COORDINATOR_PASSWORD,
    caseworker_client,
    csrf_from,
    open_services,
    post_form,
    sign_in,
    web_settings,
)


@pytest.fixture
def api(client, services):
    client.headers["Authorization"] = f"Bearer {services.accounts.create_token(SYSTEM, 'tests').secret}"
    return client


@pytest.fixture
def requisition(services, people):
    answer = services.engine.ask("Hvem betaler for tolk ved hjemløseenheden?")
    return services.requisitions.create(people.caseworker, answer.question, answer).requisition


# ---------------------------------------------------------------------------- 7: two coordinators, one requisition


def test_assigning_with_a_stale_etag_is_409_and_keeps_the_first_choice(api, requisition, people):
    etag = api.get(f"/api/requisitions/{requisition.id}").headers["etag"]
    first = api.post(f"/api/requisitions/{requisition.id}/assign", json={"adviser_id": people.anna.id},
                     headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["etag"] != etag
    second = api.post(f"/api/requisitions/{requisition.id}/assign", json={"adviser_id": people.bo.id},
                      headers={"If-Match": etag})  # the other coordinator read it before the first assigned
    assert second.status_code == 409
    assert "reload" in second.json()["detail"] and requisition.number in second.json()["detail"]
    assert api.get(f"/api/requisitions/{requisition.id}").json()["assignee_username"] == "anna"
    fresh = api.post(f"/api/requisitions/{requisition.id}/assign", json={"adviser_id": people.bo.id},
                     headers={"If-Match": first.headers["etag"]})
    assert fresh.status_code == 200 and fresh.json()["assignee_username"] == "bo"


def test_a_malformed_if_match_is_422_and_no_if_match_still_assigns(api, requisition, people):
    bad = api.post(f"/api/requisitions/{requisition.id}/assign", json={"adviser_id": people.anna.id},
                   headers={"If-Match": "yesterday"})
    assert bad.status_code == 422
    assert api.post(f"/api/requisitions/{requisition.id}/assign", json={"adviser_id": people.anna.id}).status_code == 200


def test_the_dashboard_form_carries_the_version_and_a_stale_one_is_a_409_page(client, new_client, requisition, people):
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    other = new_client()
    sign_in(other, "coordinator", COORDINATOR_PASSWORD)
    page = f"/dashboard/requisitions/{requisition.id}"
    mine, theirs = client.get(page).text, other.get(page).text  # both coordinators open the same requisition
    version = re.search(r'name="version" value="(\d+)"', mine).group(1)
    done = other.post(f"{page}/assign", data={"csrf_token": csrf_from(theirs), "adviser_id": people.anna.id,
                                                "version": version}, follow_redirects=False)
    assert done.status_code == 303
    stale = client.post(f"{page}/assign", data={"csrf_token": csrf_from(mine), "adviser_id": people.bo.id,
                                                 "version": version}, follow_redirects=False)
    assert stale.status_code == 409
    assert "En anden har ændret rekvisitionen" in stale.text
    assert "anna" in client.get(page).text


# ---------------------------------------------------------------------------- 8: a create retried


def test_a_create_retried_with_the_same_idempotency_key_makes_one_requisition(api, people, services):
    body = {"caseworker_id": people.caseworker.id, "question": "Hvem betaler tolken i hjemløseenheden?"}
    first = api.post("/api/requisitions", json=body, headers={"Idempotency-Key": "3f6c0d2e-retry"})
    again = api.post("/api/requisitions", json=body, headers={"Idempotency-Key": "3f6c0d2e-retry"})
    assert first.status_code == 201 and again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert again.json()["requisition"]["number"] == first.json()["requisition"]["number"]
    assert services.requisitions.list(SYSTEM).total == 1
    other = api.post("/api/requisitions", json=body | {"question": "Noget helt andet om bolig?"},
                     headers={"Idempotency-Key": "3f6c0d2e-retry"})
    assert other.status_code == 422 and first.json()["requisition"]["number"] in other.json()["detail"]
    assert api.post("/api/requisitions", json=body).status_code == 201  # no key: a new one, as before
    assert services.requisitions.list(SYSTEM).total == 2


def test_the_web_chat_sends_one_requisition_per_message_even_if_the_form_is_sent_twice(client, services, people):
    chat = caseworker_client(client, services, people.caseworker)
    asked = post_form(chat, "/chat", "/chat/ask", {"question": "Hvem betaler for tolk ved hjemløseenheden?"})
    key = re.search(r'name="message_key" value="([^"]+)"', asked.text).group(1)
    for _ in range(2):  # the page is sent on again (a double click through a slow connection)
        sent = post_form(chat, "/chat", "/chat/route", {"question": "Hvem betaler for tolk ved hjemløseenheden?",
                                                       "message_key": key, "context": ""})
        assert sent.status_code == 200
    assert services.requisitions.list(SYSTEM).total == 1


# ---------------------------------------------------------------------------- 3: liveness and readiness


def test_readiness_checks_model_index_and_database_and_healthz_still_answers(client, settings, tmp_path):
    assert client.get("/healthz/live").json() == {"status": "alive"}
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"model": "ok", "index": "ok", "database": "ok"}
    assert client.get("/healthz").json()["status"] == "ok"  # existing monitors keep working


def test_readiness_fails_on_a_damaged_index_file_with_the_command_that_fixes_it(services, settings, tmp_path):
    import shutil

    from bot.answering.engine import AnswerEngine
    from index.embedder import HashingEmbedder

    data = tmp_path / "data"
    shutil.copytree(settings.index_dir, data / "index")
    engine = AnswerEngine.load(web_settings(data), embedder=HashingEmbedder())
    own = open_services(web_settings(data), engine, f"sqlite:///{tmp_path / 'ready.sqlite3'}")
    try:
        with TestClient(create_app(own.settings, own), base_url="https://testserver") as fresh:
            assert fresh.get("/healthz/ready").status_code == 200
            sentences = data / "index" / "sentence_vectors.npy"
            sentences.write_bytes(sentences.read_bytes()[:-100])  # truncated, as by a full disk
            ready = fresh.get("/healthz/ready")
            assert ready.status_code == 503 and ready.headers["retry-after"] == "5"
            assert "sentence_vectors.npy" in ready.json()["checks"]["index"]
            assert "vejviser index build" in ready.json()["checks"]["index"]
            assert fresh.get("/healthz/live").status_code == 200
    finally:
        own.close()


def test_readiness_is_false_while_the_index_lags_the_shared_corpus(settings, tmp_path):
    import shutil

    from bot.answering.engine import AnswerEngine
    from bot.publishing.ledger import CorpusLedger
    from bot.publishing.sync import CorpusSync
    from corpus.store import WrittenDocument
    from index.embedder import HashingEmbedder

    data = tmp_path / "data"
    shutil.copytree(settings.index_dir, data / "index")
    machine = web_settings(data, corpus_poll_seconds=3600)  # the test polls by hand after the start's first poll
    engine = AnswerEngine.load(machine, embedder=HashingEmbedder())
    own = open_services(machine, engine, f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    own.corpus_sync = sync = CorpusSync(engine, CorpusLedger(own.database))
    try:
        with TestClient(create_app(machine, own), base_url="https://testserver") as fresh:
            assert _until(lambda: fresh.get("/healthz/ready").status_code == 200, 30)
            assert fresh.get("/healthz/ready").json()["checks"]["corpus"] == "ok"
            elsewhere = CorpusLedger(own.database)  # another machine publishes
            elsewhere.record(WrittenDocument("taskforce-R-2026-0009", "taskforce-R-2026-0009.txt",
                                             "# Task force-svar\n\nTolken bestilles i Tolkeportalen.\n",
                                             {"title": "Task force-svar R-2026-0009", "doc_type": "task force answer"}))
            lagging = fresh.get("/healthz/ready")
            assert lagging.status_code == 503
            assert lagging.json()["checks"]["corpus"] == "indexing the shared corpus: version 0 here, 1 in the database"
            sync.poll()
            assert fresh.get("/healthz/ready").status_code == 200
            assert "taskforce-R-2026-0009" in engine.documents
    finally:
        own.close()


def _until(condition, seconds: float) -> bool:  # noqa: ANN001 - a callable
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


# ---------------------------------------------------------------------------- 2 and 3 on PostgreSQL


def _admin(url: str):  # noqa: ANN202 - a psycopg connection
    import psycopg
    from sqlalchemy.engine import make_url

    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True, options="-c default_transaction_read_only=off")


@pytest.mark.postgres
def test_while_postgresql_is_down_the_api_says_503_once_in_the_log_and_ask_still_answers(
    stoppable_postgres, engine, engine_dir, caplog
):
    settings = web_settings(engine_dir)
    services = open_services(settings, engine, stoppable_postgres.url)
    token = services.accounts.create_token(SYSTEM, "outage").secret
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with TestClient(create_app(settings, services), base_url="https://testserver") as client:
            assert client.post("/api/ask", json={"question": ANSWERABLE}, headers=headers).status_code == 200
            stoppable_postgres.stop()
            caplog.clear()
            with caplog.at_level(logging.INFO):
                listed = [client.get("/api/requisitions", headers=headers) for _ in range(20)]
                asked = [client.post("/api/ask", json={"question": ANSWERABLE}, headers=headers) for _ in range(3)]
                client.cookies.set("__Host-vejviser-session", "a-session-the-database-would-know",
                                   domain="testserver.local", path="/")
                page = client.get("/chat", headers={"accept": "text/html"})
                client.cookies.clear()
                ready = client.get("/healthz/ready")
            assert {r.status_code for r in listed} == {503}
            assert all(r.headers["retry-after"] == "5" for r in listed)
            assert "nothing was saved" in listed[0].json()["detail"]
            assert {r.status_code for r in asked} == {200}  # answers come from the index, not the database
            assert asked[0].json()["citations"]
            assert ready.status_code == 503 and ready.json()["checks"]["database"]
            assert page.status_code == 503 and "Databasen kan ikke nås lige nu" in page.text
            unavailable = [r for r in caplog.records if "database unavailable" in r.getMessage()]
            assert len(unavailable) == 1 and not any(r.exc_info for r in caplog.records)
            assert client.get("/healthz/live").status_code == 200
            stoppable_postgres.start()
            assert client.get("/api/requisitions", headers=headers).status_code == 200
            assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        services.close()


@pytest.mark.postgres
def test_readiness_fails_while_the_database_is_read_only(stoppable_postgres, engine, engine_dir):
    settings = web_settings(engine_dir)
    services = open_services(settings, engine, stoppable_postgres.url)
    try:
        with TestClient(create_app(settings, services), base_url="https://testserver") as client:
            assert client.get("/healthz/ready").status_code == 200
            with _admin(stoppable_postgres.url) as admin:
                admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
                admin.execute("SELECT pg_reload_conf()")
            services.database.engine.dispose()  # new sessions read the new default
            try:
                ready = client.get("/healthz/ready")
                assert ready.status_code == 503 and "read-only" in ready.json()["checks"]["database"]
                assert client.get("/healthz").status_code == 200  # reading still works: the old check said all was well
            finally:
                with _admin(stoppable_postgres.url) as admin:
                    admin.execute("ALTER SYSTEM RESET default_transaction_read_only")
                    admin.execute("SELECT pg_reload_conf()")
    finally:
        services.close()
