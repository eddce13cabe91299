"""`vejviser telegram` (long polling) and `vejviser telegram set-webhook URL`; bot/channels/cli/main.py picks up `register`."""

from __future__ import annotations

import argparse
from typing import Any

from bot.core.settings import Settings


def register(commands: Any) -> None:
    """Add the `telegram` command to the `vejviser` sub-parsers."""
    telegram = commands.add_parser(
        "telegram", help="run the Telegram bot by long polling (needs VEJVISER_TELEGRAM_TOKEN)",
        description="Without ACTION: answer caseworkers on Telegram by long polling until interrupted. "
        "In production the web service receives updates by webhook instead; register it with set-webhook.",
    )
    telegram.set_defaults(handler=_poll)
    actions = telegram.add_subparsers(metavar="ACTION")
    webhook = actions.add_parser("set-webhook", help="register the web service's /telegram/webhook with Telegram")
    webhook.add_argument("url", help="the web service's public https address, e.g. https://vejviser.example.dk")
    webhook.set_defaults(handler=_set_webhook)


def _poll(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.telegram.app import run_polling

    return run_polling(settings)


def _set_webhook(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.telegram.app import set_webhook

    return set_webhook(settings, args.url)
