"""Write a new migration from the difference between bot/storage/models.py and the current schema (for developers).

Run: .venv/bin/python -m bot.storage.migrations.revise "add a column for X"
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.storage.db import MIGRATIONS_DIR, Database


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'revise.sqlite3'}"
        database = Database(url)
        database.migrate()
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", url)
        command.revision(config, message=message, autogenerate=True, rev_id=None)
        database.close()


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "change")
