"""The Telegram door: caseworkers ask in a private chat and get quoted answers, or route to the task force.

Run it by long polling with `vejviser telegram` (or `python -m bot.channels.telegram`); in production it runs by
webhook inside the web service (`bot.channels.server.telegram_webhook`), registered with `vejviser telegram set-webhook URL`.
"""

from bot.channels.telegram.app import build_application, run_polling, running, set_webhook, start_bot, stop_bot

__all__ = ["build_application", "run_polling", "running", "set_webhook", "start_bot", "stop_bot"]
