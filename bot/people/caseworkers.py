"""Caseworkers: registered on a channel (Telegram, web), their language, and offboarding."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.control_chars import strip_controls
from bot.core.errors import InvalidInput, NotFound
from bot.people.actors import CHANNELS, Actor, Caseworker
from bot.people.base import AccountsBase, Revoked
from bot.storage.models import CaseworkerRow, WebSessionRow

LANGUAGES = ("da", "en")


def caseworker_view(row: CaseworkerRow) -> Caseworker:
    return Caseworker(
        id=row.id, channel=row.channel, external_id=row.external_id, display_name=row.display_name,  # type: ignore[arg-type]
        department=row.department, language=row.language, created_at=row.created_at,  # type: ignore[arg-type]
        active=row.active,
    )


class Caseworkers(AccountsBase):
    """Caseworkers: registered by an invite (bot/people/invites.py) or by the coordinator, signed in by their
    Telegram account or web key, deactivated at once everywhere."""

    def sign_in_caseworker(self, external_id: str, *, subject: str, address: str) -> Caseworker | None:
        """A web caseworker by their key's hash; wrong keys are throttled per (key prefix, address) and, far more
        generously, per address (`Throttled`), in the database, so every worker counts the same tries."""
        where = (address or "")[:64]
        self.throttle.check("key", subject, where)
        caseworker = self.get_caseworker("web", external_id) if external_id else None
        self.throttle.record_now("key", subject, where, caseworker is not None)
        return caseworker

    def get_caseworker(self, channel: str, external_id: str) -> Caseworker | None:
        def work(session: Session) -> Caseworker | None:
            row = session.execute(
                select(CaseworkerRow).where(CaseworkerRow.channel == channel, CaseworkerRow.external_id == str(external_id))
            ).scalar_one_or_none()
            return caseworker_view(row) if row is not None and self._may_sign_in(row) else None

        return self.database.run(work, readonly=True)

    def _may_sign_in(self, row: CaseworkerRow) -> bool:
        """Active, and (for a web key, when VEJVISER_CASEWORKER_KEY_VALID_DAYS is set) not older than allowed."""
        if not row.active:
            return False
        days = self.settings.caseworker_key_valid_days
        return not (days and row.channel == "web" and self.clock() - row.created_at > timedelta(days=days))

    def get_caseworker_by_id(self, caseworker_id: int) -> Caseworker:
        def work(session: Session) -> Caseworker:
            row = session.get(CaseworkerRow, caseworker_id)
            if row is None:
                raise NotFound(f"There is no caseworker with id {caseworker_id}.", key="caseworker_missing", id=caseworker_id)
            return caseworker_view(row)

        return self.database.run(work, readonly=True)

    def register_caseworker(
        self, actor: Actor, *, channel: str, external_id: str, display_name: str, department: str, language: str = "da"
    ) -> Caseworker:
        """Register a caseworker directly (coordinator); an existing one is updated."""
        self._require_coordinator(actor)
        self._check_caseworker_fields(channel, external_id, display_name, language)
        dept = " ".join(strip_controls(department or "").split())
        if not dept:
            raise InvalidInput("Name the caseworker's department.", key="caseworker_department")

        def work(session: Session) -> Caseworker:
            row = self._upsert_caseworker(session, channel, str(external_id), display_name, dept, language)
            self._audit(session, actor, "caseworker.register", f"caseworker:{row.id}", {"channel": channel, "department": dept})
            return caseworker_view(row)

        return self.database.run(work)

    def set_language(self, caseworker_id: int, language: str) -> Caseworker:
        """The caseworker's reply language: 'da' or 'en'."""
        if language not in LANGUAGES:
            raise InvalidInput("Language is 'da' or 'en'.", key="language_choice")

        def work(session: Session) -> Caseworker:
            row = session.get(CaseworkerRow, caseworker_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no caseworker with id {caseworker_id}.", key="caseworker_missing", id=caseworker_id)
            row.language = language
            return caseworker_view(row)

        return self.database.run(work)

    def list_caseworkers(self, actor: Actor) -> tuple[Caseworker, ...]:
        """Every caseworker, active ones first, for offboarding (coordinator)."""
        self._require_coordinator(actor)
        query = select(CaseworkerRow).order_by(CaseworkerRow.active.desc(), CaseworkerRow.id)
        return self.database.run(lambda s: tuple(caseworker_view(r) for r in s.execute(query).scalars()), readonly=True)

    def deactivate_caseworker(self, actor: Actor, caseworker_id: int) -> Revoked:
        """Offboard a caseworker (coordinator): their web key and Telegram account stop working in every worker at
        once (each request reads the flag) and their web sessions end; a second call changes and audits nothing."""
        self._require_coordinator(actor)

        def work(session: Session) -> Revoked:
            row = session.get(CaseworkerRow, caseworker_id, with_for_update=True)
            if row is None:
                raise NotFound(f"There is no caseworker with id {caseworker_id}.", key="caseworker_missing", id=caseworker_id)
            if not row.active:
                return Revoked(row.id, changed=False)
            row.active, row.deactivated_at = False, self.clock()
            ended = session.execute(
                update(WebSessionRow).where(WebSessionRow.caseworker_id == row.id, WebSessionRow.revoked.is_(False))
                .values(revoked=True)
            )
            self._audit(session, actor, "caseworker.deactivate", f"caseworker:{row.id}",
                        {"channel": row.channel, "sessions_ended": int(ended.rowcount or 0)})  # type: ignore[attr-defined]
            return Revoked(row.id, changed=True)

        return self.database.run(work)

    def _check_caseworker_fields(self, channel: str, external_id: str, display_name: str, language: str) -> None:
        if channel not in CHANNELS:
            raise InvalidInput(f"Unknown channel '{channel}'; use one of: {', '.join(CHANNELS)}.")
        if not str(external_id or "").strip() or len(str(external_id)) > 200:
            raise InvalidInput("The caseworker's id on the channel is missing or too long.")
        if not (display_name or "").strip() or len(display_name) > 200:
            raise InvalidInput("Give the caseworker's name (at most 200 characters).", key="caseworker_name")
        if language not in LANGUAGES:
            raise InvalidInput("Language is 'da' or 'en'.", key="language_choice")

    def _upsert_caseworker(
        self, session: Session, channel: str, external_id: str, display_name: str, department: str, language: str
    ) -> CaseworkerRow:
        row = session.execute(
            select(CaseworkerRow).where(CaseworkerRow.channel == channel, CaseworkerRow.external_id == external_id).with_for_update()
        ).scalar_one_or_none()
        name = " ".join(strip_controls(display_name).split())  # the caseworker's own name, kept on purpose (not a citizen's data)
        if not name:
            raise InvalidInput("Give the caseworker's name in letters (control characters are removed).", key="caseworker_name_letters")
        if row is not None and not row.active:
            raise InvalidInput("This caseworker was deactivated by the coordinator; ask them if that is a mistake.", key="caseworker_deactivated")
        if row is None:
            row = CaseworkerRow(channel=channel, external_id=external_id, display_name=name, department=department,
                                language=language, created_at=self.clock())
            session.add(row)
            session.flush()
        else:
            row.display_name, row.department, row.language = name, department, language
        return row
