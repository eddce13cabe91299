"""`vejviser serve`: the web service with web chat, dashboard and API (and the Telegram bot when a token is set)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.core.settings import Settings


def register(commands: Any) -> None:
    """Add the `serve` command to the `vejviser` sub-parsers."""
    serve = commands.add_parser(
        "serve", help="run the web service: web chat, dashboard, API (and Telegram when a token is set)",
        description="Serve until interrupted. Options override VEJVISER_HOST, VEJVISER_PORT and VEJVISER_WORKERS. "
        "Several workers need PostgreSQL (VEJVISER_DATABASE_URL).",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--workers", type=int, help="uvicorn worker processes (default 1)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.server import serve

    overrides = {name: getattr(args, name) for name in ("host", "port") if getattr(args, name) is not None}
    return serve(settings.model_copy(update=overrides), args.workers)
