"""Run the Telegram bot by long polling: `python -m bot.channels.telegram` (the same as `vejviser telegram`)."""

from __future__ import annotations

import logging
import sys

from bot.channels.telegram.app import run_polling
from bot.core.errors import ConfigurationError
from bot.core.settings import Settings

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per getUpdates otherwise
    try:
        settings = Settings()
    except ConfigurationError as error:  # a placeholder secret: say which variable, no traceback
        print(f"vejviser: {error}", file=sys.stderr)
        sys.exit(2)
    sys.exit(run_polling(settings))
