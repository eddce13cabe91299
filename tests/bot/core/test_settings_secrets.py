"""Placeholder secrets are refused once, when the settings are read, so every entry point stops at start-up with
the variable to set; development mode and commands that need no secret (`vejviser ask`) are unaffected."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.channels.cli.main import main
from bot.core.errors import ConfigurationError
from bot.core.settings import SECRET_FIELDS, Settings


@pytest.mark.parametrize("field", SECRET_FIELDS)
@pytest.mark.parametrize("value", ["change-me", "CHANGEME", " changeme ", "please-change-me", "Replace_Me", "secret"])
def test_every_secret_refuses_a_placeholder_naming_the_variable(field: str, value: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match=f"VEJVISER_{field.upper()} is a placeholder") as refused:
        Settings(_env_file=None, data_dir=tmp_path, **{field: SecretStr(value)})
    assert "is a placeholder value. Set it to a random value" in str(refused.value)  # never echoes what was typed


def test_development_mode_and_real_secrets_are_accepted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert Settings(_env_file=None, data_dir=tmp_path, development=True, secret_key=SecretStr("change-me")).development
    real = Settings(_env_file=None, data_dir=tmp_path, secret_key=SecretStr("Zq8v-4tLx_0b9sK2mN7pW3eR6yU1iO5a"),
                    telegram_token=SecretStr("123456:AAH-real-looking-token"))
    assert real.secret_key is not None and Settings(_env_file=None, data_dir=tmp_path).secret_key is None


@pytest.mark.parametrize("command", [["serve"], ["telegram"], ["requisitions", "list"], ["audit", "verify"],
                                     ["token", "list"]])
def test_each_entry_point_stops_at_start_up_on_a_placeholder(command: list[str], monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("VEJVISER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VEJVISER_TELEGRAM_WEBHOOK_SECRET", "change-me")
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "VEJVISER_TELEGRAM_WEBHOOK_SECRET is a placeholder" in err and "Traceback" not in err
    assert not (tmp_path / "data").exists()  # refused before anything was written


def test_ask_needs_no_secret(monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for field in SECRET_FIELDS:
        monkeypatch.delenv(f"VEJVISER_{field.upper()}", raising=False)
    assert main(["ask", "   "]) == 2  # the question is refused, not the configuration
    err = capsys.readouterr().err
    assert "VEJVISER_" not in err and "question" in err.lower()
