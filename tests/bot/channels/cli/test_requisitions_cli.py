"""The operator CLI: each command works end to end, bad input exits 2, domain errors exit 1, never a traceback."""

from __future__ import annotations

import argparse
import io
import sys

import pytest
from sqlalchemy import text

from bot.channels.cli.requisitions import register
from bot.core.settings import Settings
from bot.people.actors import SYSTEM

PASSWORD = "lang-og-sikker-kode-42"


@pytest.fixture
def cli_settings(database, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(_env_file=None, data_dir=tmp_path, database_url=database.url.render_as_string(hide_password=False))


@pytest.fixture
def run(cli_settings, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """Run `vejviser ARGS` through the registered commands; returns (exit code, stdout, stderr)."""

    def invoke(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog="vejviser")
        register(parser.add_subparsers(), lambda: cli_settings)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            args = parser.parse_args(argv)
            code = args.handler(args, None)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return invoke


def _requisition(service, people) -> str:  # type: ignore[no-untyped-def]
    return service.create(people.caseworker, "Hvordan rekvirerer vi task forcen?", None, themes=["task force"]).requisition.number


def test_user_add_invite_assign_answer_close(run, service, people, accounts) -> None:  # type: ignore[no-untyped-def]
    assert run("user", "add", "Anna", "--role", "adviser", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    assert accounts.authenticate("anna", PASSWORD) is not None

    code, out, _ = run("invite", "create", "--department", "SOF")
    assert code == 0
    caseworker = accounts.redeem_invite(out.strip(), channel="telegram", external_id="77", display_name="Ny")
    assert caseworker.department == "SOF"

    number = _requisition(service, people)
    code, out, _ = run("requisitions", "list", "--status", "new")
    assert code == 0 and number in out
    assert run("requisitions", "assign", number, "anna")[0] == 0
    code, _, err = run("requisitions", "answer", number, "--text", "Ring 33662851 til task forcen.",
                       "--source", "001_7fd9acb3b78e308e#Formål", "--as", "anna")
    assert code == 0 and "personal data removed" in err
    view = service.get_by_number(SYSTEM, number)
    assert view.status == "answered" and view.answer == "Ring [TELEFON] til task forcen."
    assert view.sources[0].doc_id == "001_7fd9acb3b78e308e" and view.sources[0].section == "Formål"
    assert view.answered_by_role == "adviser"
    assert run("requisitions", "close", number)[0] == 0
    code, out, _ = run("requisitions", "show", number)
    assert code == 0 and "status: closed" in out and "task force" in out


def test_reject_purge_and_json_listing(run, service, people, clock) -> None:  # type: ignore[no-untyped-def]
    number = _requisition(service, people)
    assert run("requisitions", "reject", number, "--reason", "Hører under BIF")[0] == 0
    code, out, _ = run("requisitions", "list", "--json", "--status", "rejected")
    assert code == 0 and '"reject_reason": "Hører under BIF"' in out
    code, out, _ = run("requisitions", "purge", "--older-than-days", "0")
    assert code == 0 and "anonymised 1" in out


def test_bad_input_exits_2_and_domain_errors_exit_1(run, service, people) -> None:  # type: ignore[no-untyped-def]
    number = _requisition(service, people)
    assert run("user", "add", "bo", "--role", "adviser", "--password-stdin", stdin="kort\n")[0] == 2
    assert run("user", "add", "bo", "--role", "king", "--password-stdin", stdin=PASSWORD)[0] == 2  # argparse
    assert run("user", "add", "bo", "--role", "adviser")[0] == 2  # no terminal, no --password-stdin
    assert run("requisitions", "list", "--sort", "colour")[0] == 2
    code, _, err = run("requisitions", "show", "R-99999")
    assert code == 1 and "no requisition R-99999" in err
    code, _, err = run("requisitions", "close", number)
    assert code == 1 and "cannot become 'closed'" in err and "assigned" in err
    assert run("requisitions", "assign", number, "nobody")[0] == 1
    assert run("invite", "create", "--department", " ")[0] == 2


def test_audit_verify_detects_tampering(run, service, people, database) -> None:  # type: ignore[no-untyped-def]
    _requisition(service, people)
    code, out, _ = run("audit", "verify")
    assert code == 0 and "intact" in out
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'user:x' WHERE seq = 1"))
    code, _, err = run("audit", "verify")
    assert code == 1 and "TAMPERED" in err and "entry 1" in err


def test_an_unreachable_database_is_a_message_not_a_traceback(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    parser = argparse.ArgumentParser(prog="vejviser")
    register(parser.add_subparsers(), lambda: settings)
    args = parser.parse_args(["audit", "verify"])
    assert args.handler(args, None) == 1
    assert "database" in capsys.readouterr().err


def test_redact_cleans_texts_an_older_redactor_stored_once_and_audits_it(run, service, people, database) -> None:  # type: ignore[no-untyped-def]
    """An installation that ran the old redactor kept surnames and addresses: `requisitions redact` removes them."""
    import json

    from sqlalchemy import select

    from bot.storage import audit
    from bot.storage.models import FeedbackRow, OutboxRow, RequisitionRow, TelegramAnswerRow

    number = _requisition(service, people)
    leaked = "[NAVN] Jensen bor på Nørrebrogade 12, 3. tv., 2200 København N; ring til Peter Nielsen"
    with database.session() as session:  # what the old version wrote, bypassing today's redaction
        row = session.execute(select(RequisitionRow).where(RequisitionRow.number == number)).scalar_one()
        row.question, row.context, row.embedding = f"Hvad gør vi for Fru Jensen? {leaked}", leaked, b"\0" * 8
        session.add(FeedbackRow(channel="web", caseworker_id=people.caseworker.id, question=leaked, citations=[],
                                vote="down", created_at=row.created_at))
        session.add(TelegramAnswerRow(token="tok123", caseworker_id=people.caseworker.id, created_at=row.created_at,
                                      payload=json.dumps({"question": leaked, "answer": {"question": leaked}})))
        for message in session.execute(select(OutboxRow)).scalars():
            message.payload = {**message.payload, "question": leaked}

    code, out, err = run("requisitions", "redact")

    assert code == 0 and "requisitions.question: 1 rewritten" in out and "an address and a name" in err
    with database.session(readonly=True) as session:
        stored = json.dumps([
            [r.question, r.context] for r in session.execute(select(RequisitionRow)).scalars()
        ] + [f.question for f in session.execute(select(FeedbackRow)).scalars()]
          + [t.payload for t in session.execute(select(TelegramAnswerRow)).scalars()]
          + [o.payload for o in session.execute(select(OutboxRow)).scalars()], ensure_ascii=False)
        assert session.execute(select(RequisitionRow.embedding)).scalar() is None  # embedded again on next use
        entries = [e for e in audit.entries(session, subject="redaction") if e.action == "privacy.redact_stored"]
        assert audit.verify(session).ok
    for value in ("Jensen", "Nørrebrogade", "2200", "Nielsen", "Peter"):
        assert value not in stored, value
    assert "[ADRESSE]" in stored and len(entries) == 1

    code, out, err = run("requisitions", "redact")  # idempotent: nothing left to change, nothing audited
    assert code == 0 and out == "" and "redacted 0 stored text(s) again; found nothing" in err


def test_offboarding_commands_list_revoke_and_deactivate_once(run, people, accounts, database) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("caseworker", "list")
    assert code == 0 and "Sagsbehandler A" in out and "b@kk" not in out  # the web key's hash is not printed
    code, out, _ = run("caseworker", "deactivate", str(people.caseworker.id))
    assert code == 0 and "deactivated" in out
    code, out, _ = run("caseworker", "deactivate", str(people.caseworker.id))
    assert code == 0 and "already deactivated" in out
    assert accounts.get_caseworker("telegram", "1001") is None
    assert "deactivated" in run("caseworker", "list", "--json")[1]

    invite = accounts.create_invite(SYSTEM, "SOF")
    assert run("invite", "revoke", str(invite.id))[1].strip() == f"invite {invite.id} revoked"
    assert "already revoked" in run("invite", "revoke", str(invite.id))[1]
    assert f"{invite.id}  revoked  SOF" in run("invite", "list")[1]

    code, secret, _ = run("token", "create", "eval runner")
    assert code == 0 and accounts.verify_token(secret.strip()) is not None
    token_id = accounts.list_tokens(SYSTEM)[0].id
    assert "active" in run("token", "list")[1] and secret.strip() not in run("token", "list")[1]
    assert run("token", "revoke", str(token_id))[1].strip() == f"token {token_id} revoked"
    assert "already revoked" in run("token", "revoke", str(token_id))[1]
    assert accounts.verify_token(secret.strip()) is None
    with database.session(readonly=True) as session:
        actions = [row[0] for row in session.execute(text("SELECT action FROM audit_log ORDER BY seq"))]
    assert actions.count("caseworker.deactivate") == actions.count("invite.revoke") == actions.count("token.revoke") == 1


@pytest.mark.parametrize("command", [("caseworker", "deactivate"), ("invite", "revoke"), ("token", "revoke")])
def test_offboarding_an_unknown_id_exits_2_with_a_message(run, people, command) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(*command, "999")
    assert code == 2 and "with id 999" in err and "list" in err


def test_user_reset_mfa_removes_the_second_factor(run, accounts, people) -> None:  # type: ignore[no-untyped-def]
    import pyotp

    from bot.people import mfa

    secret = mfa.new_secret()
    accounts.mfa.enrol(people.adviser, people.adviser.id, secret, pyotp.TOTP(secret).at(accounts.clock()))
    code, out, _ = run("user", "reset-mfa", "RAADGIVER1")
    assert code == 0 and "removed" in out
    assert not accounts.mfa.is_enrolled(people.adviser.id)
    assert run("user", "reset-mfa", "nobody")[0] != 0
