"""`vejviser ask` reuses a running service: the same answer as loading the model, and a dead port falls back to it.

The service is the app under uvicorn on 127.0.0.1 (conftest's `server`), with the hashing engine; the command line
reads the same settings from the environment, as a caseworker's shell would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.answering.engine import AnswerEngine
from bot.channels.cli.main import main
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.services import Services
from tests.bot.channels.web.conftest import ANSWERABLE, local_port


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Settings]]:
    """The web tests' settings as VEJVISER_* variables; yields the settings of every engine the CLI loads."""
    for name, value in {"DATA_DIR": settings.data_dir, "EMBEDDER": "hashing", "ANSWER_THRESHOLD": "0.0",
                        "TODAY": settings.today}.items():
        monkeypatch.setenv(f"VEJVISER_{name}", str(value))
    loads: list[Settings] = []
    real = AnswerEngine.load.__func__  # type: ignore[attr-defined]

    def counted(cls: type[AnswerEngine], settings: Settings, **kwargs: object) -> AnswerEngine:
        loads.append(settings)
        return real(cls, settings, **kwargs)

    monkeypatch.setattr(AnswerEngine, "load", classmethod(counted))
    yield loads


def ask_json(capsys: pytest.CaptureFixture[str], question: str) -> dict:
    assert main(["ask", "--json", question]) == 0
    return json.loads(capsys.readouterr().out)


def test_ask_through_the_running_service_prints_what_the_local_engine_prints(
        server: str, services: Services, cli_env: list[Settings], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    local = ask_json(capsys, ANSWERABLE)
    assert len(cli_env) == 1 and local["status"] == "answered" and local["citations"]
    monkeypatch.setenv("VEJVISER_SERVICE_URL", server)
    monkeypatch.setenv("VEJVISER_SERVICE_TOKEN", services.accounts.create_token(SYSTEM, "vejviser ask").secret)
    assert ask_json(capsys, ANSWERABLE) == local
    assert main(["ask", ANSWERABLE]) == 0 and local["citations"][0]["doc_id"] in capsys.readouterr().out
    assert len(cli_env) == 1, "the service answered: the command line loaded no engine"


def test_ask_loads_the_model_when_nothing_listens_or_the_token_is_refused(
        server: str, cli_env: list[Settings], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("VEJVISER_SERVICE_TOKEN", "vv_not-a-token-anyone-issued")
    monkeypatch.setenv("VEJVISER_SERVICE_URL", f"http://127.0.0.1:{local_port()}")  # free: nothing listens
    dead = ask_json(capsys, ANSWERABLE)
    monkeypatch.setenv("VEJVISER_SERVICE_URL", server)
    refused = ask_json(capsys, ANSWERABLE)
    assert dead == refused and dead["status"] == "answered"
    assert len(cli_env) == 2, "each fell back to loading the engine"
    assert "answered 401" in caplog.text, "a refused token is said, not hidden"
