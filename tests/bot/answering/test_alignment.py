"""Word-by-word alignment with the real model: a question word the passage never speaks to shows up."""

from __future__ import annotations

import pytest

from bot.answering.alignment import word_alignment
from index.embedder import HashingEmbedder
from index.lexical import Analyzer

pytestmark = pytest.mark.quality

PASSAGE = ("Derudover kan også nævnes Servicebutikkerne og Ungerådgivningen. Begge tilbud fungerer som forposter, "
           "hvor de tilbyder åben og anonym rådgivning til henholdsvis børnefamilier og unge.")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def _align(question: str, passage: str, embedder, analyzer: Analyzer) -> dict[str, float]:
    return word_alignment(question, passage, (0, len(passage)), embedder, analyzer)


def test_every_question_word_found_scores_above_one_word_missing(st_embedder, analyzer) -> None:
    answered = _align("Er rådgivningen i servicebutikkerne anonym?", PASSAGE, st_embedder, analyzer)
    missing = _align("Er rådgivningen i servicebutikkerne gratis for pensionister?", PASSAGE, st_embedder, analyzer)
    assert answered["alignment_min"] > missing["alignment_min"] + 0.05, (answered, missing)


def test_an_english_question_finds_its_danish_counterparts(st_embedder, analyzer) -> None:
    passage = "Beskæftigelses- og Integrationsudvalget skal anmode om at modtage jeres høringssvar. Svaret sendes til Ledelsessekretariatet."
    unrelated = "Geografisk foregår projektet i Valby og Bispebjerg, hvor der bor mange etniske minoritetskvinder."
    question = "Where should the hearing reply be sent?"
    assert (_align(question, passage, st_embedder, analyzer)["alignment_mean"]
            > _align(question, unrelated, st_embedder, analyzer)["alignment_mean"])


def test_only_the_quoted_span_counts_for_the_quote_features(st_embedder, analyzer) -> None:
    first_sentence = PASSAGE.index(" Begge")
    whole = word_alignment("Er rådgivningen anonym?", PASSAGE, (0, len(PASSAGE)), st_embedder, analyzer)
    quote_only = word_alignment("Er rådgivningen anonym?", PASSAGE, (0, first_sentence), st_embedder, analyzer)
    assert quote_only["alignment_min"] < whole["alignment_min"]
    assert quote_only["chunk_alignment_min"] == pytest.approx(whole["chunk_alignment_min"])


def test_an_embedder_without_token_vectors_gives_no_alignment(analyzer) -> None:
    assert _align("Er rådgivningen anonym?", PASSAGE, HashingEmbedder(), analyzer) == {}
