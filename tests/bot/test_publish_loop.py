"""Closing the loop with the real answer engine: a published task-force answer is cited for a paraphrase."""

from __future__ import annotations

import pytest

from bot.actors import SYSTEM
from bot.requisitions import RequisitionService
from bot.settings import Settings
from index.embedder import HashingEmbedder

QUESTION = "Hvordan booker vi en tegnsprogstolk til et borgermøde om affaldssortering?"
PARAPHRASE = "Hvordan bestiller man tegnsprogstolk til borgermøde om affaldssortering?"
ANSWER = "Tegnsprogstolk til borgermøder bookes gennem Tolkecentralen mindst fjorten dage før mødet."


@pytest.fixture
def engine(tmp_path):  # type: ignore[no-untyped-def]
    from bot.answer import AnswerEngine

    # The hashing fake gives tiny confidences; the threshold sits between "nothing relevant" and "a match".
    # The design-intent weights, not eval/calibration.json: that is fitted for the real model and changes with it.
    settings = Settings(_env_file=None, data_dir=tmp_path / "engine", embedder="hashing", answer_threshold=0.001,
                        calibration_file=None)
    return AnswerEngine.load(settings, embedder=HashingEmbedder())


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
    assert "(adviser)" in published_text and people.adviser.username not in published_text  # a role, never a name
    assert service.get(SYSTEM, req.id).published_at == clock.now
