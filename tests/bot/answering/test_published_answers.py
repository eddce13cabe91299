"""A published task-force answer is a question → answer unit: matched by the question it answered, quoted by the
adviser's words only, and no stronger than a policy passage that answers a neighbouring question better."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

pytestmark = pytest.mark.quality

QUESTION = "Hvordan booker vi en tegnsprogstolk til et borgermøde om affaldssortering?"
ANSWER = ("Tegnsprogstolk til borgermøder bookes gennem Tolkecentralen mindst fjorten dage før mødet. "
          "Skriv mødets dato og sted i bestillingen.")
# Published next to a policy subject: how big the task force is is in the hearing letter (001), not here.
NEAR_QUESTION = "Hvem i task forcen skal vi kontakte, når vi har en sag om tolkning?"
NEAR_ANSWER = "Skriv til task forcens fælles postkasse; koordinatoren fordeler sagen samme dag."
NEIGHBOUR = "Hvor mange rådgivere består task forcen af?"


@pytest.fixture(scope="module")
def publishing_engine(real_engine, real_settings, st_embedder, tmp_path_factory):
    """An engine over a copy of the session's index, so publishing here does not change other tests' corpus."""
    from bot.answering.engine import AnswerEngine

    data_dir = tmp_path_factory.mktemp("published")
    shutil.copytree(real_settings.index_dir, data_dir / "index")
    return AnswerEngine.load(real_settings.model_copy(update={"data_dir": data_dir}), embedder=st_embedder,
                             build_if_missing=False)


def test_asking_the_published_question_again_quotes_the_answer_not_the_question(publishing_engine) -> None:
    before = publishing_engine.ask(QUESTION)
    assert before.status == "route"
    doc_id = publishing_engine.publish_best_practice(QUESTION, ANSWER, "adviser", date(2026, 6, 1), "R-00007")

    again = publishing_engine.ask(QUESTION)
    first = again.citations[0]
    assert first.doc_id == doc_id and first.doc_type == "task force answer"
    assert first.quote in ANSWER and "Tolkecentralen" in first.quote
    assert QUESTION not in first.quote and "Spørgsmål" not in first.section
    # What the caseworker reads names the task-force answer and quotes it (answered, or routed with it as the
    # closest passage: a published answer has no training questions behind it, so its confidence is lower).
    assert "task force-svar" in again.answer and f"«{first.quote}»" in again.answer


def test_a_published_answer_does_not_outrank_the_policy_passage_for_a_neighbouring_question(publishing_engine) -> None:
    publishing_engine.publish_best_practice(NEAR_QUESTION, NEAR_ANSWER, "adviser", date(2026, 6, 1), "R-00008")
    neighbour = publishing_engine.ask(NEIGHBOUR)
    first = neighbour.citations[0]
    assert first.doc_id.startswith("001"), (first.doc_id, first.quote)
    assert "fire rådgivere" in first.quote
