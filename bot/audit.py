"""The append-only audit log: every change, who made it, chained by hashes so an edit or a deletion shows.

Each entry's hash is sha256 over the canonical JSON of (seq, at, actor, action, subject, details) plus the
previous entry's hash; `audit_head` holds the newest seq and hash, so deleting the tail shows too.
Appends happen inside the caller's transaction (the change and its entry commit together) and lock the
head row, so concurrent writers append one after the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AuditHeadRow, AuditRow

GENESIS = "0" * 64


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
    return row


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


def verify(session: Session) -> Verification:
    """Recompute the whole chain; report every edited, inserted, reordered or deleted entry."""
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
