"""The requisition service as the doors use it: create, duplicates, roles, lists, notifications, publishing, stats."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect, text

from bot.answering.answer import Answer, Citation
from bot.core.errors import InvalidInput, InvalidQuestion, InvalidTransition, NotFound, PermissionDenied
from bot.people.actors import SYSTEM
from bot.queue import CitedSource, OutboxMessage, RequisitionService

CPR = "010190-1234"
PHONE = "33 66 28 51"
EMAIL = "borger@example.dk"


def _route_answer(question: str) -> Answer:
    """What the engine returns when it cannot answer: candidates below the threshold."""
    return Answer(
        question=question,
        language="da",
        status="route",
        answer="",
        confidence=0.31,
        citations=[
            Citation(doc_id="001_7fd9acb3b78e308e", title="Høring", date="2006-11-17", section="Task force", text="...",
                     quote="Task forcen kan rekvireres af forvaltningerne.", score=0.31, chunk_id="c1"),
        ],
    )


def _notifications(service: RequisitionService) -> list[OutboxMessage]:
    sent: list[OutboxMessage] = []
    asyncio.run(service.deliver_pending(sent.append))
    return sent


def test_create_stores_the_redacted_question_candidates_and_confidence(service, people) -> None:  # type: ignore[no-untyped-def]
    question = f"Kan task forcen hjælpe med tolk til borger {CPR}?"
    created = service.create(people.caseworker, question, _route_answer(question), context="Familie med tre børn",
                             themes=["Tolk", "børn og familie", "tolk"])
    req = created.requisition
    assert req.number == f"R-{req.id:05d}" and req.status == "new"
    assert CPR not in req.question and "[CPR]" in req.question
    assert created.redacted == ("cpr",)
    assert req.department == "SOF" and req.caseworker_id == people.caseworker.id and req.channel == "telegram"
    assert req.themes == ("tolk", "børn og familie")
    assert req.confidence == pytest.approx(0.31)
    assert req.candidates[0].doc_id == "001_7fd9acb3b78e308e" and req.candidates[0].chunk_id == "c1"
    assert service.get(people.caseworker, req.id) == req


def test_raw_personal_data_reaches_no_table(service, people, database) -> None:  # type: ignore[no-untyped-def]
    created = service.create(
        people.caseworker, f"Borger med CPR {CPR} ringer fra {PHONE}", None, context=f"Skriv til {EMAIL} eller {CPR}"
    )
    req = created.requisition
    assert set(created.redacted) == {"cpr", "phone", "email"}
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    service.ask_for_info(people.adviser, req.id, f"Er {CPR} den rigtige borger?")
    service.provide_info(people.caseworker, req.id, f"Ja, og hun har også {PHONE}")
    service.answer(people.adviser, req.id, f"Kontakt {EMAIL}", [CitedSource("003_50b667e36c3bac22", "Tolk", "ring 33662851")])
    service.record_feedback(people.caseworker, "telegram", f"tolk til {CPR}", ["c1"], "down")
    _notifications(service)

    dumped = []
    with database.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                dumped.append(" ".join(str(v) for v in row))
    everything = "\n".join(dumped)
    for raw in (CPR, "0101901234", PHONE, "33662851", EMAIL):
        assert raw not in everything


def test_empty_or_overlong_questions_are_refused(service, people, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidQuestion):
        service.create(people.caseworker, "   ", None)
    with pytest.raises(InvalidQuestion):
        service.create(people.caseworker, "x" * (settings.max_question_chars + 1), None)
    with pytest.raises(PermissionDenied):
        service.create(people.adviser, "Hvem er jeg?", None)  # staff do not send requisitions


def test_similar_open_requisitions_are_suggested_as_duplicates(service, people) -> None:  # type: ignore[no-untyped-def]
    first = service.create(people.caseworker, "Hvordan bestiller jeg en tolk til en borger?", None).requisition
    unrelated = service.create(people.caseworker, "Hvad er budgettet for bydelsmødre i 2012?", None)
    assert unrelated.duplicates == ()
    second = service.create(people.other_caseworker, "hvordan bestiller jeg en tolk til borgeren", None)
    assert [s.number for s in second.duplicates] == [first.number]
    assert second.duplicates[0].similarity >= 0.8
    # Once the first is finished it is no longer suggested.
    service.reject(people.coordinator, first.id, "Se tolkeafsnittet i bilag 2")
    third = service.create(people.other_caseworker, "Hvordan bestiller jeg en tolk til en borger?", None)
    assert first.number not in [s.number for s in third.duplicates]


def test_answering_notifies_the_asker_and_everyone_marked_duplicate(service, people) -> None:  # type: ignore[no-untyped-def]
    original = service.create(people.caseworker, "Hvordan får vi kontakt til bydelsmødrene?", None).requisition
    copy = service.create(people.other_caseworker, "Kontakt til bydelsmødre?", None).requisition
    view = service.mark_duplicate(people.coordinator, copy.id, original.id)
    assert view.status == "duplicate" and view.duplicate_of_number == original.number
    told = _notifications(service)
    assert [(m.kind, m.caseworker_id) for m in told] == [("duplicate", people.other_caseworker.id)]
    assert told[0].payload["duplicate_of"] == original.number

    service.assign(people.coordinator, original.id, people.adviser.id)
    service.start(people.adviser, original.id)
    service.answer(people.adviser, original.id, "Skriv til projektlederen for bydelsmødre.",
                   [CitedSource("003_50b667e36c3bac22", "Bydelsmødre")])
    told = _notifications(service)
    assert sorted((m.kind, m.caseworker_id) for m in told) == sorted(
        [("answered", people.caseworker.id), ("answered", people.other_caseworker.id)]
    )
    for message in told:
        assert message.payload["answer"] == "Skriv til projektlederen for bydelsmødre."
        assert message.payload["sources"][0]["doc_id"] == "003_50b667e36c3bac22"
    to_copy = next(m for m in told if m.caseworker_id == people.other_caseworker.id)
    assert to_copy.payload["number"] == copy.number and to_copy.payload["answered_number"] == original.number
    assert to_copy.channel == "web" and to_copy.external_id == "b@kk"


def test_a_duplicate_of_an_answered_requisition_gets_the_answer_at_once(service, people) -> None:  # type: ignore[no-untyped-def]
    original = service.create(people.caseworker, "Hvornår starter task forcen?", None).requisition
    service.assign(people.coordinator, original.id, people.adviser.id)
    service.start(people.adviser, original.id)
    service.answer(people.adviser, original.id, "Den 1. februar 2007.")
    _notifications(service)
    late = service.create(people.other_caseworker, "Hvornår starter task forcen egentlig?", None).requisition
    service.mark_duplicate(people.coordinator, late.id, original.id)
    (message,) = _notifications(service)
    assert message.kind == "answered" and message.payload["answer"] == "Den 1. februar 2007."


def test_needs_info_round_trip_reaches_the_caseworker_and_back(service, people) -> None:  # type: ignore[no-untyped-def]
    req = service.create(people.caseworker, "Hjælp til en sag om hjemløshed", None).requisition
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    asked = service.ask_for_info(people.adviser, req.id, "Hvilken bydel?")
    assert asked.requisition.status == "needs_info" and asked.requisition.info_request == "Hvilken bydel?"
    (message,) = _notifications(service)
    assert message.kind == "needs_info" and message.payload["message"] == "Hvilken bydel?"
    with pytest.raises(PermissionDenied):
        service.provide_info(people.other_caseworker, req.id, "Nørrebro")
    replied = service.provide_info(people.caseworker, req.id, "Nørrebro")
    assert replied.requisition.status == "in_progress"
    assert "Nørrebro" in (replied.requisition.context or "")
    assert replied.requisition.info_provided_at is not None


def test_advisers_see_and_work_only_on_their_own(service, people) -> None:  # type: ignore[no-untyped-def]
    mine = service.create(people.caseworker, "Spørgsmål et om tolke", None).requisition
    theirs = service.create(people.caseworker, "Spørgsmål to om boliger", None).requisition
    service.assign(people.coordinator, mine.id, people.adviser.id)
    service.assign(people.coordinator, theirs.id, people.other_adviser.id)

    assert [r.id for r in service.list(people.adviser).items] == [mine.id]
    with pytest.raises(PermissionDenied):
        service.get(people.adviser, theirs.id)
    with pytest.raises(PermissionDenied):
        service.start(people.adviser, theirs.id)
    with pytest.raises(PermissionDenied):
        service.assign(people.adviser, mine.id, people.adviser.id)
    with pytest.raises(PermissionDenied):
        service.reject(people.adviser, mine.id, "nej")
    with pytest.raises(PermissionDenied):
        service.stats(people.adviser)
    service.start(people.adviser, mine.id)
    answered = service.answer(people.adviser, mine.id, "Brug tolkebistand.").requisition
    assert answered.answered_by_id == people.adviser.id and answered.answered_by_role == "adviser"
    with pytest.raises(PermissionDenied):
        service.publish(mine.id, people.adviser)


def test_caseworkers_see_only_their_own(service, people) -> None:  # type: ignore[no-untyped-def]
    mine = service.create(people.caseworker, "Mit spørgsmål om misbrug", None).requisition
    service.create(people.other_caseworker, "Et andet spørgsmål om psykiatri", None)
    assert [r.id for r in service.list(people.caseworker).items] == [mine.id]
    with pytest.raises(PermissionDenied):
        service.get(people.other_caseworker, mine.id)
    with pytest.raises(PermissionDenied):
        service.start(people.caseworker, mine.id)
    with pytest.raises(NotFound):
        service.get(people.coordinator, 999_999)


def test_deactivated_staff_are_refused_even_with_an_old_view(service, people, accounts) -> None:  # type: ignore[no-untyped-def]
    req = service.create(people.caseworker, "Spørgsmål om gældsrådgivning", None).requisition
    service.assign(people.coordinator, req.id, people.adviser.id)
    accounts.set_active(people.coordinator, people.adviser.id, False)
    with pytest.raises(PermissionDenied):
        service.start(people.adviser, req.id)


def test_list_filters_sort_and_pages(service, people, clock) -> None:  # type: ignore[no-untyped-def]
    a = service.create(people.caseworker, "Tolk til samtale", None, themes=["tolk"]).requisition
    clock.advance(days=10)
    b = service.create(people.other_caseworker, "Bolig til familie", None, themes=["bolig"]).requisition
    clock.advance(days=1)
    c = service.create(people.caseworker, "Endnu en tolk", None, themes=["tolk", "børn"]).requisition
    service.assign(people.coordinator, c.id, people.adviser.id)

    ids = lambda page: [r.id for r in page.items]  # noqa: E731
    assert ids(service.list(SYSTEM)) == [c.id, b.id, a.id]
    assert ids(service.list(SYSTEM, sort="created")) == [a.id, b.id, c.id]
    assert ids(service.list(SYSTEM, status="new")) == [b.id, a.id]
    assert ids(service.list(SYSTEM, status=["new", "assigned"], department="SOF")) == [c.id, a.id]
    assert ids(service.list(SYSTEM, theme="tolk")) == [c.id, a.id]
    assert ids(service.list(SYSTEM, theme="tol")) == []
    assert ids(service.list(SYSTEM, assignee_id=people.adviser.id)) == [c.id]
    assert ids(service.list(SYSTEM, older_than_days=5)) == [a.id]
    assert ids(service.list(SYSTEM, text="BOLIG")) == [b.id]
    assert ids(service.list(SYSTEM, text=c.number)) == [c.id]
    assert ids(service.list(SYSTEM, text="50%_")) == []
    page = service.list(SYSTEM, sort="number", offset=1, limit=1)
    assert ids(page) == [b.id] and page.total == 3
    with pytest.raises(InvalidInput):
        service.list(SYSTEM, sort="colour")
    with pytest.raises(InvalidInput):
        service.list(SYSTEM, status="lost")


def test_publish_sends_question_answer_and_role_never_a_name(service, people, publisher, database, clock) -> None:  # type: ignore[no-untyped-def]
    req = service.create(people.caseworker, "Må vi registrere etnicitet?", None).requisition
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    service.answer(people.adviser, req.id, "Nej, der registreres ikke etnicitet.", [CitedSource("004_139553ee05667919")])
    published = service.publish(req.id, people.coordinator)
    assert published.status == "published" and published.published_doc_id == f"taskforce-{req.number.lower()}"
    (call,) = publisher.calls
    assert call == {
        "question": "Må vi registrere etnicitet?",
        "answer": "Nej, der registreres ikke etnicitet.",
        "adviser_role": "adviser",
        "published_on": clock.now.date(),
        "requisition_number": req.number,
        "sources": [("004_139553ee05667919", "", "")],  # the cited source goes into the published document
    }
    assert people.adviser.username not in str(call)
    with database.engine.connect() as connection:
        row = connection.execute(text("SELECT adviser_role, doc_id FROM best_practice")).one()
    assert tuple(row) == ("adviser", published.published_doc_id)


def test_a_failing_publisher_is_completed_by_publishing_again_once(service, people, publisher, database) -> None:  # type: ignore[no-untyped-def]
    """The state commits before the document is written (never inside a retried transaction): a publisher that
    fails leaves it published without its document, and pressing publish again writes the document once."""
    working = publisher.publish_best_practice

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("index is busy")

    publisher.publish_best_practice = broken
    req = service.create(people.caseworker, "Hvad er grøn linje?", None).requisition
    service.assign(people.coordinator, req.id, people.adviser.id)
    service.start(people.adviser, req.id)
    service.answer(people.adviser, req.id, "En rådgivningstelefon.")
    with pytest.raises(RuntimeError):
        service.publish(req.id, people.coordinator)
    assert service.get(SYSTEM, req.id).status == "published"
    publisher.publish_best_practice = working
    again = service.publish(req.id, people.coordinator)
    assert again.status == "published" and len(publisher.calls) == 1
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM best_practice")).scalar() == 1
    with pytest.raises(InvalidTransition):
        service.publish(req.id, people.coordinator)  # done now: a third press is refused, nothing written
    assert len(publisher.calls) == 1


def test_transition_times_and_stats(service, people, clock) -> None:  # type: ignore[no-untyped-def]
    reqs = [service.create(people.caseworker, f"Spørgsmål nummer {i} om tolke", None, themes=["tolk"]).requisition for i in range(3)]
    other = service.create(people.other_caseworker, "Spørgsmål om bolig", None, themes=["bolig"]).requisition
    for hours, req in zip((1, 2, 4), reqs, strict=True):
        clock.advance(hours=hours)
        service.assign(people.coordinator, req.id, people.adviser.id)
        service.start(people.adviser, req.id)
        clock.advance(hours=hours)
        service.answer(people.adviser, req.id, "Svar.")
    service.reject(people.coordinator, other.id, "Uden for området")

    first = service.get(SYSTEM, reqs[0].id)
    assert first.first_response_seconds == 3600 and first.answer_seconds == 7200

    stats = service.stats(people.coordinator)
    assert stats.total == 4
    assert stats.by_status["answered"] == 3 and stats.by_status["rejected"] == 1 and stats.by_status["new"] == 0
    # Answer times: 2 h, 1+2+2+2 = 6 h... computed from each requisition's own creation.
    answer_times = sorted(service.get(SYSTEM, r.id).answer_seconds for r in reqs)
    assert stats.answer.count == 3 and stats.answer.median_seconds == answer_times[1]
    assert answer_times[1] <= stats.answer.p90_seconds <= answer_times[2]
    assert stats.by_department["SOF"].count == 3 and stats.by_department["SOF"].answered == 3
    assert stats.by_department["BIF"].answered == 0 and stats.by_department["BIF"].first_response.count == 1
    assert stats.by_theme["tolk"].count == 3 and stats.by_theme["bolig"].count == 1
    assert list(stats.by_month) == ["2026-01"]


def test_export_rows_are_strings_in_column_order_and_spreadsheet_safe(service, people) -> None:  # type: ignore[no-untyped-def]
    from bot.queue import EXPORT_COLUMNS

    req = service.create(people.caseworker, "=HYPERLINK(\"http://x\") virker tolk?", None, themes=["tolk"]).requisition
    rows = service.export_rows(people.coordinator, status="new")
    assert len(rows) == 1 and list(rows[0]) == list(EXPORT_COLUMNS)
    assert rows[0]["number"] == req.number and rows[0]["question"].startswith("'=")
    assert all(isinstance(v, str) for v in rows[0].values())
    with pytest.raises(PermissionDenied):
        service.export_rows(people.adviser)


def test_feedback_is_redacted_and_counted(service, people) -> None:  # type: ignore[no-untyped-def]
    assert service.record_feedback(people.caseworker, "telegram", f"tolk for {CPR}", ["c1", "c2"], "up") == ("cpr",)
    service.record_feedback(None, "web", "bolig", [], "down")
    summary = service.feedback_summary(people.coordinator)
    assert (summary.up, summary.down) == (1, 1)
    with pytest.raises(InvalidInput):
        service.record_feedback(None, "web", "bolig", [], "meh")


def test_routed_questions_and_thumbs_down_are_the_gap_signals(service, people, clock) -> None:  # type: ignore[no-untyped-def]
    service.record_feedback(people.caseworker, "telegram", "tolk til møde", ["c1"], "up")
    service.record_feedback(people.caseworker, "telegram", "bolig til familie", ["c2"], "down")
    clock.advance(hours=1)
    assert service.record_routed(people.caseworker, "web", f"parkering for {CPR}", ["c3", "c4"]) == ("cpr",)

    signals = service.gap_signals(people.coordinator)
    assert [(s.kind, s.citations) for s in signals] == [("routed", ("c3", "c4")), ("down", ("c2",))]  # newest first
    assert CPR not in signals[0].question and signals[0].created_at == clock.now
    summary = service.feedback_summary(people.coordinator)
    assert (summary.up, summary.down) == (1, 1)  # a routed question is not a vote
    with pytest.raises(PermissionDenied):
        service.gap_signals(people.adviser)
    with pytest.raises(PermissionDenied):
        service.gap_signals(people.caseworker)


def test_routed_questions_are_anonymised_by_the_retention_purge(service, people, clock) -> None:  # type: ignore[no-untyped-def]
    service.record_routed(people.caseworker, "web", "parkering ved rådhuset", ["c1"])
    clock.advance(days=400)
    service.purge()
    assert "parkering" not in service.gap_signals(SYSTEM)[0].question


def test_an_untagged_question_gets_the_themes_its_words_name(service, people) -> None:  # type: ignore[no-untyped-def]
    chat = service.create(people.caseworker, "Hvem betaler tolk til familien?", None, context="De bor på herberg").requisition
    assert chat.themes == ("tolk", "hjemløse", "børn og familier")
    tagged = service.create(people.caseworker, "Hvem betaler tolk?", None, themes=["økonomi"]).requisition
    assert tagged.themes == ("økonomi",)  # a caller's tags win
    assert service.create(people.caseworker, "Må jeg parkere her?", None).requisition.themes == ()
