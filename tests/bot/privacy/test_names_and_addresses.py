"""bot.privacy.names and bot.privacy.addresses through `redact`: the issue's cases, what must survive, and the benchmark's targets.

The generated messages and ordinary sentences are eval/checks/personal_data_cases.py's, scored as docs/REDACTION.md
scores them (eval/checks/personal_data_report.py), so the page and these asserts agree.
"""

from __future__ import annotations

import pytest

from bot.privacy.redaction import ADDRESS, NAME, redact
from eval.checks.personal_data_cases import ordinary_sentences, personal_data_cases
from eval.checks.personal_data_report import MAX_CHANGED, TARGETS, score_personal_data


@pytest.mark.parametrize(("text", "expected"), [
    ("Min borger Fatima Hassan vil gerne have tolk. Må jeg bruge tolk?",
     "Min borger [NAVN] vil gerne have tolk. Må jeg bruge tolk?"),
    ("kontakt Mette Jensen", "kontakt [NAVN]"),
    ("Familien Jensen har fået afslag", "Familien [NAVN] har fået afslag"),
    ("Fru Jensen ringede, og hr. Yılmaz kom", "Fru [NAVN] ringede, og hr. [NAVN] kom"),
    ("Peter Nielsen ringede i går", "[NAVN] ringede i går"),
    ("ahmed hassan og mohammed ali kommer", "[NAVN] og [NAVN] kommer"),
    ("the Kowalski family needs help", "the [NAVN] family needs help"),
    ("Jensen har ikke mødt op", "[NAVN] har ikke mødt op"),
    ("Mrs Shevchenko and Mr. Abdi", "Mrs [NAVN] and Mr. [NAVN]"),
    ("Borgeren hedder Abdirahman Mohamed Farah", "Borgeren hedder [NAVN]"),
    ("Fatimas søn går i skole", "[NAVN] søn går i skole"),
    ("Mette's mother is ill", "[NAVN]'s mother is ill"),
    ("spørg Bo om det", "spørg [NAVN] om det"),
    ("Hans Jensen er syg", "[NAVN] er syg"),
], ids=lambda value: value[:30] if isinstance(value, str) else value)  # fmt: skip
def test_names_from_the_issue_are_removed_whole(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Hun bor på Nørrebrogade 12, 2200 København N", "Hun bor på [ADRESSE]"),
    ("Jagtvej 69, 3. tv., 2200 København N", "[ADRESSE]"),
    ("bor på hans tavsens gade 5 st. th.", "bor på [ADRESSE]"),
    ("Gammel Kongevej 10B, 1610 København V", "[ADRESSE]"),
    ("Urbanplanen 112, 3. tv., 2300 København S", "[ADRESSE]"),
], ids=lambda value: value[:30])  # fmt: skip
def test_addresses_with_floor_and_postcode_are_removed(text: str, expected: str) -> None:
    result = redact(text)
    assert result.text == expected and ADDRESS in result.found


@pytest.mark.parametrize("text", [
    "Hans kone er syg", "Per måned får hun 500 kr.", "Kan jeg bruge tolk?", "Will the task force help?",
    "May I ask about Gadepulsen?", "Hvad siger Socialforvaltningen om bydelsmødre i Valby og Tingbjerg?",
    "Københavnerteamet og Beskæftigelses- og Integrationsudvalget", "Bispebjerg, Nørrebro og København",
    "Hvad tilbyder Mødrenes Hus på Nørrebro?", "bor i 2200 København N", "Nørrebrogade er lukket",
    "Hun går i børnehave 3 dage om ugen", "der er plads 3 dage om ugen", "10 mio. kr. årligt",
    "what's the max number of hours", "Can Beskæftigelses- og Integrationsforvaltningen help?", "[NAVN] bor på [ADRESSE]",
])  # fmt: skip
def test_ordinary_words_places_and_programmes_survive(text: str) -> None:
    assert redact(text).text == text


def test_a_staff_user_name_is_kept_when_names_are_off() -> None:
    assert redact("anna", names=False).text == "anna" and redact("anna").found == (NAME,)


@pytest.fixture(scope="module")
def score():  # type: ignore[no-untyped-def]
    return score_personal_data(lambda text: redact(text).text, personal_data_cases(), ordinary_sentences())


def test_the_benchmark_has_the_size_the_issue_asks(score) -> None:  # type: ignore[no-untyped-def]
    cases = personal_data_cases()
    assert len(cases) >= 3000 and {c.language for c in cases} == {"da", "en"}
    assert score.ordinary >= 2000 and {"corpus", "gold"} <= set(score.by_source)
    forms = {c.form for c in cases}
    assert {"full name", "title + surname", "family", "Danish surname alone", "lower case"} <= forms


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_recall_meets_the_target_for_every_kind(score, kind: str) -> None:  # type: ignore[no-untyped-def]
    removed, seeded = score.recall[kind]
    print(f"\n{kind}: {removed}/{seeded} = {removed / seeded:.2%} (target {TARGETS[kind]:.1%})")
    assert seeded >= 100 and removed / seeded >= TARGETS[kind]  # measured: see docs/REDACTION.md


def test_at_most_one_percent_of_ordinary_sentences_change(score) -> None:  # type: ignore[no-untyped-def]
    print(f"\nordinary sentences changed: {len(score.changed)}/{score.ordinary}")
    assert len(score.changed) / score.ordinary <= MAX_CHANGED, score.changed[:10]  # measured 0/2000
