"""The gap map's figures read as a coordinator would say them: times in seconds, minutes, hours or days, and
the questions without a theme counted beside the theme chart instead of as its tallest bar."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.channels.web.templating import duration
from bot.people.actors import SYSTEM
from tests.bot.channels.web.conftest import COORDINATOR_PASSWORD, sign_in


def test_durations_use_the_unit_that_reads_best():
    assert [duration(s) for s in (None, 0, 58, 125, 3600, 4 * 3600 + 12 * 60, 86400 + 4 * 3600)] == [
        "—", "0 s", "58 s", "2 min", "1 t", "4 t 12 min", "1 d 4 t"]
    assert duration(4 * 3600 + 12 * 60, language="en") == "4 h 12 min"


def test_the_gap_map_says_58_s_where_the_api_says_58_s(client, services, people):
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    services.requisitions.clock = lambda: start
    req = services.requisitions.create(people.caseworker, "Hvem betaler for tolk ved hjemløseenheden?", None).requisition
    services.requisitions.clock = lambda: start + timedelta(seconds=58)
    services.requisitions.assign(SYSTEM, req.id, people.anna.id)
    assert services.requisitions.stats(SYSTEM).first_response.median_seconds == 58
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    html = client.get("/dashboard/gaps").text
    figure = re.search(r'<div class="value">([^<]+)</div><div class="label">Median tid til første svar', html)
    assert figure and figure.group(1) == "58 s"
    assert "0.0 h" not in html


def test_untagged_questions_are_counted_beside_the_theme_chart(client, services, people):
    services.requisitions.create(people.caseworker, "Hvem betaler for tolk ved hjemløseenheden?", None, themes=("tolk",))
    for _ in range(3):
        services.requisitions.create(people.caseworker, "Hvad gør vi nu med den sag?", None)
    sign_in(client, "coordinator", COORDINATOR_PASSWORD)
    html = client.get("/dashboard/gaps").text
    note = re.search(r"<p class=\"hint\" data-untagged>([^<]+)</p>", html)
    assert note and note.group(1).startswith("Uden tema: 3 (75 %)")
    theme_chart = html.split("Efter tema", 1)[1].split("</section>", 1)[0]
    assert "tolk" in theme_chart and "—" not in theme_chart
