"""`vejviser serve`: the web service (dashboard, web chat, JSON API, Telegram webhook) under uvicorn.

    vejviser serve                      # http://127.0.0.1:8000, SQLite, one worker
    VEJVISER_DATABASE_URL=postgresql+psycopg://... vejviser serve --host 0.0.0.0 --workers 4

Everything that must happen once (build the index on a first start, migrate the database, create the
coordinator and print its one-time password) happens here, before any worker starts; the workers then only
load. Several workers need PostgreSQL: they share its queue, while an SQLite file would serialise them.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from bot.errors import ConfigurationError
from bot.settings import Settings

log = logging.getLogger(__name__)
SETTINGS_ENV = "VEJVISER_SERVE_SETTINGS"  # how the parent hands its exact settings to its workers


def check_deployment(settings: Settings, workers: int) -> None:
    """Refuse combinations that would lose work or leak sessions, with the fix in the message."""
    from bot.web.config import WebConfig

    if workers < 1:
        raise ConfigurationError("--workers must be at least 1.")
    if workers > 1 and not settings.resolved_database_url.startswith("postgresql"):
        raise ConfigurationError(
            f"--workers {workers} needs PostgreSQL: several workers share one queue, and an SQLite file would "
            "make them wait on each other. Set VEJVISER_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@HOST/DB, "
            "or run one worker."
        )
    if workers > 1 and settings.telegram_token is not None and settings.telegram_webhook_secret is None:
        raise ConfigurationError(
            "The Telegram bot polls from one process only. With several workers set VEJVISER_TELEGRAM_WEBHOOK_SECRET "
            "and register the webhook (`vejviser telegram set-webhook URL`), or run one worker."
        )
    WebConfig.from_settings(settings)  # development mode on a public address, placeholder secret key


def serve(settings: Settings, workers: int | None = None) -> int:
    """Prepare once, then run uvicorn on settings.host:settings.port until interrupted; returns an exit code."""
    import uvicorn

    from bot.services import build_services
    from bot.web.app import announce_bootstrap, create_app

    workers = workers or settings.workers
    check_deployment(settings, workers)
    services = build_services(settings)  # builds the index on a first start, migrates, bootstraps the coordinator
    if services.bootstrap_password and settings.coordinator_password is None:
        announce_bootstrap(services.bootstrap_password)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "proxy_headers": True,  # X-Forwarded-For/-Proto from FORWARDED_ALLOW_IPS only (default 127.0.0.1)
        "server_header": False,
        "log_level": "info",
        "timeout_graceful_shutdown": 10,
    }
    scheme = "http" if settings.development else "https (behind your proxy) or http"
    print(f"Vejviser: serving on {settings.host}:{settings.port} ({scheme}), {workers} worker(s)", flush=True)
    if workers == 1:
        try:
            uvicorn.run(create_app(settings, services), **common)
        finally:
            services.close()
        return 0
    services.close()  # each worker loads its own engine and connections
    os.environ[SETTINGS_ENV] = settings_json(settings)
    uvicorn.run("bot.web.serve:worker_app", factory=True, workers=workers, **common)
    return 0


def settings_json(settings: Settings) -> str:
    """The settings with their secrets, for this machine's own worker processes (inherited environment)."""
    values = settings.model_dump(mode="json")
    for name, value in settings:
        if hasattr(value, "get_secret_value"):
            values[name] = value.get_secret_value()
    return json.dumps(values)


def worker_app():  # noqa: ANN201 - a FastAPI app
    """Each uvicorn worker's app: the parent's settings, services loaded in the worker's lifespan."""
    from bot.web.app import create_app

    raw = os.environ.get(SETTINGS_ENV)
    settings = Settings(**json.loads(raw)) if raw else Settings()
    return create_app(settings)
