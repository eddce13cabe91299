"""The conversation: each handler reads the update, calls one service, and sends what `rendering` made of it.

Handlers run after the gates of `bot.channels.telegram.access`, so `context.registered` is a caseworker. Every text
is redacted (CPR, phone, e-mail) before anything else sees it. Services are synchronous and may block on
the database or the model, so they run in a worker thread; errors reach the one error handler, `on_error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.answering.answer import Answer
from bot.answering.phrasing import help_text
from bot.channels.telegram.access import CHANNEL, language_of, refuse
from bot.channels.telegram.conversation import BotContext, PendingAnswer
from bot.channels.telegram.rendering import (
    Block,
    answer_keyboard,
    context_keyboard,
    escape,
    pack,
    parse_callback,
    redaction_notice,
    render_answer,
    render_routed,
    render_status,
    reply_language,
    requisition_number_in,
    shown_citations,
    telegram_length,
)
from bot.channels.telegram.sending import NotDelivered, keep_for_later
from bot.channels.telegram.texts import both, text
from bot.core.errors import InvalidInput, InvalidQuestion, NotFound, PermissionDenied
from bot.core.language import Language
from bot.privacy.redaction import Redaction, redact
from bot.queue.workflow import NEEDS_INFO, OPEN_STATES

log = logging.getLogger(__name__)
STATUS_LIMIT = 10
PASTE_PART = 4000  # UTF-16 units: a message this long is most likely one of the parts Telegram cut a paste into
PASTE_WINDOW_SECONDS = 2.0  # the next part of a paste arrives within this from the same chat
TYPING_REPEAT_SECONDS = 4.5  # Telegram shows "typing…" for about 5 s
PASTES = "pastes"  # bot_data key: chat id → the parts of a paste received so far


# ------------------------------------------------------------------------------------------ commands


async def start(update: Update, context: BotContext) -> None:
    """/start CODE registers a stranger with an invite code; a registered caseworker is greeted."""
    message = _message(update)
    if context.caseworker is not None:
        await _send(context, message, _say("already_registered", context.caseworker.language))
        return
    user = update.effective_user
    assert user is not None and context.args
    try:
        caseworker = await asyncio.to_thread(
            context.services.accounts.redeem_invite, context.args[0],
            channel=CHANNEL, external_id=str(user.id), display_name=user.full_name,
        )
    except (InvalidInput, NotFound):
        refuse(context)
        await _send(context, message, (both("invite_invalid"),))
        return
    log.info("Telegram user registered as caseworker %s with an invite", caseworker.id)
    await _send(context, message, _say("welcome", caseworker.language, department=escape(caseworker.department)))


async def show_help(update: Update, context: BotContext) -> None:
    """/hjaelp in the caseworker's language; /help in English."""
    message = _message(update)
    asked_in_english = (message.text or "").lstrip("/").lower().startswith("help")
    await _send(context, message, _say("help", reply_language(context.registered.language, "en" if asked_in_english else None)))


async def set_language(update: Update, context: BotContext) -> None:
    """/sprog da|en: the language of the bot's own words from now on."""
    message = _message(update)
    choice = (context.args or [""])[0].lower()
    if choice not in ("da", "en"):
        await _send(context, message, _say("language_usage", context.registered.language))
        return
    caseworker = await asyncio.to_thread(context.services.accounts.set_language, context.registered.id, choice)
    context.caseworker = caseworker
    await _send(context, message, _say("language_set", caseworker.language))


async def status(update: Update, context: BotContext) -> None:
    """/status: the caseworker's open requisitions and their states."""
    caseworker = context.registered
    page = await asyncio.to_thread(
        context.services.requisitions.list, caseworker, status=list(OPEN_STATES), sort="-created", limit=STATUS_LIMIT
    )
    await _send(context, _message(update), render_status(page.items, page.total, caseworker.language))


async def requisition(update: Update, context: BotContext) -> None:
    """/rekvirer TEXT: send a question straight to the task force, without asking the documents."""
    message = _message(update)
    caseworker = context.registered
    parts = (message.text or "").split(maxsplit=1)
    redaction = redact(parts[1] if len(parts) == 2 else "")
    if redaction.found:
        await _delete(message)
    language = caseworker.language
    if not redaction.text.strip():
        await _send(context, message, _say("requisition_usage", language))
        return
    if len(redaction.text) > context.services.settings.max_question_chars:
        await _send(context, message, _too_long(redaction.text, context, language))
        return
    await _create_requisition(context, message, redaction.text, None, None, language, redaction.found)


async def unknown_command(update: Update, context: BotContext) -> None:
    await _send(context, _message(update), _say("unknown_command", language_of(context)))


# ------------------------------------------------------------------------------------------ text


@dataclass
class _Paste:
    """The parts of a long paste received so far from one chat, and the timer that answers them if no part follows."""

    messages: list[Message] = field(default_factory=list)
    timer: asyncio.Task[None] | None = None

    @property
    def text(self) -> str:
        return "".join(m.text or "" for m in self.messages)


async def on_text(update: Update, context: BotContext) -> None:
    """A text message: parts of one paste are joined first; then `_handle_text` decides where it goes."""
    message = _message(update)
    pastes: dict[int, _Paste] = context.bot_data.setdefault(PASTES, {})
    paste = pastes.pop(message.chat_id, None)
    if paste is not None and paste.timer is not None:
        paste.timer.cancel()
    paste = paste or _Paste()
    paste.messages.append(message)
    if telegram_length(message.text or "") >= PASTE_PART:  # Telegram may send the rest as the next message
        pastes[message.chat_id] = paste
        paste.timer = context.application.create_task(_paste_ended(context, paste), update=update)
        return
    await _handle_text(context, paste.messages)


async def _paste_ended(context: BotContext, paste: _Paste) -> None:
    """No further part came within the window: answer the paste as it is."""
    await asyncio.sleep(PASTE_WINDOW_SECONDS)
    pastes: dict[int, _Paste] = context.bot_data.setdefault(PASTES, {})
    chat_id = paste.messages[-1].chat_id
    if pastes.get(chat_id) is paste:
        del pastes[chat_id]
        await _handle_text(context, paste.messages)


async def _handle_text(context: BotContext, messages: list[Message]) -> None:
    """One message (or the parts of one paste), in this order: a reply to the task force's request, the context
    for a route the caseworker started, a new question that leaves that state, information for the one open
    request, or a question for the documents."""
    message = messages[-1]
    caseworker = context.registered
    async with _typing(context, message.chat_id):
        redaction = redact("".join(m.text or "" for m in messages))  # first: nothing below sees the personal data
        if redaction.found:
            for part in messages:
                await _delete(part)
        if len(redaction.text) > context.services.settings.max_question_chars:
            await _leave_route(context, message.chat_id)
            await _send(context, message, _too_long(redaction.text, context, caseworker.language))
            return
        if await _provide_info(context, message, redaction, gesture=True):
            return
        waiting = await context.take_waiting_route()
        pending = await context.recall(waiting.token) if waiting else None
        lead = None
        if waiting is not None and pending is not None and pending.routed_as is None:
            await _clear_prompt(context, message.chat_id, pending, waiting.token)
            if waiting.expired:  # the prompt said how long it waits: say that it stopped, and nothing was sent
                lead = text("route_expired", pending.language)
            elif _is_new_question(redaction.text):
                await _answer(context, message, redaction, lead=text("route_left", pending.language))
                return
            else:
                await _create_requisition(context, message, pending.question, pending.answer, redaction.text,
                                          pending.language, redaction.found, pending=pending, token=waiting.token)
                return
        if not _is_new_question(redaction.text) and await _provide_info(context, message, redaction, gesture=False):
            return
        await _answer(context, message, redaction, lead=lead)


_QUESTION_WORDS = frozenset(
    "hvad hvem hvor hvordan hvornår hvilken hvilket hvilke hvorfor what who whom whose where when why which how".split()
)
_ASKING_VERBS = frozenset("må kan skal bør får er har gælder findes can may must should do does is are will".split())
_SUBJECTS = frozenset(
    "jeg vi man der det den de du hun han borgeren kommunen i we you it they she he there the a an my our".split()
)


def _is_new_question(value: str) -> bool:
    """A question of its own, never the context or information asked for: a question mark, a question word first
    ("Hvem betaler tolken"), or a verb before its subject ("Må jeg bruge tolk", "Can we ...")."""
    if "?" in value:
        return True
    words = re.findall(r"\w+", value.casefold())[:2]
    if words and words[0] in _QUESTION_WORDS:
        return True
    return len(words) == 2 and words[0] in _ASKING_VERBS and words[1] in _SUBJECTS


async def _leave_route(context: BotContext, chat_id: int) -> None:
    """End a waiting route (its prompt loses its buttons)."""
    waiting = await context.take_waiting_route()
    pending = await context.recall(waiting.token) if waiting else None
    if pending is not None and waiting is not None:
        await _clear_prompt(context, chat_id, pending, waiting.token)


async def _clear_prompt(context: BotContext, chat_id: int, pending: PendingAnswer, token: str) -> None:
    """The "add context?" prompt is answered or left: its buttons go, so they cannot be pressed any more."""
    if pending.prompt_message_id is None:
        return
    message_id, pending.prompt_message_id = pending.prompt_message_id, None
    await context.save(token, pending)
    await _edit_markup(context, chat_id, message_id, None)


@contextlib.asynccontextmanager
async def _typing(context: BotContext, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" at once, and again every few seconds while the answer is being made."""

    async def keep_typing() -> None:
        if context.typing_shown:  # the first gate has just shown it
            await asyncio.sleep(TYPING_REPEAT_SECONDS)
        while True:
            try:
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:  # only a courtesy: never worth failing the answer for
                log.info("could not show typing: %s", exc)
            await asyncio.sleep(TYPING_REPEAT_SECONDS)

    task = asyncio.create_task(keep_typing())
    await asyncio.sleep(0)  # let the first chat action go out before the work starts
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _answer(context: BotContext, message: Message, redaction: Redaction, *, lead: str | None = None) -> None:
    try:
        answer = await asyncio.to_thread(context.services.assistant.ask, context.registered, CHANNEL, redaction.text)
    except InvalidQuestion:
        await _send(context, message, _say("invalid_question", context.registered.language))
        return
    language = reply_language(context.registered.language, answer.language)
    if answer.status == "help":  # "Hej", "tak", "👍": a short how-to, no quotes and no buttons
        await _send(context, message, (escape(help_text(language)),))
        return
    token, pending = await asyncio.to_thread(context.services.assistant.keep, context.registered, answer, language,
                                             shown_citations(answer))
    settings = context.services.settings
    chunks = render_answer(answer, language, redacted=redaction.found, lead=lead, today=settings.today,
                           max_age_years=settings.max_source_age_years)
    pending.message_id = await _send(context, message, chunks, answer_keyboard(token, language), quote=not redaction.found)
    await context.save(token, pending)


async def _provide_info(context: BotContext, message: Message, redaction: Redaction, *, gesture: bool) -> bool:
    """Information for the task force goes to the requisition waiting for it; True when it did.

    `gesture`: only a reply (Telegram's reply gesture) to the bot's request counts. Otherwise the message goes
    to the caseworker's one requisition waiting for information, when exactly one is.
    """
    caseworker = context.registered
    requisitions = context.services.requisitions
    if gesture:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return False
        number = requisition_number_in(replied.text)
        if number is None:
            return False
        try:
            view = await asyncio.to_thread(requisitions.get_by_number, caseworker, number)
        except (NotFound, PermissionDenied):
            return False
        if view.status != NEEDS_INFO:
            return False
        key = "info_sent"
    else:
        waiting = await asyncio.to_thread(requisitions.list, caseworker, status=[NEEDS_INFO], limit=2)
        if len(waiting.items) != 1:
            return False
        view, key = waiting.items[0], "info_sent_without_reply"
    changed = await asyncio.to_thread(requisitions.provide_info, caseworker, view.id, redaction.text)
    chunks = _say(key, caseworker.language, number=escape(changed.requisition.number))
    await _send(context, message, _with_notice(chunks, redaction.found, caseworker.language), quote=not redaction.found)
    return True


async def _create_requisition(context: BotContext, message: Message, question: str, answer: Answer | None, extra: str | None,
                              language: Language, redacted: Sequence[str], *, pending: PendingAnswer | None = None,
                              token: str | None = None) -> None:
    # The message that made the requisition is its key: an update Telegram delivers again after a crash (or a
    # second tap on "Send uden kontekst") finds the requisition already made instead of making another.
    key = f"telegram:{message.chat_id}:{message.message_id}"
    if pending is not None and token is not None:
        created = await asyncio.to_thread(context.services.assistant.route, context.registered, token, pending,
                                          extra or None, key)
    else:
        created = await asyncio.to_thread(context.services.requisitions.create, context.registered, question, answer,
                                          context=extra or None, idempotency_key=key)
    number = created.requisition.number
    log.info("caseworker %s routed a question as %s", context.registered.id, number)
    kinds = tuple(redacted) + tuple(created.redacted)
    mine: list[str] = []
    if created.duplicates:  # only the caseworker's own numbers: she cannot open anyone else's
        own = await asyncio.to_thread(context.services.requisitions.list, context.registered, status=list(OPEN_STATES),
                                      limit=100)
        numbers = {item.number for item in own.items}
        mine = [d.number for d in created.duplicates if d.number in numbers]
    others = len(created.duplicates) > len(mine)
    await _send(context, message, render_routed(number, mine, language, redacted=kinds, others=others),
                quote=not redacted)
    if pending is not None and token is not None:  # the assistant kept its number: the route button goes
        await _refresh_buttons(context, message.chat_id, pending, token)


# ------------------------------------------------------------------------------------------ buttons


async def on_button(update: Update, context: BotContext) -> None:
    """👍 / 👎 store feedback; "Send til task forcen" asks the one follow-up; then send or cancel."""
    query = update.callback_query
    assert query is not None
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer()
        return
    action, token = parsed
    pending = await context.recall(token)
    if pending is None:
        await query.answer(text("button_expired", context.registered.language), show_alert=True)
        return
    language = pending.language
    chat_id = query.message.chat.id if query.message else context.registered.external_id
    if action in ("up", "down"):
        if await asyncio.to_thread(context.services.assistant.vote, context.registered, CHANNEL, token, pending, action):
            await _refresh_buttons(context, chat_id, pending, token)
        await query.answer(text("thanks_up" if action == "up" else "thanks_down", language))
    elif pending.routed_as is not None:
        await query.answer(_plain(text("routed", language, number=pending.routed_as)), show_alert=True)
    elif action == "route":
        await context.await_context(token)
        await query.answer()
        pending.prompt_message_id = await _send_to(context, chat_id, _say("ask_context", language),
                                                   context_keyboard(token, language))
        await context.save(token, pending)
    elif action == "skip":
        await context.cancel_waiting_route()
        await query.answer()
        pending.prompt_message_id = None
        await query.edit_message_reply_markup(reply_markup=None)
        assert isinstance(query.message, Message)
        await _create_requisition(context, query.message, pending.question, pending.answer, None, language, (),
                                  pending=pending, token=token)
    else:  # cancel
        await context.cancel_waiting_route()
        pending.prompt_message_id = None
        await context.save(token, pending)
        await query.answer(text("route_cancelled", language))
        await query.edit_message_reply_markup(reply_markup=None)


async def _refresh_buttons(context: BotContext, chat_id: int | str, pending: PendingAnswer, token: str) -> None:
    """Drop the buttons already used from the answer's message."""
    if pending.message_id is None:  # the answer is still waiting in the outbox: it will carry the buttons it had
        return
    markup = answer_keyboard(token, pending.language, feedback=not pending.voted, route=pending.routed_as is None)
    await _edit_markup(context, chat_id, pending.message_id, markup)


async def _edit_markup(context: BotContext, chat_id: int | str, message_id: int, markup: InlineKeyboardMarkup | None) -> None:
    """Change a message's buttons; a message already changed or gone is not an error worth telling anyone."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        log.info("could not change a message's buttons: %s", exc)


# ------------------------------------------------------------------------------------------ what the bot cannot read


async def not_text(update: Update, context: BotContext) -> None:
    """Photos, voice, stickers, documents, locations …: say what the bot can do instead."""
    await _send(context, _message(update), _say("text_only", language_of(context)))


async def edited(update: Update, context: BotContext) -> None:
    """An edited message is not answered again; ask for a new message."""
    await _send(context, _message(update), _say("edited", language_of(context)))


# ------------------------------------------------------------------------------------------ errors


async def on_error(update: object, context: BotContext) -> None:
    """The one error handler: log with context, and tell the caseworker to try again (never the details)."""
    update_id = chat_id = kind = None
    if isinstance(update, Update):
        update_id = update.update_id
        chat_id = update.effective_chat.id if update.effective_chat else None
        kind = next((name for name in ("message", "edited_message", "callback_query") if getattr(update, name)), "other")
    log.error("Telegram update %s (%s, chat %s) failed: %s", update_id, kind, chat_id, type(context.error).__name__,
              exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    reply = text("error", context.caseworker.language) if context.caseworker else both("error")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, reply, parse_mode=ParseMode.HTML)
    except TelegramError as exc:  # Telegram itself is failing: the log line above is all we can do
        log.warning("could not tell the caseworker about the failure: %s", exc)


# ------------------------------------------------------------------------------------------ helpers


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None
    return message


def _say(key: str, language: str, **values: object) -> tuple[str, ...]:
    return pack([Block(text(key, language, **values), "html")])


def _too_long(value: str, context: BotContext, language: Language) -> tuple[str, ...]:
    return _say("too_long", language, length=len(value), limit=context.services.settings.max_question_chars)


def _with_notice(chunks: tuple[str, ...], redacted: Sequence[str], language: Language) -> tuple[str, ...]:
    if not redacted:
        return chunks
    return pack([Block(redaction_notice(redacted, language), "html"), *(Block(c, "html") for c in chunks)])


def _plain(html: str) -> str:
    """Callback-query alerts are plain text."""
    return html.replace("<b>", "").replace("</b>", "")


async def _send(context: BotContext, message: Message, chunks: Sequence[str],
                markup: InlineKeyboardMarkup | ForceReply | None = None, *, quote: bool = True) -> int | None:
    """Send the chunks in order, the first as a reply to the caseworker's message, the markup under the last."""
    return await _send_to(context, message.chat_id, chunks, markup, reply_to=message.message_id if quote else None)


async def _send_to(context: BotContext, chat_id: int | str, chunks: Sequence[str],
                   markup: InlineKeyboardMarkup | ForceReply | None = None, *, reply_to: int | None = None) -> int | None:
    """Send under this update's next delivery key; what Telegram does not take in time (429s, 5xx, timeouts after
    the retries) is kept in the outbox and delivered later. Returns the last message's id, None when kept."""
    key = context.next_send_key()
    try:
        return await context.courier.send(chat_id, key, chunks, markup, reply_to=reply_to)
    except NotDelivered as exc:
        if context.caseworker is None:  # a stranger: nothing may be kept about them
            log.warning("a reply to an unregistered Telegram user was lost: %s", exc)
            return None
        log.warning("Telegram did not take a reply (%s); keeping it for later", exc)
        await asyncio.to_thread(keep_for_later, context.services.database, context.caseworker.id, key, chunks, markup)
        return None


async def _delete(message: Message) -> None:
    """Remove a message that held personal data from the chat; the notice says so. Bots may in private chats."""
    try:
        await message.delete()
    except (BadRequest, Forbidden) as exc:  # too old or already gone: the redacted copy is still what we use
        log.warning("could not delete a message with personal data from the chat: %s", exc)
