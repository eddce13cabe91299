"""OCR repair (corpus.ocr): the measured targets, the repaired annex 003, numbers, clean documents, offsets."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from corpus import ocr
from corpus.offsets import OffsetMap
from eval.checks import ocr as ocr_check
from eval.checks import ocr_damage

DOCUMENTS = Path(__file__).resolve().parents[2] / "corpus" / "documents"
OCR_NAME = "003_50b667e36c3bac22.txt"


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCUMENTS.glob("*.txt"))}


@pytest.fixture(scope="module")
def clean(texts) -> dict[str, str]:
    return {name: text for name, text in texts.items() if name != OCR_NAME}


@pytest.fixture(scope="module")
def vocabulary(clean) -> Counter:
    return ocr.vocabulary_from(clean.values())


@pytest.fixture(scope="module")
def repaired(texts, vocabulary) -> tuple[str, OffsetMap]:
    return ocr.repair(texts[OCR_NAME], vocabulary)


# -- the measured targets --------------------------------------------------------------------


def test_damaged_clean_sentences_are_restored_and_undamaged_words_kept():
    result = ocr_check.run(seed=7, sentences=150)
    assert result.damaged > 300 and result.undamaged > 1500
    assert result.restored_share >= ocr_check.RESTORED_TARGET, result.failures.most_common(10)
    assert result.changed_share < ocr_check.CHANGED_TARGET, result.false_changes.most_common(10)


def test_the_check_is_reproducible_for_a_seed():
    first, second = ocr_check.run(seed=3, sentences=20), ocr_check.run(seed=3, sentences=20)
    assert (first.damaged, first.restored, first.changed) == (second.damaged, second.restored, second.changed)


# -- detection -------------------------------------------------------------------------------


def test_needs_repair_tells_the_ocr_document_from_the_clean_ones(texts):
    for name, text in texts.items():
        assert ocr.needs_repair(text) == (name == OCR_NAME), name


def test_needs_repair_recognises_any_document_damaged_the_same_way(clean):
    for name, text in clean.items():
        damaged = ocr_damage.damage(text, random.Random(name))
        assert ocr.needs_repair(damaged), name


# -- the annex 003 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expected",
    [
        "KØBENHAVNS KOMMUNE",
        "alle typer borgere i Københavns Kommune sikres en lige",
        "Kommunikation og rådgivningsforpligtigelse",
        "en ”grøn linie” for særlige",
        "Et eksempel er den bydækkende hjemløseenhed. Hjemløsestrategien vil",
        "Socialforvaltningen og Økonomiforvaltningen i",
        "gælds- og budgetrådgivning",
        "På området for borgere med sindslidelser",
        "Socialforvaltningen er opmærksom på, at skriftlig kommunikation kan",
        "være en udfordring",
        "et projekt om bydelsmødre finansieret",
        "Bydelsmødre på Ydre Nørrebro",
        "hjemmebesøg ved",
        "førstegangs samtaler",
        "særlig opmærksom på, at mindre",
        "ressourcestærke borgere",
        "en åben anonym rådgivning",
        "Den åbne anonyme rådgivning",
        "som ikke modtager offentlig hjælp.",
        "beskæftigelsesmæssige situation",
        "kvinder med anden etnisk baggrund i København”",
        "fem bydelsmødre i hver bydel",  # `bydelsmadre`: learned from the document's other misspellings
        "Borgere med sager i både BIF og SOF",
        "Beskæftigelses- og Integrationsudvalget",
        "støtte-kontaktpersoner",
        "tilbud om gælds- og budgetrådgivning i regi af",
    ],
)
def test_repaired_annex_reads_as_danish(repaired, expected):
    assert expected in repaired[0]


@pytest.mark.parametrize(
    "expected",
    [
        "Sagsbehandlerne i Socialforvaltningen forsøger",  # `1` between words is `i`
        "og i den lokale forvaltning",
        "målsætningerne i politikkerne",
        "involveres i\nkriminalitet",
        "navigere i og mellem",
        "borgerne\ni København etablerer",
        "der i 2008 vedtaget",  # `12008`: `i` glued to the year
        "er der i 2010 afsat",
    ],
)
def test_lone_one_between_words_becomes_i(repaired, expected):
    assert expected in repaired[0]


@pytest.mark.parametrize(
    "number",
    ["i 2008 vedtaget", "0,5 mio. kr.", "16 - 50 år", "§ 18 midlerne", "2009-2011", "15.\nnovember 2008",
     "perioden 2011-2014", "Bilag 2."],
)
def test_numbers_stay_numbers(repaired, number):
    assert number in repaired[0]


def test_lone_one_rules_on_their_own():
    cases = {
        "bilag 1 og bilag 2": "bilag 1 og bilag 2",
        "punkt 1 i sagen": "punkt 1 i sagen",
        "kl. 1 om natten": "kl. 1 om natten",
        "borgere 1 og 2 år": "borgere 1 og 2 år",
        "mindst 1 mio. kr.": "mindst 1 mio. kr.",
        "den 1 december 2010": "den 1 december 2010",
        "vedtaget 1 december 2010": "vedtaget i december 2010",
        "bydelsmedre 1 hver bydel": "bydelsmødre i hver bydel",
        "tilbud 1 2010 og 2011": "tilbud i 2010 og 2011",
    }
    for damaged, expected in cases.items():
        assert ocr.repair(damaged)[0] == expected, damaged


def test_case_hyphens_and_line_breaks():
    text = "K@BENHAVNS KOMMUNE. Kebenhavns Kommune, P& omradet, stette-kontaktpersoner og rad-\ngivning."
    assert ocr.repair(text)[0] == (
        "KØBENHAVNS KOMMUNE. Københavns Kommune, På området, støtte-kontaktpersoner og råd-\ngivning."
    )


def test_emails_urls_and_acronyms_are_left_alone():
    text = "Skriv til borgmester@sof.kk.dk eller se www.kk.dk/omrade om KAB og SOF."
    assert ocr.repair(text)[0] == text


# -- clean documents -------------------------------------------------------------------------


def test_clean_documents_are_left_unchanged(clean, vocabulary):
    for name, text in clean.items():
        repaired, offsets = ocr.repair(text, vocabulary)
        assert repaired == text, name
        assert offsets.span_to_original(0, len(repaired)) == (0, len(text))


def test_clean_documents_nearly_unchanged_without_their_own_words(clean):
    """Leave one out: a document's own words withheld, only a name may be misread (`Allerslev`)."""
    changed = []
    for name, text in clean.items():
        vocabulary = ocr.vocabulary_from(t for other, t in clean.items() if other != name)
        repaired = ocr.repair(text, vocabulary)[0]
        changed += [(a, b) for a, b in zip(text.split(), repaired.split()) if a != b]
    assert len(changed) <= 2, changed


# -- offsets ---------------------------------------------------------------------------------

_LOOKALIKES_OF: dict[str, set[str]] = {}
for _seen, _letter, _ in ocr.CONFUSIONS:
    _LOOKALIKES_OF.setdefault(_letter, {_letter}).add(_seen)


def _damaged_form_pattern(word: str) -> re.Pattern:
    """A word as the OCR may have printed it: each æ/ø/å as any of its look-alikes, `i` also as `1`."""
    parts = []
    for char in word.lower():
        options = _LOOKALIKES_OF.get(char, {char})
        if word.lower() == "i":
            options = options | {"1"}
        parts.append("(?:" + "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True)) + ")")
    return re.compile("".join(parts), re.IGNORECASE)


def test_offsets_map_every_repaired_word_back_to_its_damaged_form(texts, repaired):
    original = texts[OCR_NAME]
    text, offsets = repaired
    assert len(offsets.origin) == len(text) + 1
    assert all(a <= b for a, b in zip(offsets.origin, offsets.origin[1:]))
    changed = 0
    for match in re.finditer(r"[^\W\d_]+", text):
        start, end = offsets.span_to_original(*match.span())
        source = original[start:end]
        assert _damaged_form_pattern(match.group()).fullmatch(source), (match.group(), source)
        changed += source != match.group()
    assert changed > 200  # the repair did change words (each mapped to its damaged form)


def test_offsets_of_a_shortened_replacement_cover_the_whole_original():
    original = "det skal veare klart, at vi er opmaerksomme pa tvaergaende indsatser"
    text, offsets = ocr.repair(original)
    for word, damaged in (("være", "veare"), ("opmærksomme", "opmaerksomme"), ("på", "pa"),
                          ("tværgående", "tvaergaende")):
        start = text.index(word)
        assert original[slice(*offsets.span_to_original(start, start + len(word)))] == damaged


# -- API and speed ---------------------------------------------------------------------------


def test_vocabulary_from_counts_lower_cased_words():
    assert ocr.vocabulary_from(["Bydelsmødre og bydelsmødre, 2010 i"]) == Counter({"bydelsmødre": 2, "og": 1})


def test_speller_prefers_the_clean_documents_words():
    plain = ocr.speller_for(None)
    assert plain.correct("pa") == "på" and plain.correct("Kebenhavns") == "Københavns"
    assert plain.correct("borgere") == "borgere"  # a listed word stays
    with_vocabulary = ocr.Speller(Counter({"policyoplæg": 3}))
    assert with_vocabulary.correct("policyoplag") == "policyoplæg"


def test_repairing_the_annex_is_fast(texts, vocabulary):
    speller = ocr.speller_for(vocabulary)  # built once (word list loaded on first use)
    speller._cache.clear()
    started = time.perf_counter()
    ocr.repair(texts[OCR_NAME], speller=speller)
    assert time.perf_counter() - started < 3.0
