"""A greeting, a thank-you or a bare symbol gets a short how-to, not quotes from letter signatures."""

from __future__ import annotations

import pytest

from bot.answering.phrasing import is_question


@pytest.mark.parametrize("text", ["Hej", "hej!", "tak", "Mange tak for hjælpen", "👍", "?", "ok", "Thanks a lot",
                                  "Good morning", "hi"])
def test_small_talk_is_not_a_question(text: str) -> None:
    assert not is_question(text)


@pytest.mark.parametrize("text", ["Hej, må jeg bruge tolk?", "tolk", "Thanks — who signed the letter?", "budget 2011"])
def test_a_question_with_small_talk_around_it_is_still_a_question(text: str) -> None:
    assert is_question(text)


@pytest.mark.quality
@pytest.mark.parametrize("text, language", [("Hej", "da"), ("👍", "da"), ("Thanks a lot", "en"), ("?", "da")])
def test_the_engine_answers_small_talk_with_help(real_engine, text: str, language: str) -> None:
    answer = real_engine.ask(text)
    assert answer.status == "help" and not answer.citations and answer.language == language
    assert ("task force" in answer.answer) and ("Venlig hilsen" not in answer.answer)
