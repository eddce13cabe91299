"""Escape sequences, bidi overrides and control characters are removed; letters, newlines and tabs are kept."""

from __future__ import annotations

import pytest

from bot.core.control_chars import strip_controls
from bot.core.errors import InvalidInput
from bot.people.actors import SYSTEM


@pytest.mark.parametrize(("typed", "stored"), [
    ("Hvem \x1b[31mbetaler\x1b[0m tolken?", "Hvem betaler tolken?"),
    ("\x1b]0;pwned\x07Hvem betaler?", "Hvem betaler?"),
    ("tolk \u202etxt.exe\u202c og \u2066isoleret\u2069", "tolk txt.exe og isoleret"),
    ("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", ""),
    ("klokke\x07 slet\x7f c1\x85\x9b2J!", "klokke slet c1!"),
    ("linje 1\r\nlinje 2\tfane", "linje 1\nlinje 2\tfane"),
    ("Æblegrød på færøsk, naïve café — “citat” ✓", "Æblegrød på færøsk, naïve café — “citat” ✓"),
])
def test_strip_controls(typed: str, stored: str) -> None:
    assert strip_controls(typed) == stored


def test_a_name_of_nothing_but_controls_is_refused_not_stored_empty(accounts) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="name"):
        accounts.register_caseworker(SYSTEM, channel="web", external_id="key:x", display_name="\u202e\x1b[0m",
                                     department="SOF")
    assert accounts.get_caseworker("web", "key:x") is None
