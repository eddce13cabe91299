"""Theme tags read off a question's words, for the gap map."""

from __future__ import annotations

import pytest

from bot.queue.themes import themes_of


@pytest.mark.parametrize(("question", "themes"), [
    ("Hvem betaler for tolk ved hjemløseenheden?", ("tolk", "hjemløse")),
    ("Tolkebistand ved anbringelse af børn", ("tolk", "børn og familier")),  # compounds count
    ("Hvordan bruger vi bydelsmødre i boligområderne?", ("bolig", "bydelsmødre")),
    ("Who pays the interpreter for a homeless citizen?", ("tolk", "hjemløse")),
    ("Må jeg parkere på cykelstien?", ()),
    ("", ()),
])
def test_themes_are_read_off_the_words(question: str, themes: tuple[str, ...]) -> None:
    assert themes_of(question) == themes


def test_a_stem_must_start_a_word() -> None:
    assert themes_of("kontolkning") == ()  # "tolk" inside another word is not an interpreter
