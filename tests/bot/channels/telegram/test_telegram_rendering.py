"""Rendering as data: answers, notifications and keyboards → escaped Telegram HTML within 4,096 characters."""

from __future__ import annotations

import html
import re

import pytest

from bot.answering.answer import Answer, Citation
from bot.channels.telegram.rendering import (
    MESSAGE_LIMIT,
    Block,
    answer_keyboard,
    callback_data,
    pack,
    parse_callback,
    redaction_notice,
    render_answer,
    render_notification,
    render_routed,
    render_status,
    reply_language,
    requisition_number_in,
    shown_citations,
    telegram_length,
)
from bot.queue.views import RequisitionView

TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")


def citation(quote: str = "Task forcen består af fire rådgivere og en koordinator.", **changes) -> Citation:
    values = dict(doc_id="001_7fd9acb3b78e308e", title="Høring om task force", date="2006-11-17",
                  section="Indstilling", text=quote, quote=quote, score=0.9, chunk_id="c1", doc_type="hearing letter")
    return Citation(**(values | changes))


def answer(status: str = "answered", citations: list[Citation] | None = None, **changes) -> Answer:
    values = dict(question="Hvor mange rådgivere?", language="da", status=status, answer="…", confidence=0.9,
                  citations=citations if citations is not None else [citation()])
    return Answer(**(values | changes))


def balanced(chunk: str) -> bool:
    stack: list[str] = []
    for closing, name in TAG.findall(chunk):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def visible(chunks: tuple[str, ...]) -> str:
    return html.unescape(TAG.sub("", "".join(chunks)))


def test_an_answer_quotes_the_passage_and_names_title_date_and_section() -> None:
    (chunk,) = render_answer(answer(), "da")

    assert chunk.startswith("Ifølge Høring om task force (17. november 2006), afsnit «Indstilling»:")
    assert "<blockquote>Task forcen består af fire rådgivere og en koordinator.</blockquote>" in chunk


def test_a_citation_is_short_title_date_and_last_section() -> None:
    long = citation(title="Høring vedrørende Beskæftigelses- og Integrationsudvalgets forslag om etablering af en task "
                    "force på integrationsområdet", section="Høring … › Baggrund › Task forcens formål og opgaver")
    (chunk,) = render_answer(answer(citations=[long]), "da")

    assert chunk.startswith("Ifølge Høring vedrørende Beskæftigelses- og Integrationsudvalgets… (17. november 2006), "
                            "afsnit «Task forcens formål og opgaver»:")


def test_an_answer_in_english_uses_english_phrasing_and_dates() -> None:
    (chunk,) = render_answer(answer(language="en"), "en")

    assert chunk.startswith("According to Høring om task force (17 November 2006)")


def test_text_from_the_documents_is_escaped() -> None:
    (chunk,) = render_answer(answer(citations=[citation("Budget < 10 mio. & <b>ikke</b> mere")]), "da")

    assert "Budget &lt; 10 mio. &amp; &lt;b&gt;ikke&lt;/b&gt; mere" in chunk
    assert balanced(chunk)


def test_notices_about_old_sources_are_shown_under_the_quote() -> None:
    (chunk,) = render_answer(answer(notices=["Kilden er mere end 8 år gammel."]), "da")

    assert "<i>⚠️ Kilden er mere end 8 år gammel.</i>" in chunk


def test_a_routed_answer_says_the_documents_do_not_answer_shows_the_closest_and_offers_routing() -> None:
    passages = [citation(f"Afsnit {n}.", chunk_id=f"c{n}") for n in range(5)]

    (chunk,) = render_answer(answer("route", passages), "da")

    # The decision first, then one passage, collapsed: not a page of loosely related text.
    assert chunk.startswith("<b>Det står ikke i dokumenterne.</b> Vil du sende spørgsmålet til task forcen?")
    assert chunk.count("<blockquote expandable>") == 1 and "Afsnit 0." in chunk and "Afsnit 1." not in chunk
    assert [c.chunk_id for c in shown_citations(answer("route", passages))] == ["c0"]


def test_a_routed_answer_in_the_middle_band_says_not_sure_instead_of_not_in_the_documents() -> None:
    (chunk,) = render_answer(answer("route", [citation("Afsnit 0.")], tentative=True), "da")

    assert chunk.startswith("<b>Ikke sikkert.</b> Det nærmeste, jeg finder, står herunder")
    assert "Det står ikke i dokumenterne" not in chunk and "Afsnit 0." in chunk


def test_an_answered_question_shows_at_most_one_more_passage_collapsed_from_another_place() -> None:
    same_place = [citation(f"Afsnit {n}.", chunk_id=f"c{n}") for n in range(3)]
    elsewhere = [citation(f"Andetsteds {n}.", chunk_id=f"e{n}", section=f"Bilag {n}") for n in range(3)]

    (chunk,) = render_answer(answer("answered", same_place + elsewhere), "da")

    assert chunk.count("<blockquote>") == 1 and chunk.count("<blockquote expandable>") == 1
    assert "Afsnit 1." not in chunk and "Andetsteds 0." in chunk and "Andetsteds 1." not in chunk


def test_a_routed_answer_without_any_passage_still_offers_routing() -> None:
    (chunk,) = render_answer(answer("route", []), "en")

    assert chunk == "<b>The documents do not answer this.</b> Send the question to the task force? Use the button below."


def test_a_redacted_question_is_shown_as_used_with_the_reason() -> None:
    chunk = render_answer(answer(question="Borger [CPR] spørger"), "da", redacted=("cpr",))[0]

    assert chunk.startswith("🔒 Din besked indeholdt et CPR-nummer.")
    assert "<blockquote>Borger [CPR] spørger</blockquote>" in chunk


@pytest.mark.parametrize(("kinds", "language", "expected"), [
    (("cpr",), "da", "indeholdt et CPR-nummer. Jeg har fjernet det,"),
    (("cpr", "phone"), "da", "indeholdt et CPR-nummer og et telefonnummer. Jeg har fjernet dem,"),
    (("phone", "phone", "email"), "en", "contained a phone number and an e-mail address. I removed them"),
])
def test_the_redaction_notice_names_what_was_removed(kinds: tuple[str, ...], language: str, expected: str) -> None:
    assert expected in redaction_notice(kinds, language)  # type: ignore[arg-type]


def test_a_long_answer_is_split_into_messages_within_the_limit_at_clean_breaks() -> None:
    sentence = "Socialforvaltningen & task forcen samarbejder om <praktiske> integrationsopgaver. "
    long_quote = sentence * 150  # about 12,000 characters, with escapes
    chunks = render_answer(answer(citations=[citation(long_quote)]), "da")

    assert len(chunks) >= 3
    assert chunks[0].startswith("Ifølge ") and "<blockquote>Socialforvaltningen" in chunks[0]  # heading stays with its quote
    assert all(telegram_length(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert all(balanced(chunk) for chunk in chunks)
    assert all(TAG.sub("", chunk).rstrip().endswith(".") for chunk in chunks[:-1])  # split at sentence ends
    assert " ".join(visible(chunks).split()).count("praktiske") == 150


def test_splitting_counts_utf16_units_as_telegram_does() -> None:
    emoji = "🙂" * 3000  # 3,000 characters, 6,000 UTF-16 code units
    chunks = pack([Block(emoji, "quote")])

    assert len(chunks) == 2
    assert all(telegram_length(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert visible(chunks) == emoji


def test_a_single_word_longer_than_a_message_is_cut_hard() -> None:
    chunks = pack([Block("x" * 9000)])

    assert [len(c) for c in chunks] == [4096, 4096, 808]


def test_short_blocks_share_one_message() -> None:
    assert pack([Block("a"), Block("b", "bold")]) == ("a\n<b>b</b>",)


def test_the_answer_keyboard_has_thumbs_and_the_route_button_in_the_answers_language() -> None:
    danish = answer_keyboard("ab12cd34", "da").inline_keyboard
    english = answer_keyboard("ab12cd34", "en", feedback=False).inline_keyboard

    assert [[b.text for b in row] for row in danish] == [["👍", "👎"], ["Send til task forcen"]]
    assert [[b.text for b in row] for row in english] == [["Send to the task force"]]
    assert all(len(b.callback_data.encode()) <= 64 for row in danish for b in row)
    assert answer_keyboard("t", "da", feedback=False, route=False) is None


def test_callback_data_round_trips_and_foreign_data_is_ignored() -> None:
    assert parse_callback(callback_data("route", "ab12cd34")) == ("route", "ab12cd34")
    assert parse_callback("something:else") is None
    assert parse_callback("a:delete:ab12") is None
    assert parse_callback(None) is None


def test_an_answered_notification_refers_to_the_question_and_lists_the_sources_by_title() -> None:
    payload = {"requisition_id": 7, "number": "R-00007", "question": "Hvem betaler tolken?",
               "answer": "Forvaltningen betaler <altid>.", "sources": [{"doc_id": "d1", "section": "Tolke", "quote": ""}]}

    reply = render_notification("answered", payload, "da", {"d1": "Bilag 2"})

    (chunk,) = reply.chunks
    assert "<b>R-00007</b>" in chunk and "Hvem betaler tolken?" in chunk
    assert "Forvaltningen betaler &lt;altid&gt;." in chunk
    assert "• Bilag 2, Tolke" in chunk
    assert reply.markup is None


def test_a_needs_info_notification_asks_for_a_reply_with_a_force_reply() -> None:
    payload = {"requisition_id": 7, "number": "R-00007", "question": "Hvem betaler tolken?", "message": "Hvilket sprog?"}

    reply = render_notification("needs_info", payload, "en")

    assert "needs more information" in reply.chunks[0] and "<blockquote>Hvilket sprog?</blockquote>" in reply.chunks[0]
    assert reply.markup is not None and reply.markup.force_reply is True
    assert requisition_number_in(html.unescape(TAG.sub("", reply.chunks[0]))) == "R-00007"


@pytest.mark.parametrize(("kind", "payload", "expected"), [
    ("rejected", {"number": "R-00003", "question": "q", "reason": "Uden for området"}, "afvist"),
    ("duplicate", {"number": "R-00004", "question": "q", "duplicate_of": "R-00002"}, "samme spørgsmål som <b>R-00002</b>"),
    ("something_new", {"number": "R-00005", "question": "q"}, "er opdateret"),
])
def test_other_notifications(kind: str, payload: dict, expected: str) -> None:
    assert expected in render_notification(kind, payload, "da").chunks[0]


def test_status_lists_numbers_states_and_a_hint_when_the_task_force_waits(requisition_view) -> None:
    items = [requisition_view("R-00001", "new"), requisition_view("R-00002", "needs_info")]

    (chunk,) = render_status(items, total=5, language="da")

    assert "<b>R-00001</b>: modtaget" in chunk and "<b>R-00002</b>: venter på information fra dig" in chunk
    assert "… og 3 flere." in chunk and "venter på dit svar" in chunk


def test_english_when_chosen_or_written() -> None:
    assert reply_language("da") == "da"
    assert reply_language("da", "en") == "en"
    assert reply_language("en", "da") == "en"


@pytest.fixture
def requisition_view():
    from datetime import UTC, datetime

    def make(number: str, status: str) -> RequisitionView:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        return RequisitionView(
            id=int(number[2:]), number=number, status=status, question="Hvem betaler tolken til mødet?", language="da",
            department="SOF", themes=(), candidates=(), confidence=None, context=None, caseworker_id=1,
            channel="telegram", assignee_id=None, assignee_username=None, info_request=None, answer=None,
            answered_by_id=None, answered_by_role=None, sources=(), duplicate_of_id=None, duplicate_of_number=None,
            reject_reason=None, published_doc_id=None, created_at=now, updated_at=now,
        )

    return make


def test_the_routing_confirmation_names_the_number_and_similar_open_requisitions() -> None:
    (chunk,) = render_routed("R-00009", ["R-00003", "R-00007"], "da")

    assert "rekvisition <b>R-00009</b>" in chunk
    assert "lignende åbne rekvisitioner: R-00003, R-00007." in chunk
