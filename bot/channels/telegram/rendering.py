"""Pure rendering: answers, requisitions and notifications → Telegram HTML chunks and inline keyboards.

Nothing here talks to Telegram or the services, so every reply the bot can send is unit-tested as data.
Every chunk is escaped HTML with balanced tags and at most `MESSAGE_LIMIT` UTF-16 code units, the unit
in which Telegram counts its 4,096 characters; long passages are split at paragraph, sentence or word ends.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.answering.answer import Answer, Citation
from bot.answering.phrasing import format_date
from bot.channels.telegram.texts import status_name, text
from bot.core.language import Language
from bot.privacy.notice import describe_kinds

MESSAGE_LIMIT = 4096
EXTRA_CITATIONS = 1  # passages shown under an answer besides the one quoted (collapsed)
CLOSEST_CITATIONS = 1  # passages shown when the documents do not answer (collapsed, under the decision)
TITLE_CHARS = 60  # a citation names the document by a short title: "Høringssvar om … (12. januar 2007)"
SECTION_CHARS = 40
NEWER_SCORE_SHARE = 0.8  # as the engine: a newer document counts when it scores this share of the first
_NUMBER = re.compile(r"\bR-\d+\b")
_MIN_PIECE = 300  # a long block starts in the current message only if this much room is left
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")

Style = Literal["plain", "bold", "italic", "quote", "expandable", "html"]
_TAGS: dict[str, tuple[str, str]] = {
    "plain": ("", ""),
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "quote": ("<blockquote>", "</blockquote>"),
    "expandable": ("<blockquote expandable>", "</blockquote>"),
}


@dataclass(frozen=True)
class Block:
    """One paragraph of a reply: plain `text` shown in `style`; "html" blocks are trusted catalogue markup."""

    text: str
    style: Style = "plain"

    def render(self) -> str:
        if self.style == "html":
            return self.text
        opening, closing = _TAGS[self.style]
        return f"{opening}{escape(self.text)}{closing}"


@dataclass(frozen=True)
class Reply:
    """A rendered reply: the message chunks in order, and the markup that goes under the last one."""

    chunks: tuple[str, ...]
    markup: InlineKeyboardMarkup | ForceReply | None = None


def escape(value: str) -> str:
    """Escape text for Telegram's HTML parse mode (only &, < and > are special)."""
    return html.escape(value, quote=False)


def telegram_length(value: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(value.encode("utf-16-le")) // 2


def reply_language(preferred: str, written: str | None = None) -> Language:
    """English when the caseworker chose it or wrote in it; Danish otherwise."""
    return "en" if "en" in (preferred, written) else "da"


# ------------------------------------------------------------------------------------------ splitting


def pack(blocks: Iterable[Block], limit: int = MESSAGE_LIMIT) -> tuple[str, ...]:
    """Join blocks into as few messages as fit `limit`; a block too long for one message is split cleanly.

    A block that fits a message is never split; one that does not starts in the current message, so a
    heading stays with the beginning of its quote.
    """
    chunks: list[str] = []
    current = ""
    for block in blocks:
        rendered = block.render()
        joined = f"{current}\n{rendered}" if current else rendered
        if telegram_length(joined) <= limit:
            current = joined
            continue
        if telegram_length(rendered) <= limit:
            chunks.append(current)
            current = rendered
            continue
        room = limit - telegram_length(current) - 1 if current else limit
        if current and room < _MIN_PIECE:
            chunks.append(current)
            current, room = "", limit
        pieces = _split_block(block, first=room, rest=limit)
        if current:
            pieces[0] = f"{current}\n{pieces[0]}"
        chunks.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        chunks.append(current)
    return tuple(chunks)


def _split_block(block: Block, *, first: int, rest: int) -> list[str]:
    if block.style == "html":
        raise ValueError("catalogue HTML blocks must fit one message")
    opening, closing = _TAGS[block.style]
    overhead = telegram_length(opening + closing)
    pieces: list[str] = []
    remaining = block.text
    while remaining:
        head, remaining = _cut(remaining, (rest if pieces else first) - overhead)
        pieces.append(f"{opening}{escape(head)}{closing}")
    return pieces


def _cut(value: str, budget: int) -> tuple[str, str]:
    """The longest clean head of `value` whose escaped form fits `budget`, and the rest."""
    if telegram_length(escape(value)) <= budget:
        return value, ""
    size = budget
    while True:
        window = value[:size]
        cut = next((window.rfind(b) + len(b) for b in _BREAKS if window.rfind(b) > size // 2), size)
        head = value[:cut].rstrip() or value[:cut]
        if telegram_length(escape(head)) <= budget or size == 1:
            return head, value[cut:].lstrip()
        size = max(1, size - max(1, size // 10))


# ------------------------------------------------------------------------------------------ answers


def shown_citations(answer: Answer) -> list[Citation]:
    """The passages a reply shows, in order: what feedback on the reply refers to. Besides the quoted one, an
    answer shows another only from another document or section: a second passage from the same place adds words,
    not a source."""
    if answer.status != "answered":
        return answer.citations[:CLOSEST_CITATIONS]
    first, *rest = answer.citations or [None]
    if first is None:
        return []
    others = [c for c in rest if (c.doc_id, c.section) != (first.doc_id, first.section)]
    return [first, *others[:EXTRA_CITATIONS]]


def render_answer(answer: Answer, language: Language, *, redacted: Sequence[str] = (), lead: str | None = None,
                  today: str | None = None, max_age_years: int | None = None) -> tuple[str, ...]:
    """An engine answer as chat messages, the decision first: the quote with a short citation, or "not in the
    documents: send it to the task force?" (the button is under the message); then at most one more passage,
    collapsed. `lead` is a line said before it (e.g. that a pending route was left)."""
    blocks: list[Block] = []
    if redacted:  # the original message is gone from the chat: show what was asked instead
        blocks.append(Block(redaction_notice(redacted, language), "html"))
        blocks.append(Block(text("asked_as", language), "html"))
        blocks.append(Block(answer.question, "quote"))
    if lead:
        blocks.append(Block(lead, "html"))
    citations = shown_citations(answer)
    if answer.status == "answered" and citations:
        first, *others = citations
        blocks.append(Block(text("according_to", language, source=escape(short_source(first, language))), "html"))
        blocks.append(Block(first.quote, "quote"))
        blocks.extend(Block(f"⚠️ {notice}", "italic") for notice in notices(answer, language, today, max_age_years))
        for citation in others:
            blocks.append(Block(text("see_also", language, source=escape(short_source(citation, language))), "html"))
            blocks.append(Block(citation.quote, "expandable"))
    else:
        # The middle band (the engine's `tentative`): its closest quote is right often enough to say "not sure".
        blocks.append(Block(text("not_sure" if answer.tentative and citations else "not_answered", language), "html"))
        for citation in citations:
            blocks.append(Block(text("closest", language, source=escape(short_source(citation, language))), "html"))
            blocks.append(Block(citation.quote, "expandable"))
    return pack(blocks)


def short_source(citation: Citation, language: Language) -> str:
    """A short citation: the document's short title, its date, and the section when it is not the title."""
    source = f"{_shorten_words(citation.title, TITLE_CHARS)} ({format_date(citation.date, language)})"
    if citation.section and citation.section != citation.title:
        source += f", {text('section', language)} «{_shorten_words(citation.section.split(' › ')[-1], SECTION_CHARS)}»"
    return source


def _shorten_words(value: str, limit: int) -> str:
    """At most `limit` characters, cut at a word's end."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    head = value[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:–-")
    return head + "…"


def notices(answer: Answer, language: Language, today: str | None, max_age_years: int | None) -> list[str]:
    """The answer's validity notices in the chat's language: the engine words them in the question's language,
    so when the chat's differs (`/sprog en`, a Danish question) they are said again from the same facts."""
    if answer.language == language or max_age_years is None or not answer.citations:
        return list(answer.notices)
    first = answer.citations[0]
    said: list[str] = []
    if first.date:
        year = int((today or date.today().isoformat())[:4])
        if year - int(first.date[:4]) > max_age_years:
            said.append(text("notice_old", language, date=format_date(first.date, language), years=max_age_years))
        newer = [c for c in answer.citations[1:] if c.date and c.date[:4] > first.date[:4] and c.doc_id != first.doc_id
                 and c.score >= NEWER_SCORE_SHARE * first.score]
        if newer:
            said.append(text("notice_newer", language, title=newer[0].title, date=format_date(newer[0].date, language)))
    return said


def redaction_notice(kinds: Sequence[str], language: Language) -> str:
    """Tell the caseworker which personal data was removed from their message, and why (any kind, never failing)."""
    pronoun = text("it" if len(kinds) == 1 else "them", language)
    return text("redacted", language, kinds=escape(describe_kinds(kinds, language)), them=pronoun)


# ------------------------------------------------------------------------------------------ keyboards

CallbackAction = Literal["up", "down", "route", "skip", "cancel"]


def callback_data(action: CallbackAction, token: str) -> str:
    """What a button sends back: the action and the token of the answer it belongs to (≤ 64 bytes)."""
    return f"a:{action}:{token}"


def parse_callback(data: str | None) -> tuple[str, str] | None:
    """(action, token) of a button press, or None for data this bot did not make."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != "a" or parts[1] not in ("up", "down", "route", "skip", "cancel"):
        return None
    return parts[1], parts[2]


def answer_keyboard(token: str, language: Language, *, feedback: bool = True, route: bool = True) -> InlineKeyboardMarkup | None:
    """👍 / 👎 and "Send til task forcen" under an answer; buttons already used are left out."""
    rows: list[list[InlineKeyboardButton]] = []
    if feedback:
        rows.append([
            InlineKeyboardButton(text("button_up", language), callback_data=callback_data("up", token)),
            InlineKeyboardButton(text("button_down", language), callback_data=callback_data("down", token)),
        ])
    if route:
        rows.append([InlineKeyboardButton(text("button_route", language), callback_data=callback_data("route", token))])
    return InlineKeyboardMarkup(rows) if rows else None


def context_keyboard(token: str, language: Language) -> InlineKeyboardMarkup:
    """Under the one follow-up question before routing: send without context, or cancel."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(text("button_send_without", language), callback_data=callback_data("skip", token)),
        InlineKeyboardButton(text("button_cancel", language), callback_data=callback_data("cancel", token)),
    ]])


# ------------------------------------------------------------------------------------------ requisitions


def render_routed(number: str, duplicate_numbers: Sequence[str], language: Language,
                  *, redacted: Sequence[str] = (), others: bool = False) -> tuple[str, ...]:
    """The confirmation after routing: the requisition's number, the caseworker's own similar open ones, and
    (without numbers she could not open) whether a colleague's similar question is already with the task force."""
    blocks = [Block(redaction_notice(redacted, language), "html")] if redacted else []
    blocks.append(Block(text("routed", language, number=escape(number)), "html"))
    if duplicate_numbers:
        numbers = ", ".join(escape(n) for n in duplicate_numbers)
        blocks.append(Block(text("similar_open", language, numbers=numbers), "html"))
    if others:
        blocks.append(Block(text("similar_elsewhere", language), "html"))
    return pack(blocks)


def render_status(items: Sequence[Any], total: int, language: Language) -> tuple[str, ...]:
    """/status: the caseworker's open requisitions (RequisitionView-like) and their states."""
    if not items:
        return pack([Block(text("status_none", language), "html")])
    blocks = [Block(text("status_head", language), "bold")]
    for item in items:
        line = f"• <b>{escape(item.number)}</b>: {escape(status_name(item.status, language))}\n  «{escape(_shorten(item.question, 100))}»"
        blocks.append(Block(line, "html"))
    if total > len(items):
        blocks.append(Block(text("status_more", language, count=total - len(items)), "html"))
    if any(item.status == "needs_info" for item in items):
        blocks.append(Block(text("status_needs_info_hint", language), "italic"))
    return pack(blocks)


def render_notification(kind: str, payload: Mapping[str, Any], language: Language,
                        titles: Mapping[str, str] | None = None) -> Reply:
    """A task-force notification from the outbox, referring to the caseworker's question."""
    number = escape(str(payload.get("number", "")))
    question = str(payload.get("question") or "")
    asked = [Block(text("your_question", language), "html"), Block(question, "expandable")] if question else []
    if kind == "answered":  # the answer first; the question it answers below, collapsed
        blocks = [Block(text("delivered_answer", language, number=number), "html"),
                  Block(str(payload.get("answer") or "")), *asked]
        sources = list(payload.get("sources") or [])
        if sources:
            blocks.append(Block(text("sources", language), "bold"))
            blocks.extend(_cited_source(source, titles or {}) for source in sources)
        return Reply(pack(blocks))
    if kind == "needs_info":
        blocks = [Block(text("needs_info", language, number=number), "html"), *asked,
                  Block(str(payload.get("message") or ""), "quote"), Block(text("needs_info_reply", language), "italic")]
        return Reply(pack(blocks), ForceReply(input_field_placeholder=text("needs_info_placeholder", language)))
    if kind == "rejected":
        blocks = [Block(text("rejected", language, number=number), "html"), *asked]
        if payload.get("reason"):
            blocks += [Block(text("reason", language), "bold"), Block(str(payload["reason"]), "quote")]
        return Reply(pack(blocks))
    if kind == "duplicate":
        original = escape(str(payload.get("duplicate_of") or ""))
        return Reply(pack([Block(text("duplicate", language, number=number, original=original), "html"), *asked]))
    return Reply(pack([Block(text("status_changed", language, number=number), "html"), *asked]))


def _cited_source(source: Mapping[str, Any], titles: Mapping[str, str]) -> Block:
    doc_id = str(source.get("doc_id") or "")
    parts = [titles.get(doc_id, doc_id)]
    if source.get("section"):
        parts.append(str(source["section"]))
    line = "• " + ", ".join(parts)
    if source.get("quote"):
        line += f": «{source['quote']}»"
    return Block(line)


def requisition_number_in(message_text: str | None) -> str | None:
    """The requisition number a bot message is about (the first "R-00042"), to route a reply to it."""
    match = _NUMBER.search(message_text or "")
    return match.group(0) if match else None


def _shorten(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
