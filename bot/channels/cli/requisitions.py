"""Operator commands over the requisition and account services: `vejviser requisitions|invite|user|audit ...`.

    vejviser requisitions list --status new
    vejviser requisitions show R-00042
    vejviser requisitions assign R-00042 raadgiver1
    vejviser requisitions answer R-00042 --text "..." --source 003_50b667e36c3bac22 --as raadgiver1
    vejviser requisitions close|reject|purge ...
    vejviser requisitions redact                 # redact every stored text again (after upgrading the redactor)
    vejviser invite create --department SOF
    vejviser invite list | revoke 7              # withdraw an invite handed out but not used
    vejviser caseworker list | deactivate 12     # offboarding: their key and Telegram access stop at once
    vejviser token create "eval runner" | list | revoke 3
    echo "$PASSWORD" | vejviser user add anna --role adviser --password-stdin
    vejviser audit verify

Exit codes: 0 done, 1 a domain error (the message says what to do), 2 bad input; never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.core.errors import InvalidInput, InvalidQuestion, NotFound, VejviserError
from bot.core.settings import Settings
from bot.people.actors import Actor, SystemActor
from bot.privacy.notice import describe_kinds
from bot.queue.workflow import STATES

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
CLI_ACTOR = SystemActor("cli")

SettingsFactory = Callable[[], Settings]
Handler = Callable[[argparse.Namespace, Settings | None], int]


def register(subparsers: Any, settings_factory: SettingsFactory | None = None) -> None:
    """Add the `requisitions`, `invite`, `caseworker`, `token`, `user` and `audit` commands to a `vejviser` argparse parser.

    Each sets `handler(args, settings)`; when the caller passes no settings, `settings_factory()` (or
    `Settings()`) is used.
    """
    factory = settings_factory or Settings

    def add(parser: argparse.ArgumentParser, handler: Callable[..., int]) -> None:
        parser.set_defaults(handler=_guarded(handler, factory))

    requisitions = subparsers.add_parser("requisitions", help="questions routed to the task force").add_subparsers(metavar="ACTION")

    listing = requisitions.add_parser("list", help="list requisitions, newest first")
    listing.add_argument("--status", action="append", choices=STATES, help="repeat for several")
    listing.add_argument("--department")
    listing.add_argument("--theme")
    listing.add_argument("--assignee", metavar="USERNAME")
    listing.add_argument("--older-than-days", type=float, metavar="N")
    listing.add_argument("--text", help="search number, question, context and answer")
    listing.add_argument("--sort", default="-created", help="created, updated, number or status; '-' for descending")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--offset", type=int, default=0)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    add(listing, _list)

    show = requisitions.add_parser("show", help="one requisition in full")
    show.add_argument("requisition", help="number (R-00042) or id")
    show.add_argument("--json", action="store_true")
    add(show, _show)

    assign = requisitions.add_parser("assign", help="give a requisition to an adviser")
    assign.add_argument("requisition")
    assign.add_argument("adviser", metavar="USERNAME")
    add(assign, _assign)

    answer = requisitions.add_parser("answer", help="answer a requisition (starts it first if it is only assigned)")
    answer.add_argument("requisition")
    text = answer.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the answer")
    text.add_argument("--text-stdin", action="store_true", help="read the answer from standard input")
    answer.add_argument("--source", action="append", default=[], metavar="DOC_ID[#SECTION]", help="a cited source; repeat")
    answer.add_argument("--as", dest="as_user", metavar="USERNAME", help="answer as this adviser (default: the operator)")
    add(answer, _answer)

    close = requisitions.add_parser("close", help="close an answered requisition")
    close.add_argument("requisition")
    add(close, _close)

    reject = requisitions.add_parser("reject", help="reject a new or assigned requisition, with a reason")
    reject.add_argument("requisition")
    reject.add_argument("--reason", required=True)
    add(reject, _reject)

    purge = requisitions.add_parser("purge", help="anonymise finished requisitions past the retention period and delete chat history as old")
    purge.add_argument("--older-than-days", type=int, metavar="N", help="default: VEJVISER_RETENTION_DAYS")
    add(purge, _purge)

    rescan = requisitions.add_parser(
        "redact", help="redact every stored text again with the current redactor (cleans data older versions kept)"
    )
    add(rescan, _redact_stored)

    invite = subparsers.add_parser("invite", help="invite codes for caseworkers").add_subparsers(metavar="ACTION")
    create = invite.add_parser("create", help="a one-use code registering a caseworker in a department")
    create.add_argument("--department", required=True)
    create.add_argument("--valid-days", type=int)
    add(create, _invite_create)
    invite_list = invite.add_parser("list", help="every invite with its status (open, used, expired, revoked)")
    invite_list.add_argument("--json", action="store_true", help="one JSON object per line")
    add(invite_list, _invite_list)
    invite_revoke = invite.add_parser("revoke", help="withdraw an unused invite (a second time changes nothing)")
    invite_revoke.add_argument("id", type=int, help="the invite's id (from `vejviser invite list`)")
    add(invite_revoke, _invite_revoke)

    caseworker = subparsers.add_parser("caseworker", help="registered caseworkers (offboarding)").add_subparsers(metavar="ACTION")
    caseworker_list = caseworker.add_parser("list", help="every caseworker, active ones first")
    caseworker_list.add_argument("--json", action="store_true", help="one JSON object per line")
    add(caseworker_list, _caseworker_list)
    deactivate = caseworker.add_parser(
        "deactivate", help="offboard a caseworker: their web key, web sessions and Telegram access stop at once")
    deactivate.add_argument("id", type=int, help="the caseworker's id (from `vejviser caseworker list`)")
    add(deactivate, _caseworker_deactivate)

    token = subparsers.add_parser("token", help="API tokens").add_subparsers(metavar="ACTION")
    token_create = token.add_parser("create", help="a new API token; the secret is printed once")
    token_create.add_argument("name", help="what uses it, e.g. 'eval runner'")
    add(token_create, _token_create)
    token_list = token.add_parser("list", help="every API token (never the secret)")
    token_list.add_argument("--json", action="store_true", help="one JSON object per line")
    add(token_list, _token_list)
    token_revoke = token.add_parser("revoke", help="revoke an API token at once (a second time changes nothing)")
    token_revoke.add_argument("id", type=int, help="the token's id (from `vejviser token list`)")
    add(token_revoke, _token_revoke)

    user = subparsers.add_parser("user", help="task-force accounts").add_subparsers(metavar="ACTION")
    user_add = user.add_parser("add", help="add a coordinator or adviser (password prompted, or --password-stdin)")
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=["coordinator", "adviser"])
    user_add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add(user_add, _user_add)
    reset_mfa = user.add_parser("reset-mfa", help="remove a user's second factor (lost phone); they set it up again at sign-in")
    reset_mfa.add_argument("username")
    add(reset_mfa, _user_reset_mfa)

    audit_parser = subparsers.add_parser("audit", help="the audit log").add_subparsers(metavar="ACTION")
    verify = audit_parser.add_parser("verify", help="recompute the hash chain; exit 1 if any entry was edited or deleted")
    add(verify, _audit_verify)


def _guarded(handler: Callable[..., int], factory: SettingsFactory) -> Handler:
    """Run a handler with settings, turning every expected failure into a message and an exit code."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, settings: Settings | None = None) -> int:
        try:
            return handler(args, settings if settings is not None else factory())
        except (InvalidInput, InvalidQuestion) as error:
            print(f"vejviser: {error}", file=sys.stderr)
            return EXIT_USAGE
        except VejviserError as error:
            print(f"vejviser: {error}", file=sys.stderr)
            return EXIT_ERROR
        except SQLAlchemyError as error:
            print(f"vejviser: the database failed: {type(error).__name__}: {str(error).splitlines()[0]} "
                  "(check VEJVISER_DATABASE_URL and that the database is running)", file=sys.stderr)
            return EXIT_ERROR
        except OSError as error:
            print(f"vejviser: {error}", file=sys.stderr)
            return EXIT_ERROR

    return run


@contextmanager
def _services(settings: Settings) -> Iterator[tuple[Any, Any, Any]]:
    from bot.people.accounts import AccountService
    from bot.queue import RequisitionService
    from bot.services import open_database

    database, anchor = open_database(settings)
    try:
        database.migrate()
        yield database, RequisitionService(database, settings, anchor=anchor), AccountService(database, settings)
    finally:
        database.close()


def _requisition_id(service: Any, reference: str) -> int:
    reference = reference.strip()
    if reference.isdigit():
        return int(reference)
    if not reference:
        raise InvalidInput("Name the requisition by its number (R-00042) or id.")
    return int(service.get_by_number(CLI_ACTOR, reference).id)


def _staff(accounts: Any, username: str | None) -> Actor:
    if not username:
        return CLI_ACTOR
    user = accounts.get_user_by_name(username)
    if user is None:
        raise NotFound(f"There is no task-force user '{username}': add one with `vejviser user add`.")
    return user


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, service, accounts):
        assignee = None
        if args.assignee:
            user = accounts.get_user_by_name(args.assignee)
            if user is None:
                raise NotFound(f"There is no task-force user '{args.assignee}'.")
            assignee = user.id
        page = service.list(
            CLI_ACTOR, status=args.status, department=args.department, theme=args.theme, assignee_id=assignee,
            older_than_days=args.older_than_days, text=args.text, sort=args.sort, offset=args.offset, limit=args.limit,
        )
    for view in page.items:
        if args.json:
            print(json.dumps(_plain(asdict(view)), ensure_ascii=False))
        else:
            question = view.question if len(view.question) <= 70 else view.question[:69] + "…"
            print(f"{view.number}  {view.status:<11} {view.created_at:%Y-%m-%d}  {view.department:<8} "
                  f"{view.assignee_username or '-':<12} {question}")
    if not args.json:
        print(f"{len(page.items)} of {page.total}", file=sys.stderr)
    return EXIT_OK


def _show(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, service, _accounts):
        view = service.get(CLI_ACTOR, _requisition_id(service, args.requisition))
    data = _plain(asdict(view))
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    for key in ("number", "status", "department", "themes", "language", "created_at", "assignee_username", "question",
                "context", "info_request", "answer", "answered_by_role", "sources", "duplicate_of_number",
                "reject_reason", "published_doc_id", "confidence", "candidates"):
        value = data.get(key)
        if value not in (None, [], ""):
            print(f"{key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value}")
    return EXIT_OK


def _assign(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, service, accounts):
        adviser = accounts.get_user_by_name(args.adviser)
        if adviser is None:
            raise NotFound(f"There is no task-force user '{args.adviser}'.")
        view = service.assign(CLI_ACTOR, _requisition_id(service, args.requisition), adviser.id)
    print(f"{view.number} {view.status}, assigned to {view.assignee_username}")
    return EXIT_OK


def _answer(args: argparse.Namespace, settings: Settings) -> int:
    from bot.queue import CitedSource

    text = sys.stdin.read() if args.text_stdin else args.text
    sources = []
    for source in args.source:
        doc_id, _, section = source.partition("#")
        if not doc_id.strip():
            raise InvalidInput(f"--source {source!r}: give DOC_ID or DOC_ID#SECTION.")
        sources.append(CitedSource(doc_id.strip(), section.strip()))
    with _services(settings) as (_, service, accounts):
        actor = _staff(accounts, args.as_user)
        requisition_id = _requisition_id(service, args.requisition)
        if service.get(actor, requisition_id).status == "assigned":
            service.start(actor, requisition_id)
        changed = service.answer(actor, requisition_id, text, sources)
    _tell_redacted(changed.redacted)
    print(f"{changed.requisition.number} {changed.requisition.status}; the caseworker will be notified")
    return EXIT_OK


def _close(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, service, _accounts):
        view = service.close(CLI_ACTOR, _requisition_id(service, args.requisition))
    print(f"{view.number} {view.status}")
    return EXIT_OK


def _reject(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, service, _accounts):
        changed = service.reject(CLI_ACTOR, _requisition_id(service, args.requisition), args.reason)
    _tell_redacted(changed.redacted)
    print(f"{changed.requisition.number} {changed.requisition.status}")
    return EXIT_OK


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, service, _accounts):
        count = service.purge(args.older_than_days, actor=CLI_ACTOR)
    days = settings.retention_days if args.older_than_days is None else args.older_than_days
    print(f"anonymised {count} requisition(s) finished more than {days} days ago")
    return EXIT_OK


def _redact_stored(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, service, _accounts):
        report = service.redact_stored(CLI_ACTOR)
    for where, count in sorted(report.changed.items()):
        print(f"{where}: {count} rewritten")
    if report.documents:
        print(f"published answers rewritten: {', '.join(report.documents)}; run `vejviser index build` to re-index them")
    kinds = describe_kinds(sorted(report.kinds), "en") if report.kinds else "nothing"
    print(f"redacted {report.total} stored text(s) again; found {kinds}", file=sys.stderr)
    return EXIT_OK


def _invite_create(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        invite = accounts.create_invite(CLI_ACTOR, args.department, valid_days=args.valid_days)
    print(invite.code)
    print(f"one use, department {invite.department}, valid until {invite.expires_at:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    return EXIT_OK


def _unknown_id_is_usage(handler: Callable[[argparse.Namespace, Settings], int]) -> Callable[[argparse.Namespace, Settings], int]:
    """An id that names nothing is bad input (exit 2), like a mistyped argument."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return handler(args, settings)
        except NotFound as error:
            raise InvalidInput(f"{error} See the list command for the ids.") from error

    return run


def _print_rows(rows: list[dict[str, Any]], as_json: bool, columns: tuple[str, ...], what: str) -> None:
    for row in rows:
        plain = _plain(row)
        print(json.dumps(plain, ensure_ascii=False) if as_json else "  ".join(str(plain[c] if plain[c] is not None else "-") for c in columns))
    if not as_json:
        print(f"{len(rows)} {what}", file=sys.stderr)


def _invite_list(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        invites = accounts.list_invites(CLI_ACTOR)
    _print_rows([asdict(i) for i in invites], args.json, ("id", "status", "department", "expires_at", "used_by"), "invite(s)")
    return EXIT_OK


@_unknown_id_is_usage
def _invite_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        result = accounts.revoke_invite(CLI_ACTOR, args.id)
    print(f"invite {result.id} revoked" if result.changed else f"invite {result.id} was already revoked; nothing changed")
    return EXIT_OK


def _caseworker_list(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        caseworkers = accounts.list_caseworkers(CLI_ACTOR)
    rows = [{k: v for k, v in asdict(c).items() if k != "external_id"} for c in caseworkers]  # the key's hash stays in
    for row in rows:
        row["state"] = "active" if row.pop("active") else "deactivated"
    _print_rows(rows, args.json, ("id", "state", "channel", "department", "created_at", "display_name"), "caseworker(s)")
    return EXIT_OK


@_unknown_id_is_usage
def _caseworker_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        result = accounts.deactivate_caseworker(CLI_ACTOR, args.id)
    print(f"caseworker {result.id} deactivated: their key and Telegram access no longer work" if result.changed
          else f"caseworker {result.id} was already deactivated; nothing changed")
    return EXIT_OK


def _token_create(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        issued = accounts.create_token(CLI_ACTOR, args.name)
    print(issued.secret)
    print(f"token {issued.token.id} ({issued.token.name}): shown once, only its hash is kept", file=sys.stderr)
    return EXIT_OK


def _token_list(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        tokens = accounts.list_tokens(CLI_ACTOR)
    rows = [asdict(t) for t in tokens]
    for row in rows:
        row["state"] = "revoked" if row.pop("revoked") else "active"
    _print_rows(rows, args.json, ("id", "state", "created_at", "created_by", "name"), "token(s)")
    return EXIT_OK


@_unknown_id_is_usage
def _token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        result = accounts.revoke_token(CLI_ACTOR, args.id)
    print(f"token {result.id} revoked" if result.changed else f"token {result.id} was already revoked; nothing changed")
    return EXIT_OK


def _user_add(args: argparse.Namespace, settings: Settings) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password (12+ characters): ")
        if getpass.getpass("Again: ") != password:
            raise InvalidInput("The two passwords differ.")
    else:
        raise InvalidInput("No terminal to ask for the password on: pipe it in with --password-stdin.")
    with _services(settings) as (_, _service, accounts):
        user = accounts.create_user(CLI_ACTOR, args.username, password, args.role, one_time=True)
    print(f"added {user.role} {user.username}")
    return EXIT_OK


def _user_reset_mfa(args: argparse.Namespace, settings: Settings) -> int:
    with _services(settings) as (_, _service, accounts):
        accounts.mfa.reset(CLI_ACTOR, args.username)
    print(f"second factor of {args.username.strip().lower()} removed (audited); they are signed out and set it up again")
    return EXIT_OK


def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import audit

    with _services(settings) as (database, service, _accounts), database.session(readonly=True) as session:
        anchor = service.anchor
        result = audit.verify(session, anchor.read(), anchor.path)  # the head recorded outside the database too
    if result.ok:
        print(f"audit log intact: {result.entries} entries")
        return EXIT_OK
    for problem in result.problems:
        print(f"vejviser: {problem}", file=sys.stderr)
    print(f"audit log TAMPERED: {len(result.problems)} problem(s) in {result.entries} entries", file=sys.stderr)
    return EXIT_ERROR


def _tell_redacted(found: tuple[str, ...]) -> None:
    if found:
        print(f"note: personal data removed before storing: {describe_kinds(found, 'en')}", file=sys.stderr)
