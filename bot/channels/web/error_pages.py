"""Domain errors become HTTP errors here and nowhere else: JSON for API clients, a page for browsers."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.channels.web import drafts
from bot.channels.web.i18n import MESSAGES, translate
from bot.core import errors

log = logging.getLogger(__name__)

# Most specific first: the first matching class decides the status.
STATUS_OF: tuple[tuple[type[errors.VejviserError], int], ...] = (
    (errors.NotFound, 404),
    (errors.PermissionDenied, 403),
    (errors.InvalidTransition, 409),
    (errors.StaleVersion, 409),
    (errors.Throttled, 429),
    (errors.DatabaseUnavailable, 503),
    (errors.DatabaseDamaged, 503),
    (errors.InvalidQuestion, 422),
    (errors.InvalidInput, 422),
    (errors.IndexMissing, 503),
    (errors.IndexMismatch, 503),
    (errors.ModelMissing, 503),
    (errors.ConfigurationError, 503),
)


class LoginRequired(Exception):
    """Raised by a page dependency when nobody (or an expired session) is signed in; becomes a redirect."""

    def __init__(self, next_path: str = "/", *, expired: bool = False) -> None:
        super().__init__(next_path)
        self.next_path, self.expired = next_path, expired


class PasswordChangeRequired(Exception):
    """A staff user signed in with a one-time password: every page but /password and logout sends them there."""


class MfaEnrolmentRequired(Exception):
    """A staff user without the required second factor: every page but enrolment and logout sends them there."""


class CsrfRejected(Exception):
    """A state-changing form came without a valid, unspent token for this session."""


class SessionExpired(Exception):
    """A form came after its session had expired (or without one): refused like any stale form, but the page says
    why in plain words and offers signing in again, back to the page the form is on."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class ApiAuthRequired(Exception):
    """An API call without a valid bearer token."""


def status_for(error: errors.VejviserError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 400


def error_text(error: errors.VejviserError, language: str) -> str:
    """What a page in `language` says for a domain error: the sentence its key names (bot/channels/web/i18n.py).

    An error without a key, or with one the catalogue lacks, keeps its English message on an English page; a Danish
    page says the general Danish sentence for its status instead ("Siden eller posten findes ikke."), never English.
    """
    key = f"error.{error.key}" if error.key else ""
    if key not in MESSAGES:
        return str(error) if language == "en" else translate(f"error.{status_for(error)}", language)
    params = dict(error.params)
    if isinstance(error, errors.InvalidTransition):  # the states by the names the page shows them with
        current, requested, *allowed = (translate(f"status.{name}", language)
                                        for name in (error.current, error.requested, *error.allowed))
        params |= {"current": current, "requested": requested,
                   "allowed": ", ".join(allowed) or translate("error.transition_final", language)}
    return translate(key, language, **params)


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/healthz", "/telegram/", "/openapi")):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept and "application/json" in accept


def error_response(
    request: Request, status: int, message: str | None = None, *, detail: object = None,
    headers: dict[str, str] | None = None, back: str | None = None,
) -> Response:
    """One place that shapes every error; the page says what the user can do, the JSON what went wrong.
    `back` is the page to return to instead of the start page (the page a refused form is on)."""
    if wants_json(request):
        body = {"detail": detail if detail is not None else (message or HTTPStatus(status).phrase)}
        return JSONResponse(body, status, headers=headers)
    from bot.channels.web.templating import render  # late: templating needs the session helpers

    response = render(request, "error.html", {"status": status, "message": message, "back": back}, status_code=status)
    response.headers.update(headers or {})
    return response


def install(app: FastAPI) -> None:
    """Register the handlers; an unexpected exception is logged with its traceback and shown as a polite 500."""

    @app.exception_handler(errors.VejviserError)
    async def domain_error(request: Request, exc: errors.VejviserError) -> Response:
        status = status_for(exc)
        language = _language(request)
        message = str(exc) if wants_json(request) else error_text(exc, language)
        if isinstance(exc, errors.DatabaseUnavailable):
            # Answered, not raised: the connection stays open, and bot.storage.db logged the outage once, not per request.
            return error_response(request, status, message, headers={"Retry-After": str(exc.retry_after_seconds)})
        if isinstance(exc, errors.Throttled):
            return error_response(request, status, message, headers={"Retry-After": str(exc.retry_after_seconds)})
        if status >= 500:
            log.error("service not ready: %s", exc)
        return error_response(request, status, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request):
            problems = [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in exc.errors()
            ]
            return JSONResponse({"detail": problems}, 422)
        return error_response(request, 422, translate("error.422", _language(request)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        language = _language(request)
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's word for a body it cannot decode (bad JSON bytes, wrong multipart): malformed input, 422.
            exc = StarletteHTTPException(422, "The body could not be parsed: send JSON with Content-Type: application/json.")
        if wants_json(request):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        key = f"error.{exc.status_code}"
        message = exc.detail if isinstance(exc.detail, str) and exc.detail not in _PHRASES else None
        return error_response(request, exc.status_code, message or translate(key, language))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import urlencode

        if wants_json(request):  # a page's script polling after the session ended: it stops, nothing to follow
            return JSONResponse({"detail": "Sign in again."}, 401)

        query = {"next": exc.next_path} | ({"expired": "1"} if exc.expired else {})
        return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired) -> Response:
        if wants_json(request):
            return error_response(request, 403, translate("password.must_change", "en"))
        return RedirectResponse("/password", status_code=303)

    @app.exception_handler(MfaEnrolmentRequired)
    async def mfa_enrolment_required(request: Request, exc: MfaEnrolmentRequired) -> Response:
        if wants_json(request):
            return error_response(request, 403, translate("mfa.must_enrol", "en"))
        return RedirectResponse("/account/mfa", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        if request.url.path in drafts.ANONYMOUS_FORMS:
            return error_response(request, 403, translate("error.csrf", _language(request)))
        page = drafts.form_page(request.url.path)
        return error_response(request, 403, translate("unsent.stale", _language(request)), back=page)

    @app.exception_handler(SessionExpired)
    async def session_expired(request: Request, exc: SessionExpired) -> Response:
        """401 with the sign-in forms, which return to the form's page; the browser kept the typed text."""
        message = translate(drafts.unsent_message_key(exc.path), _language(request))
        if wants_json(request):
            return error_response(request, 401, message)
        from bot.channels.web.templating import render

        context = {"next": drafts.form_page(exc.path), "unsent": message}
        return render(request, "login.html", context, status_code=401)

    @app.exception_handler(ApiAuthRequired)
    async def api_auth_required(request: Request, exc: ApiAuthRequired) -> Response:
        return JSONResponse(
            {"detail": "Send an API token as 'Authorization: Bearer <token>'; an admin creates tokens."},
            401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, translate("error.500", _language(request)))


_PHRASES = {status.phrase for status in HTTPStatus}


def _language(request: Request) -> str:
    from bot.channels.web.sessions import language_of

    return language_of(request)
