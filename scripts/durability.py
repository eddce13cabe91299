"""Crash test: a child process creates requisitions and is killed with SIGKILL at random moments.

The child prints "<id> <content hash>" to its stdout only after the transaction committed. Afterwards
every acknowledged requisition must exist with the same content, the audit chain must verify, and the
database must pass its integrity checks (SQLite `PRAGMA integrity_check`; on PostgreSQL, counts and
constraint checks). Prints one JSON line with the figures; exit 1 when anything was lost or broken.

Run:  .venv/bin/python scripts/durability.py --cycles 1000
      .venv/bin/python scripts/durability.py --cycles 500 --url postgresql+psycopg://postgres@127.0.0.1:54329/postgres
(POSIX only: uses fork, so the child starts in milliseconds.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from bot.core.settings import Settings  # noqa: E402
from bot.people.accounts import AccountService  # noqa: E402
from bot.people.actors import SYSTEM, Caseworker  # noqa: E402
from bot.queue import RequisitionService  # noqa: E402
from bot.storage import audit  # noqa: E402
from bot.storage.db import Database  # noqa: E402
from bot.storage.models import CaseworkerRow, RequisitionRow  # noqa: E402

WORDS = "tolk bolig hjemløs bydelsmødre gæld rådgivning misbrug handicap børn familie sagsbehandler integration".split()


def content_hash(question: str, context: str | None, themes: tuple[str, ...] | list[str]) -> str:
    """What the child acknowledges and the checker recomputes from the database."""
    return hashlib.sha256(json.dumps([question, context, list(themes)], ensure_ascii=False).encode()).hexdigest()


@dataclass
class Result:
    backend: str
    cycles: int
    acknowledged: int = 0
    rows: int = 0
    missing: list[int] = field(default_factory=list)
    altered: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.problems)


def prepare(url: str) -> Caseworker:
    """Migrate and register the caseworker the child writes as."""
    database = Database(url)
    database.migrate()
    accounts = AccountService(database, Settings(_env_file=None))
    caseworker = accounts.register_caseworker(
        SYSTEM, channel="telegram", external_id="durability", display_name="Durability", department="SOF"
    )
    database.close()
    return caseworker


def child(service: RequisitionService, caseworker: Caseworker, seed: int) -> None:
    """Create requisitions forever; acknowledge each on stdout after its commit."""
    rng = random.Random(seed)
    service.database.after_fork()  # its own connection; the parent's warmed-up statement cache stays
    out = os.fdopen(1, "w", buffering=1, closefd=False)
    n = 0
    while True:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30)))
        context = None if n % 3 == 0 else f"kontekst {seed}-{n} " + words * rng.randint(1, 20)
        themes = rng.sample(WORDS, rng.randint(0, 3))
        view = service.create(caseworker, f"Spørgsmål {seed}-{n}: {words}?", None, context=context, themes=themes).requisition
        out.write(f"{view.id} {content_hash(view.question, view.context, view.themes)}\n")
        n += 1


def one_cycle(service: RequisitionService, caseworker: Caseworker, seed: int, max_delay: float) -> dict[int, str]:
    """Fork a child, let it write for a random moment, SIGKILL it; return what it acknowledged."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_end)
            os.dup2(write_end, 1)
            child(service, caseworker, seed)
        finally:
            os._exit(3)
    os.close(write_end)
    time.sleep(random.uniform(0, max_delay))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    acknowledged: dict[int, str] = {}
    for line in b"".join(chunks).split(b"\n")[:-1]:  # the piece after the last newline is not a whole line
        ident, digest = line.decode().split()
        acknowledged[int(ident)] = digest
    return acknowledged


def check(url: str, acknowledged: dict[int, str], result: Result) -> None:
    database = Database(url)
    try:
        result.problems += database.integrity_problems()
        with database.session(readonly=True) as session:
            rows = {r.id: r for r in session.execute(select(RequisitionRow)).scalars()}
            result.rows = len(rows)
            for ident, digest in sorted(acknowledged.items()):
                row = rows.get(ident)
                if row is None:
                    result.missing.append(ident)
                else:
                    themes = tuple(t for t in (row.themes or "").split("|") if t)
                    if content_hash(row.question, row.context, themes) != digest:
                        result.altered.append(ident)
            if any(r.number != f"R-{r.id:05d}" for r in rows.values()):
                result.problems.append("a requisition without its number")
            orphans = session.scalar(
                select(func.count()).select_from(RequisitionRow).where(
                    ~RequisitionRow.caseworker_id.in_(select(CaseworkerRow.id))
                )
            )
            if orphans:
                result.problems.append(f"{orphans} requisitions point at no caseworker")
            created = session.scalar(text("SELECT COUNT(*) FROM audit_log WHERE action = 'requisition.create'"))
            if created != len(rows):
                result.problems.append(f"{len(rows)} requisitions but {created} create entries in the audit log")
            verification = audit.verify(session)
            result.problems += [f"audit: {p}" for p in verification.problems]
    finally:
        database.close()


def run(url: str, cycles: int, *, max_delay: float = 0.25, seed: int = 1) -> Result:
    """The whole experiment on a fresh database at `url`."""
    random.seed(seed)
    started = time.monotonic()
    caseworker = prepare(url)
    database = Database(url)
    service = RequisitionService(database, Settings(_env_file=None))
    service.create(caseworker, "Opvarmning: en forked child starter med færdige SQL-sætninger", None)
    database.close()  # no connection of the parent's may be open across fork()
    acknowledged: dict[int, str] = {}
    for cycle in range(cycles):
        acknowledged.update(one_cycle(service, caseworker, seed * 1_000_003 + cycle, max_delay))
    database.close()
    result = Result(backend=url.split(":", 1)[0].split("+")[0], cycles=cycles, acknowledged=len(acknowledged))
    check(url, acknowledged, result)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=200, help="how many children to kill (default 200)")
    parser.add_argument("--url", help="database URL; default a new SQLite file in a temporary directory")
    parser.add_argument("--max-delay", type=float, default=0.25, help="longest life of a child, seconds (default 0.25)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.cycles < 1:
        parser.error("--cycles must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'durability.sqlite3'}"
        result = run(url, args.cycles, max_delay=args.max_delay, seed=args.seed)
    print(json.dumps(asdict(result) | {"ok": result.ok}))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
