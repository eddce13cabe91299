"""The python-telegram-bot `Application`: handlers in order, services in `bot_data`, and the three ways to run it.

- `run_polling(settings)`: `vejviser telegram` / `python -m bot.channels.telegram`, long polling, blocks until SIGINT/SIGTERM.
- `running(services, webhook=...)`: an async context manager for the web service's lifespan (over
  `start_bot`/`stop_bot`); updates arrive through the webhook router (`bot.channels.telegram.webhook.router`),
  which finds the running bot with `application_for(services)`, or by polling beside the web.
- `set_webhook(settings, url)`: `vejviser telegram set-webhook URL` registers the web service with Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

from telegram import Bot, BotCommand, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.telegram import access, handlers
from bot.channels.telegram.conversation import BotContext
from bot.channels.telegram.delivery import deliver_forever, send_log
from bot.channels.telegram.ordering import PerChatUpdateProcessor
from bot.channels.telegram.ratelimit import FloodLimiter, tap_limit
from bot.channels.telegram.sending import http_request, rate_limiter
from bot.channels.telegram.texts import text
from bot.core.errors import ConfigurationError
from bot.core.settings import Settings
from bot.publishing.sync import follow
from bot.services import Services

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
COMMANDS = (("hjaelp", "help"), ("status", "status"), ("rekvirer", "requisition"), ("sprog", "language"))
WEBHOOK_PATH = "/telegram/webhook"
EXIT_USAGE = 2
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_OUTBOX_TASK = "outbox_task"
_CORPUS_TASK = "corpus_task"  # `vejviser telegram` alone with PostgreSQL: following the shared corpus
_STARTUP_TASK = "startup_task"
_STARTUP_RETRY_CAP_SECONDS = 300.0


def build_application(services: Services, *, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None, deliver_outbox: bool = True) -> Application:
    """The bot with its gates, handlers and error handler; services go into `bot_data` in `post_init`.

    Tests pass a recording `request`; `deliver_outbox=False` leaves outbox delivery to the test.
    """
    token = bot_token(services.settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines print request URLs, which hold the token

    async def post_init(application: Application) -> None:
        settings = services.settings
        application.bot_data["services"] = services
        application.bot_data["memory"] = services.assistant.memory  # the answers kept for their buttons
        application.bot_data["sends"] = sends = send_log(services)
        application.bot_data["limiter"] = FloodLimiter(settings.telegram_rate_limit, settings.telegram_rate_window_seconds)
        application.bot_data["tap_limiter"] = FloodLimiter(tap_limit(settings.telegram_rate_limit),
                                                           settings.telegram_rate_window_seconds)
        await asyncio.to_thread(sends.forget_old)
        await set_commands(application.bot)
        if deliver_outbox:
            application.bot_data[_OUTBOX_TASK] = asyncio.create_task(deliver_forever(services, application.bot))

    builder = (
        Application.builder()
        .token(token)
        .base_url(services.settings.telegram_api_base)
        .context_types(ContextTypes(context=BotContext))
        .post_init(post_init)
        .post_stop(_post_stop)
        .rate_limiter(rate_limiter())
        .concurrent_updates(PerChatUpdateProcessor())
    )
    builder = builder.request(request or http_request())
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """The gates (groups -4 … -2), "typing…" for a caseworker's message (group -1), then the conversation: the
    first matching handler of group 0 wins."""
    application.add_handler(TypeHandler(Update, access.limit_floods), group=-4)
    application.add_handler(TypeHandler(Update, access.private_chats_only), group=-3)
    application.add_handler(TypeHandler(Update, access.registered_only), group=-2)
    application.add_handler(TypeHandler(Update, access.show_typing), group=-1)
    new = filters.UpdateType.MESSAGE
    application.add_handlers([
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.edited),
        CommandHandler("start", handlers.start, filters=new),
        CommandHandler(["hjaelp", "help"], handlers.show_help, filters=new),
        CommandHandler("sprog", handlers.set_language, filters=new),
        CommandHandler("status", handlers.status, filters=new),
        CommandHandler("rekvirer", handlers.requisition, filters=new),
        MessageHandler(filters.COMMAND & new, handlers.unknown_command),
        MessageHandler(filters.TEXT & new, handlers.on_text),
        MessageHandler(new, handlers.not_text),
        CallbackQueryHandler(handlers.on_button),
    ])
    application.add_error_handler(handlers.on_error)


async def set_commands(bot: Bot) -> None:
    """The command menu, in Danish by default and in English for English Telegram clients; a failure is only logged."""
    try:
        for language in ("da", "en"):
            commands = [BotCommand(name, text(f"command_{key}", language)) for name, key in COMMANDS]
            await bot.set_my_commands(commands, language_code=None if language == "da" else "en")
    except TelegramError as exc:
        log.warning("could not set the Telegram command menu: %s", exc)


async def _post_stop(application: Application) -> None:
    for name in (_OUTBOX_TASK, _CORPUS_TASK):
        task = application.bot_data.pop(name, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


# ------------------------------------------------------------------------------------------ long polling


def run_polling(settings: Settings) -> int:
    """`vejviser telegram`: answer by long polling until interrupted; 2 when the token is missing or a placeholder."""
    try:
        bot_token(settings)
    except ConfigurationError as exc:
        print(f"vejviser: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from bot.services import build_services

    services = build_services(settings)
    if services.bootstrap_password:
        print(f"vejviser: created the coordinator account; one-time password: {services.bootstrap_password}", file=sys.stderr)
    try:
        application = build_application(services)
        init = application.post_init

        async def announce(app: Application) -> None:
            if init is not None:
                await init(app)
            if services.corpus_sync is not None:  # inside `vejviser serve` the web lifespan follows the corpus
                app.bot_data[_CORPUS_TASK] = asyncio.create_task(follow(services.corpus_sync, settings.corpus_poll_seconds))
            print(f"vejviser: Telegram bot @{app.bot.username} started, polling {_host(settings.telegram_api_base)} "
                  "(Ctrl-C stops it)", file=sys.stderr, flush=True)

        application.post_init = announce
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        services.close()
    return 0


# ------------------------------------------------------------------------------------------ inside the web service

_RUNNING: dict[int, Application] = {}  # id(services) → the bot running over them, for the webhook router


@contextlib.asynccontextmanager
async def running(services: Services, *, webhook: bool) -> AsyncIterator[Application | None]:
    """Run the bot for the duration of the block (the web app's lifespan): by webhook, or by polling beside the web.

    Polling must run in one process only (one web worker); the webhook suits any number of workers.
    """
    application = await start_bot(services, polling=not webhook)
    if application is not None:
        _RUNNING[id(services)] = application
    try:
        yield application
    finally:
        _RUNNING.pop(id(services), None)
        await stop_bot(application)


def application_for(services: Services) -> Application | None:
    """The bot `running` started over these services, or None."""
    return _RUNNING.get(id(services))



async def start_bot(services: Services, *, polling: bool | None = None) -> Application | None:
    """Start the bot in the running event loop (the web app's lifespan); None when no token is configured.

    Returns at once: connecting to Telegram is retried in the background, so the web service starts even
    when Telegram is unreachable; until then the webhook answers 503 and Telegram redelivers later.
    `polling=None` polls only when no webhook secret is set (development without a public URL).
    """
    settings = services.settings
    if settings.telegram_token is None:
        return None
    application = build_application(services)
    poll = settings.telegram_webhook_secret is None if polling is None else polling
    application.bot_data[_STARTUP_TASK] = asyncio.create_task(_bring_up(application, poll))
    return application


async def _bring_up(application: Application, poll: bool) -> None:
    try:
        await _connect_and_start(application, poll)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("the Telegram bot could not start; the web service runs without it")
        raise


async def _connect_and_start(application: Application, poll: bool) -> None:
    delay = 1.0
    while True:
        try:
            await application.initialize()
            break
        except NetworkError as exc:
            log.warning("Telegram unreachable at start (%s); retrying in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _STARTUP_RETRY_CAP_SECONDS)
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    if poll and application.updater is not None:
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    log.info("Telegram bot @%s started (%s)", application.bot.username, "polling" if poll else "webhook")


async def stop_bot(application: Application | None) -> None:
    """Stop what `start_bot` started, in reverse order; safe when it never got going."""
    if application is None:
        return
    startup = application.bot_data.pop(_STARTUP_TASK, None)
    if startup is not None and not startup.done():
        startup.cancel()
        await asyncio.gather(startup, return_exceptions=True)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        await _run_hook(application.post_stop, application)
    await application.shutdown()


async def _run_hook(hook: Callable[[Application], Awaitable[None]] | None, application: Application) -> None:
    if hook is not None:
        await hook(application)


# ------------------------------------------------------------------------------------------ webhook registration


def set_webhook(settings: Settings, url: str) -> int:
    """`vejviser telegram set-webhook URL`: point Telegram at the web service's `/telegram/webhook`, with the secret."""
    try:
        token = bot_token(settings)
        secret = webhook_secret(settings)
        target = webhook_url(url)
    except ConfigurationError as exc:
        print(f"vejviser: {exc}", file=sys.stderr)
        return EXIT_USAGE

    async def register() -> None:
        async with Bot(token, base_url=settings.telegram_api_base) as bot:
            await bot.set_webhook(target, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    asyncio.run(register())
    print(f"Telegram delivers updates to {target}")
    return 0


def webhook_url(url: str) -> str:
    """The full webhook URL: https (plain http only on this machine), ending in /telegram/webhook."""
    parts = urlsplit(url.strip())
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ConfigurationError(f"{url!r}: Telegram only calls https:// URLs; give the web service's public https address.")
    path = parts.path.rstrip("/")
    if not path.endswith(WEBHOOK_PATH):
        path += WEBHOOK_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


# ------------------------------------------------------------------------------------------ settings


def bot_token(settings: Settings) -> str:
    """The bot token, refusing a missing or placeholder one with the variable to set."""
    token = settings.telegram_token.get_secret_value().strip() if settings.telegram_token else ""
    if not token:
        raise ConfigurationError("no Telegram bot token: set VEJVISER_TELEGRAM_TOKEN to the token from @BotFather.")
    if not _TOKEN.match(token):
        raise ConfigurationError("VEJVISER_TELEGRAM_TOKEN does not look like a bot token from @BotFather (digits:letters).")
    return token


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends with every webhook call; required, 16–256 of A-Z a-z 0-9 _ -."""
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
    if not _SECRET.match(secret):
        raise ConfigurationError(
            "set VEJVISER_TELEGRAM_WEBHOOK_SECRET to 16-256 random characters (letters, digits, _ and -), "
            "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
        )
    return secret


def _host(base: str) -> str:
    return urlsplit(base).netloc or base
