"""The shared corpus in the database: one version step per real change, never two for one publication."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.core.errors import DocumentError
from bot.publishing.ledger import CorpusLedger
from bot.storage.db import Database
from corpus.store import WrittenDocument

ANSWER = WrittenDocument("taskforce-R-2026-0001", "taskforce-R-2026-0001.txt", "# Task force-svar\n\nTolk bestilles ...",
                         {"title": "Task force-svar R-2026-0001", "doc_type": "task force answer", "date": "2026-01-05"})
ADDED = WrittenDocument("tolkebistand", "tolkebistand.md", "# Tolkebistand\n\nKommunen betaler tolken.", None)


def test_recording_the_same_publication_again_changes_nothing(database: Database) -> None:
    ledger = CorpusLedger(database)
    first, again = ledger.record(ANSWER), ledger.record(ANSWER)
    assert (first.changed, first.version) == (True, 1)
    assert (again.changed, again.version) == (False, 1)
    assert [d.doc_id for d in ledger.snapshot().documents] == [ANSWER.doc_id]


def test_a_transaction_retried_after_a_lock_race_publishes_once(database: Database) -> None:
    ledger = CorpusLedger(database)
    attempts = []

    def lose_the_first_race(session: Session) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    event.listen(Session, "before_commit", lose_the_first_race)
    try:
        change = ledger.record(ANSWER)
    finally:
        event.remove(Session, "before_commit", lose_the_first_race)
    assert len(attempts) == 2  # Database.run ran the whole transaction again
    assert (change.changed, change.version) == (True, 1)
    assert ledger.version() == 1 and len(ledger.snapshot().documents) == 1


def test_two_machines_publishing_the_same_answer_at_once_count_one_change(database: Database) -> None:
    machines = [CorpusLedger(Database(database.url.render_as_string(hide_password=False))) for _ in range(2)]
    start = threading.Barrier(2)
    results = []

    def publish(ledger: CorpusLedger) -> None:
        start.wait()
        results.append(ledger.record(ANSWER))

    threads = [threading.Thread(target=publish, args=(ledger,)) for ledger in machines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for ledger in machines:
        ledger.database.close()
    assert sorted(change.changed for change in results) == [False, True]
    assert CorpusLedger(database).version() == 1


def test_an_unpublished_answer_leaves_the_corpus_and_can_be_published_again(database: Database) -> None:
    ledger = CorpusLedger(database)
    ledger.record(ANSWER)
    ledger.record(ADDED)
    withdrawn = ledger.withdraw(ANSWER.doc_id, "task force answer")
    assert (withdrawn.changed, withdrawn.version) == (True, 3)
    assert ledger.withdraw(ANSWER.doc_id, "task force answer").changed is False  # a repeated unpublish
    snapshot = ledger.snapshot()
    assert [d.doc_id for d in snapshot.documents] == [ADDED.doc_id] and snapshot.withdrawn == {ANSWER.doc_id}
    assert ledger.withdraw(ADDED.doc_id, "task force answer").changed is False  # an operator's document stays
    assert ledger.record(ANSWER).version == 4
    assert {d.doc_id for d in ledger.snapshot().documents} == {ANSWER.doc_id, ADDED.doc_id}


def test_another_document_under_a_name_in_use_is_refused_and_nothing_changes(database: Database) -> None:
    ledger = CorpusLedger(database)
    ledger.record(ADDED)
    other = WrittenDocument(ADDED.doc_id, "tolkebistand.md", "# Noget helt andet", None)
    with pytest.raises(DocumentError, match="already in the corpus as tolkebistand"):
        ledger.record(other)
    snapshot = ledger.snapshot()
    assert snapshot.version == 1 and snapshot.documents == [ADDED]
