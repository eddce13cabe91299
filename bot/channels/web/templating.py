"""Jinja2 set-up for the server-rendered pages: autoescaping, the translation helper and per-form CSRF tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from bot.channels.web.drafts import form_page
from bot.channels.web.i18n import translate
from bot.privacy.notice import describe_kinds
from bot.queue.sla import Sla

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
)


def waited(since: datetime | None, until: datetime | None = None, *, language: str = "da") -> str:
    """A short human duration such as '3 d 4 t', for the time a requisition has waited."""
    if since is None:
        return ""
    end = until or datetime.now(UTC)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    minutes = max(0, int((end - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{translate('misc.days', language, n=days)} {translate('misc.hours', language, n=hours)}"
    if hours:
        return f"{translate('misc.hours', language, n=hours)} {translate('misc.minutes', language, n=minutes)}"
    return translate("misc.minutes", language, n=minutes)


def duration(seconds: float | None, *, language: str = "da") -> str:
    """A duration in the unit that reads best: '58 s', '12 min', '4 t 12 min', '1 d 4 t' (— for none)."""
    if seconds is None:
        return "—"
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return translate("misc.seconds", language, n=int(seconds))
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{translate('misc.days', language, n=days)}" + (
            f" {translate('misc.hours', language, n=hours)}" if hours else "")
    if hours:
        return f"{translate('misc.hours', language, n=hours)}" + (
            f" {translate('misc.minutes', language, n=minutes)}" if minutes else "")
    return translate("misc.minutes", language, n=minutes)


def sla_text(sla: Sla | None, *, language: str = "da") -> str:
    """A requisition's clock in words, e.g. '1 d 4 t af 2 d' or 'Overskredet: 2 d 3 t af 2 d'."""
    if sla is None:
        return "—"
    text = translate("sla.of", language, elapsed=duration(sla.elapsed_seconds, language=language),
                     allowed=duration(sla.allowed_seconds, language=language))
    return translate("sla.overdue", language, text=text) if sla.overdue else text


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def timestamp(value: datetime | str | None) -> str:
    """Times shown to the minute in Copenhagen's time (summer time included), as the staff read a clock; stored UTC."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M")


def decimal(value: float, language: str = "da", digits: int = 2) -> str:
    """A number as the page's language writes it: "0,91" on a Danish page, "0.91" on an English one."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "da" else text


templates.env.filters["timestamp"] = timestamp
templates.env.filters["decimal"] = decimal  # {{ x|decimal(lang) }}
templates.env.filters["pii_kinds"] = describe_kinds  # {{ kinds|pii_kinds(lang) }}: bot/privacy/notice.py


def _here(request: Request) -> str:
    """This page as a GET address to come back to (after switching language): a form's result page has none of
    its own, so the page the form is on."""
    if request.method not in ("GET", "HEAD"):
        return form_page(request.url.path)
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _base(request: Request) -> dict[str, Any]:
    """What every page and fragment needs: language, user, translation and CSRF helpers."""
    from bot.channels.web import sessions  # late: sessions needs the app state this module must not import

    language = sessions.language_of(request)
    page = sessions.page_context(request)

    def t(key: str, **values: object) -> str:
        return translate(key, language, **values)

    return {
        "t": t,
        "lang": language,
        "csrf_token": page.csrf_token,
        "user": page.user,
        "waited": lambda since, until=None: waited(since, until, language=language),
        "duration": lambda seconds: duration(seconds, language=language),
        "sla_text": lambda sla: sla_text(sla, language=language),
        "path": request.url.path,
        "here": _here(request),
    }


def fragment(request: Request, name: str, context: dict[str, Any] | None = None) -> str:
    """A piece of a page as HTML, for a script to put in place (the chat's live updates); same helpers as a page."""
    return templates.env.get_template(name).render(_base(request) | (context or {}))


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with what every page needs: language, user, translation and CSRF helpers."""
    from bot.channels.web import sessions  # late: sessions needs the app state this module must not import

    base = _base(request)
    page = sessions.page_context(request)
    notice = sessions.pending_sign_in_notice(request) if page.user.staff is not None else 0
    if notice:
        base["sign_in_failures"] = notice
    response = templates.TemplateResponse(request, name, base | (context or {}), status_code=status_code)
    if notice:
        sessions.forget_sign_in_notice(request, response)
    return sessions.finish(request, response)
