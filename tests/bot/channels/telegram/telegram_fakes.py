"""Offline Telegram for the bot tests: a recording `BaseRequest` and updates shaped like the Bot API's JSON.

`RecordingRequest` answers every Bot API method the bot uses the way Telegram would and records the call,
as python-telegram-bot's own suite does with `tests/auxil/networking.py`; `unreachable = True` makes
every call fail like a network outage. `Person` writes the updates one Telegram user would cause.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_ID = 999_000_111
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Vejviser", "username": "vejviser_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Call:
    """One Bot API call the bot made: the method name and its parameters (objects as dicts)."""

    method: str
    params: dict[str, Any]
    result: Any = None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class RecordingRequest(BaseRequest):
    """A Bot API that lives in memory: records calls, answers like Telegram, or fails when unreachable."""

    calls: list[Call] = field(default_factory=list)
    unreachable: bool = False
    _ids: Any = field(default_factory=lambda: itertools.count(5000))

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if self.unreachable:
            raise NetworkError("test: Telegram is unreachable")
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        call = Call(name, params, self._result(name, params))
        self.calls.append(call)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "editMessageReplyMarkup", "editMessageText"):
            message_id = params.get("message_id") or next(self._ids)
            chat_id = int(params["chat_id"]) if "chat_id" in params else 0
            message = {"message_id": message_id, "from": BOT_USER, "date": int(time.time()),
                       "chat": {"id": chat_id, "type": "private", "first_name": "Anna"},
                       "text": _TAG.sub("", params.get("text", ""))}
            if (params.get("reply_markup") or {}).get("inline_keyboard"):  # Telegram echoes only inline keyboards
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    # What tests look at.

    def named(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def messages(self) -> list[Call]:
        return self.named("sendMessage")

    def last_message(self) -> Call:
        return self.messages()[-1]

    def clear(self) -> None:
        self.calls.clear()


@dataclass
class Person:
    """One Telegram user in a private chat, writing updates as the Bot API delivers them."""

    user_id: int = 4242
    first_name: str = "Anna"
    language_code: str = "da"
    chat_type: str = "private"
    chat_id: int | None = None
    _update_ids: Any = field(default_factory=lambda: itertools.count(1))
    _message_ids: Any = field(default_factory=lambda: itertools.count(100))

    @property
    def user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}

    @property
    def chat(self) -> dict[str, Any]:
        if self.chat_type == "private":
            return {"id": self.user_id, "first_name": self.first_name, "type": "private"}
        return {"id": self.chat_id or -100123, "title": "Team", "type": self.chat_type}

    def message(self, **content: Any) -> dict[str, Any]:
        """A `message` update with the given content fields (text, photo, sticker, reply_to_message …)."""
        body = {"message_id": next(self._message_ids), "from": self.user, "chat": self.chat,
                "date": int(time.time()), **content}
        text = content.get("text", "")
        if text.startswith("/"):
            body["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        return {"update_id": next(self._update_ids), "message": body}

    def text(self, text: str, *, reply_to: Call | dict[str, Any] | None = None) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra["reply_to_message"] = bot_message(reply_to, self.user_id) if isinstance(reply_to, Call) else reply_to
        return self.message(text=text, **extra)

    def edited(self, text: str) -> dict[str, Any]:
        update = self.message(text=text)
        update["edited_message"] = {**update.pop("message"), "edit_date": int(time.time())}
        return update

    def press(self, data: str, on: Call | dict[str, Any]) -> dict[str, Any]:
        """A `callback_query`: the user pressed the button carrying `data` under the bot's message `on`."""
        message = bot_message(on, self.user_id) if isinstance(on, Call) else on
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": str(next(self._message_ids)), "from": self.user, "chat_instance": "ci-1", "data": data,
            "message": message}}


def bot_message(call: Call, chat_id: int) -> dict[str, Any]:
    """The Message a recorded sendMessage produced, as it appears inside later updates."""
    message = {"message_id": call.result["message_id"], "from": BOT_USER, "date": int(time.time()),
               "chat": {"id": chat_id, "first_name": "Anna", "type": "private"}, "text": _TAG.sub("", call.text)}
    if (call.markup or {}).get("inline_keyboard"):
        message["reply_markup"] = call.markup
    return message


async def deliver(application: Application, update: dict[str, Any]) -> None:
    """Hand one update to the bot as polling or the webhook would."""
    await application.process_update(Update.de_json(update, application.bot))
