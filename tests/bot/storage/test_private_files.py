"""The data dir is created 0700 and the database, its WAL, the audit anchor and the web secret key 0600: other
users of the machine cannot read questions, password hashes or the audit log; an older, looser dir is tightened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.channels.web.config import WebConfig
from bot.core.settings import Settings
from bot.people.accounts import AccountService
from bot.people.actors import SYSTEM
from bot.services import open_database


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_data_dir_and_everything_written_in_it_are_private(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    database, _anchor = open_database(settings)
    try:
        database.migrate()
        AccountService(database, settings).create_invite(SYSTEM, "SOF")  # a commit: the anchor is written
    finally:
        database.close()
    WebConfig.from_settings(settings)  # the generated web secret key
    data = settings.data_dir
    assert mode(data) == 0o700
    written = [p for p in data.iterdir() if p.is_file()]
    assert {"vejviser.sqlite3", "audit-head.json", "audit-head.json.lock", "web-secret-key"} <= {p.name for p in written}
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_an_existing_loose_data_dir_and_database_are_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    (data / "vejviser.sqlite3").touch()
    os.chmod(data / "vejviser.sqlite3", 0o644)
    database, _anchor = open_database(Settings(_env_file=None, data_dir=data))
    try:
        database.migrate()
    finally:
        database.close()
    assert (mode(data), mode(data / "vejviser.sqlite3")) == (0o700, 0o600)
