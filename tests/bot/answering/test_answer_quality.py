"""What a caseworker notices in the answers of the real model over the real corpus.

No scores or chunk counts are pinned here (retrieval is being tuned); only what a user would see: whether the
question is answered or routed, which document is cited with which date, that quotes are the documents' own
words, the language of the fixed phrasing, and the validity notice.
"""

from __future__ import annotations

import pytest

from bot.answering.phrasing import format_date

pytestmark = pytest.mark.quality

HEADLINE = "Hvem skal høringssvarene om task forcen sendes til?"
ENGLISH = "Who should the hearing replies about the task force be sent to?"
OUT_OF_DOMAIN = ["Hvem vandt VM i fodbold i 2018?", "Which football club won the Champions League in 2019?"]
QUESTIONS = [
    HEADLINE, ENGLISH, *OUT_OF_DOMAIN,
    "Hvor mange rådgivere består task forcen af?",
    "Hvad er bydelsmødre?",
    "Hvilke integrationsmål nævner Socialudvalget i høringssvaret om integrationspolitikken 2015-2018?",
    "Hvad koster skolesocialrådgivere i 2011?",
    "How can the departments use the task force?",
]
DANISH_PHRASES = ("Ifølge", "Dokumenterne giver", "Det nærmeste, jeg finder", "Du kan sende")
ENGLISH_PHRASES = ("According to", "The documents do not answer", "The closest I find", "You can send")


@pytest.fixture(scope="module")
def answers(real_engine):
    return {question: real_engine.ask(question) for question in QUESTIONS}


def test_the_headline_question_quotes_the_hearing_letter(answers) -> None:
    answer = answers[HEADLINE]
    first = answer.citations[0]
    assert first.doc_id.startswith("001") and first.date == "2006-11-17"
    assert "Ledelsessekretariatet" in first.quote, first.quote
    assert "Ledelsessekretariatet" in answer.answer and "17. november 2006" in answer.answer


def test_the_headline_question_is_answered_not_routed(answers) -> None:
    assert answers[HEADLINE].status == "answered", answers[HEADLINE].answer


@pytest.mark.parametrize("question", QUESTIONS)
def test_quotes_are_the_documents_own_words(real_engine, answers, question: str) -> None:
    answer = answers[question]
    assert 1 <= len(answer.citations) <= 5
    for citation in answer.citations:
        document = real_engine.documents[citation.doc_id]
        assert citation.quote and citation.quote in citation.text
        assert citation.quote in document.text  # the cleaned document, not the raw file
        assert document.text[citation.start:citation.end] == citation.text
        assert citation.title == document.metadata.title and citation.date == document.metadata.date
    first = answer.citations[0]
    if answer.status == "answered" or answer.tentative:
        assert f"«{first.quote}»" in answer.answer  # the answer quotes, it does not paraphrase
        assert format_date(first.date, answer.language) in answer.answer  # and shows the source's date
    else:  # routed below the middle band: the decision and the offer, no passage read as if it answered
        assert "«" not in answer.answer and "task force" in answer.answer


@pytest.mark.parametrize("question", OUT_OF_DOMAIN)
def test_a_question_outside_the_documents_is_routed(answers, question: str) -> None:
    answer = answers[question]
    assert answer.status == "route", answer.answer
    assert "task force" in answer.answer  # the offer to send it to the task force
    assert answer.notices == []


def test_an_english_question_gets_english_phrasing_around_danish_quotes(make_real_engine) -> None:
    answer = make_real_engine(answer_threshold=0.0).ask(ENGLISH)  # 0.0: answered, so the quote is shown
    assert answer.language == "en" and answer.status == "answered"
    assert answer.answer.startswith("According to the")
    assert not any(phrase in answer.answer for phrase in DANISH_PHRASES)
    first = answer.citations[0]
    assert f"«{first.quote}»" in answer.answer
    assert format_date(first.date, "en") in answer.answer


@pytest.mark.parametrize(("question", "closest"), [(HEADLINE, "Det nærmeste, jeg finder — ikke sikkert:"),
                                                   (ENGLISH, "The closest I find — not sure:")])
def test_the_middle_band_puts_the_decision_first_and_the_quote_as_not_sure(make_real_engine, question: str,
                                                                            closest: str) -> None:
    from dataclasses import replace

    engine = make_real_engine(answer_threshold=0.99)
    engine.confidence_model = replace(engine.confidence_model, band_floor=0.0)  # every routed question in the band
    answer = engine.ask(question)
    assert answer.status == "route" and answer.tentative
    decision, offer, lead = answer.answer.splitlines()[:3]
    assert decision.startswith(("Dokumenterne giver ikke", "The documents do not answer")) and "task force" in offer
    assert lead.startswith(closest) and f"«{answer.citations[0].quote}»" in answer.answer

    engine.confidence_model = replace(engine.confidence_model, band_floor=None)  # no band: no passage in the text
    plain = engine.ask(question)
    assert plain.status == "route" and not plain.tentative and "«" not in plain.answer


def test_a_danish_question_gets_danish_phrasing(answers) -> None:
    answer = answers[HEADLINE]
    assert answer.language == "da"
    assert not any(phrase in answer.answer for phrase in ENGLISH_PHRASES)


def test_old_sources_carry_a_validity_notice(make_real_engine) -> None:
    strict = make_real_engine(max_source_age_years=1, answer_threshold=0.0)  # 0.0: answer, so notices are shown
    answer = strict.ask(HEADLINE)
    first = answer.citations[0]
    assert answer.status == "answered" and first.date
    age_notices = [n for n in answer.notices if n.startswith("Kilden er fra")]
    assert age_notices and format_date(first.date, "da") in age_notices[0] and "1 år" in age_notices[0]

    english = strict.ask(ENGLISH)
    assert any(n.startswith("The source is from") and format_date(english.citations[0].date, "en") in n
               for n in english.notices)

    lenient = make_real_engine(max_source_age_years=100, answer_threshold=0.0)
    assert not [n for n in lenient.ask(HEADLINE).notices if n.startswith("Kilden er fra")]
