"""Running modes: the webhook inside the web service (secret checked), `set-webhook`, and `vejviser telegram` without a token."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from botapi_standin import BotApiStandIn
from fastapi.testclient import TestClient
from pydantic import SecretStr
from telegram_fakes import Person
from telegram_setup import ANSWERABLE, TOKEN, WEBHOOK_SECRET

from bot.channels.cli.main import main as vejviser
from bot.channels.server import build_app
from bot.channels.telegram.app import run_polling, set_webhook, start_bot, stop_bot, webhook_url
from bot.core.settings import Settings
from bot.people.actors import SYSTEM
from bot.services import Services

SECRET_KEY = "test-secret-key-for-the-webhook-tests-0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(TOKEN) as api:
        yield api


@pytest.fixture
def web(api: BotApiStandIn, services: Services) -> Iterator[TestClient]:
    """The real web app with the bot in webhook mode, its Bot API calls going to the stand-in."""
    services.settings = services.settings.model_copy(update={"telegram_api_base": api.base_url, "secret_key": SecretStr(SECRET_KEY)})
    app = build_app(services.settings, services)
    with TestClient(app, base_url="https://testserver") as client:
        api.wait_for("getMe", timeout=20)
        yield client


def post_update(client: TestClient, update: dict, secret: str | None) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    return client.post("/telegram/webhook", json=update, headers=headers).status_code


def until_running(client: TestClient, update: dict) -> int:
    """The bot connects in the background; Telegram would redeliver on 503, so the test does too (bounded)."""
    deadline = time.monotonic() + 20
    status = post_update(client, update, WEBHOOK_SECRET)
    while status == 503 and time.monotonic() < deadline:
        time.sleep(0.1)
        status = post_update(client, update, WEBHOOK_SECRET)
    return status


def test_an_update_through_the_web_services_webhook_is_answered(
    web: TestClient, api: BotApiStandIn, services: Services
) -> None:
    anna = Person(user_id=4343)
    services.accounts.register_caseworker(SYSTEM, channel="telegram", external_id="4343", display_name="Anna",
                                          department="Socialforvaltningen")
    mark = api.mark()

    assert until_running(web, anna.text(ANSWERABLE)) == 200

    answer = api.wait_for("sendMessage", after=mark, timeout=20)
    assert answer.params["chat_id"] == 4343 and answer.text.startswith("Ifølge ")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-0123456789", WEBHOOK_SECRET + "x"])
def test_a_call_without_the_right_secret_is_refused_and_not_processed(
    web: TestClient, api: BotApiStandIn, secret: str | None
) -> None:
    mark = api.mark()

    assert post_update(web, Person(user_id=1).text("/hjaelp"), secret) == 403

    time.sleep(0.3)
    assert not api.since(mark, "sendMessage")


def test_a_malformed_body_with_the_right_secret_is_a_bad_request(web: TestClient) -> None:
    until_running(web, Person(user_id=2).text("/hjaelp"))

    response = web.post("/telegram/webhook", content=b"[1, 2", headers={HEADER: WEBHOOK_SECRET,
                                                                        "Content-Type": "application/json"})

    assert response.status_code == 400


def test_set_webhook_registers_the_url_with_the_secret(api: BotApiStandIn, settings: Settings) -> None:
    settings = settings.model_copy(update={"telegram_api_base": api.base_url})

    assert set_webhook(settings, "http://127.0.0.1:8000") == 0

    call = api.wait_for("setWebhook", timeout=10)
    assert call.params["url"] == "http://127.0.0.1:8000/telegram/webhook"
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert set(call.params["allowed_updates"]) == {"message", "edited_message", "callback_query", "my_chat_member"}


def test_set_webhook_refuses_plain_http_and_a_missing_secret(settings: Settings, capsys: pytest.CaptureFixture) -> None:
    assert set_webhook(settings, "http://vejviser.example.dk") == 2
    assert "https" in capsys.readouterr().err
    assert set_webhook(settings.model_copy(update={"telegram_webhook_secret": None}), "https://vejviser.example.dk") == 2
    assert "VEJVISER_TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err
    assert webhook_url("https://vejviser.example.dk/") == "https://vejviser.example.dk/telegram/webhook"


@pytest.mark.parametrize("token", [None, "changeme"])
def test_polling_without_a_usable_token_names_the_variable_and_exits_2(
    settings: Settings, token: str | None, capsys: pytest.CaptureFixture
) -> None:
    secret = SecretStr(token) if token else None
    assert run_polling(settings.model_copy(update={"telegram_token": secret})) == 2
    assert "VEJVISER_TELEGRAM_TOKEN" in capsys.readouterr().err


def test_the_vejviser_telegram_command_without_a_token_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("VEJVISER_TELEGRAM_TOKEN",):
        monkeypatch.delenv(name, raising=False)

    assert vejviser(["telegram"]) == 2
    assert "VEJVISER_TELEGRAM_TOKEN" in capsys.readouterr().err


async def test_the_web_service_starts_while_telegram_is_unreachable_and_stops_cleanly(services: Services) -> None:
    services.settings = services.settings.model_copy(update={"telegram_api_base": "http://127.0.0.1:9/bot"})

    application = await asyncio.wait_for(start_bot(services), timeout=5)  # returns at once, connects in the background
    await asyncio.sleep(0.5)
    assert application is not None and not application.running

    await asyncio.wait_for(stop_bot(application), timeout=10)
