"""The gates every update passes before a handler sees it: flood limit, private chats only, registered caseworkers.

They run in handler groups before the conversation handlers and stop the update (`ApplicationHandlerStop`)
when it must go no further. About people who are not registered nothing is stored but a counter.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Chat, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.channels.telegram.conversation import BotContext
from bot.channels.telegram.ratelimit import Verdict
from bot.channels.telegram.texts import both
from bot.core.errors import InvalidInput
from bot.people.actors import SYSTEM

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MEMBER = ("member", "administrator")
REFUSALS = "refusals"  # bot_data key of the one thing kept about strangers: how many were turned away


def costs_an_answer(update: Update) -> bool:
    """A text message that is not a command: the engine (or a requisition) works for it. Taps and commands do not."""
    message = update.message
    return message is not None and bool(message.text) and not message.text.startswith("/")


async def show_typing(update: Update, context: BotContext) -> None:
    """Group -1: a caseworker's text message sees "typing…" at once (in the background: the handler goes on)."""
    message = update.message
    if context.caseworker is None or message is None or not message.text or message.text.startswith("/"):
        return
    context.typing_shown = True
    context.application.create_task(_typing_once(context, message.chat.id), update=update)


async def _typing_once(context: BotContext, chat_id: int) -> None:
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:  # only a courtesy
        log.info("could not show typing: %s", exc)


async def limit_floods(update: Update, context: BotContext) -> None:
    """Group -4: a user over the flood limit is told once to slow down; further messages are dropped.

    Only messages that cost an answer count toward the limit; taps and commands have their own, generous cap.
    """
    user = update.effective_user
    if user is None:
        raise ApplicationHandlerStop
    limiter = context.limiter if costs_an_answer(update) else context.tap_limiter
    verdict = limiter.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    log.info("flood limit: %s from a Telegram user", "warned" if verdict is Verdict.WARN else "dropped an update")
    if verdict is Verdict.WARN:
        await _tell(update, context, both("rate_limited"))
    elif update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


async def private_chats_only(update: Update, context: BotContext) -> None:
    """Group -3: added to a group, the bot says once that it works in private chat; it never answers there.

    Changes to the bot's own membership (added, blocked) go no further in any chat.
    """
    chat = update.effective_chat
    if update.my_chat_member is not None:
        if chat is not None and chat.type != Chat.PRIVATE and update.my_chat_member.new_chat_member.status in MEMBER:
            await context.bot.send_message(chat.id, both("private_only"), parse_mode=ParseMode.HTML)
        raise ApplicationHandlerStop
    if chat is not None and chat.type == Chat.PRIVATE:
        return
    raise ApplicationHandlerStop


async def registered_only(update: Update, context: BotContext) -> None:
    """Group -2: find the caseworker (allowlisted users are registered on first contact); refuse anyone else.

    `/start CODE` from a stranger passes, so the start handler can redeem the invite.
    """
    user = update.effective_user
    assert user is not None  # limit_floods stopped updates without a user
    accounts = context.services.accounts
    caseworker = await asyncio.to_thread(accounts.get_caseworker, CHANNEL, str(user.id))
    if caseworker is None and user.id in context.services.settings.telegram_allowlist:
        try:
            caseworker = await asyncio.to_thread(
                accounts.register_caseworker, SYSTEM, channel=CHANNEL, external_id=str(user.id),
                display_name=user.full_name, department=context.services.settings.telegram_allowlist_department,
            )
        except InvalidInput:  # deactivated by the coordinator: the allowlist does not bring them back
            caseworker = None
        else:
            log.info("registered allowlisted Telegram user as caseworker %s", caseworker.id)
    context.caseworker = caseworker
    if caseworker is not None or _is_start_with_code(update):
        return
    refuse(context)
    await _tell(update, context, both("refusal"))
    raise ApplicationHandlerStop


def refuse(context: BotContext) -> int:
    """Count one refusal of a stranger; the count is all that is kept about them."""
    context.bot_data[REFUSALS] = context.bot_data.get(REFUSALS, 0) + 1
    log.info("refused an unregistered Telegram user (%d refusals since start)", context.bot_data[REFUSALS])
    return context.bot_data[REFUSALS]


def _is_start_with_code(update: Update) -> bool:
    message = update.message
    if message is None or not message.text:
        return False
    words = message.text.split()
    return len(words) == 2 and words[0].split("@")[0] == "/start"


async def _tell(update: Update, context: BotContext, html: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, html, parse_mode=ParseMode.HTML)


def language_of(context: BotContext) -> str:
    """The caseworker's chosen language, Danish for strangers."""
    return context.caseworker.language if context.caseworker is not None else "da"

