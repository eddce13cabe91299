"""Closing the loop with the real answer engine: a published task-force answer is cited for a paraphrase."""

from __future__ import annotations

import pytest

from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.queue import CitedSource, RequisitionService
from index.embedder import HashingEmbedder

QUESTION = "Hvordan booker vi en tegnsprogstolk til et borgermøde om affaldssortering?"
PARAPHRASE = "Hvordan bestiller man tegnsprogstolk til borgermøde om affaldssortering?"
ANSWER = "Tegnsprogstolk til borgermøder bookes gennem Tolkecentralen mindst fjorten dage før mødet."


def engine_settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    # The hashing fake gives tiny confidences; the threshold sits between "nothing relevant" and "a match".
    # The design-intent weights, not eval/calibration.json: that is fitted for the real model and changes with it.
    return Settings(_env_file=None, data_dir=tmp_path / "engine", embedder="hashing", answer_threshold=0.001,
                    calibration_file=None)


@pytest.fixture
def engine(tmp_path):  # type: ignore[no-untyped-def]
    from bot.answering.engine import AnswerEngine

    return AnswerEngine.load(engine_settings(tmp_path), embedder=HashingEmbedder())


def test_published_answer_is_cited_for_a_paraphrase(engine, database, settings, accounts, people, clock) -> None:  # type: ignore[no-untyped-def]
    service = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine, clock=clock)
    before = engine.ask(QUESTION)
    assert before.status == "route"

    created = service.create(people.caseworker, QUESTION, before)
    req = created.requisition
    assert req.candidates and req.confidence == pytest.approx(before.confidence)
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    service.answer(people.adviser, req.id, ANSWER)
    published = service.publish(req.id, people.coordinator)
    assert published.status == "published" and published.published_doc_id

    after = engine.ask(PARAPHRASE)
    assert after.status == "answered"
    top = after.citations[0]
    assert top.doc_id == published.published_doc_id and top.doc_type == "task force answer"
    published_text = " ".join(f"{c.section} {c.text}" for c in after.citations if c.doc_id == top.doc_id)
    assert "Tolkecentralen" in published_text  # the adviser's answer is in the cited document
    # A role in the document's language (Danish), never a name.
    assert "(rådgiver)" in published_text and people.adviser.username not in published_text
    assert service.get(SYSTEM, req.id).published_at == clock.now


def test_preview_is_the_published_text_written_as_the_adviser_wrote_it(engine, database, settings, people, clock) -> None:  # type: ignore[no-untyped-def]
    service = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine, clock=clock)
    req = service.create(people.caseworker, QUESTION, engine.ask(QUESTION)).requisition
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    written = "Book via <b>Tolkecentralen</b> **senest** 14 dage før, se [vejledningen](https://kk.dk/tolk) og 2 * 3."
    cited = req.candidates[0]
    service.answer(people.adviser, req.id, written, [CitedSource(cited.doc_id, cited.section, cited.quote)])
    preview = service.preview(req.id, people.coordinator)
    published = service.publish(req.id, people.coordinator)
    document = engine.documents[published.published_doc_id]
    assert preview == document.text
    assert written in document.text  # markup and all, as typed
    assert cited.quote in document.text and "Kilder" in document.text  # the cited quote is in the document
    assert "(rådgiver)" in document.metadata.issuer


def test_an_edit_before_publishing_is_what_is_published(engine, database, settings, people, clock) -> None:  # type: ignore[no-untyped-def]
    service = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine, clock=clock)
    req = service.create(people.caseworker, QUESTION, engine.ask(QUESTION)).requisition
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    service.answer(people.adviser, req.id, ANSWER)
    edited = ANSWER + " Husk at skrive mødets adresse i bestillingen."
    assert edited in service.preview(req.id, people.coordinator, edited)
    published = service.publish(req.id, people.coordinator, edited)
    assert edited in engine.documents[published.published_doc_id].text
    assert service.get(SYSTEM, req.id).answer == ANSWER  # what the caseworker was told is unchanged


def test_after_unpublishing_no_worker_cites_it(engine, tmp_path, database, settings, people, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.answering.engine import AnswerEngine

    service = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine, clock=clock)
    req = service.create(people.caseworker, QUESTION, engine.ask(QUESTION)).requisition
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    service.answer(people.adviser, req.id, ANSWER)
    doc_id = service.publish(req.id, people.coordinator).published_doc_id
    other_worker = AnswerEngine.load(engine_settings(tmp_path), embedder=HashingEmbedder())
    assert other_worker.ask(PARAPHRASE).citations[0].doc_id == doc_id

    view = service.unpublish(req.id, people.coordinator)
    assert (view.status, view.published_doc_id, view.published_at) == ("answered", None, None)
    for worker in (engine, other_worker):
        after = worker.ask(PARAPHRASE)
        assert all(c.doc_id != doc_id for c in after.citations)
        assert doc_id not in worker.documents
    assert AnswerEngine.load(engine_settings(tmp_path), embedder=HashingEmbedder()).documents.get(doc_id) is None
    assert service.unpublish(req.id, people.coordinator).status == "answered"  # again: nothing left to do
    assert service.publish(req.id, people.coordinator).published_doc_id == doc_id  # and it can be published again
