"""Every kind of personal data the redactor can report is worded for the caseworker in Danish and English, in every
door (Telegram, the web chat, the command line), so a new kind can never crash a reply again."""

from __future__ import annotations

import pytest

from bot.answering.answer import Answer
from bot.channels.cli.main import render_text
from bot.channels.telegram.rendering import redaction_notice, render_answer, render_routed
from bot.channels.web.i18n import translate
from bot.channels.web.templating import templates
from bot.privacy.notice import KIND_WORDING, describe_kinds, kind_phrase, removal_note
from bot.privacy.redaction import KINDS, PLACEHOLDERS, redact
from eval.checks.redaction import SAMPLE_BY_KIND

LANGUAGES = ("da", "en")


def test_the_table_the_placeholders_and_the_samples_cover_exactly_the_kinds_redact_reports() -> None:
    assert set(KIND_WORDING) == set(PLACEHOLDERS) == set(SAMPLE_BY_KIND) == set(KINDS)
    for kind, (message, seeded) in SAMPLE_BY_KIND.items():
        result = redact(message)
        assert result.found == (kind,) and seeded not in result.text, (kind, result)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_door_words_every_kind_in_both_languages(kind: str, language: str) -> None:
    phrase = KIND_WORDING[kind][language]
    assert phrase and phrase == kind_phrase(kind, language)
    # Telegram: the notice before an answer and before a routing confirmation
    assert phrase in redaction_notice((kind,), language)  # type: ignore[arg-type]
    answer = Answer(question="Må jeg bruge tolk?", language=language, status="route", answer="", confidence=0.0,
                    citations=[], notices=[], redacted=(kind,))
    assert phrase in render_answer(answer, language, redacted=(kind,))[0]  # type: ignore[arg-type]
    assert phrase in render_routed("R-00001", [], language, redacted=(kind,))[0]  # type: ignore[arg-type]
    # the web chat's flash message, through the template filter the chat page uses
    flash = translate("chat.redacted", language, kinds=templates.env.filters["pii_kinds"]([kind], language))
    assert phrase in flash and "pii." not in flash
    # the command line
    assert phrase in render_text(answer) and phrase in removal_note((kind,), language)


def test_several_kinds_are_joined_each_once_in_order() -> None:
    assert describe_kinds(["name", "cpr", "name", "address"], "da") == "et navn, et CPR-nummer og en adresse"
    assert describe_kinds(["phone", "email"], "en") == "a phone number and an e-mail address"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_kind_without_wording_is_named_generically_instead_of_failing(language: str) -> None:
    assert kind_phrase("passport", language) == {"da": "personoplysninger", "en": "personal data"}[language]
    assert "personoplysninger" in redaction_notice(("passport",), "da") or language == "en"
