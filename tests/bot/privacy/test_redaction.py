"""bot.privacy.redaction: no CPR number may survive, and case numbers, dates and amounts must.

The generated messages come from eval/checks/redaction.py, which prints the same figures as a
table (docs/REDACTION.md). Bounds asserted here are the measured ones, stated next to each assert.
The number and e-mail decisions are tested with `names=False`, so name masking (bot/privacy/names.py, its
own tests in test_names_and_addresses.py) cannot blur them; zero CPR misses is asserted on the default call too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.privacy.redaction import CPR, EMAIL, PHONE, Redaction, contains_pii, redact
from eval.checks.redaction import CPR_FORMS, CprCase, LookAlike, cpr_cases, lookalikes

BY_DESIGN = "date YYYYMMDD (redacted by design)"  # 20061117 is also a valid 20xxxxxx mobile number


def numbers(text: str) -> Redaction:
    """The CPR, phone and e-mail detectors alone, without name masking."""
    return redact(text, names=False)


@pytest.fixture(scope="module")
def cases() -> list[CprCase]:
    return cpr_cases()


@pytest.fixture(scope="module")
def looks() -> list[LookAlike]:
    return lookalikes()


# --- generated CPR numbers: zero misses -----------------------------------------------------------


def test_generated_cpr_numbers_cover_what_the_brief_asks(cases: list[CprCase]) -> None:
    ordinary = [c for c in cases if not c.substitute]
    assert len(ordinary) >= 1000
    assert {c.form for c in ordinary} == set(CPR_FORMS)
    assert min(c.birth_year for c in ordinary) < 1905 and max(c.birth_year for c in ordinary) > 2095
    assert 0.4 < sum(c.mod11 for c in ordinary) / len(ordinary) < 0.6  # with and without modulus 11
    assert any(c.digits.startswith("2902") for c in ordinary)  # leap days
    for c in cases:  # the sentences hold no other digits, so any digit left after redaction leaked
        cpr = CPR_FORMS[c.form](c.digits[:2], c.digits[2:4], c.digits[4:6], c.digits[6:])
        assert not re.search(r"\d", c.text.replace(cpr, ""))


@pytest.mark.parametrize("names", [False, True])
def test_every_generated_cpr_number_is_redacted_and_no_digit_survives(cases: list[CprCase], names: bool) -> None:
    misses = []
    for c in cases:
        r = redact(c.text, names=names)
        if r.found.count(CPR) != 1 or re.search(r"\d", r.text) or r.text.count("[CPR]") != 1:
            misses.append((c.form, c.text, r.text))
    print(f"\nCPR recall (names={names}): {len(cases) - len(misses)}/{len(cases)} (erstatnings-CPR included)")
    assert misses == []


def test_cpr_digits_do_not_survive_when_the_sentence_has_other_numbers(cases: list[CprCase]) -> None:
    for c in cases[:300]:
        r = numbers(f"Sagsnr. 2006-2405, {c.text} Tlf. 33 66 28 51, den 17.11.2006.")
        assert r.found == (CPR, PHONE), (c.text, r.text)
        assert "2006-2405" in r.text and "17.11.2006" in r.text
        assert not re.search(r"\d", r.text.replace("2006-2405", "").replace("17.11.2006", "")), r.text


# --- look-alikes: measured false-positive rate -----------------------------------------------------


def test_lookalikes_are_not_cpr_and_non_pii_is_left_alone(looks: list[LookAlike]) -> None:
    assert len(looks) >= 200
    non_pii = [x for x in looks if not x.expected]
    cpr_fp = [x for x in looks if CPR in numbers(x.text).found]
    changed = [x for x in non_pii if numbers(x.text).changed]
    outside_design = [x for x in changed if x.category != BY_DESIGN]
    print(
        f"\nlook-alikes given [CPR]: {len(cpr_fp)}/{len(looks)} = {len(cpr_fp) / len(looks):.1%}; "
        f"non-PII look-alikes changed: {len(changed)}/{len(non_pii)} = {len(changed) / len(non_pii):.1%} "
        f"({len(outside_design)} outside the by-design YYYYMMDD dates)"
    )
    # Measured (seed 20240601): 0/325 given [CPR]; 9/270 = 3.3 % non-PII changed, all 9 of them
    # YYYYMMDD dates (see bot/privacy/redaction.py); 0 in every other category (street addresses are PII now).
    assert cpr_fp == []
    assert len(changed) / len(non_pii) <= 0.04
    assert outside_design == []


def test_name_masking_never_turns_a_lookalike_into_a_number_placeholder(looks: list[LookAlike]) -> None:
    changed = [x for x in looks if not x.expected and redact(x.text).changed]
    print(f"\nnon-PII look-alikes changed with names on (default): {len(changed)}/{sum(not x.expected for x in looks)}")
    for x in looks:
        kinds = {k for k in redact(x.text).found if k != "name"}
        assert kinds == set(numbers(x.text).found), x.text


def test_phone_numbers_become_telefon_never_cpr(looks: list[LookAlike]) -> None:
    phones = [x for x in looks if x.expected == (PHONE,)]
    assert len(phones) >= 40
    for x in phones:
        r = numbers(x.text)
        assert r.found == (PHONE,), (x.text, r.text)
        assert not re.search(r"\d", r.text.replace("kl. 16", "")), (x.text, r.text)


# --- the decisions, one by one -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "010190-1234", "0101901234", "010190 1234", "01 01 90-1234", "01.01.90-1234", "01.01.901234",
        "010190–1234", "010190—1234", "010190\u20111234", "010190\u22121234", "010190\u00a01234", "010190 - 1234",
        "01-01-90-1234", "01/01/90-1234", "01 01 90 1234", "310190-1234", "300490-1234",
        "290200-1234",  # 2000 was a leap year
        "290296-1234", "710190-1234",  # erstatnings-CPR: day + 60
        "010190-0000", "111111-1118", "111111-1119",  # mod-11 pass and fail alike
        "٠١٠١٩٠-١٢٣٤", "０１０１９０－１２３４",  # Arabic-Indic and full-width digits
        "010190\u200b-1234",  # zero-width space pasted from a web page
    ],
)  # fmt: skip
def test_cpr_layouts(text: str) -> None:
    r = numbers(f"Borger {text} skal kontaktes.")
    assert r == Redaction("Borger [CPR] skal kontaktes.", (CPR,))


@pytest.mark.parametrize(
    "text",
    [
        "320190-1234", "001290-1234", "011390-1234", "010090-1234", "310490-1234", "300290-1234",
        "290201-1234",  # no 29 February in a year 01
        "920190-1234",  # day 92 - 60 = 32
        "12010190-1234", "010190-12345", "2010190-1234", "2014-0101901234", "010190-1234-5",
        "01.01.1990-1234",
    ],
)  # fmt: skip
def test_not_cpr(text: str) -> None:
    assert CPR not in numbers(f"Nummer {text} her").found


def test_a_label_makes_an_implausible_date_cpr_anyway() -> None:
    assert numbers("CPR: 320190-1234").text == "CPR: [CPR]"
    assert numbers("personnummer 001290-1234").text == "personnummer [CPR]"


def test_account_numbers_after_a_label_are_not_cpr() -> None:
    for text in ("kontonr. 0101901234", "reg.nr. 1551 0101901234", "konto 1551 0101901234", "P-nr. 1003388394"):
        assert not numbers(text).changed, text
    assert numbers("konto 010190-1234").found == (CPR,)  # only the bare ten digits are read as account


@pytest.mark.parametrize(
    "text",
    [
        "Sagsnr.: 2006-2405", "Dok.nr.: 2006-36491", "J.nr. 2010-32472", "2014-0222761-4", "Dok.nr.: 2006-14830",
        "17.11.2006", "17-11-2006", "2006-11-17", "17. november 2006", "12 JAN. 2007", "171106", "17112006",
        "24122006",  # DDMMYYYY in 1900-2099: a date, not 2x xx xx xx
        "56,4 mio. kr.", "0,07", "12,30\t12,30", "1.500.000 kr.", "10 mio. kr.", "12 500 000 kr.", "+12 500 000 kr.",
        "2011-2014", "2011 2012 2013 2014", "2009-2011", "1599 København V", "kl. 10.30-12.00", "10:30:15",
        "2006-11-17T10:30:00Z", "IBAN DK50 4106 6238 6477 82", "CVR 64942212", "SE-nr. 64942212",
        "12 34 56 78",  # first digit 1: not a Danish subscriber number
        "BR 115/2006", "ISBN 978-87-7000-123-4",
    ],
)  # fmt: skip
def test_lookalikes_from_the_brief_and_the_corpus_survive(text: str) -> None:
    assert numbers(text) == Redaction(text, ())


@pytest.mark.parametrize(
    "text",
    [
        "33 66 28 51", "3366 2851", "33662851", "+45 33 66 28 51", "0045 33662851", "+4533662851", "(+45) 3366 2851",
        "33-66-28-51", "33.66.28.51", "+45 12345678", "+46 70 123 45 67", "+90 532 123 45 67",
    ],
)  # fmt: skip
def test_phone_numbers(text: str) -> None:
    assert numbers(f"Ring til {text} i morgen") == Redaction("Ring til [TELEFON] i morgen", (PHONE,))


@pytest.mark.parametrize(("label", "number"), [("tlf. ", "24122006"), ("mobil ", "2011 2012"), ("Telefon: ", "2006-2405")])
def test_a_phone_label_overrules_the_date_year_and_case_number_exemptions(label: str, number: str) -> None:
    assert numbers(f"{label}{number}") == Redaction(f"{label}[TELEFON]", (PHONE,))
    assert not numbers(number).changed


@pytest.mark.parametrize(
    "text", ["anna.hansen@kk.dk", "a+b@example.com", "søren.ørsted@københavn.dk", "x_y-z@sub.domain.org"]
)
def test_email(text: str) -> None:
    assert numbers(f"Skriv til <{text}>.") == Redaction("Skriv til <[EMAIL]>.", (EMAIL,))


def test_found_lists_each_replacement_in_order_of_appearance() -> None:
    r = numbers("Ring 33 66 28 51 om 010190-1234 og 020290-2345, mail a@kk.dk")
    assert r.text == "Ring [TELEFON] om [CPR] og [CPR], mail [EMAIL]"
    assert r.found == (PHONE, CPR, CPR, EMAIL)
    assert r.changed and contains_pii("a@kk.dk")


def test_nothing_to_redact() -> None:
    r = redact("Hvad siger integrationspolitikken 2015-2018 om danskuddannelse?")
    assert r.found == () and not r.changed and r.text.endswith("danskuddannelse?")
    assert not contains_pii(r.text)


def test_redaction_is_frozen() -> None:
    r = redact("010190-1234")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.text = "x"  # type: ignore[misc]


# --- robustness and speed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", " ", "\n", "\x00", "\ud800", "\udfff010190-1234", "@", "+", "@@@", "a@", "@b.dk", "0" * 10, "+" * 50]
)
def test_odd_input_never_raises(text: str) -> None:
    assert isinstance(redact(text), Redaction)
    assert isinstance(contains_pii(text), bool)


@pytest.mark.parametrize(
    "text",
    [
        "1" * 1_000_000, "11 " * 300_000, "33 66 " * 200_000, "a." * 500_000, "a@" * 500_000, "a@b." * 250_000,
        "+1 " * 300_000, "2006-" * 200_000, "010190-1234 " * 80_000, "æøå " * 250_000, "2011 2012 " * 100_000,
        "3201901234 " * 90_000,
    ],
)  # fmt: skip
def test_huge_and_pathological_input_is_linear(text: str) -> None:
    """About a million characters each, all lower case so this times the number detectors, not names."""
    start = time.perf_counter()
    redact(text)
    elapsed = time.perf_counter() - start
    # Measured 0.02-2.7 s (slowest: a million characters of "2011 2012 ", every pair a rejected
    # candidate); a quadratic scan would take hours, so 15 s only guards linearity on shared cores.
    assert elapsed < 15.0, f"{elapsed:.2f} s for {len(text):,} characters"


@pytest.mark.parametrize("names", [False, True])
def test_speed_per_message(cases: list[CprCase], looks: list[LookAlike], names: bool) -> None:
    texts = [c.text for c in cases] + [x.text for x in looks]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for t in texts:
            redact(t, names=names)
        best = min(best, time.perf_counter() - start)
    per_message = best / len(texts) * 1e6
    print(f"\nredact(names={names}): {per_message:.1f} µs per message")
    assert per_message < 1000  # measured about 10 µs without names, 30 µs with; generous for shared cores


_ANY = st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.text(
    alphabet="0123456789 -.,/+@():\u2013\u00a0abkontcprtlf", max_size=80
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY)
def test_property_never_raises_and_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once.text).text == once.text
    assert contains_pii(text) == once.changed


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abcæøå .,:;!?()\n", max_size=40),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.integers(0, 9999),
    st.sampled_from(sorted(CPR_FORMS)),
    st.text(alphabet="abcæøå .,:;!?()\n", max_size=40),
)
def test_property_a_cpr_between_words_never_survives(
    before: str, date: dt.date, serial: int, form: str, after: str
) -> None:
    cpr = CPR_FORMS[form](f"{date.day:02d}", f"{date.month:02d}", f"{date.year % 100:02d}", f"{serial:04d}")
    r = redact(f"{before} {cpr} {after}")
    assert CPR in r.found and not re.search(r"\d", r.text), (cpr, r.text)


def test_os2ds_rules_aborts_the_interpreter_on_a_leap_day_date() -> None:
    """Why os2ds-rules is not used at run time: its C++ extension calls std::terminate on "a 290224 b"."""
    pytest.importorskip("os2ds_rules")
    code = "from os2ds_rules.cpr_detector import find_matches; find_matches('a 290224 b')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0 and "terminate" in proc.stderr
    assert redact("a 290224 b").text == "a 290224 b"
