"""`vejviser ask` through a running `vejviser serve`: its warm engine answers in milliseconds, a cold one in seconds.

The command line asks POST /api/ask with the API token in `settings.service_token`; the reply is the same
`Answer.to_json` contract, rebuilt into an `Answer`, so both ways print the same. Anything but an answer (no token
set, nothing listening, a timeout, a refused token) returns None and the caller loads the model itself.
"""

from __future__ import annotations

import logging

from bot.answering.answer import Answer
from bot.core.settings import Settings

log = logging.getLogger(__name__)


def service_url(settings: Settings) -> str:
    """The configured service, or this machine's own `vejviser serve` on its configured port."""
    return (settings.service_url or f"http://127.0.0.1:{settings.port}").rstrip("/")


def ask_service(settings: Settings, question: str) -> Answer | None:
    """The running service's answer to a validated `question`, or None when there is none to ask."""
    if settings.service_token is None:
        return None
    import httpx

    url = service_url(settings)
    timeout = httpx.Timeout(settings.service_answer_seconds, connect=settings.service_connect_seconds)
    headers = {"Authorization": f"Bearer {settings.service_token.get_secret_value()}"}
    try:
        response = httpx.post(f"{url}/api/ask", json={"question": question}, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        log.info("no service at %s (%s); loading the model", url, type(exc).__name__)
        return None
    if response.status_code != 200:
        # A refused token is the operator's to fix: say so, and still answer.
        level = logging.WARNING if response.status_code in (401, 403) else logging.INFO
        log.log(level, "the service at %s answered %s; loading the model", url, response.status_code)
        return None
    try:
        return Answer.from_dict(response.json())
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("the service at %s sent an answer this version cannot read (%s); loading the model", url, exc)
        return None
