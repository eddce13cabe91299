"""Cleaning: office stamps and letterheads leave the answerable text, their facts go to metadata."""

from __future__ import annotations

import pytest

from corpus.cleaning import clean

STAMP_WORDS = ("SEKR.", "Henlægges", "Behand.", "Vicedir.", "Sekr.chef", "Modtaget den", "Kopi til", "Orient.")
LETTERHEAD_WORDS = ("Telefax", "Direkte telefon", "Jakob.Hougaard@bif.kk.dk", "www.jakobhougaard.dk", "1599 København",
                    "33 66 28 51", "Borgmester@sof.kk.dk")


@pytest.mark.parametrize("prefix", ["000", "001", "004"])
def test_routing_stamps_and_letterheads_leave_the_answerable_text(shipped, prefix: str) -> None:
    text = shipped[prefix].document.text
    for noise in STAMP_WORDS + LETTERHEAD_WORDS:
        assert noise not in text, f"{noise!r} is still in the clean text of {prefix}"
    for chunk in shipped[prefix].chunks:
        assert "\t" not in chunk.text or prefix == "002"  # the stamps were tab tables; these letters have no tables


def test_raw_documents_really_had_the_noise(shipped) -> None:
    """Guards the test above: the stamps and letterhead are in the files, so their absence means something."""
    assert "BIF SEKR." in shipped["000"].document.raw_text and "Henlægges" in shipped["000"].document.raw_text
    assert "SOF SEKR." in shipped["001"].document.raw_text and "Telefax" in shipped["001"].document.raw_text


def test_a_sentence_cut_by_a_stamp_reads_on(shipped) -> None:
    """In 000 a routing stamp interrupts a sentence; the clean text joins its two halves."""
    assert "vejledning til de enkelte teammedarbejdere på handicapcentrene i forhold til integrationspolitikken samt sikre" \
        in shipped["000"].document.text


def test_letterhead_facts_go_to_metadata(shipped) -> None:
    contact = shipped["001"].document.metadata.contact
    assert contact["email"] == "Jakob.Hougaard@bif.kk.dk"
    assert contact["phone"] == "33 66 28 51"
    assert "1599 København V" in contact["address"]
    assert shipped["004"].document.metadata.contact["email"] == "Borgmester@sof.kk.dk"


EXPECTED = {
    # prefix: (words in the title, date, type, issuer, case number, document number)
    "000": (("Socialudvalget", "task force"), "2007-01-12", "hearing reply", "Socialudvalget", "2006-2405", "2006-36491"),
    "001": (("Høring", "task force"), "2006-11-17", "hearing letter", "Beskæftigelses- og Integrationsudvalget",
            "2006-1213", "2006-14830"),
    "002": (("handleplan", "2011-2014"), "2010-05-05", "recommendation", "Socialforvaltningen", "2010-32472", None),
    "003": (("Bilag 2", "ligebehandling"), "2010", "annex", "Socialforvaltningen", None, None),
    "004": (("Socialudvalget", "Integrationspolitik 2015-2018"), "2014-12", "hearing reply", "Socialudvalget",
            "2014-0222761", "2014-0222761-4"),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_metadata_of_each_document(shipped, prefix: str) -> None:
    title_words, date, doc_type, issuer, case_number, document_number = EXPECTED[prefix]
    meta = shipped[prefix].document.metadata
    for word in title_words:
        assert word.lower() in meta.title.lower(), meta.title
    assert meta.date == date
    assert meta.doc_type == doc_type
    assert meta.issuer == issuer
    assert meta.case_number == case_number
    assert meta.document_number == document_number


def test_journal_number_of_the_hearing_letter(shipped) -> None:
    assert shipped["001"].document.metadata.journal_number == "2006-2405"


def test_markdown_markup_is_removed_but_words_are_kept() -> None:
    result = clean("# Overskrift\n\nEn **vigtig** sætning med et [link](http://example.org).\n")
    assert result.text == "Overskrift\n\nEn vigtig sætning med et link."
    assert [(level, result.text[start:end]) for level, start, end in result.headings] == [(1, "Overskrift")]
