"""The Telegram bot's answers with buttons, in the database every worker shares (here for the two-database fixture).

Real SQLite and PostgreSQL: the last RECENT_ANSWERS are kept per caseworker, a token works only for its own
caseworker, what was done with an answer is stored, and the wait for a route's context is taken once and expires.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import answer_memory as memory_module
from bot.answer_memory import RECENT_ANSWERS, AnswerMemory, PendingAnswer, WaitingRoute
from bot.answering.answer import Answer, Citation
from bot.storage.db import Database
from bot.storage.models import TelegramAnswerRow

CITATION = Citation(doc_id="001_x", title="Høring", date="2006-11-17", section="Høring", text="Svaret sendes til X.",
                    quote="Svaret sendes til X.", score=0.8, chunk_id="c1", start=3, end=23)


def pending(question: str = "Hvem får svarene?") -> PendingAnswer:
    answer = Answer(question=question, language="da", status="route", answer="…", confidence=0.4,
                    citations=[CITATION], notices=["Kilden er fra 2006."], redacted=("cpr",))
    return PendingAnswer(question=question, answer=answer, language="da", citations=("c1",))


@pytest.fixture
def memory(database: Database) -> AnswerMemory:
    return AnswerMemory(database)


def test_an_answer_comes_back_whole_and_what_was_done_with_it_is_kept(memory: AnswerMemory) -> None:
    shown = pending()
    token = memory.remember(7, shown)
    assert memory.recall(7, token) == shown
    shown.message_id, shown.voted, shown.routed_as = 99, True, "R-00003"
    memory.save(7, token, shown)
    again = memory.recall(7, token)
    assert again is not None and (again.message_id, again.voted, again.routed_as) == (99, True, "R-00003")
    assert again.answer.citations[0] == CITATION and again.answer.redacted == ("cpr",)


def test_only_the_last_answers_are_kept_and_only_for_their_caseworker(memory: AnswerMemory) -> None:
    tokens = [memory.remember(7, pending(f"spørgsmål {n}")) for n in range(RECENT_ANSWERS + 2)]
    other = memory.remember(8, pending())
    assert memory.recall(7, tokens[0]) is None and memory.recall(7, tokens[1]) is None
    assert all(memory.recall(7, t) is not None for t in tokens[2:])
    assert memory.recall(7, other) is None and memory.recall(8, other) is not None
    memory.save(7, other, pending("overskrevet"))  # not theirs: changes nothing
    assert memory.recall(8, other).question == "Hvem får svarene?"


def test_the_wait_for_context_is_taken_once_and_expires(memory: AnswerMemory, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = memory.remember(7, pending()), memory.remember(7, pending())
    assert memory.take_waiting_route(7) is None
    memory.await_context(7, first)
    memory.await_context(7, second)  # the latest press wins
    assert memory.take_waiting_route(7) == WaitingRoute(second, expired=False)
    assert memory.take_waiting_route(7) is None
    memory.await_context(7, first)
    memory.cancel_waiting_route(7)
    assert memory.take_waiting_route(7) is None

    memory.await_context(7, first)
    later = memory_module._now() + timedelta(seconds=memory_module.ROUTE_WAIT_SECONDS + 1)
    monkeypatch.setattr(memory_module, "_now", lambda: later)
    assert memory.take_waiting_route(7) == WaitingRoute(first, expired=True)  # once, so the prompt can say so
    assert memory.take_waiting_route(7) is None


def test_answers_older_than_the_kept_days_go(memory: AnswerMemory, database: Database,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    old = memory.remember(7, pending())
    later = memory_module._now() + timedelta(days=memory_module.KEPT_DAYS + 1)
    monkeypatch.setattr(memory_module, "_now", lambda: later)
    memory.remember(8, pending())
    assert memory.recall(7, old) is None
    assert database.run(lambda s: s.query(TelegramAnswerRow).count(), readonly=True) == 1
