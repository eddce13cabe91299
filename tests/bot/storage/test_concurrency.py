"""Eight writer processes at once: nothing lost, nothing doubled, no "database is locked" reaches a caller."""

from __future__ import annotations

import json
import os
import sys
import traceback

import pytest
from sqlalchemy import text

from bot.core.settings import Settings
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM
from bot.queue import RequisitionService
from bot.storage import audit
from bot.storage.db import Database

WRITERS = 8
PER_WRITER = 25


def _writer(service: RequisitionService, coordinator, adviser, caseworker, index: int, out: int) -> None:  # type: ignore[no-untyped-def]
    """Create requisitions and move every other one on: each call is a write that competes for the lock."""
    service.database.after_fork()
    made = []
    for n in range(PER_WRITER):
        req = service.create(caseworker, f"Skriver {index} spørgsmål {n} om tolke og boliger", None).requisition
        made.append(req.id)
        if n % 2 == 0:
            service.assign(coordinator, req.id, adviser.id)
            service.start(adviser, req.id)
    os.write(out, json.dumps({"writer": index, "ids": made}).encode() + b"\n")


@pytest.mark.skipif(sys.platform == "win32", reason="uses fork")
def test_eight_writer_processes_at_once(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, data_dir=tmp_path)
    database = Database(database_url)
    database.migrate()
    accounts = AccountService(database, settings)
    coordinator = accounts.create_user(SYSTEM, "koordinator", "lang-og-sikker-kode-42", "coordinator")
    adviser = accounts.create_user(SYSTEM, "raadgiver", "lang-og-sikker-kode-42", "adviser")
    caseworker = accounts.register_caseworker(SYSTEM, channel="telegram", external_id="1", display_name="A", department="SOF")
    service = RequisitionService(database, settings)
    database.close()

    read_end, write_end = os.pipe()
    children = []
    for index in range(WRITERS):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(read_end)
                _writer(service, coordinator, adviser, caseworker, index, write_end)
            except BaseException:
                os.write(write_end, json.dumps({"writer": index, "error": traceback.format_exc()}).encode() + b"\n")
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    os.close(write_end)
    codes = [os.waitpid(pid, 0)[1] for pid in children]
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.close(read_end)
    reports = [json.loads(line) for line in data.splitlines()]

    errors = [r["error"] for r in reports if "error" in r]
    assert errors == [] and codes == [0] * WRITERS
    acknowledged = [i for r in reports for i in r["ids"]]
    assert len(acknowledged) == WRITERS * PER_WRITER == len(set(acknowledged))

    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, number, status FROM requisitions")).all()
    assert sorted(r.id for r in rows) == sorted(acknowledged)
    assert len({r.number for r in rows}) == len(rows)
    assert sum(r.status == "in_progress" for r in rows) == WRITERS * ((PER_WRITER + 1) // 2)
    with database.session(readonly=True) as session:
        verification = audit.verify(session)
    assert verification.ok, verification.problems
    assert database.integrity_problems() == []
    database.close()
