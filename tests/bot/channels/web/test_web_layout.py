"""Layout and accessibility in a real browser (Debian's Chromium via Playwright, uvicorn on 127.0.0.1): at phone,
tablet and desktop width nothing sticks out of the viewport on any page (chat, dashboard, requisition, publish
preview, gap map, eval, users, documents, API reference, sign-in, registration, errors); the Danish staff navigation keeps to one line at 1280 px; and axe-core (tests/bot/channels/web/vendor/) finds
nothing serious or critical on any of them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import CHROMIUM, COORDINATOR_PASSWORD, registered_caseworker

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = (390, 768, 1280)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs Debian's chromium"),
]

# Elements whose box ends past the viewport's right edge (or starts left of 0), ignoring what sits inside a
# container that scrolls on its own (the requisition table) and what is hidden on purpose (the skip link).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest('.skip, .visually-hidden') || scrolls(el)) continue;
    if (box.right > width + 1 || box.left < -1)
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return {page: document.documentElement.scrollWidth, width, out: out.slice(0, 10)};
}"""



@pytest.fixture
def cases(services, people):
    """A requisition routed from the chat with candidates, one answered (for the publish preview)."""
    routed = services.engine.ask("Hvem betaler for tolk ved et akut møde om anbringelse en lørdag aften?")
    first = services.requisitions.create(people.caseworker, routed.question, routed,
                                         context="Familien taler dari.").requisition
    second = services.requisitions.create(people.caseworker, "Må vi registrere etnicitet i sagerne?",
                                          services.engine.ask("Må vi registrere etnicitet i sagerne?")).requisition
    services.requisitions.assign(SYSTEM, second.id, people.anna.id)
    services.requisitions.start(people.anna, second.id)
    services.requisitions.answer(people.anna, second.id, "Nej, jf. høringssvaret. Se **afsnit 3**.")
    services.requisitions.add_note(people.anna, second.id, "Tjek med jura før udgivelse.")
    return first, second


def signed_in_staff(browser, base: str, width: int):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "coordinator")
    page.fill("#password", COORDINATOR_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard.*"))
    return page


# Findings left on purpose, as (axe rule, CSS selector) pairs; none today.
KNOWN_ELSEWHERE: set[tuple[str, str]] = set()


def check_page(page, label: str) -> None:
    """Nothing outside the viewport, and no serious or critical axe-core finding."""
    measured = page.evaluate(OVERFLOWING)
    assert measured["page"] <= measured["width"], f"{label}: the page scrolls sideways: {measured}"
    assert not measured["out"], f"{label}: elements stick out of the viewport: {measured['out']}"
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the test, never served: the CSP stays strict
    found = page.evaluate("""async (known) => {
      const result = await axe.run(document, {resultTypes: ['violations']});
      return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => [v, v.nodes.filter(n => !known.some(([rule, css]) => rule === v.id && document.querySelector(n.target[0])?.matches(css)))])
        .filter(([v, nodes]) => nodes.length)
        .map(([v, nodes]) => `${v.id} (${v.impact}): ${nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
    }""", [list(k) for k in KNOWN_ELSEWHERE])
    assert not found, f"{label}: axe-core found {found}"


def boxes_overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] \
        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_fit_the_viewport_and_pass_axe(server, browser, people, cases, width):
    first, second = cases
    page = signed_in_staff(browser, server, width)
    page.goto(f"{server}/dashboard")
    check_page(page, f"dashboard at {width}px")
    export = page.locator(".page-head .button").bounding_box()
    filters = page.locator("form.filters").bounding_box()
    assert export and filters and not boxes_overlap(export, filters), "the CSV button covers the filters"
    logout = page.get_by_role("button", name="Log ud").bounding_box()
    assert logout and logout["x"] >= 0 and logout["x"] + logout["width"] <= width, "'Log ud' is clipped"
    if width >= 1280:  # the Danish staff navigation keeps to one line
        tops = page.eval_on_selector_all("header .nav a, header .whoami > *", "els => els.map(e => e.getBoundingClientRect().top)")
        assert max(tops) - min(tops) < 12, f"the navigation wraps at {width}px: {tops}"
    for label, path in (("requisition", f"/dashboard/requisitions/{first.id}"),
                        ("answered requisition", f"/dashboard/requisitions/{second.id}"),
                        ("publish preview", f"/dashboard/requisitions/{second.id}/publish")):
        page.goto(f"{server}{path}")
        check_page(page, f"{label} at {width}px")
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_other_page_fits_the_viewport_and_passes_axe(server, browser, services, people, cases, width):
    """The pages not covered above: the staff's overview pages, the documents, the API reference, and what a
    signed-out visitor sees (sign-in, registration, a page that does not exist)."""
    doc_id = next(iter(services.engine.documents))
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    for label, path in (("sign-in", "/login"), ("registration", "/register"), ("not found", "/documents/no-such-doc")):
        page.goto(f"{server}{path}")
        check_page(page, f"{label} at {width}px")
    page.context.close()
    page = signed_in_staff(browser, server, width)
    for label, path in (("gap map", "/dashboard/gaps"), ("eval report", "/dashboard/eval"),
                        ("users", "/dashboard/users"), ("documents", "/documents"), ("document", f"/documents/{doc_id}"),
                        ("API reference", "/docs"), ("password", "/password")):
        page.goto(f"{server}{path}")
        check_page(page, f"{label} at {width}px")
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_chat_fits_the_viewport_and_passes_axe(server, browser, services, people, cases, width):
    page = registered_caseworker(browser, server, width, services)
    page.goto(f"{server}/chat")
    assert page.locator("#question").is_visible()
    check_page(page, f"chat at {width}px")
    page.fill("#question", "Hvor mange rådgivere og koordinatorer skal task forcen have?")
    page.click("form[action='/chat/ask'] button")
    page.wait_for_selector(".bubble.bot")
    check_page(page, f"chat with an answer at {width}px")
    page.fill("#question", "Hvem betaler for tolk ved et akut møde om anbringelse en lørdag aften?")
    page.click("form[action='/chat/ask'] button")
    page.click("#history details summary")  # the first question, opened in her history
    check_page(page, f"chat with its history at {width}px")
    page.context.close()


def test_the_inbox_and_bulk_assignment_work_from_the_keyboard(server, browser, services, people, cases):
    first, _ = cases
    page = signed_in_staff(browser, server, 1280)
    page.goto(f"{server}/dashboard")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # the first stop skips the navigation
    for _ in range(40):  # Tab on to the "Nye" count and follow it with Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.inbox") == "new":
            break
    else:
        pytest.fail("the inbox counts cannot be reached with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "status=new" in page.url
    page.focus(f"#pick-{first.id}")
    page.keyboard.press("Space")
    page.focus("#bulk-adviser")
    page.select_option("#bulk-adviser", label="bo")
    page.focus("form#bulk button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert services.requisitions.get(SYSTEM, first.id).assignee_username == "bo"
    page.context.close()


def test_an_adviser_inserts_an_answer_template_where_the_cursor_is(server, browser, services, people, cases):
    first, _ = cases
    services.requisitions.templates.save(SYSTEM, "Indledning", "Tak for dit spørgsmål.")
    services.requisitions.assign(SYSTEM, first.id, people.anna.id)
    services.requisitions.start(people.anna, first.id)
    page = signed_in_staff(browser, server, 390)
    page.goto(f"{server}/dashboard/templates")
    check_page(page, "answer templates at 390px")
    page.goto(f"{server}/dashboard/requisitions/{first.id}")
    page.fill("#answer-text", "Svaret er ja.")
    page.evaluate("() => { const a = document.getElementById('answer-text'); a.selectionStart = a.selectionEnd = 0; }")
    page.click("button[data-insert-template]")
    assert page.input_value("#answer-text") == "Tak for dit spørgsmål.Svaret er ja."
    check_page(page, "requisition with templates at 390px")
    page.context.close()
