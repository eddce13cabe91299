"""The whole story in a real browser (Debian's Chromium driven by Playwright) against uvicorn on 127.0.0.1:
the coordinator invites a caseworker, who asks in the web chat, gets a quoted answer and routes a question;
the coordinator assigns it, the adviser answers citing a passage, and the caseworker sees the answer.

Screenshots of each page go to $VEJVISER_SCREENSHOTS (default test-artifacts/screenshots/, git-ignored) as
test artifacts: look at them after a change to a page.
The server runs in production cookie mode (`__Host-`, Secure): Chromium treats http://127.0.0.1 as secure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.bot.channels.web.conftest import ADVISER_PASSWORD, ANSWERABLE, CHROMIUM, COORDINATOR_PASSWORD

REPO = Path(__file__).resolve().parents[4]
SHOTS = Path(os.environ.get("VEJVISER_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
ROUTED = "Hvordan får en familie tolk til et akut møde om anbringelse en lørdag aften?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs Debian's chromium"),
]



@pytest.fixture
def eval_report(tmp_path, monkeypatch) -> None:
    """The eval page shows a report with plots: the real one when `vejviser eval` has written it, else a small one."""
    from bot.channels.web import insights

    if (insights.REPORT_DIR / "REPORT.md").is_file() and any(insights.REPORT_DIR.glob("*.png")):
        return
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    report = tmp_path / "eval-report"
    report.mkdir()
    figure, axes = pyplot.subplots(figsize=(5, 3))
    axes.plot([0.2, 0.4, 0.6, 0.8, 1.0], [0.98, 0.95, 0.9, 0.84, 0.78], marker="o")
    axes.set_xlabel("coverage")
    axes.set_ylabel("accuracy")
    figure.tight_layout()
    figure.savefig(report / "risk_coverage.png", dpi=80)
    pyplot.close(figure)
    (report / "REPORT.md").write_text(
        "# Evaluation\n\n| split | hit@5 | answered correctly |\n|---|---|---|\n| test | 0.91 | 0.84 |\n\n"
        "![risk-coverage](risk_coverage.png)\n", encoding="utf-8")
    monkeypatch.setattr(insights, "REPORT_DIR", report)



def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard.*"))


def test_invite_ask_route_assign_answer_and_see_the_answer(server, browser, people, eval_report):
    errors: list[str] = []
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    coordinator.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The coordinator signs in and makes an invite code for a caseworker.
    coordinator.goto(f"{server}/login")
    shot(coordinator, "01-login")
    sign_in(coordinator, server, "coordinator", COORDINATOR_PASSWORD)
    coordinator.goto(f"{server}/dashboard/users")
    coordinator.fill("#invite-department", "Socialforvaltningen")
    coordinator.click("form[action='/dashboard/invites'] button")
    code = coordinator.inner_text("#invite-code").strip()
    shot(coordinator, "02-users-invite")

    # The caseworker registers with it, gets a sign-in key, and asks a question in the web chat.
    caseworker = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    caseworker.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    caseworker.goto(f"{server}/register")
    caseworker.fill("#code", code)
    caseworker.fill("#display_name", "Sara Sagsbehandler")
    caseworker.click("form[action='/register'] button")
    assert caseworker.inner_text("#signin-key").startswith("vk-")
    shot(caseworker, "03-registered")
    caseworker.click("a.button[href='/chat']")
    caseworker.fill("#question", ANSWERABLE)
    caseworker.click("form[action='/chat/ask'] button")
    caseworker.wait_for_selector(".bubble.bot blockquote")
    assert "task force" in caseworker.inner_text(".bubble.bot").lower()
    verdict = caseworker.locator(".bubble.bot .verdict")  # the decision in words, the number only as a tooltip
    assert verdict.inner_text() == "Fundet i dokumenterne" and re.fullmatch(r"Sikkerhed \d,\d\d", verdict.get_attribute("title"))
    shot(caseworker, "04-chat-answer")
    caseworker.click(".bubble.bot .feedback button:has-text('👎')")  # 👎: it shows on the coordinator's gap map
    caseworker.wait_for_selector(".bubble.bot blockquote")

    # A citation opens the document viewer on the highlighted passage.
    with caseworker.expect_navigation():
        caseworker.click(".bubble.bot .passage a")
    assert caseworker.locator("mark#cited").is_visible()
    shot(caseworker, "05-document-viewer")

    # Then a question the documents do not settle goes to the task force.
    caseworker.goto(f"{server}/chat")
    caseworker.fill("#question", ROUTED)
    caseworker.click("form[action='/chat/ask'] button")
    caseworker.fill("#context", "Familien taler dari.")
    caseworker.click("form[action='/chat/route'] button")
    confirmation = caseworker.inner_text(".flash.good")
    number = re.search(r"R-\d+", confirmation).group(0)
    shot(caseworker, "06-chat-routed")

    # The coordinator sees it in the list and assigns it to adviser Anna.
    coordinator.goto(f"{server}/dashboard")
    assert number in coordinator.inner_text("table")
    shot(coordinator, "07-dashboard-list")
    coordinator.click(f"text={number}")
    coordinator.select_option("#adviser_id", label="anna")
    coordinator.click("form[action$='/assign'] button")
    coordinator.wait_for_selector(".flash.good")
    assert "anna" in coordinator.inner_text("dl.meta")
    shot(coordinator, "08-requisition-assigned")

    # Anna starts it and answers, citing the assistant's first candidate passage.
    adviser = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    adviser.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(adviser, server, "anna", ADVISER_PASSWORD)
    adviser.click(f"text={number}")
    adviser.click("form[action$='/start'] button")
    adviser.wait_for_selector("form[action$='/answer']")
    adviser.fill("#answer-text", "Ring til tolkevagten; forvaltningen betaler tolkning i akutte sager.")
    adviser.check("input[name=cite][value='0']")
    shot(adviser, "09-adviser-answering")
    adviser.click("form[action$='/answer'] button")
    adviser.wait_for_selector(".flash.good")
    assert "besvaret" in adviser.inner_text("h1")
    shot(adviser, "10-requisition-answered")

    # The caseworker sees the answer on the chat page.
    caseworker.goto(f"{server}/chat")
    mine = caseworker.inner_text("#mine")
    assert number in mine and "tolkevagten" in mine
    shot(caseworker, "11-chat-answer-came-back")

    # The coordinator's overview pages render too.
    for name, path in (("12-gap-map", "/dashboard/gaps"), ("13-eval", "/dashboard/eval"), ("14-api-docs", "/docs")):
        coordinator.goto(f"{server}{path}")
        shot(coordinator, name)
        if name == "12-gap-map":  # the requisition and the 👎 are both counted
            assert "1 / 1" in coordinator.inner_text(".figures")
        if name == "13-eval":  # the plots load (the CSP allows the report's own images)
            widths = coordinator.eval_on_selector_all("article img, main img", "imgs => imgs.map(i => i.naturalWidth)")
            assert widths and all(widths), widths
    assert not errors, errors  # no CSP violations or script errors in any console
