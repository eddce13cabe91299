"""The shared corpus in the database: added documents and published answers, and the version that counts changes.

With PostgreSQL this is the one copy of everything that is not shipped in the package; each machine's files and
index are a cache of it (bot/publishing/sync.py). Every change writes its document row and bumps the version in the
same transaction, and is idempotent: `Database.run` may run a transaction again after a lock race, and an operator
may repeat a publication whose answer was lost, yet the same document never counts as a second change.

    ledger = CorpusLedger(database)
    ledger.record(WrittenDocument("taskforce-R-2026-0001", "taskforce-R-2026-0001.txt", body, metadata))
    snapshot = ledger.snapshot()
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.errors import ConfigurationError, DocumentError
from bot.storage.db import Database
from bot.storage.models import CorpusDocumentRow, CorpusVersionRow
from corpus.store import WrittenDocument

VERSION_ROW = 1


@dataclass(frozen=True)
class Change:
    """What a write did: whether the corpus changed, and the version it is at afterwards."""

    changed: bool
    version: int


@dataclass(frozen=True)
class Snapshot:
    """The shared corpus at one version: the documents in it, and the ids of those taken out (never re-added)."""

    version: int
    documents: list[WrittenDocument]
    withdrawn: frozenset[str]


class CorpusLedger:
    """Reads and writes the shared corpus; every method is one transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def version(self) -> int:
        """The current corpus version: one indexed row, cheap enough to ask every second."""
        return self.database.run(_version, readonly=True)

    def snapshot(self) -> Snapshot:
        """The version, the documents it consists of and the ids withdrawn, read together (one transaction)."""
        def work(session: Session) -> Snapshot:
            rows = session.scalars(select(CorpusDocumentRow).order_by(CorpusDocumentRow.doc_id)).all()
            return Snapshot(_version(session),
                            [WrittenDocument(r.doc_id, r.source_name, r.text, r.document_metadata)
                             for r in rows if r.withdrawn_at is None],
                            frozenset(r.doc_id for r in rows if r.withdrawn_at is not None))

        return self.database.run(work, readonly=True)

    def record(self, document: WrittenDocument) -> Change:
        """Add a document (or publish a withdrawn answer again); the same document already there changes nothing.

        A different document under an id already in use is refused for operators' documents (another machine
        added one of that name first: sync and add it again); for a published answer the stored one stands, as
        `CorpusStore.add_text` keeps it."""
        def work(session: Session) -> Change:
            current = _lock_version(session)
            row = session.scalars(select(CorpusDocumentRow).where(CorpusDocumentRow.doc_id == document.doc_id)
                                  ).one_or_none()
            if row is not None and row.withdrawn_at is None:
                if row.checksum != document.checksum and document.kind == "added":
                    raise DocumentError(
                        f"Another document is already in the corpus as {document.doc_id}: rename the file, or wait a "
                        "few seconds for this machine to fetch the shared corpus, and add it again.")
                return Change(False, current)
            version = _bump(session, current)
            if row is None:
                row = CorpusDocumentRow(doc_id=document.doc_id, created_at=datetime.now(UTC))
                session.add(row)
            row.kind, row.source_name, row.text = document.kind, document.source_name, document.text
            row.document_metadata, row.checksum = document.metadata, document.checksum
            row.changed_in, row.withdrawn_at = version, None
            return Change(True, version)

        return self.database.run(work)

    def withdraw(self, doc_id: str, kind: str) -> Change:
        """Take a document of `kind` out of the corpus (the row stays, marked withdrawn); idempotent."""
        def work(session: Session) -> Change:
            current = _lock_version(session)
            row = session.scalars(select(CorpusDocumentRow).where(CorpusDocumentRow.doc_id == doc_id)).one_or_none()
            if row is None or row.withdrawn_at is not None or row.kind != kind:
                return Change(False, current)
            version = _bump(session, current)
            row.withdrawn_at, row.changed_in = datetime.now(UTC), version
            return Change(True, version)

        return self.database.run(work)


def _version(session: Session) -> int:
    return int(session.scalar(select(CorpusVersionRow.version).where(CorpusVersionRow.id == VERSION_ROW)) or 0)


def _lock_version(session: Session) -> int:
    """Take the version row's lock before reading any document: two machines writing the same document queue
    here, and the second then sees the first one's row (PostgreSQL reads each statement afresh) instead of inserting
    it again. SQLite's `BEGIN IMMEDIATE` already serialises writers."""
    version = session.scalar(select(CorpusVersionRow.version).where(CorpusVersionRow.id == VERSION_ROW)
                             .with_for_update())
    if version is None:
        raise ConfigurationError("The database has no corpus version row: run the migrations (`vejviser serve` does).")
    return int(version)


def _bump(session: Session, current: int) -> int:
    """The next version, under the lock `_lock_version` took, so two changes get two versions in commit order."""
    session.execute(update(CorpusVersionRow).where(CorpusVersionRow.id == VERSION_ROW).values(version=current + 1))
    return current + 1
