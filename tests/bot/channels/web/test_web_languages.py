"""Danish pages read Danish and English pages English (issue 16 k).

Every template is rendered, for each role that reaches it and in both languages, and the text a reader sees (text
nodes, placeholders, titles, labels) is checked against the other language: no value of the other language's
catalogue, no raw document type, and on a Danish page no English sentence. Text in the other language is allowed
only where the page marks it with `lang` (the language switch, the English evaluation report), as WCAG 3.1.2 asks.
Every domain error that carries a message key translates in both languages.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from bot.channels.web.error_pages import error_text
from bot.channels.web.i18n import MESSAGES, translate
from bot.channels.web.templating import TEMPLATES_DIR
from bot.core import errors
from bot.people.actors import SYSTEM
from corpus.document import DOCUMENT_TYPES
from tests.bot.channels.web.conftest import (
    ADVISER_PASSWORD,
    ANSWERABLE,
    COORDINATOR_PASSWORD,
    caseworker_client,
    post_form,
    sign_in,
)

REPO = Path(__file__).resolve().parents[4]
DOCUMENT = "001_7fd9acb3b78e308e"
# Words that make a sentence English and that no Danish sentence of ours uses ("have", "must", "and", "to" are
# Danish words too, so they are not here). Two of them in one text node mark it as English.
ENGLISH_WORDS = frozenset(
    "the is are was been you your cannot this these with from please which there what when only already "
    "there's isn't doesn't can't".split()
)
NAMES = frozenset({"coordinator", "anna", "bo", "nina", "Sara"})  # the cast's user names: the first is a word
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _Text(HTMLParser):
    """The visible text of a page, leaving out script/style and whatever is marked as another language."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language, self.stack, self.nodes = language, [], []  # stack: (tag, is the page's language)

    def _ours(self) -> bool:
        return all(ours for _, ours in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        ours = self._ours() and values.get("lang", self.language) == self.language and tag not in ("script", "style")
        if ours:
            self.nodes += [values[name] or "" for name in SHOWN_ATTRIBUTES if values.get(name)]
        if tag not in VOID:
            self.stack.append((tag, ours))

    def handle_endtag(self, tag: str) -> None:
        if tag not in [open_tag for open_tag, _ in self.stack]:  # </br>, <img/>, a stray end tag: nothing to close
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and self._ours():
            self.nodes.append(" ".join(data.split()))


def visible_text(html: str, language: str) -> list[str]:
    parser = _Text(language)
    parser.feed(html)
    return parser.nodes


def _pattern(text: str) -> re.Pattern[str]:
    """A catalogue value as a pattern for a whole text node; a placeholder matches any text."""
    parts = [re.escape(literal) + (".+?" if field is not None else "")
             for literal, field, _, _ in string.Formatter().parse(text)]
    return re.compile("".join(parts), re.S)


def _foreign(language: str) -> list[tuple[str, re.Pattern[str]]]:
    """What a page in `language` must not show: the other language's values that this language does not share."""
    own = 0 if language == "da" else 1
    ours = {pair[own] for pair in MESSAGES.values()}
    values = {(key, pair[1 - own]) for key, pair in MESSAGES.items() if pair[1 - own] not in ours}
    if language == "da":
        values |= {("raw document type", t) for t in DOCUMENT_TYPES if t not in ours}
    return [(key, _pattern(value)) for key, value in sorted(values) if len(_literal(value)) >= 6]


def _literal(text: str) -> str:
    """The letters a value has besides its placeholders: "{elapsed} of {allowed}" has too few to tell anything."""
    return "".join(c for literal, _, _, _ in string.Formatter().parse(text) for c in literal if c.isalpha())


FOREIGN = {language: _foreign(language) for language in ("da", "en")}


def problems(html: str, language: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The page's text nodes that are in the other language, each with why; `names` are people, not words."""
    found = []
    for node in visible_text(html, language):
        if node in names:
            continue
        for key, pattern in FOREIGN[language]:
            if pattern.fullmatch(node):
                found.append(f"{node!r} is the other language's {key!r}")
        if language == "da":
            english = {w for w in re.findall(r"[a-z']+", node.lower()) if w in ENGLISH_WORDS}
            if len(english) >= 2:
                found.append(f"{node!r} reads English ({', '.join(sorted(english))})")
    return found


# ---------------------------------------------------------------------------- the pages, by role


class Walk:
    """Visits pages as one role in one language and keeps which templates it saw and what was wrong on them."""

    def __init__(self, client: TestClient, language: str) -> None:
        self.client, self.language = client, language
        self.templates: set[str] = set()
        self.wrong: list[str] = []

    def choose_language(self) -> None:
        post_form(self.client, "/login", "/language", {"language": self.language, "next": "/"})

    def see(self, response, where: str) -> None:
        template = getattr(response, "template", None)
        if template is not None:
            self.templates.add(template.name)
        if "text/html" in response.headers.get("content-type", ""):
            self.wrong += [f"{self.language} {where} ({response.status_code}): {p}" for p in problems(response.text, self.language, NAMES)]

    def get(self, path: str) -> None:
        self.see(self.client.get(path), f"GET {path}")

    def post(self, page: str, action: str, data: dict[str, object]) -> None:
        self.see(post_form(self.client, page, action, data), f"POST {action}")


@pytest.fixture
def cast(services, people):
    """Requisitions in every state a page shows differently, an invite, a template, and Bo with a second factor."""
    made = []
    for question in ("Hvordan bruger vi bydelsmødre i boligområderne?", "Hvem betaler for tolk ved hjemløseenheden?",
                     "Må vi registrere etnicitet i sagerne?", "Hvor længe gælder en handleplan?"):
        answer = services.engine.ask(question)
        made.append(services.requisitions.create(people.caseworker, answer.question, answer, themes=("tolk",)).requisition)
    new, asked, answered, other = made
    for requisition in (asked, answered):
        services.requisitions.assign(SYSTEM, requisition.id, people.anna.id)
        services.requisitions.start(people.anna, requisition.id)
    services.requisitions.ask_for_info(people.anna, asked.id, "Hvilket sprog taler familien?")
    services.requisitions.answer(people.anna, answered.id, "Nej, jf. høringssvaret.")
    services.requisitions.assign(SYSTEM, other.id, people.bo.id)
    services.requisitions.templates.save(people.coordinator, "Indledning", "Tak for dit spørgsmål.")
    services.accounts.create_invite(people.coordinator, "Socialforvaltningen")
    secret = pyotp.random_base32()
    services.accounts.mfa.enrol(people.bo, people.bo.id, secret, pyotp.TOTP(secret).now())
    return {"new": new, "asked": asked, "answered": answered, "other": other}


def walk_signed_out(walk: Walk, services) -> None:
    walk.get("/login")
    walk.get("/register")
    walk.get("/docs")
    walk.get("/no/such/page")
    walk.post("/login", "/login", {"username": "anna", "password": "forkert forkert forkert"})
    walk.post("/register", "/register", {"code": "no-such-code", "display_name": "Sara"})
    invite = services.accounts.create_invite(SYSTEM, "Socialforvaltningen")
    walk.post("/register", "/register", {"code": invite.code, "display_name": "Sara"})  # registered.html
    walk.client.cookies.clear()
    walk.choose_language()
    sign_in(walk.client, "bo", ADVISER_PASSWORD)
    walk.get("/login/mfa")
    walk.post("/login/mfa", "/login/mfa", {"code": "000000"})


def walk_caseworker(walk: Walk, cast) -> None:
    walk.get("/chat")
    walk.post("/chat", "/chat/ask", {"question": "   "})
    walk.post("/chat", "/chat/ask", {"question": ANSWERABLE})
    walk.post("/chat", "/chat/ask", {"question": "Hvad koster en kop kaffe på rådhuset om fredagen?"})
    walk.post("/chat", "/chat/route", {"question": "Hvem betaler for tolk ved hjemløseenheden?", "context": ""})
    walk.post("/chat", "/chat/feedback", {"question": ANSWERABLE, "vote": "up"})
    walk.post("/chat", f"/chat/requisitions/{cast['answered'].id}/reply", {"text": "Tigrinya"})  # not asked: 409
    walk.get("/documents")
    walk.get(f"/documents/{DOCUMENT}")
    walk.get(f"/documents/{DOCUMENT}?start=50&end=10")
    walk.get("/dashboard")  # staff only: 403


def walk_adviser(walk: Walk, cast) -> None:
    for page in ("/dashboard", "/dashboard?status=bogus", "/dashboard/eval", "/password", "/account/mfa",
                 "/documents", f"/dashboard/requisitions/{cast['asked'].id}", f"/dashboard/requisitions/{cast['answered'].id}",
                 f"/dashboard/requisitions/{cast['other'].id}", "/dashboard/users"):
        walk.get(page)
    page = f"/dashboard/requisitions/{cast['answered'].id}"
    walk.post(page, f"{page}/start", {})  # answered: the transition is refused
    walk.post("/password", "/password", {"current": ADVISER_PASSWORD, "new": "kort", "repeat": "kort"})
    walk.post("/account/mfa", "/account/mfa", {"secret": "A" * 32, "code": "000000"})


def walk_coordinator(walk: Walk, cast) -> None:
    for page in ("/dashboard", "/dashboard?mine=1", "/dashboard/gaps", "/dashboard/users", "/dashboard/templates",
                 "/dashboard/eval", f"/dashboard/requisitions/{cast['new'].id}",
                 f"/dashboard/requisitions/{cast['asked'].id}", f"/dashboard/requisitions/{cast['answered'].id}",
                 f"/dashboard/requisitions/{cast['answered'].id}/publish", "/dashboard/requisitions/4242"):
        walk.get(page)
    new = f"/dashboard/requisitions/{cast['new'].id}"
    walk.post(new, f"{new}/close", {})
    walk.post(new, f"{new}/duplicate", {"duplicate_of": cast["new"].number})
    walk.post("/dashboard/users", "/dashboard/users", {"username": "anna", "role": "adviser"})
    walk.post("/dashboard/users", "/dashboard/users", {"username": "nina", "role": "adviser"})
    walk.post("/dashboard/users", "/dashboard/invites", {"department": "Socialforvaltningen"})


def _walks(new_client, services, people, cast) -> Iterator[Walk]:
    for language in ("da", "en"):
        signed_out = Walk(new_client(), language)
        signed_out.choose_language()
        walk_signed_out(signed_out, services)
        yield signed_out
        caseworker = Walk(caseworker_client(new_client(), services, people.caseworker), language)
        caseworker.choose_language()
        walk_caseworker(caseworker, cast)
        yield caseworker
        for username, password, route in (("anna", ADVISER_PASSWORD, walk_adviser),
                                          ("coordinator", COORDINATOR_PASSWORD, walk_coordinator)):
            staff = Walk(new_client(), language)
            staff.choose_language()
            sign_in(staff.client, username, password)
            route(staff, cast)
            yield staff


def test_every_page_in_both_languages_reads_in_its_own_language(new_client, services, people, cast):
    seen: dict[str, set[str]] = {"da": set(), "en": set()}
    wrong: list[str] = []
    for walk in _walks(new_client, services, people, cast):
        seen[walk.language] |= walk.templates
        wrong += walk.wrong
    # base.html frames every page; chat_requisition.html is a part of chat.html (and the fragment /chat/updates
    # sends), so its text is read with the chat page's.
    every = {p.name for p in TEMPLATES_DIR.glob("*.html")} - {"base.html", "chat_requisition.html"}
    assert seen["da"] == every and seen["en"] == every, f"not rendered: {every - seen['da']} / {every - seen['en']}"
    assert not wrong, "\n".join(sorted(set(wrong)))


# ---------------------------------------------------------------------------- the catalogue and the error keys


def test_every_message_has_both_languages_with_the_same_placeholders():
    for key, (danish, english) in MESSAGES.items():
        assert danish.strip() and english.strip(), key
        assert _fields(danish) == _fields(english), key


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def _keyed_raises() -> Iterator[tuple[str, str, set[str]]]:
    """Every `SomeError(..., key="k", name=value)` in the code, as (where, key, parameter names)."""
    names = set(errors.__all__) | {"__init__"}
    for root in ("bot", "corpus", "index"):
        for path in sorted((REPO / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                keyword = {k.arg: k.value for k in node.keywords}
                if callee in names and isinstance(keyword.get("key"), ast.Constant):
                    where = f"{path.relative_to(REPO)}:{node.lineno}"
                    yield where, keyword["key"].value, {k for k in keyword if k and k != "key"}


KEYED = list(_keyed_raises())


def test_errors_a_web_user_can_meet_carry_message_keys():
    assert len(KEYED) >= 60, "the raise sites a web user reaches name their message"


@pytest.mark.parametrize(("where", "key", "params"), KEYED, ids=[f"{k}@{w}" for w, k, _ in KEYED])
def test_every_error_key_translates_in_both_languages(where, key, params):
    assert f"error.{key}" in MESSAGES, f"{where}: error.{key} is not in bot/channels/web/i18n.py"
    danish, english = MESSAGES[f"error.{key}"]
    needed = _fields(danish)
    assert needed <= params, f"{where}: the message needs {needed - params}"
    error = errors.InvalidInput("English for the CLI.", key=key, **{name: "X" for name in params})
    shown = {language: error_text(error, language) for language in ("da", "en")}
    assert not problems(f"<p>{shown['da']}</p>", "da") and not problems(f"<p>{shown['en']}</p>", "en")


def test_an_unkeyed_error_on_a_danish_page_says_a_danish_sentence_and_no_english():
    error = errors.NotFound("There is no gizmo 7.")
    assert error_text(error, "da") == translate("error.404", "da")
    assert error_text(error, "en") == "There is no gizmo 7."


def test_a_refused_transition_names_the_states_in_the_page_language(new_client, services, people, cast):
    client = new_client()
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    page = f"/dashboard/requisitions/{cast['new'].id}"
    danish = post_form(client, page, f"{page}/close", {})
    assert danish.status_code == 409 and "Tilladt fra «ny»: tildelt" in danish.text
    post_form(client, page, "/language", {"language": "en", "next": page})
    english = post_form(client, page, f"{page}/close", {})
    assert english.status_code == 409 and "Allowed from &#39;new&#39;: assigned" in english.text


def test_the_history_names_events_not_buttons(new_client, services, people, cast):
    services.requisitions.provide_info(people.caseworker, cast["asked"].id, "Tigrinya")
    client = new_client()
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    page = f"/dashboard/requisitions/{cast['asked'].id}"
    assert _timeline(client.get(page).text) == [
        "Oprettet", "Tildelt", "Påbegyndt", "Bad om flere oplysninger", "Sagsbehandleren svarede"]
    post_form(client, page, "/language", {"language": "en", "next": page})
    assert _timeline(client.get(page).text) == [
        "Created", "Assigned", "Started", "Asked for more information", "The caseworker replied"]


def _timeline(html: str) -> list[str]:
    return re.findall(r"</time>([^<]+)</li>", html.split('class="timeline"')[1])
