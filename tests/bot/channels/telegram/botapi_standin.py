"""A small stand-in for the Telegram Bot API on 127.0.0.1, for tests that run the real bot over HTTP.

It serves `POST /bot<TOKEN>/<method>` for the methods the bot uses (getMe, getUpdates with long polling,
sendMessage, sendChatAction, answerCallbackQuery, editMessageReplyMarkup, deleteMessage, setWebhook,
deleteWebhook, setMyCommands …), records every call, and hands out the updates a test pushes. Standard
library only.

`fail(method, *faults)` makes the next calls of a method fail the way Telegram does, one fault per call:
`Fault.too_many(3)` (429 with `retry_after`), `Fault.status(500)` / `(502)`, `Fault.hang(seconds)` (no
answer within the client's timeout; the message is not taken), `Fault.bad_entities()` (400 "can't parse
entities"). A failed call is recorded in `failures`, not in `calls`, which hold only what Telegram took.
`on_call` runs (in the server's thread) for every call Telegram took, before the reply goes out.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from telegram_fakes import BOT_USER, Call

JSON_FIELDS = {"reply_markup", "reply_parameters", "link_preview_options", "allowed_updates", "entities", "commands"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout"}
BOOL_FIELDS = {"show_alert", "drop_pending_updates", "disable_notification"}
MAX_POLL_SECONDS = 1.0  # getUpdates holds a request at most this long, so stopping the bot is quick
_TAG = re.compile(r"<[^>]+>")


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-reply (the bot stopped during a long poll) is normal here, not a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass(frozen=True)
class Fault:
    """How one Bot API call fails."""

    status_code: int
    description: str
    retry_after: int | None = None
    hang_seconds: float = 0.0

    @classmethod
    def too_many(cls, retry_after: int) -> Fault:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    @classmethod
    def status(cls, code: int) -> Fault:
        return cls(code, {500: "Internal Server Error", 502: "Bad Gateway"}.get(code, "Error"))

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        return cls(504, "Gateway Timeout", hang_seconds=seconds)

    @classmethod
    def bad_entities(cls) -> Fault:
        return cls(400, "Bad Request: can't parse entities: Unsupported start tag \"blockquote\" at byte offset 0")


class BotApiStandIn:
    """The Bot API for one token: `push` updates, then `wait_for` the calls the bot makes in response."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.failures: list[tuple[Call, Fault]] = []
        self.on_call: Callable[[Call], None] | None = None
        self.webhook: dict[str, Any] | None = None
        self._faults: dict[str, list[Fault]] = {}
        self._updates: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._message_ids = itertools.count(7000)
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="botapi-standin", daemon=True)

    @property
    def base_url(self) -> str:
        """What the bot's `telegram_api_base` is set to (the token is appended by the bot)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> BotApiStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # What tests do.

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for the bot's next getUpdates."""
        with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    def fail(self, method: str, *faults: Fault) -> None:
        """The next calls of `method` fail, one fault each, in order; later calls succeed again."""
        with self._changed:
            self._faults.setdefault(method, []).extend(faults)

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """The visible text of every message Telegram took (to `chat_id`), in order."""
        with self._changed:
            return [c.result["text"] for c in self.calls if c.method == "sendMessage"
                    and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def mark(self) -> int:
        """A position in the call log: `wait_for(after=mark)` only looks at calls made since."""
        with self._changed:
            return len(self.calls)

    def wait_for(self, method: str, predicate: Callable[[Call], bool] = lambda call: True, *,
                 after: int = 0, timeout: float = 20.0) -> Call:
        """The first call of `method` after `after` that satisfies `predicate`; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls[after:]:
                    if call.method == method and predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{c.method}: {c.text[:60]!r}" for c in self.calls[after:]]
                    raise AssertionError(f"no {method} within {timeout:.0f} s; calls since: {seen}")
                self._changed.wait(left)

    def since(self, after: int, method: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self.calls[after:] if method is None or c.method == method]

    # Serving the Bot API.

    def _fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self._changed:
            faults = self._faults.get(method)
            if not faults:
                return None
            fault = faults.pop(0)
            self.failures.append((Call(method, params, None), fault))
            self._changed.notify_all()
            return fault

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            return self._get_updates(params)
        with self._changed:
            result = self._result(method, params)
            call = Call(method, params, result)
            self.calls.append(call)
            self._changed.notify_all()
        if self.on_call is not None:
            self.on_call(call)
        return result

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_SECONDS)
        deadline = time.monotonic() + wait
        with self._changed:
            self.calls.append(Call("getUpdates", params, None))
            self._changed.notify_all()
            self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones are gone
            while not self._updates and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return list(self._updates[: int(params.get("limit") or 100)])

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageReplyMarkup", "editMessageText"):
            chat_id = int(params.get("chat_id", 0))
            message = {"message_id": params.get("message_id") or next(self._message_ids), "from": BOT_USER,
                       "date": int(time.time()), "chat": {"id": chat_id, "type": "private", "first_name": "Anna"},
                       "text": html.unescape(_TAG.sub("", str(params.get("text", ""))))}
            if (params.get("reply_markup") or {}).get("inline_keyboard"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "setWebhook":
            self.webhook = dict(params)
        if method == "deleteWebhook":
            self.webhook = None
        if method == "getWebhookInfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self
        prefix = f"/bot{self.token}/"

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                if not self.path.startswith(prefix):
                    self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the client died mid-request: a real server never sees this call
                    self.close_connection = True
                    return
                params = _parameters(body, self.headers.get("Content-Type", ""))
                method = self.path[len(prefix):]
                fault = standin._fault(method, params)
                if fault is None:
                    self._reply(200, {"ok": True, "result": standin._answer(method, params)})
                    return
                if fault.hang_seconds:
                    time.sleep(fault.hang_seconds)
                error: dict[str, Any] = {"ok": False, "error_code": fault.status_code, "description": fault.description}
                if fault.retry_after is not None:
                    error["parameters"] = {"retry_after": fault.retry_after}
                try:
                    self._reply(fault.status_code, error)
                except ConnectionError:  # the client gave up waiting, as it should
                    pass

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests read the call log
                pass

        return Handler


def _parameters(body: bytes, content_type: str) -> dict[str, Any]:
    """Bot API parameters from a form or JSON body, decoded the way Telegram reads them."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise ValueError(f"the stand-in reads forms and JSON, not {content_type}")
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        if key in JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in INT_FIELDS:
            params[key] = int(value) if value.lstrip("-").isdigit() else value
        elif key in BOOL_FIELDS:
            params[key] = value.lower() == "true"
        else:
            params[key] = value
    return params
