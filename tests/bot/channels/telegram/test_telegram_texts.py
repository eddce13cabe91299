"""Every text the bot sends exists in Danish and English, and an English chat reads no Danish: the catalogue is
walked template by template, every renderer is rendered in English, and the live paths where Danish leaked
(task-force answers, the source-age notice after `/sprog en`) are driven through the bot."""

from __future__ import annotations

import re
import string

import pytest
from telegram.ext import Application
from telegram_fakes import Person, RecordingRequest, deliver
from telegram_setup import ANSWERABLE, answer_from_the_task_force

from bot.answering.answer import Answer, Citation
from bot.channels.telegram.delivery import deliver_once
from bot.channels.telegram.rendering import (
    answer_keyboard,
    context_keyboard,
    redaction_notice,
    render_answer,
    render_notification,
    render_routed,
    render_status,
)
from bot.channels.telegram.texts import STATUS_NAMES, TEXTS, text
from bot.people.actors import Caseworker
from bot.queue.views import RequisitionView
from bot.services import Services

SAME_IN_BOTH = {"button_up", "button_down"}  # emoji
DANISH = re.compile(r"[æøåÆØÅ]|\b(og|af|til|fra|Svar|Dit|Kilder|Kilden|spørgsmål|rekvisition|afsnit|ikke)\b")
TAG = re.compile(r"<[^>]+>")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_template_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    da, en = TEXTS[key]["da"], TEXTS[key]["en"]

    assert da.strip() and en.strip()
    assert placeholders(da) == placeholders(en)
    assert (da == en) == (key in SAME_IN_BOTH)
    assert not DANISH.search(TAG.sub("", en.replace("/sprog", "").replace("/hjaelp", "").replace("/rekvirer", ""))), en


@pytest.mark.parametrize("status", sorted(STATUS_NAMES))
def test_every_requisition_state_has_a_name_in_both_languages(status: str) -> None:
    assert STATUS_NAMES[status]["da"] and STATUS_NAMES[status]["en"] and not DANISH.search(STATUS_NAMES[status]["en"])


def english_citation(**changes: object) -> Citation:
    values = dict(doc_id="d1", title="Hearing on the task force", date="2006-11-17", section="Purpose",
                  text="The task force has four advisers.", quote="The task force has four advisers.", score=0.9,
                  chunk_id="c1", doc_type="hearing letter")
    return Citation(**(values | changes))


def english_answer(status: str = "answered") -> Answer:
    return Answer(question="How many advisers?", language="en", status=status, answer="…", confidence=0.9,
                  citations=[english_citation(), english_citation(chunk_id="c2", date="2014-12-01")])


def every_english_reply() -> list[str]:
    """Everything the renderers make, in English, from English content."""
    chunks = [*render_answer(english_answer(), "en"), *render_answer(english_answer("route"), "en"),
              *render_answer(english_answer(), "en", redacted=("cpr", "name"), lead=text("route_left", "en")),
              *render_routed("R-00001", ["R-00002"], "en", redacted=("phone",), others=True),
              redaction_notice(("email",), "en")]
    view = RequisitionView(id=1, number="R-00001", status="needs_info", question="Who pays?", context=None,
                           **{f: None for f in RequisitionView.__dataclass_fields__ if f not in
                              ("id", "number", "status", "question", "context")})
    chunks += render_status([view], 12, "en")
    payload = {"number": "R-00001", "question": "Who pays the interpreter?", "answer": "The school pays.",
               "sources": [{"doc_id": "d1", "section": "Purpose", "quote": "four advisers"}], "message": "Which language?",
               "reason": "Out of scope", "duplicate_of": "R-00002"}
    for kind in ("answered", "needs_info", "rejected", "duplicate", "closed"):
        chunks += render_notification(kind, payload, "en", {"d1": "Hearing on the task force"}).chunks
    for markup in (answer_keyboard("t", "en"), context_keyboard("t", "en")):
        chunks += [button.text for row in markup.inline_keyboard for button in row]
    return chunks


def test_an_english_chat_reads_no_danish_from_any_renderer() -> None:
    leaks = [chunk for chunk in every_english_reply() if DANISH.search(TAG.sub("", chunk))]

    assert leaks == []


def test_the_source_age_notice_of_a_danish_question_is_said_in_english_in_an_english_chat() -> None:
    old = Answer(question="Hvor mange rådgivere?", language="da", status="answered", answer="…", confidence=0.9,
                 citations=[english_citation()], notices=["Kilden er fra 17. november 2006 og mere end 8 år gammel."])

    (chunk,) = render_answer(old, "en", today="2026-11-23", max_age_years=8)

    assert "The source is from 17 November 2006, more than 8 years old" in chunk and "Kilden" not in chunk


async def test_after_sprog_en_a_danish_question_gets_no_danish_notice(
    application: Application, anna: Person, transport: RecordingRequest, caseworker: Caseworker
) -> None:
    await deliver(application, anna.text("/sprog en"))

    await deliver(application, anna.text(ANSWERABLE))  # a Danish question; its source is from 2006

    reply = transport.last_message().text
    assert reply.startswith("According to") and "more than 8 years old" in reply and "Kilden" not in reply


@pytest.mark.parametrize("how", ["chose English", "asked in English"])
async def test_a_task_force_answer_in_an_english_chat_is_in_english(
    application: Application, transport: RecordingRequest, services: Services, caseworker: Caseworker, how: str
) -> None:
    question = "Who pays for the interpreter at the school meeting?"
    if how == "chose English":
        services.accounts.set_language(caseworker.id, "en")
        question = "Hvem betaler tolken til skolemødet?"
    answer_from_the_task_force(services, caseworker, "Skolen betaler.", question=question)

    await deliver_once(services, application.bot)

    delivered = transport.last_message().text
    assert delivered.startswith("<b>Answer from the task force</b>") and "Your question:" in delivered
    assert "Svar fra task forcen" not in delivered and "Dit spørgsmål" not in delivered
