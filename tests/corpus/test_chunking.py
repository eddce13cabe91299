"""Chunks follow the document's own structure, map back to the clean text and the file, and keep stable ids."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from corpus.document import chunk_id
from corpus.pipeline import Ingestor

MEMO = """# Retningslinjer for tolkebistand

## Hvornår bestilles tolk

Sagsbehandleren bestiller tolk, når borgeren ikke taler dansk godt nok til at forstå sin sag. Det gælder både
ved møder og ved telefonsamtaler, og borgeren skal ikke selv betale for tolken.

## Sådan bestilles tolk

Tolken bestilles på følgende måde:

1. Udfyld bestillingsskemaet på intranettet.
2. Angiv sprog, dato og mødested.
3. Send skemaet til tolkekontoret senest fem hverdage før mødet.

## Priser

Tolketype\tPris pr. time\tMindste betaling
Fremmødetolk\t450 kr.\t1 time
Telefontolk\t300 kr.\t30 minutter
Videotolk\t350 kr.\t30 minutter
Skrivetolk\t600 kr.\t2 timer

## Klager

Klager over tolkebistanden sendes til kontorchefen, som svarer inden for fire uger.
"""


@pytest.fixture(scope="module")
def memo():
    return Ingestor().ingest("memo", "memo.md", MEMO)


def _chunks_with(item, needle: str):
    found = [c for c in item.chunks if needle in c.text]
    assert found, f"no chunk contains {needle!r}"
    return found


def test_chunks_follow_headings(memo) -> None:
    sections = {c.section[-1] for c in memo.chunks}
    assert {"Hvornår bestilles tolk", "Sådan bestilles tolk", "Priser", "Klager"} <= sections
    assert all(c.section[0] == "Retningslinjer for tolkebistand" for c in memo.chunks)
    (complaints,) = _chunks_with(memo, "kontorchefen")
    assert complaints.section[-1] == "Klager" and "Skrivetolk" not in complaints.text


def test_numbered_items_stay_with_their_lead_in(memo) -> None:
    for chunk in _chunks_with(memo, "Angiv sprog"):
        assert "Tolken bestilles på følgende måde:" in chunk.text
        assert "1. Udfyld" in chunk.text and "3. Send skemaet" in chunk.text


def test_a_table_row_stays_with_its_header(memo) -> None:
    for row in ("Telefontolk", "Skrivetolk"):
        for chunk in _chunks_with(memo, row):
            assert "Tolketype\tPris pr. time\tMindste betaling" in chunk.text
            assert chunk.section[-1] == "Priser"


def test_a_budget_row_of_the_recommendation_stays_with_its_header(shipped) -> None:
    for chunk in _chunks_with(shipped["002"], "Skoleskulkerklasser"):
        assert "Initiativer der indgår som budgetønske til budget 2011 (mio. kr.)\t2011\t2012\t2013\t2014" in chunk.text


def test_the_hearing_letters_three_purposes_are_one_passage(shipped) -> None:
    (chunk,) = _chunks_with(shipped["001"], "Task forcens hovedformål skal således fremover være:")
    for item in ("1. Identificering", "2. Facilitering", "3. Udbredelse"):
        assert item in chunk.text


def test_numbered_sections_of_the_hearing_reply(shipped) -> None:
    for chunk in _chunks_with(shipped["000"], "kontaktpersonfunktion"):
        assert chunk.section[-1].startswith("2. Tilrettelæggelsen af samarbejde")
    for chunk in _chunks_with(shipped["000"], "børnefamilieteams"):
        assert chunk.section[-1].startswith("1. Socialudvalget vurdering af task forcen")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_offsets_map_chunks_to_the_clean_text(shipped, prefix: str) -> None:
    item = shipped[prefix]
    text = item.document.text
    assert item.chunks
    for chunk in item.chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.doc_id == item.document.doc_id


@pytest.mark.parametrize("prefix", ["000", "001", "002", "004"])
def test_clean_characters_come_from_the_file(shipped, prefix: str) -> None:
    """Outside the OCR document, every non-space character of the clean text is the file's character it maps to."""
    document = shipped[prefix].document
    raw, text = document.raw_text, document.text
    for i, character in enumerate(text):
        if not character.isspace():
            assert raw[document.offsets.to_original(i)] == character, (i, text[max(0, i - 20):i + 20])
    for chunk in shipped[prefix].chunks:
        start, end = document.original_span(chunk.start, chunk.end)
        original_words = re.sub(r"[*#]", "", raw[start:end]).split()  # the file's Markdown emphasis is not quoted
        assert original_words[0] == chunk.text.split()[0] and original_words[-1] == chunk.text.split()[-1]


def test_ocr_repaired_quotes_still_reach_the_file(shipped) -> None:
    document = shipped["003"].document
    assert document.ocr_repaired
    assert "Københavns" in document.text and "Kebenhavns" in document.raw_text
    at = document.text.index("Københavns")
    start, end = document.original_span(at, at + len("Københavns"))
    assert document.raw_text[start:end] in {"Kebenhavns", "Kobenhavns", "K&benhavns", "K@benhavns", "Kabenhavns"} \
        or document.raw_text[start:end].endswith("benhavns")


def test_chunk_ids_are_content_hashes_and_stable(shipped) -> None:
    item = shipped["000"]
    again = Ingestor().ingest(item.document.doc_id, item.document.source_name, item.document.raw_text)
    assert [c.id for c in again.chunks] == [c.id for c in item.chunks]
    for chunk in item.chunks:
        assert chunk.id == chunk_id(chunk.doc_id, chunk.section, chunk.text)
    assert len({c.id for c in item.chunks}) == len(item.chunks)
    assert replace(item.chunks[0], text=item.chunks[0].text + " ", id="").id != item.chunks[0].id


def test_an_edit_changes_only_the_ids_of_the_edited_passage(memo) -> None:
    edited = Ingestor().ingest("memo", "memo.md", MEMO.replace("fire uger", "tre uger"))
    before = {c.id for c in memo.chunks}
    after = {c.id for c in edited.chunks}
    changed = [c for c in edited.chunks if c.id not in before]
    assert len(changed) == 1 and "tre uger" in changed[0].text
    assert len(before - after) == 1
