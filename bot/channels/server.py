"""`vejviser serve`: the web service (dashboard, web chat, JSON API) with the Telegram bot beside it, under uvicorn.

    vejviser serve                      # http://127.0.0.1:8000, SQLite, one worker
    VEJVISER_DATABASE_URL=postgresql+psycopg://... vejviser serve --host 0.0.0.0 --workers 4

Everything that must happen once (load the answer engine, building the index on a first start; migrate the
database; create the coordinator and print its one-time password) happens here, before any worker starts. With
several workers the parent then forks them: each inherits the loaded, warmed engine (its memory shared with the
parent's until written, instead of a second load of ~600 MiB and ~8 s per worker) and opens its own database
connections. A worker never touches the database while starting: one started during a database outage serves 503
until the database is back instead of failing (which would make uvicorn stop the whole server). Several workers
need PostgreSQL: they share its queue, while an SQLite file would serialise them.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import multiprocessing
import socket
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request, Response

from bot.core.errors import ConfigurationError
from bot.core.settings import Settings

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine
    from bot.services import Services

log = logging.getLogger(__name__)
WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def check_deployment(settings: Settings, workers: int) -> None:
    """Refuse combinations that would lose work or leak sessions, with the fix in the message."""
    from bot.channels.web.config import WebConfig

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
    """Prepare once, then run uvicorn on settings.host:settings.port until a signal; returns an exit code.

    0 only when it stopped for a signal (systemd's stop, Ctrl+C); 1 when it stopped for any other reason
    (a worker that could not start, the socket), so `Restart=on-failure` brings it back.
    """
    import uvicorn

    from bot.channels.web.app import announce_bootstrap
    from bot.services import load_engine, load_services, prepare_storage

    workers = workers or settings.workers
    check_deployment(settings, workers)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "proxy_headers": True,  # X-Forwarded-For/-Proto from FORWARDED_ALLOW_IPS only (default 127.0.0.1)
        "server_header": False,
        "log_level": "info",
        "timeout_graceful_shutdown": 10,
        "timeout_worker_healthcheck": settings.worker_healthcheck_seconds,
    }
    scheme = "http" if settings.development else "https (behind your proxy) or http"
    if workers == 1:
        services = load_services(settings)  # builds the index on a first start
        try:
            password = prepare_storage(settings)  # migrates, bootstraps the coordinator
            if password and settings.coordinator_password is None:
                announce_bootstrap(password)
            print(f"Vejviser: serving on {settings.host}:{settings.port} ({scheme}), 1 worker", flush=True)
            _announce_telegram(settings)
            server = _server(uvicorn.Config(build_app(settings, services), **common))
            try:
                server.run()
            except KeyboardInterrupt:  # a second Ctrl+C during shutdown
                server.signalled = True
        finally:
            services.close()
        if not server.signalled:
            log.error("the server stopped without being asked to (see the lines above); exiting with 1")
            return 1
        return 0
    # Loaded once, here: the workers are forked from this process and inherit it.
    engine = load_engine(settings)  # builds the index on a first start
    password = prepare_storage(settings)  # migrations and the first coordinator: here, once, never in a worker
    if password and settings.coordinator_password is None:
        announce_bootstrap(password)
    print(f"Vejviser: serving on {settings.host}:{settings.port} ({scheme}), {workers} worker(s)", flush=True)
    _announce_telegram(settings)
    config = uvicorn.Config(build_app(settings, prepare=False, engine=engine), workers=workers, **common)
    supervisor = _Supervisor(config, sockets=[config.bind_socket()])
    with _workers_forked():
        supervisor.run()
    if not supervisor.signalled:
        log.error("the server stopped without being asked to (see the lines above); exiting with 1")
        return 1
    return 0


@contextlib.contextmanager
def _workers_forked() -> Iterator[None]:
    """Have uvicorn's supervisor fork its workers from this process instead of spawning fresh interpreters.

    Spawned, each worker imported everything and loaded its own engine (37 s to listening with two, docs/
    BENCHMARKS-SERVING.md); forked, it starts in milliseconds with the parent's engine, and a replacement for a
    killed worker too. uvicorn has no setting for this, so the one function its supervisor calls to make a worker
    process (`get_subprocess`, as uvicorn 0.55 has it; the two-worker tests fail if a later one stops
    calling it, since a spawned worker cannot receive the loaded app) is swapped for the supervisor's lifetime; the worker still runs
    uvicorn's own `subprocess_started`. Nothing here holds a thread or a connection at the fork: the engine runs
    on the calling thread, and the database connections were closed after the migrations.
    """
    from uvicorn.supervisors import multiprocess

    original = multiprocess.get_subprocess
    multiprocess.get_subprocess = _forked_subprocess
    try:
        yield
    finally:
        multiprocess.get_subprocess = original


def _forked_subprocess(config: Any, target: Callable[..., None], sockets: list[socket.socket]) -> Any:  # noqa: ANN401 - uvicorn's Config, a Process
    """uvicorn's `get_subprocess`, with fork for spawn."""
    from uvicorn._subprocess import subprocess_started

    kwargs = {"config": config, "target": target, "sockets": sockets, "stdin_fileno": None}
    return multiprocessing.get_context("fork").Process(target=subprocess_started, kwargs=kwargs)


def _server(config: Any) -> Any:  # noqa: ANN401 - a uvicorn.Server
    """uvicorn's one-process server, remembering whether a signal stopped it (the exit code depends on it)."""
    import uvicorn

    class Server(uvicorn.Server):
        signalled = False

        def handle_exit(self, sig: int, frame: Any) -> None:  # noqa: ANN401 - a frame
            self.signalled = True
            super().handle_exit(sig, frame)

    return Server(config)


def _Supervisor(config: Any, sockets: list[Any]) -> Any:  # noqa: N802, ANN401 - a uvicorn Multiprocess
    """uvicorn's worker supervisor, remembering whether a signal stopped it (not a worker that failed to start)."""
    from uvicorn.supervisors import Multiprocess

    class Supervisor(Multiprocess):
        signalled = False

        def handle_int(self) -> None:
            self.signalled = True
            super().handle_int()

        def handle_term(self) -> None:
            self.signalled = True
            super().handle_term()

    return Supervisor(config, sockets=sockets)


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory`: settings from the environment."""
    return build_app(Settings())


def build_app(settings: Settings, services: Services | None = None, *, prepare: bool = True,
              engine: AnswerEngine | None = None) -> FastAPI:
    """The web app, and with a Telegram token the bot beside it: its webhook route, and the bot running for the
    app's lifetime (by webhook when a secret is set, else long polling, one worker only). `engine`: loaded by the
    server's parent before it forked the workers."""
    from bot.channels.web.app import create_app

    if settings.telegram_token is None:
        return create_app(settings, services, prepare=prepare, engine=engine)
    from bot.channels.telegram.app import running

    by_webhook = settings.telegram_webhook_secret is not None
    return create_app(settings, services, prepare=prepare, routers=[telegram_webhook(settings)],
                      companion=lambda loaded: running(loaded, webhook=by_webhook), engine=engine)


def telegram_webhook(settings: Settings) -> APIRouter:
    """`POST /telegram/webhook`: Telegram delivers updates here with the shared secret, compared in constant time;
    without a configured secret every call is refused. The route finds the bot that `running` started over the
    app's services."""
    from telegram import Update

    from bot.channels.telegram.app import WEBHOOK_PATH, application_for

    expected = settings.telegram_webhook_secret.get_secret_value().encode() if settings.telegram_webhook_secret else None
    api = APIRouter()

    @api.post(WEBHOOK_PATH, include_in_schema=False)
    async def receive(request: Request) -> Response:
        given = request.headers.get(WEBHOOK_SECRET_HEADER, "").encode()
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


def _announce_telegram(settings: Settings) -> None:
    """Say on the console whether the same process answers on Telegram, and how (the operator sees it without -v)."""
    if settings.telegram_token is None:
        print("Vejviser: Telegram is off (no VEJVISER_TELEGRAM_TOKEN)", flush=True)
    elif settings.telegram_webhook_secret is None:
        print("Vejviser: Telegram bot on, polling (no webhook secret set)", flush=True)
    else:
        print("Vejviser: Telegram bot on, updates by webhook at /telegram/webhook", flush=True)
