"""The append-only audit log: every change, who made it, chained by hashes so an edit or a deletion shows.

Each entry's hash is sha256 over the canonical JSON of (seq, at, actor, action, subject, details) plus the
previous entry's hash; `audit_head` holds the newest seq and hash, so deleting the tail shows too.
Appends happen inside the caller's transaction (the change and its entry commit together) and lock the
head row, so concurrent writers append one after the other.

The head is also kept outside the database (`Anchor`): after every commit that appended, the newest seq and
hash and the highest requisition number issued go to `audit-head.json` in the data dir and to the log. A
database restored from an older backup then fails `verify` (its chain is intact but ends too early), and new
requisitions are numbered past any number a caseworker was already given.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from bot.storage.models import AuditHeadRow, AuditRow
from bot.storage.private_files import open_private, private_dir

log = logging.getLogger(__name__)

GENESIS = "0" * 64
ANCHOR_FILE = "audit-head.json"
_PENDING = "audit_anchor"  # session.info key: what this transaction appended, written out after its commit


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same bytes for the same entry on every database."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(seq: int, at: str, actor: str, action: str, subject: str, details: Mapping[str, Any], prev_hash: str) -> str:
    body = canonical({"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject, "details": details})
    return hashlib.sha256((body + prev_hash).encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditRow:
    """Add one entry to the chain in the caller's transaction."""
    head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
        session.add(head)
    clean_details = json.loads(canonical(dict(details or {})))  # what the database will give back
    stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    seq = head.seq + 1
    digest = entry_hash(seq, stamp, actor, action, subject, clean_details, head.hash)
    row = AuditRow(
        seq=seq, at=stamp, actor=actor, action=action, subject=subject, details=clean_details, prev_hash=head.hash, hash=digest
    )
    session.add(row)
    head.seq, head.hash = seq, digest
    session.flush()
    pending = session.info.setdefault(_PENDING, {})
    pending.update(seq=seq, hash=digest, at=stamp)
    return row


def note_requisition_number(session: Session, number: int) -> None:
    """Remember a requisition number issued in this transaction, for the anchor written after its commit."""
    pending = session.info.setdefault(_PENDING, {})
    pending["requisition_number"] = max(number, pending.get("requisition_number", 0))


@dataclass(frozen=True)
class AnchorState:
    """The newest head and requisition number this machine saw committed, read back from the anchor file."""

    seq: int
    hash: str
    at: str
    requisition_number: int


class Anchor:
    """The audit chain's head outside the database: one JSON file in the data dir, keyed by database, plus a log line.

    Written after each commit (never inside a transaction that may be retried) under a file lock, and only
    forwards, so several workers on one machine keep the newest. A crash between a commit and this write leaves
    the file one step behind, which `verify` accepts; a database that is behind the file fails `verify`.
    """

    def __init__(self, path: Path, database_url: URL | str) -> None:
        self.path = path
        url = database_url if isinstance(database_url, URL) else None
        self.key = url.render_as_string(hide_password=True) if url is not None else str(database_url)

    def after_commit(self, session: Session) -> None:
        """The session hook (bot.storage.db.Database.after_commit): record what the committed transaction appended."""
        pending = session.info.pop(_PENDING, None)
        if pending:
            try:
                self.record(pending)
            except OSError as error:  # the commit stands; the anchor catches up with the next one
                log.error("could not write the audit anchor %s: %s", self.path, error)

    def record(self, pending: Mapping[str, Any]) -> None:
        private_dir(self.path.parent)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with os.fdopen(open_private(lock_path, os.O_RDWR | os.O_CREAT), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            everything = self._read_all()
            current = dict(everything.get(self.key) or {})
            changed = False
            if "seq" in pending and int(pending["seq"]) > int(current.get("seq", 0)):
                current.update(seq=int(pending["seq"]), hash=pending["hash"], at=pending["at"])
                changed = True
            if int(pending.get("requisition_number", 0)) > int(current.get("requisition_number", 0)):
                current["requisition_number"] = int(pending["requisition_number"])
                changed = True
            if not changed:
                return
            everything[self.key] = current
            staging = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with os.fdopen(open_private(staging), "w", encoding="utf-8") as out:
                out.write(json.dumps(everything, indent=2, sort_keys=True))
                out.flush()
                os.fsync(out.fileno())
            os.replace(staging, self.path)
        log.info("audit head %s %s; highest requisition number %s", current.get("seq"), current.get("hash"),
                 current.get("requisition_number", 0))

    def read(self) -> AnchorState | None:
        """What the file says for this database, or None when nothing was recorded yet."""
        current = self._read_all().get(self.key)
        if not current:
            return None
        return AnchorState(int(current.get("seq", 0)), str(current.get("hash", GENESIS)), str(current.get("at", "")),
                           int(current.get("requisition_number", 0)))

    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            log.error("the audit anchor %s is unreadable; it is rewritten from the next commit", self.path)
            return {}
        return data if isinstance(data, dict) else {}


def anchor_for(data_dir: Path, database_url: URL | str) -> Anchor:
    """The anchor file every process of one installation shares."""
    return Anchor(data_dir / ANCHOR_FILE, database_url)


@dataclass(frozen=True)
class AuditEntry:
    """One entry as the CLI shows it."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class Verification:
    """The outcome of `verify`: ok, how many entries were checked, and each problem found."""

    ok: bool
    entries: int
    problems: tuple[str, ...]


def verify(session: Session, anchor: AnchorState | None = None, anchor_path: Path | None = None) -> Verification:
    """Recompute the whole chain, and compare its end with the head recorded outside the database (if any)."""
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for row in session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars():
        count += 1
        if row.seq != expected_seq:
            problems.append(f"entry {expected_seq}..{row.seq - 1} missing (deleted?)" if row.seq > expected_seq else f"entry {row.seq} out of order")
        if row.prev_hash != prev_hash:
            problems.append(f"entry {row.seq}: does not follow the previous entry (an entry before it was deleted or changed)")
        digest = entry_hash(row.seq, row.at, row.actor, row.action, row.subject, row.details or {}, row.prev_hash)
        if digest != row.hash:
            problems.append(f"entry {row.seq}: content changed after it was written")
        prev_hash, expected_seq = row.hash, row.seq + 1
    head = session.get(AuditHeadRow, 1)
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        problems.append(f"the log ends at entry {expected_seq - 1} but entry {head_seq} was the last written (entries deleted at the end?)")
    if anchor is not None and anchor.seq > 0:
        where = f"{anchor_path or ANCHOR_FILE}, written {anchor.at}"
        last = max(expected_seq - 1, head_seq)
        if anchor.seq > last:
            problems.append(
                f"the log ends at entry {last} but entry {anchor.seq} was written ({where}): entries {last + 1}..{anchor.seq} "
                "are missing (restored from an older backup, or the tail was deleted)")
        else:
            anchored = session.get(AuditRow, anchor.seq)
            if anchored is None or anchored.hash != anchor.hash:
                problems.append(f"entry {anchor.seq} is not the entry recorded as written ({where}): the log was rewritten")
    return Verification(ok=not problems, entries=count, problems=tuple(problems))


def entries(session: Session, *, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest entries, optionally for one subject (e.g. "requisition:R-00042")."""
    query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
    if subject is not None:
        query = query.where(AuditRow.subject == subject)
    return [
        AuditEntry(row.seq, row.at, row.actor, row.action, row.subject, row.details or {})
        for row in session.execute(query).scalars()
    ]
