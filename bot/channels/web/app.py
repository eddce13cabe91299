"""The FastAPI application: middleware, error translation, the route modules, and the services' lifespan.

Nothing happens at import time. `create_app(settings)` builds the app; the engine is loaded when the server
starts it (lifespan), or handed in ready-made by tests: `create_app(settings, services)`. A worker of
`vejviser serve` is made with `prepare=False`: its lifespan does not touch the database (the parent migrated it),
so a worker started while the database is down serves 503 with Retry-After until it is back.

Run it with `vejviser serve`, or `uvicorn --factory bot.channels.server:app_from_environment` for a quick look.

The web knows no other door: the server (bot/channels/server.py) hosts the Telegram bot beside it by handing in
`routers` to mount (its webhook) and a `companion` that runs for the app's lifetime (the bot).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from bot.channels.web import (
    admin,
    api,
    api_accounts,
    auth,
    chat,
    dashboard,
    documents,
    error_pages,
    insights,
    pages,
    second_factor,
)
from bot.channels.web.config import WebConfig
from bot.channels.web.csrf import CsrfTokens, DatabaseSpentNonces
from bot.channels.web.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from bot.channels.web.templating import STATIC_DIR
from bot.core.errors import DatabaseUnavailable
from bot.core.settings import Settings
from bot.publishing.sync import follow
from bot.services import Services, load_services, prepare_storage

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine

log = logging.getLogger(__name__)

API_DESCRIPTION = """\
Vejviser answers caseworkers' questions by quoting five City of Copenhagen integration-policy documents,
and routes what they do not answer to the integration task force as a *requisition*.

Authenticate with `Authorization: Bearer <token>`; the coordinator creates tokens on the dashboard
(Brugere → API-token) or with `vejviser` on the server.
"""


Companion = Callable[[Services], AbstractAsyncContextManager[object]]


def create_app(settings: Settings, services: Services | None = None, *, prepare: bool = True,
               routers: Sequence[APIRouter] = (), companion: Companion | None = None,
               engine: AnswerEngine | None = None) -> FastAPI:
    """Build the app; `services` given means the caller owns them (tests), else the lifespan loads them, after
    migrating and making the first coordinator unless `prepare=False` (the server's parent did that), over `engine`
    when the parent loaded one before forking its workers. `routers` are mounted beside the web's own, and
    `companion(services)` runs for the app's lifetime (the server's Telegram bot)."""
    web = WebConfig.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        if owned and prepare:
            password = await run_in_threadpool(prepare_storage, settings)
            if password and settings.coordinator_password is None:
                announce_bootstrap(password)
        loaded = services or await run_in_threadpool(functools.partial(load_services, settings, engine=engine))
        app.state.services = loaded
        tasks = [asyncio.create_task(_deliver_web_notifications(loaded))]
        if loaded.corpus_sync is not None:
            tasks.append(asyncio.create_task(follow(loaded.corpus_sync, settings.corpus_poll_seconds)))
        try:
            async with companion(loaded) if companion is not None else contextlib.nullcontext():
                yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            app.state.services = None
            if owned:
                loaded.close()

    app = FastAPI(
        title="Vejviser",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # the default pages load scripts from a CDN; /docs is rendered here instead
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.web = web
    app.state.services = services
    spent = DatabaseSpentNonces(lambda: app.state.services.database)  # shared by every worker
    app.state.csrf = CsrfTokens(web.secret_key, spent, max_age_seconds=web.session_absolute_seconds)

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, hsts=web.secure_cookies)  # outermost: every response gets them
    error_pages.install(app)

    for module in (api, api_accounts, auth, second_factor, pages, dashboard, admin, insights, documents, chat):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in routers:
        app.include_router(router)
    return app


def announce_bootstrap(password: str) -> None:
    """The first start's one-time coordinator password: printed once to the operator, never logged or stored."""
    print(  # noqa: T201 - the operator must see this once, on the console, not in a log file
        "\n"
        "  Vejviser: first start. A coordinator account was created.\n"
        "    username: coordinator\n"
        f"    one-time password: {password}\n"
        "  Sign in and change it now; it is not shown again.\n",
        flush=True,
    )


async def _deliver_web_notifications(services: Services, interval_seconds: float = 5.0) -> None:
    """Web caseworkers read answers on their chat page; mark their outbox messages delivered so none is retried."""
    while True:
        try:
            await services.requisitions.deliver_pending(lambda message: None, channel="web")
        except DatabaseUnavailable:
            pass  # bot.storage.db logged the outage once; the next round retries
        except Exception:  # a database hiccup must not end the loop; the next round retries
            log.warning("web outbox delivery failed; retrying", exc_info=True)
        await asyncio.sleep(interval_seconds)
