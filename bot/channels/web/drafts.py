"""Nothing typed is lost: where a refused form's page is, and how the refusal is worded.

The text itself never comes back from the server: the browser keeps a draft of every form marked
`data-keep-draft` (bot/channels/web/static/app.js, in sessionStorage) until a page confirms the form went through. The
server's part is to say plainly why a form was not sent, and to send the visitor back to the GET page that
shows the form (never to the POST path, which has no page), where the draft is put back in the field.
"""

from __future__ import annotations

import re

# Forms a visitor sends before signing in (or to leave): a refused token there is just an old form.
ANONYMOUS_FORMS = frozenset({"/login", "/login/key", "/login/mfa", "/register", "/language", "/logout"})

# The GET page that shows the form posting to a path; the first pattern that matches decides.
_FORM_PAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/chat(/|$)"), "/chat"),
    (re.compile(r"^(/dashboard/requisitions/\d+)/(publish|preview)$"), r"\1/publish"),
    (re.compile(r"^(/dashboard/requisitions/\d+)(/|$)"), r"\1"),
    (re.compile(r"^/dashboard/templates(/|$)"), "/dashboard/templates"),
    (re.compile(r"^/dashboard/(users|invites|tokens|caseworkers)(/|$)"), "/dashboard/users"),
    (re.compile(r"^/dashboard(/|$)"), "/dashboard"),
    (re.compile(r"^/password$"), "/password"),
    (re.compile(r"^/account/mfa$"), "/account/mfa"),
)

# What a refused form held, by the last part of its path: the expired-session page names it.
_WHAT_WAS_SENT = {
    "ask": "question", "route": "question",
    "reply": "answer", "answer": "answer",
    "notes": "text", "request_info": "text", "reject": "text", "duplicate": "text", "preview": "text",
    "publish": "text", "templates": "text",
}


def form_page(path: str) -> str:
    """The page a form posting to `path` is on, e.g. /chat/ask -> /chat; the start page if none is known."""
    for pattern, page in _FORM_PAGES:
        found = pattern.match(path)
        if found:
            return found.expand(page)
    return "/"


def unsent_message_key(path: str) -> str:
    """The i18n key telling that the form posted to `path` was not sent because the session had expired."""
    return "unsent." + _WHAT_WAS_SENT.get(path.rstrip("/").rsplit("/", 1)[-1], "form")
