"""`POST /telegram/webhook`: Telegram delivers updates to the web service here, with the shared secret.

The web app mounts `router(settings)` when a token is set; the route finds the services at
`request.app.state.services` and the bot that `bot.channels.telegram.app.running` started over them. The secret
header is compared in constant time; without a configured secret every call is refused.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request, Response
from telegram import Update

from bot.channels.telegram.app import WEBHOOK_PATH, application_for
from bot.core.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def router(settings: Settings) -> APIRouter:
    """The webhook route, bound to the configured secret."""
    expected = settings.telegram_webhook_secret.get_secret_value().encode() if settings.telegram_webhook_secret else None
    api = APIRouter()

    @api.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if expected is None or not hmac.compare_digest(given, expected):
            log.warning("refused a Telegram webhook call without the right secret")
            return Response(status_code=403)
        application = application_for(request.app.state.services)
        if application is None or not application.running:
            return Response(status_code=503)  # not connected yet: Telegram delivers the update again later
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except (ValueError, KeyError, TypeError):
            update = None
        if update is None:
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return api
