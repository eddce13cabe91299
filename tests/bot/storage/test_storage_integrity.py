"""Issue 18 items 3, 10, 11 and issue 14 item 3: a damaged SQLite file is refused naming the backup, the audit
chain's head outside the database catches a restore that lost its tail, numbers are never handed out twice,
an unreachable database is logged once, and a publication survives a retried transaction without a second copy."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from bot.channels.cli.main import main
from bot.core.errors import DatabaseDamaged, DatabaseUnavailable
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.queue import RequisitionService
from bot.services import open_database, prepare_storage
from bot.storage.db import Database
from index.embedder import HashingEmbedder


def _damaged_copy(tmp_path: Path) -> Path:
    """A real database with a page in its middle overwritten, as a failing disk leaves it."""
    path = tmp_path / "vejviser.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.run(lambda s: [s.execute(text("INSERT INTO feedback (channel, question, citations, vote, created_at) "
                                           "VALUES ('web', :q, '[]', 'up', '2026-01-01')"), {"q": "tolk " * 100})
                            for _ in range(300)])
    database.close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        handle.write(os.urandom(8192))
    return path


def test_a_malformed_sqlite_file_is_refused_on_open_naming_the_backup(tmp_path: Path) -> None:
    path = _damaged_copy(tmp_path)
    database = Database(f"sqlite:///{path}")
    with pytest.raises(DatabaseDamaged) as refused:
        database.run(lambda s: s.execute(text("SELECT count(*) FROM staff_users")).scalar(), readonly=True)
    message = str(refused.value)
    assert f"The database file {path} is damaged" in message
    assert "restore the newest backup" in message and "/backup/vejviser.sqlite3" in message
    database.close()


def test_audit_verify_on_a_corrupted_file_says_the_file_is_damaged(tmp_path: Path, monkeypatch, capsys) -> None:
    """Before: "check VEJVISER_DATABASE_URL and that the database is running"."""
    _damaged_copy(tmp_path)
    monkeypatch.setenv("VEJVISER_DATA_DIR", str(tmp_path))
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "is damaged" in err and "restore" in err
    assert "database is running" not in err and "Traceback" not in err


def test_an_unreachable_database_is_one_log_line_however_many_requests(caplog) -> None:
    database = Database("postgresql+psycopg://vejviser@127.0.0.1:9/vejviser")  # discard port: nothing listens
    with caplog.at_level(logging.INFO, logger="bot.storage.db"):
        for _ in range(10):
            with pytest.raises(DatabaseUnavailable, match="nothing was saved"):
                database.run(lambda s: s.execute(text("SELECT 1")).scalar())
    assert not database.available
    assert [r.levelname for r in caplog.records] == ["ERROR"] and not caplog.records[0].exc_info
    database.close()


# ---------------------------------------------------------------------------- 10: a restore


def _service(settings: Settings) -> tuple[Database, RequisitionService]:
    database, anchor = open_database(settings)
    return database, RequisitionService(database, settings, embedder=HashingEmbedder(), anchor=anchor)


def test_a_restored_backup_fails_verify_and_never_reuses_a_number(tmp_path: Path, monkeypatch, capsys) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, coordinator_password="korrekt hest batteri klips")
    prepare_storage(settings)
    database, service = _service(settings)
    from bot.people.accounts import AccountService

    caseworker = AccountService(database, settings).register_caseworker(
        SYSTEM, channel="web", external_id="key:restore", display_name="Sara", department="SOF")
    for i in range(3):
        service.create(caseworker, f"Spørgsmål {i} om tolk?", None)
    backup = tmp_path / "backup.sqlite3"
    with sqlite3.connect(tmp_path / "vejviser.sqlite3") as source, sqlite3.connect(backup) as target:
        source.backup(target)  # the nightly backup, as docs/DEPLOY.md says
    given = [service.create(caseworker, f"Efter backup {i}?", None).requisition.number for i in range(2)]
    assert given == ["R-00004", "R-00005"]  # numbers the caseworkers were told
    database.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / 'vejviser.sqlite3'}{suffix}").unlink(missing_ok=True)
    backup.rename(tmp_path / "vejviser.sqlite3")  # the disk died; the operator restores last night's file

    monkeypatch.setenv("VEJVISER_DATA_DIR", str(tmp_path))
    assert main(["audit", "verify"]) == 1  # before: "audit log intact" although two creates are gone
    err = capsys.readouterr().err
    assert "are missing" in err and "audit-head.json" in err

    database, service = _service(settings)
    after = service.create(caseworker, "Første efter gendannelsen?", None).requisition.number
    assert after == "R-00006"  # before: R-00004 a second time
    assert "R-00004" not in {v.number for v in service.list(SYSTEM).items if v.question == "Første efter gendannelsen?"}
    database.close()


def test_the_anchor_never_moves_backwards_and_an_intact_log_verifies(tmp_path: Path, monkeypatch, capsys) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, coordinator_password="korrekt hest batteri klips")
    prepare_storage(settings)
    database, service = _service(settings)
    head = service.anchor.read()
    service.anchor.record({"seq": 1, "hash": "0" * 64, "at": "2000-01-01"})  # a slower worker, one commit behind
    assert service.anchor.read() == head
    database.close()
    monkeypatch.setenv("VEJVISER_DATA_DIR", str(tmp_path))
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out


# ---------------------------------------------------------------------------- issue 14 item 3: publishing


def test_a_retried_publish_transaction_publishes_the_document_once(tmp_path: Path) -> None:
    from bot.answering.engine import AnswerEngine
    from bot.people.accounts import AccountService

    settings = Settings(_env_file=None, data_dir=tmp_path, embedder="hashing", answer_threshold=0.0,
                        coordinator_password="korrekt hest batteri klips")
    engine = AnswerEngine.load(settings, embedder=HashingEmbedder())
    prepare_storage(settings)
    database, anchor = open_database(settings)
    service = RequisitionService(database, settings, embedder=engine.embedder, publisher=engine, anchor=anchor)
    accounts = AccountService(database, settings)
    caseworker = accounts.register_caseworker(SYSTEM, channel="web", external_id="key:p", display_name="Sara",
                                              department="SOF")
    adviser = accounts.create_user(SYSTEM, "anna", "blå elefant spiser havregrød", "adviser")
    req = service.create(caseworker, "Hvordan når vi isolerede kvinder?", None).requisition
    service.assign(SYSTEM, req.id, adviser.id)
    service.start(adviser, req.id)
    service.answer(adviser, req.id, "Bydelsmødrene besøger dem hjemme.")

    lost_race = {"left": 1}

    def note_publishing(session, _context) -> None:  # noqa: ANN001 - a Session and its flush context
        from sqlalchemy import inspect

        from bot.storage.models import RequisitionRow

        for row in session.dirty:
            if isinstance(row, RequisitionRow) and inspect(row).attrs.status.history.added == ["published"]:
                session.info["becomes_published"] = True

    def lose_the_first_commit(session) -> None:  # noqa: ANN001 - a Session
        if lost_race["left"] and session.info.get("becomes_published"):
            lost_race["left"] -= 1
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    event.listen(database._writer, "after_flush", note_publishing)
    event.listen(database._writer, "before_commit", lose_the_first_commit)
    published = service.publish(req.id, SYSTEM)
    assert lost_race["left"] == 0  # the transaction really was run twice
    assert published.status == "published" and published.published_doc_id == f"taskforce-{req.number}"
    copies = sorted(p.name for p in settings.added_documents_dir.glob("taskforce-*.txt"))
    assert copies == [f"taskforce-{req.number}.txt"]  # before: taskforce-R-00001.txt and taskforce-R-00001-2.txt
    assert [d for d in engine.documents if d.startswith("taskforce-")] == [f"taskforce-{req.number}"]
    database.close()
