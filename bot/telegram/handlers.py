"""The conversation: each handler reads the update, calls one service, and sends what `rendering` made of it.

Handlers run after the gates of `bot.telegram.access`, so `context.registered` is a caseworker. Every text
is redacted (CPR, phone, e-mail) before anything else sees it. Services are synchronous and may block on
the database or the model, so they run in a worker thread; errors reach the one error handler, `on_error`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import ForceReply, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden

from bot.answer_types import Answer
from bot.errors import InvalidInput, InvalidQuestion, NotFound, PermissionDenied
from bot.phrasing import help_text
from bot.redaction import Redaction, redact
from bot.telegram.access import CHANNEL, language_of, refuse
from bot.telegram.conversation import BotContext, PendingAnswer
from bot.telegram.rendering import (
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
)
from bot.telegram.texts import Language, both, text

log = logging.getLogger(__name__)
OPEN_STATES = ("new", "assigned", "in_progress", "needs_info", "answered")
STATUS_LIMIT = 10


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


async def on_text(update: Update, context: BotContext) -> None:
    """A text message: a reply the task force asked for, the context for a pending route, or a question."""
    message = _message(update)
    caseworker = context.registered
    redaction = redact(message.text or "")  # first: nothing below sees the personal data
    if redaction.found:
        await _delete(message)
    if len(redaction.text) > context.services.settings.max_question_chars:
        await context.cancel_waiting_route()
        await _send(context, message, _too_long(redaction.text, context, caseworker.language))
        return
    if await _provide_info(context, message, redaction):
        return
    token = await context.take_waiting_route()
    pending = await context.recall(token) if token else None
    if pending is not None and pending.routed_as is None:
        await _create_requisition(context, message, pending.question, pending.answer, redaction.text,
                                  pending.language, redaction.found, pending=pending, token=token)
        return
    await _answer(context, message, redaction)


async def _answer(context: BotContext, message: Message, redaction: Redaction) -> None:
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    try:
        answer = await asyncio.to_thread(context.services.engine.ask, redaction.text)
    except InvalidQuestion:
        await _send(context, message, _say("invalid_question", context.registered.language))
        return
    language = reply_language(context.registered.language, answer.language)
    if answer.status == "help":  # "Hej", "tak", "👍": a short how-to, no quotes and no buttons
        await _send(context, message, (escape(help_text(language)),))
        return
    shown = shown_citations(answer)
    pending = PendingAnswer(question=answer.question, answer=answer, language=language,
                            citations=tuple(c.chunk_id or c.doc_id for c in shown))
    token = await context.remember(pending)
    sent = await _send(context, message, render_answer(answer, language, redacted=redaction.found),
                       answer_keyboard(token, language), quote=not redaction.found)
    pending.message_id = sent.message_id
    await context.save(token, pending)
    if answer.status == "route":
        await _note_gap(context, answer.question, pending.citations)


async def _note_gap(context: BotContext, question: str, citations: tuple[str, ...]) -> None:
    """A question the documents did not answer counts on the gap map; failing to count it must not fail the chat."""
    try:
        await asyncio.to_thread(context.services.requisitions.record_routed, context.registered, CHANNEL,
                                question, list(citations))
    except Exception:
        log.warning("could not record a routed question for the gap map", exc_info=True)


async def _provide_info(context: BotContext, message: Message, redaction: Redaction) -> bool:
    """A reply to the task force's request for information goes to that requisition; True when it did."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return False
    number = requisition_number_in(replied.text)
    if number is None:
        return False
    caseworker = context.registered
    requisitions = context.services.requisitions
    try:
        view = await asyncio.to_thread(requisitions.get_by_number, caseworker, number)
    except (NotFound, PermissionDenied):
        return False
    if view.status != "needs_info":
        return False
    changed = await asyncio.to_thread(requisitions.provide_info, caseworker, view.id, redaction.text)
    chunks = _say("info_sent", caseworker.language, number=escape(changed.requisition.number))
    await _send(context, message, _with_notice(chunks, redaction.found, caseworker.language), quote=not redaction.found)
    return True


async def _create_requisition(context: BotContext, message: Message, question: str, answer: Answer | None, extra: str | None,
                              language: Language, redacted: Sequence[str], *, pending: PendingAnswer | None = None,
                              token: str | None = None) -> None:
    created = await asyncio.to_thread(
        context.services.requisitions.create, context.registered, question, answer, context=extra or None
    )
    number = created.requisition.number
    log.info("caseworker %s routed a question as %s", context.registered.id, number)
    kinds = tuple(redacted) + tuple(created.redacted)
    await _send(context, message, render_routed(number, [d.number for d in created.duplicates], language, redacted=kinds),
                quote=not redacted)
    if pending is not None and token is not None:
        pending.routed_as = number
        await context.save(token, pending)
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
        if not pending.voted:
            await asyncio.to_thread(context.services.requisitions.record_feedback, context.registered, CHANNEL,
                                    pending.question, list(pending.citations), action)
            pending.voted = True
            await context.save(token, pending)
            await _refresh_buttons(context, chat_id, pending, token)
        await query.answer(text("thanks_up" if action == "up" else "thanks_down", language))
    elif pending.routed_as is not None:
        await query.answer(_plain(text("routed", language, number=pending.routed_as)), show_alert=True)
    elif action == "route":
        await context.await_context(token)
        await query.answer()
        await context.bot.send_message(chat_id, text("ask_context", language), parse_mode=ParseMode.HTML,
                                       reply_markup=context_keyboard(token, language))
    elif action == "skip":
        await context.cancel_waiting_route()
        await query.answer()
        await query.edit_message_reply_markup(reply_markup=None)
        assert isinstance(query.message, Message)
        await _create_requisition(context, query.message, pending.question, pending.answer, None, language, (),
                                  pending=pending, token=token)
    else:  # cancel
        await context.cancel_waiting_route()
        await query.answer(text("route_cancelled", language))
        await query.edit_message_reply_markup(reply_markup=None)


async def _refresh_buttons(context: BotContext, chat_id: int | str, pending: PendingAnswer, token: str) -> None:
    """Drop the buttons already used from the answer's message."""
    if pending.message_id is None:
        return
    markup = answer_keyboard(token, pending.language, feedback=not pending.voted, route=pending.routed_as is None)
    await context.bot.edit_message_reply_markup(chat_id, pending.message_id, reply_markup=markup)


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
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.bot.send_message(update.effective_chat.id, reply, parse_mode=ParseMode.HTML)


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
                markup: InlineKeyboardMarkup | ForceReply | None = None, *, quote: bool = True) -> Message:
    """Send the chunks in order, the first as a reply to the caseworker's message, the markup under the last."""
    sent: Message | None = None
    for position, chunk in enumerate(chunks):
        first, last = position == 0, position == len(chunks) - 1
        sent = await context.bot.send_message(
            message.chat_id, chunk, parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True) if first and quote else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    assert sent is not None
    return sent


async def _delete(message: Message) -> None:
    """Remove a message that held personal data from the chat; the notice says so. Bots may in private chats."""
    try:
        await message.delete()
    except (BadRequest, Forbidden) as exc:  # too old or already gone: the redacted copy is still what we use
        log.warning("could not delete a message with personal data from the chat: %s", exc)
