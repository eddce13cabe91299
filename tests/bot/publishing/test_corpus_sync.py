"""Two machines, two data directories, one database: what one publishes the other answers from after a poll.

In-process and with the hashing embedder, on SQLite and PostgreSQL; tests/bot/channels/web/test_web_two_machines.py runs the
same story through two `vejviser serve` processes and the real model.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.answering.engine import AnswerEngine
from bot.core.settings import Settings
from bot.publishing.ledger import CorpusLedger
from bot.publishing.sync import CorpusSync, SharedPublisher
from bot.storage.db import Database
from index.embedder import HashingEmbedder

QUESTION = "Hvordan bestiller vi tegnsprogstolk til borgermøder på Bornholm?"
ANSWER = "Tegnsprogstolk til borgermøder på Bornholm bestilles i Tolkeportalen senest ti hverdage før mødet."


def machine_settings(data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, embedder="hashing", answer_threshold=0.0, today="2026-12-07")


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the shipped corpus ingested and indexed once; each machine starts from a copy."""
    directory = tmp_path_factory.mktemp("machine-template")
    AnswerEngine.load(machine_settings(directory), embedder=HashingEmbedder())
    return directory


@dataclass
class Machine:
    engine: AnswerEngine
    sync: CorpusSync
    publisher: SharedPublisher

    def cited(self, question: str) -> set[str]:
        return {citation.doc_id for citation in self.engine.ask(question).citations}


@pytest.fixture
def start_machine(template_dir: Path, tmp_path: Path, database: Database):  # type: ignore[no-untyped-def]
    def start(name: str, *, empty: bool = False) -> Machine:
        directory = tmp_path / name
        if not empty and not directory.exists():  # a second worker of a machine shares its directory
            shutil.copytree(template_dir, directory, ignore=shutil.ignore_patterns("*.sqlite3*"))
        engine = AnswerEngine.load(machine_settings(directory), embedder=HashingEmbedder())
        ledger = CorpusLedger(database)
        sync = CorpusSync(engine, ledger)
        return Machine(engine, sync, SharedPublisher(engine, ledger, sync))

    return start


def publish(machine: Machine, number: str = "R-2026-0042") -> str:
    return machine.publisher.publish_best_practice(QUESTION, ANSWER, "adviser", date(2026, 12, 7), number)


def test_an_answer_published_on_one_machine_is_cited_on_the_other_after_its_poll(start_machine) -> None:
    first, second = start_machine("first"), start_machine("second")
    first.sync.pull(), second.sync.pull()
    doc_id = publish(first)
    assert doc_id in first.cited(QUESTION)
    assert first.sync.lag() is None  # its own publication: current without fetching
    assert second.sync.lag() is not None  # readiness is false until the second machine has indexed it
    assert second.sync.poll() is True
    assert second.sync.lag() is None and doc_id in second.cited(QUESTION)
    assert second.sync.poll() is False  # nothing moved: one version read, no indexing

    assert first.publisher.withdraw_best_practice(doc_id) is True
    second.sync.poll()
    assert doc_id not in second.cited(QUESTION) and doc_id not in second.engine.documents
    assert not (second.engine.settings.added_documents_dir / f"{doc_id}.txt").exists()


def test_publishing_again_after_a_lost_reply_neither_duplicates_nor_reindexes(start_machine) -> None:
    first, second = start_machine("first"), start_machine("second")
    doc_id = publish(first)
    version = first.sync.ledger.version()
    assert publish(first) == doc_id  # the coordinator pressed publish again
    assert first.sync.ledger.version() == version
    second.sync.pull()
    assert [d.doc_id for d in second.engine.corpus.written()] == [doc_id]


def test_a_machine_started_with_an_empty_data_directory_answers_like_the_others(start_machine, tmp_path) -> None:
    first = start_machine("first")
    doc_id = publish(first)
    added = tmp_path / "tolkeregler.md"
    added.write_text("# Tolkeregler for Bornholm\n\nKommunen betaler tolk til samtaler om beskæftigelse på Bornholm, "
                     "når borgeren har boet i landet under tre år.\n", encoding="utf-8")
    document = first.sync.add_document(added)
    fresh = start_machine("fresh", empty=True)
    assert fresh.sync.lag() is not None
    fresh.sync.pull()
    assert fresh.sync.lag() is None
    assert {doc_id, document.doc_id} <= set(fresh.engine.documents)
    assert fresh.cited(QUESTION) == first.cited(QUESTION)
    assert fresh.engine.corpus.written() == first.engine.corpus.written()


def test_documents_added_before_the_database_held_the_corpus_are_shared_not_deleted(start_machine, tmp_path) -> None:
    old = start_machine("old")
    old.engine.publish_best_practice(QUESTION, ANSWER, "adviser", date(2026, 12, 7), "R-2026-0007")  # files only
    old.sync.pull()
    assert "taskforce-R-2026-0007" in old.engine.documents
    assert [d.doc_id for d in old.sync.ledger.snapshot().documents] == ["taskforce-R-2026-0007"]


def test_two_workers_of_one_machine_fetching_at_once_both_answer_from_the_new_document(start_machine) -> None:
    first = start_machine("first")
    doc_id = publish(first)
    workers = [start_machine("shared"), start_machine("shared")]
    failures: list[BaseException] = []

    def fetch(worker: Machine) -> None:
        try:
            worker.sync.pull()
        except BaseException as error:  # reported below, from the test thread
            failures.append(error)

    threads = [threading.Thread(target=fetch, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert all(doc_id in worker.cited(QUESTION) for worker in workers)


def test_the_database_holds_a_published_answer_only_redacted(start_machine) -> None:
    first = start_machine("first")
    first.publisher.publish_best_practice("Borgeren med CPR 010190-1234 spørger om tolk til borgermøder på Bornholm?",
                                          "Ring til borgeren på 20 30 40 50 og bestil tolken i Tolkeportalen.",
                                          "adviser", date(2026, 12, 7), "R-2026-0043")
    [stored] = first.sync.ledger.snapshot().documents
    assert "010190-1234" not in stored.text and "20 30 40 50" not in stored.text
    assert "010190-1234" not in str(stored.metadata)
    assert "Tolkeportalen" in stored.text
