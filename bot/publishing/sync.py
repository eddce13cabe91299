"""This machine's added documents and index as a cache of the shared corpus in PostgreSQL (bot/publishing/ledger.py).

A machine polls the corpus version (one integer) every `corpus_poll_seconds`; when it moved, it fetches the
documents, writes the ones it lacks or holds in another form, deletes the ones taken out, and indexes the
difference (only new chunks are embedded). Publishing and adding go to the database first and then to this
machine, so a crash in between leaves the database right and this machine behind until its next poll.
Readiness (`/healthz/ready`) is false while the version this machine indexed is older than the database's.

Used only with PostgreSQL: with SQLite there is one machine and its data directory is the corpus, as before.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.answering import best_practice
from bot.core.errors import DatabaseUnavailable
from bot.publishing.ledger import Change, CorpusLedger

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine
    from corpus.document import Document

log = logging.getLogger(__name__)


class CorpusSync:
    """Brings the engine's corpus in line with the shared one; safe to call from several threads."""

    def __init__(self, engine: AnswerEngine, ledger: CorpusLedger) -> None:
        self.engine = engine
        self.ledger = ledger
        self.applied: int | None = None  # the shared version this machine's index holds; None before the first pull
        self._lock = threading.Lock()

    def lag(self) -> str | None:
        """Why this machine is behind the shared corpus, or None when its index holds the current version."""
        current = self.ledger.version()
        if self.applied is None:
            return f"the shared corpus (version {current}) has not been fetched yet"
        if self.applied != current:
            return f"indexing the shared corpus: version {self.applied} here, {current} in the database"
        return None

    def poll(self) -> bool:
        """Pull when the version moved (a single-row read otherwise); True when the index changed."""
        if self.applied is not None and self.ledger.version() == self.applied:
            return False
        return self.pull()

    def pull(self) -> bool:
        """Write the shared documents here, delete those taken out, index the difference; True if it changed."""
        with self._lock, _machine_lock(self.engine.settings.data_dir):
            corpus = self.engine.corpus
            snapshot = self.ledger.snapshot()
            local = {document.doc_id: document for document in corpus.written()}
            strays = [d for doc_id, d in local.items()
                      if doc_id not in snapshot.withdrawn and doc_id not in {s.doc_id for s in snapshot.documents}]
            if strays:  # written here before the database held the corpus, or a crash before it was recorded
                for document in strays:
                    log.warning("adding %s, found only in %s, to the shared corpus", document.doc_id, corpus.added_dir)
                    self.ledger.record(document)
                snapshot = self.ledger.snapshot()
            wanted = {document.doc_id: document for document in snapshot.documents}
            for doc_id in local.keys() - wanted.keys():
                corpus.remove(doc_id)
            for doc_id, document in wanted.items():
                if doc_id not in local or local[doc_id].checksum != document.checksum:
                    corpus.put(document)
            changed = self.engine.reload_corpus()
            if changed:
                log.info("indexed the shared corpus at version %d (%d added documents)", snapshot.version, len(wanted))
            self.applied = snapshot.version
            return changed

    def caught_up(self, change: Change) -> None:
        """This machine made `change` and indexed it: if it was the only change since the last pull, this machine is
        current without fetching (readiness stays true after its own publications)."""
        with self._lock:
            if change.changed and self.applied == change.version - 1:
                self.applied = change.version

    def add_document(self, path: Path) -> Document:
        """`vejviser corpus add` with PostgreSQL: add here (refusing what cannot be ingested), then share it; a
        document the database refuses is taken out here again."""
        with self._lock, _machine_lock(self.engine.settings.data_dir):
            document = self.engine.add_document(path)
            written = next(w for w in self.engine.corpus.written() if w.doc_id == document.doc_id)
            try:
                change = self.ledger.record(written)
            except BaseException:
                self.engine.corpus.remove(document.doc_id)
                self.engine.reload_corpus()
                raise
        self.caught_up(change)
        return document


@contextmanager
def _machine_lock(data_dir: Path) -> Iterator[None]:
    """The workers of one machine share its data directory: one writes the documents and the index at a time, and
    the next finds them written (its engine then reloads or reuses every vector)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / ".corpus-sync.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def follow(sync: CorpusSync, interval_seconds: float) -> None:
    """Keep this process's index at the shared corpus version until cancelled (each door's lifespan runs it)."""
    while True:
        try:
            await asyncio.to_thread(sync.poll)
        except DatabaseUnavailable:
            pass  # bot.storage.db logged the outage once; readiness is false meanwhile; the next round retries
        except Exception:  # a document that cannot be written here must not stop the following
            log.warning("could not bring the index to the shared corpus; retrying", exc_info=True)
        await asyncio.sleep(interval_seconds)


class SharedPublisher:
    """The requisition service's publisher with PostgreSQL: the database first, then this machine's index."""

    def __init__(self, engine: AnswerEngine, ledger: CorpusLedger, sync: CorpusSync | None = None) -> None:
        self.engine = engine
        self.ledger = ledger
        self.sync = sync

    def publish_best_practice(self, question: str, answer: str, adviser_role: str, published_on: date,
                              requisition_number: str, sources: Sequence[tuple[str, str, str]] = ()) -> str:
        """Record the (redacted) answer document and bump the version in one transaction, then index it here."""
        document = self.engine.best_practice_document(question, answer, adviser_role, published_on,
                                                      requisition_number, sources)
        change = self.ledger.record(document)
        doc_id = self.engine.publish_best_practice(question, answer, adviser_role, published_on, requisition_number,
                                                   sources)
        if self.sync is not None:
            self.sync.caught_up(change)
        return doc_id

    def preview_best_practice(self, question: str, answer: str, adviser_role: str, published_on: date,
                              requisition_number: str, sources: Sequence[tuple[str, str, str]] = ()) -> str:
        """As the engine shows it: nothing is shared until it is published."""
        return self.engine.preview_best_practice(question, answer, adviser_role, published_on, requisition_number,
                                                 sources)

    def withdraw_best_practice(self, doc_id: str) -> bool:
        """Mark it withdrawn and bump the version in one transaction, then take it out of this machine's index."""
        change = self.ledger.withdraw(doc_id, best_practice.DOC_TYPE)
        withdrawn = self.engine.withdraw_best_practice(doc_id)
        if self.sync is not None:
            self.sync.caught_up(change)
        return withdrawn or change.changed
