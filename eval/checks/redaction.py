"""Measure Vejviser's redactor, and compare it with os2ds-rules, on generated caseworker messages.

Run: `python -m eval.checks.redaction` (add `--seed N`, `--runs N`, `--stdout`). It writes the measured part of
docs/REDACTION.md (between the `bench:start`/`bench:end` markers; the prose around them is kept):

* names, addresses, CPR and phone numbers seeded into 3,200 messages (eval/checks/personal_data_cases.py): recall per
  kind, per way of writing the name or address and per name source, and the share of 2,000 ordinary sentences
  (the corpus's own, the gold questions, generated questions about the documents' places and programmes) that
  `redact` changes at all;
* CPR numbers in 16 layouts and 324 look-alike digit strings (case numbers, dates, amounts, phone numbers): recall,
  false positives and speed.

The generators are also what tests/bot/privacy/test_redaction.py asserts on, so the tests and the page agree.
os2ds-rules is a test extra only; it is imported lazily, and the bench still runs our rows without it. Its C++
extension aborts the whole interpreter (std::terminate, not a Python exception) on some inputs, e.g. "a 290224 b",
so it runs in child processes here and each abort is counted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.privacy.redaction import ADDRESS, CPR, EMAIL, NAME, PHONE, PLACEHOLDERS, redact

SEED = 20240601
N_CPR = 1_400
N_SUBSTITUTE = 120

_MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


@dataclass(frozen=True, slots=True)
class CprCase:
    """One generated message holding one CPR number, with how it was made, to break results down."""

    text: str
    digits: str  # the ten digits, DDMMYYSSSS
    form: str
    birth_year: int
    mod11: bool
    substitute: bool  # erstatnings-CPR: day + 60


@dataclass(frozen=True, slots=True)
class LookAlike:
    """A message with digits that are not a CPR number; `expected` says what redact should find."""

    text: str
    category: str
    expected: tuple[str, ...]  # () for no PII, ("phone",) for a phone number


# One message per kind `redact` can report, with the value that must not survive it: what the door tests send.
SAMPLE_BY_KIND: dict[str, tuple[str, str]] = {
    CPR: ("Borgeren har CPR 010190-1234, må jeg bruge tolk?", "010190-1234"),
    PHONE: ("Borgeren har tlf. 33 66 28 51, må jeg bruge tolk?", "33 66 28 51"),
    EMAIL: ("Borgeren skriver fra fatima.hassan@example.dk, må jeg bruge tolk?", "fatima.hassan@example.dk"),
    ADDRESS: ("Borgeren bor på Nørrebrogade 12, 3. tv., 2200 København N, må jeg bruge tolk?", "Nørrebrogade 12"),
    NAME: ("Min borger Fatima Hassan vil gerne have tolk. Må jeg bruge tolk?", "Hassan"),
}


# --- CPR positives ------------------------------------------------------------------------------

# Layouts caseworkers type or paste; the function gets DD, MM, YY, SSSS.
CPR_FORMS: dict[str, Callable[[str, str, str, str], str]] = {
    "DDMMYY-SSSS": lambda d, m, y, s: f"{d}{m}{y}-{s}",
    "DDMMYYSSSS": lambda d, m, y, s: f"{d}{m}{y}{s}",
    "DDMMYY SSSS": lambda d, m, y, s: f"{d}{m}{y} {s}",
    "DD MM YY-SSSS": lambda d, m, y, s: f"{d} {m} {y}-{s}",
    "DD MM YY SSSS": lambda d, m, y, s: f"{d} {m} {y} {s}",
    "DD.MM.YY-SSSS": lambda d, m, y, s: f"{d}.{m}.{y}-{s}",
    "DD.MM.YYSSSS": lambda d, m, y, s: f"{d}.{m}.{y}{s}",
    "DD-MM-YY-SSSS": lambda d, m, y, s: f"{d}-{m}-{y}-{s}",
    "DD/MM/YY-SSSS": lambda d, m, y, s: f"{d}/{m}/{y}-{s}",
    "DDMMYY–SSSS (en dash)": lambda d, m, y, s: f"{d}{m}{y}\u2013{s}",
    "DDMMYY—SSSS (em dash)": lambda d, m, y, s: f"{d}{m}{y}\u2014{s}",
    "DDMMYY‑SSSS (no-break hyphen)": lambda d, m, y, s: f"{d}{m}{y}\u2011{s}",
    "DDMMYY−SSSS (minus sign)": lambda d, m, y, s: f"{d}{m}{y}\u2212{s}",
    "DDMMYY SSSS (no-break space)": lambda d, m, y, s: f"{d}{m}{y}\u00a0{s}",
    "DDMMYY - SSSS": lambda d, m, y, s: f"{d}{m}{y} - {s}",
    "DD.MM.YY–SSSS": lambda d, m, y, s: f"{d}.{m}.{y}\u2013{s}",
}

# Danish sentences without other digits, so any digit left in the output leaked from the CPR.
CPR_TEMPLATES: tuple[str, ...] = (
    # start
    "{cpr} er borgerens CPR-nummer.",
    "{cpr}: ny ansøgning om familiesammenføring",
    "{cpr}, henvendte sig i Borgerservice i går.",
    "{cpr}\nBorgeren ønsker en samtale om danskuddannelse.",
    "{cpr} har fået afslag på kontanthjælp",
    # middle
    "Borgeren med cpr {cpr} har søgt om hjælp til bolig.",
    "Kan du slå ({cpr}) op i sagen og se status?",
    "Ægtefællen, {cpr}, er flyttet til Aarhus.",
    "Hun oplyste sit personnummer «{cpr}» ved mødet.",
    'Se "{cpr}" i journalen før samtalen.',
    "Far:{cpr};mor ukendt, barnet bor hos mormor.",
    "Cpr.nr.{cpr} mangler i ansøgningen om integrationsydelse.",
    "Sagen om\t{cpr}\tskal behandles af task forcen.",
    "Jeg har en borger, {cpr} og hans kone, som taler arabisk.",
    "Drengen [{cpr}] går i modtagelsesklasse.",
    "Hvad gør jeg når {cpr} ikke møder op til samtalen?",
    "Bemærk: {cpr}/ægtefælle er begge omfattet af integrationsprogrammet.",
    # end
    "Borgerens CPR er {cpr}",
    "Spørgsmål om {cpr}?",
    "Kan du tjekke {cpr}!",
    "Det drejer sig om {cpr}.",
    "Ansøgningen er sendt af (personnummer {cpr})",
    "Vedr. borger {cpr}...",
    "Mail fra sagsbehandler om borger:\n{cpr}",
)


def _serial_first_digit(year: int, rng: random.Random) -> int:
    """The 7th CPR digit that the CPR office's century rule allows for a birth year."""
    if 1900 <= year <= 1936:
        return rng.choice((0, 1, 2, 3))
    if 1937 <= year <= 1999:
        return rng.choice((0, 1, 2, 3, 4, 9))
    if 2000 <= year <= 2036:
        return rng.choice((4, 5, 6, 7, 8, 9))
    if 2037 <= year <= 2057:
        return rng.choice((5, 6, 7, 8))
    return rng.randrange(10)  # 2058-2099: not yet defined by the CPR office


def _mod11_ok(digits: str) -> bool:
    """The pre-2007 modulus-11 check, to label cases; the redactor must not depend on it."""
    return sum(int(c) * w for c, w in zip(digits, _MOD11_WEIGHTS, strict=True)) % 11 == 0


def _make_cpr(day: int, month: int, year: int, want_mod11: bool, rng: random.Random) -> str:
    """Ten CPR digits for a date, with a serial that passes or fails modulus 11 as asked."""
    date_part = f"{day:02d}{month:02d}{year % 100:02d}"
    while True:
        serial = f"{_serial_first_digit(year, rng)}{rng.randrange(1000):03d}"
        digits = date_part + serial
        if _mod11_ok(digits) == want_mod11:
            return digits


def _random_date(rng: random.Random) -> dt.date:
    """A birth date across 1900-2099, with extra weight on month ends and 29 February."""
    roll = rng.random()
    if roll < 0.05:
        year = rng.choice([y for y in range(1900, 2100) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)])
        return dt.date(year, 2, 29)
    if roll < 0.15:
        year, month = rng.randrange(1900, 2100), rng.randrange(1, 13)
        first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        return first_next - dt.timedelta(days=1)
    start = dt.date(1900, 1, 1)
    return start + dt.timedelta(days=rng.randrange((dt.date(2099, 12, 31) - start).days + 1))


def cpr_cases(n: int = N_CPR, n_substitute: int = N_SUBSTITUTE, seed: int = SEED) -> list[CprCase]:
    """n ordinary CPR numbers and n_substitute erstatnings-CPR numbers, each in a Danish sentence."""
    rng = random.Random(seed)
    forms = list(CPR_FORMS.items())
    cases: list[CprCase] = []
    for i in range(n + n_substitute):
        substitute = i >= n
        date = _random_date(rng)
        want_mod11 = i % 2 == 0
        digits = _make_cpr(date.day, date.month, date.year, want_mod11, rng)
        if substitute:
            digits = f"{date.day + 60:02d}" + digits[2:]
        form_name, form = forms[i % len(forms)]
        cpr = form(digits[:2], digits[2:4], digits[4:6], digits[6:])
        template = CPR_TEMPLATES[rng.randrange(len(CPR_TEMPLATES))]
        cases.append(CprCase(template.format(cpr=cpr), digits, form_name, date.year, _mod11_ok(digits), substitute))
    return cases


# --- look-alikes --------------------------------------------------------------------------------

_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december")  # fmt: skip


def _date(rng: random.Random) -> dt.date:
    """A date 1990-2030, the range policy documents and case notes talk about."""
    return dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(40 * 365))


def _phone(rng: random.Random) -> str:
    """Eight digits of a Danish subscriber number (first digit 2-9)."""
    return f"{rng.randrange(2, 10)}{rng.randrange(10**7):07d}"


def lookalikes(seed: int = SEED) -> list[LookAlike]:
    """Digit strings from Copenhagen case work that are not CPR numbers, and phone numbers."""
    rng = random.Random(seed + 1)
    out: list[LookAlike] = []

    def add(category: str, texts: Sequence[str], expected: tuple[str, ...] = ()) -> None:
        out.extend(LookAlike(t, category, expected) for t in texts)

    # Seen in the corpus (Copenhagen integration policy documents).
    add("case/document number", [
        "Sagsnr.: 2006-2405", "J.nr. 2006-2405", "Dok.nr.: 2006-36491", "Sagsnr.: 2006-1213",
        "Dok.nr.: 2006-14830", "handleplan for integration for perioden 2011-2014 (2010-32472)",
        "Sagsnummer 2014-0222761", "Dokumentnummer 2014-0222761-4", "(BR 115/2006)", "(BIU 201/2006)",
    ])  # fmt: skip
    for _ in range(40):
        year = rng.randrange(1995, 2031)
        kind = rng.randrange(4)
        number = [f"{year}-{rng.randrange(10**4):04d}", f"{year}-{rng.randrange(10**5):05d}",
                  f"{year}-{rng.randrange(10**7):07d}-{rng.randrange(10)}",
                  f"{year}-{rng.randrange(10**7):07d}"][kind]  # fmt: skip
        label = rng.choice(("Sagsnr.", "J.nr.", "Dok.nr.", "Se sag", "jf. journalnummer", "vedr."))
        add("case/document number", [f"{label} {number} er oprettet."])

    for _ in range(60):
        d = _date(rng)
        dd, mm, yyyy = f"{d.day:02d}", f"{d.month:02d}", f"{d.year}"
        text = rng.choice((
            f"Mødet den {dd}.{mm}.{yyyy} er aflyst.", f"Frist: {dd}-{mm}-{yyyy}", f"dato {dd}/{mm}/{yyyy}",
            f"modtaget {dd}.{mm}.{yyyy[2:]}", f"den {dd}/{mm}-{yyyy}", f"Dato: {yyyy}-{mm}-{dd}",
            f"den {d.day}. {_MONTHS[d.month - 1]} {yyyy}", f"Dato: {d.day} {_MONTHS[d.month - 1][:3].upper()}. {yyyy}",
            f"brev af {dd}{mm}{yyyy[2:]}", f"underskrevet {dd}{mm}{yyyy}", f"den {dd}.{mm}.{yyyy} kl. 14.45",
        ))  # fmt: skip
        add("date", [text])
    for _ in range(10):
        d = _date(rng)
        add("date YYYYMMDD (redacted by design)", [f"eksporteret {d:%Y%m%d}"])

    add("amount", [
        "Borgerrepræsentationen har bevilget 10 mio. kr. årligt", "godt 90 mio. kr., hvoraf de 56,4 mio. kr.",
        "Skolesocialrådgivere\t12,30\t12,30\t12,30\t12,30", "Indhentning af data\t0,07\t0,07\t0,07\t0,07",
        "I alt (mio. kr.)\t14,1\t14,1\t14,1\t14,1", "en bevilling på 1.500.000 kr.", "0,5 mio. kr. af § 18 midlerne",
    ])  # fmt: skip
    for _ in range(40):
        kroner = rng.randrange(10**3, 10**9)
        dotted = f"{kroner:,}".replace(",", ".")
        text = rng.choice((
            f"i alt {dotted} kr.", f"kr. {dotted},{rng.randrange(100):02d}", f"{rng.randrange(1000)},{rng.randrange(10)} mio. kr.",
            f"beløb: {dotted},00 DKK", f"{kroner:,} kr.".replace(",", " "), f"+{dotted} kr. i forhold til budget",
        ))  # fmt: skip
        add("amount", [text])

    add("year / period", [
        "perioden 2011-2014", "Integrationspolitik 2015-2018", "Strategien 2009-2011",
        "(mio. kr.)\t2011\t2012\t2013\t2014", "2011 2012 2013 2014", "i 2010 afsat", "i 1990'erne",
        "budget 2011:", "fra 2006 og frem", "2019/2020", "skoleåret 2024/25", "årene 2020 2021",
    ])  # fmt: skip
    for _ in range(10):
        a = rng.randrange(1990, 2030)
        add("year / period", [f"perioden {a}-{a + rng.randrange(1, 5)}", f"budget {a} {a + 1}"])

    for _ in range(20):
        d, hh, mi, ss = _date(rng), rng.randrange(24), rng.randrange(60), rng.randrange(60)
        text = rng.choice((
            f"kl. {hh:02d}.{mi:02d}", f"{hh:02d}:{mi:02d}:{ss:02d}", f"{d:%Y-%m-%d} {hh:02d}:{mi:02d}:{ss:02d}",
            f"kl. {hh:02d}.{mi:02d}-{(hh + 2) % 24:02d}.{mi:02d}", f"{d:%Y-%m-%d}T{hh:02d}:{mi:02d}:{ss:02d}Z",
            f"{d:%d.%m.%Y} {hh:02d}:{mi:02d}",
        ))  # fmt: skip
        add("time stamp", [text])

    # A postcode with its town identifies nobody and stays; with a street and house number it is an address.
    add("postcode", [
        "DK-2100 København Ø", "2300 København S", "Nørrebro 2200 N", "Valby 2500",
        "1620 København V og 2450 København SV", "postnummer 2400", "bor i 2200 København N",
    ])  # fmt: skip
    add("street address", ["Rådhuspladsen 1, 1599 København V"], (ADDRESS,))
    for _ in range(8):
        add("street address", [f"{rng.choice(('Vesterbrogade', 'Amagerbrogade', 'Jagtvej'))} {rng.randrange(1, 200)}, "
                               f"{rng.randrange(1000, 2991)} København"], (ADDRESS,))  # fmt: skip

    for _ in range(30):
        reg, konto = f"{rng.randrange(1000, 10000)}", f"{rng.randrange(10**10):010d}"
        text = rng.choice((
            f"reg.nr. {reg} kontonr. {konto}", f"Reg. nr.: {reg} {konto}", f"{reg}-{konto}",
            f"konto {reg} {konto}", f"kontonummer: {konto}", f"IBAN DK50 {reg[:4]} {konto[:4]} {konto[4:8]} {konto[8:]}",
        ))  # fmt: skip
        add("account number", [text])

    add("other identifier", [
        "ISBN 978-87-7000-123-4", "EAN 5798000000000", "CVR 64942212", "CVR-nr.: 64942212", "SE-nr. 64942212",
        "P-nr. 1003388394", "ordrenr. 123456", "version 2.10.1", "§ 18, stk. 2", "lov nr. 1336 af 19.12.2006",
        "bekendtgørelse nr. 1001", "IP 192.168.10.12", "BBR 101-12345-1", "matr.nr. 123a",
    ])  # fmt: skip

    # Phone numbers: redacted, but as [TELEFON], never as [CPR].
    add("phone", [
        "Tlf. 33 66 28 51", "Telefon 33 66 28 50", "Fax 33 66 71 30", "tlf. 33 66 33 66",
        "Direkte: 33 66 24 51", "ring på 33 66 70 75",
    ], (PHONE,))  # fmt: skip
    for _ in range(40):
        p = _phone(rng)
        text = rng.choice((
            f"ring {p[:2]} {p[2:4]} {p[4:6]} {p[6:]}", f"mobil {p[:4]} {p[4:]}", f"Hun har nr {p}",
            f"+45 {p[:2]} {p[2:4]} {p[4:6]} {p[6:]}", f"0045 {p}", f"+45{p}", f"kontakt: {p[:2]}-{p[2:4]}-{p[4:6]}-{p[6:]}",
            f"(+45) {p[:4]} {p[4:]}", f"{p[:2]}.{p[2:4]}.{p[4:6]}.{p[6:]} efter kl. 16",
        ))  # fmt: skip
        add("phone", [text], (PHONE,))
    return out


# --- detectors ----------------------------------------------------------------------------------

Detector = Callable[[str], str | None]  # message in, redacted message out; None: the detector crashed


def ours(text: str) -> str:
    """Vejviser's CPR, phone and e-mail detectors (`redact(text, names=False)`)."""
    return redact(text, names=False).text


def ours_with_names(text: str) -> str:
    """Vejviser's default `redact(text)`, which also masks names (bot/privacy/names.py)."""
    return redact(text).text


def os2ds_detector(check_mod11: bool = False, examine_context: bool = False) -> Detector:
    """os2ds-rules' CPR detector as a redactor; its offsets are UTF-8 byte offsets, end inclusive."""
    from os2ds_rules.cpr_detector import find_matches  # test extra, imported only when benchmarked

    def detect(text: str) -> str:
        try:
            matches = find_matches(text, check_mod11, examine_context)
        except (ValueError, UnicodeEncodeError):  # NUL characters and lone surrogates
            return text
        if not matches:
            return text
        raw = text.encode("utf-8")
        out, pos = [], 0
        for match in sorted(matches, key=lambda m: m["start"]):
            start, end = match["start"], match["end"] + 1
            out.append(raw[pos:start].decode("utf-8", "replace"))
            out.append(PLACEHOLDERS[CPR])
            pos = end
        out.append(raw[pos:].decode("utf-8", "replace"))
        return "".join(out)

    return detect


def os2ds_raw(check_mod11: bool = False, examine_context: bool = False) -> Callable[[str], object]:
    """The bare os2ds-rules call, to time the detector without our offset mapping."""
    from os2ds_rules.cpr_detector import find_matches

    return lambda text: find_matches(text, check_mod11, examine_context)


def _worker_command(mode: str, check_mod11: bool, examine_context: bool, runs: int = 1) -> list[str]:
    """Command line of a child process that runs os2ds-rules, so its aborts do not kill the bench."""
    return [sys.executable, "-m", "eval.checks.redaction", "--os2ds-worker", mode,
            "--mod11", str(int(check_mod11)), "--context", str(int(examine_context)), "--runs", str(runs)]  # fmt: skip


def os2ds_outputs(texts: Sequence[str], check_mod11: bool, examine_context: bool,
                  mode: str = "redact") -> list[str | None]:
    """os2ds-rules' redaction of each text (its CPR rule, or with mode "names" its name and address rules); None
    where it aborted the process."""
    outputs: list[str | None] = [None] * len(texts)
    i = 0
    while i < len(texts):
        proc = subprocess.run(
            _worker_command(mode, check_mod11, examine_context),
            input=json.dumps(list(texts[i:])), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0 and "os2ds_rules" in proc.stderr and "ModuleNotFoundError" in proc.stderr:
            raise ImportError("os2ds-rules is not installed")
        lines = proc.stdout.splitlines()
        for j, line in enumerate(lines):
            outputs[i + j] = json.loads(line)
        i += len(lines)
        if proc.returncode != 0:
            i += 1  # this text aborted the child; its output stays None
    return outputs


def os2ds_time(texts: Sequence[str], check_mod11: bool, examine_context: bool, runs: int) -> float:
    """µs per message of the bare os2ds-rules call, measured in a child on texts it survives."""
    proc = subprocess.run(
        _worker_command("time", check_mod11, examine_context, runs),
        input=json.dumps(list(texts)), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(proc.stdout)


def _os2ds_worker(mode: str, check_mod11: bool, examine_context: bool, runs: int) -> int:
    """Child side: redact (one JSON line per text, flushed, so an abort loses nothing before it) or time."""
    texts = json.load(sys.stdin)
    if mode == "names":
        from os2ds_rules.address_rule import find_matches as addresses
        from os2ds_rules.name_rule import find_matches as names

        for text in texts:
            out = text
            for match in sorted(names(text, True) + addresses(text), key=lambda m: -len(m["match"])):
                if match["match"].strip():
                    out = out.replace(match["match"], "[X]")
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
        return 0
    if mode == "time":
        print(time_per_message(os2ds_raw(check_mod11, examine_context), texts, runs))
        return 0
    detect = os2ds_detector(check_mod11, examine_context)
    for text in texts:
        sys.stdout.write(json.dumps(detect(text)) + "\n")
        sys.stdout.flush()
    return 0


# --- scoring ------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d")


def cpr_redacted(case: CprCase, output: str | None) -> bool:
    """Whether the CPR is gone: placeholder present and no digit left (templates have none)."""
    return output is not None and PLACEHOLDERS[CPR] in output and _DIGITS.search(output) is None


@dataclass(frozen=True, slots=True)
class Score:
    """What one detector did with the generated messages."""

    recall: float  # ordinary CPR numbers fully redacted
    recall_substitute: float  # erstatnings-CPR numbers fully redacted
    cpr_fp: float  # look-alikes (phones included) given a [CPR]
    non_pii_fp: float  # look-alikes without PII that were changed at all
    phone_recall: float | None  # phone numbers redacted as [TELEFON] (None: detector has no phones)
    crashes: int  # messages on which the detector aborted the process
    misses_by_form: dict[str, int]
    fp_by_category: dict[str, int]


def score(detect: Detector, cases: Sequence[CprCase], looks: Sequence[LookAlike], phones: bool) -> Score:
    """Run one detector over every message and count hits, misses, false positives and crashes."""
    ordinary = [c for c in cases if not c.substitute]
    substitute = [c for c in cases if c.substitute]
    case_out = {c: detect(c.text) for c in cases}
    look_out = [(x, detect(x.text)) for x in looks]
    misses: Counter[str] = Counter(c.form for c in ordinary if not cpr_redacted(c, case_out[c]))
    hit_sub = sum(cpr_redacted(c, case_out[c]) for c in substitute)
    crashes = sum(out is None for out in case_out.values()) + sum(out is None for _, out in look_out)
    cpr_fp = non_pii_fp = phone_ok = 0
    fp_by_category: Counter[str] = Counter()
    for x, output in look_out:
        if output is None:
            continue
        if PLACEHOLDERS[CPR] in output:
            cpr_fp += 1
            fp_by_category[x.category] += 1
        elif not x.expected and output != x.text:
            fp_by_category[x.category] += 1
        if not x.expected and output != x.text:
            non_pii_fp += 1
        if x.expected == (PHONE,) and PLACEHOLDERS[PHONE] in output and PLACEHOLDERS[CPR] not in output:
            phone_ok += 1
    n_phone = sum(x.expected == (PHONE,) for x in looks)
    return Score(
        recall=1 - sum(misses.values()) / len(ordinary),
        recall_substitute=hit_sub / len(substitute) if substitute else 1.0,
        cpr_fp=cpr_fp / len(looks),
        non_pii_fp=non_pii_fp / sum(not x.expected for x in looks),
        phone_recall=phone_ok / n_phone if phones else None,
        crashes=crashes,
        misses_by_form=dict(misses),
        fp_by_category=dict(fp_by_category),
    )


def time_per_message(fn: Callable[[str], object], texts: Sequence[str], runs: int = 5) -> float:
    """Best-of-runs wall time per message in microseconds, so a busy shared CPU matters less."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def _pct(x: float | None) -> str:
    """A rate as a percentage, or n/a."""
    return "n/a" if x is None else f"{100 * x:.1f} %"


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, and write the figures into docs/REDACTION.md (or print them with --stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--runs", type=int, default=5, help="timing runs; the best is reported")
    parser.add_argument("--stdout", action="store_true", help="print the figures instead of writing the page")
    parser.add_argument("--out", type=Path, default=REPORT, help=argparse.SUPPRESS)
    parser.add_argument("--os2ds-worker", choices=("redact", "time", "names"), help=argparse.SUPPRESS)
    parser.add_argument("--mod11", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--context", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.os2ds_worker:
        return _os2ds_worker(args.os2ds_worker, bool(args.mod11), bool(args.context), args.runs)

    from eval.checks.personal_data_report import personal_data_section

    figures = personal_data_section(args.seed, os2ds_outputs) + "\n## CPR and phone numbers\n\n"
    with contextlib.redirect_stdout(io.StringIO()) as cpr_part:
        _cpr_section(args)
    figures += cpr_part.getvalue()
    if args.stdout:
        print(figures)
        return 0
    write_between_markers(args.out, figures)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


REPORT = Path(__file__).resolve().parents[2] / "docs" / "REDACTION.md"
START_MARK, END_MARK = "<!-- bench:start -->", "<!-- bench:end -->"


def write_between_markers(path: Path, figures: str) -> None:
    """Replace the measured part of the page, keeping the prose written around it."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Redaction\n\n{START_MARK}\n{END_MARK}\n"
    head, _, rest = text.partition(START_MARK)
    _, _, tail = rest.partition(END_MARK)
    note = "_Generated by `python -m eval.checks.redaction`; do not edit by hand._\n\n"
    path.write_text(f"{head}{START_MARK}\n{note}{figures.rstrip()}\n{END_MARK}{tail}", encoding="utf-8")


def _cpr_section(args: argparse.Namespace) -> None:
    """The CPR/phone comparison table and its break-downs, printed as Markdown."""
    cases = cpr_cases(seed=args.seed)
    looks = lookalikes(seed=args.seed)
    texts = [c.text for c in cases] + [x.text for x in looks]
    n_ordinary = sum(not c.substitute for c in cases)
    n_phone = sum(x.expected == (PHONE,) for x in looks)
    print(f"seed {args.seed}: {n_ordinary} CPR numbers in {len(CPR_FORMS)} layouts "
          f"({sum(c.mod11 for c in cases if not c.substitute)} pass modulus 11), "
          f"{len(cases) - n_ordinary} erstatnings-CPR, {len(looks)} look-alikes "
          f"({sum(not x.expected for x in looks)} without PII, {n_phone} phone numbers); "
          f"speed: best of {args.runs} passes over all {len(texts)} messages\n")  # fmt: skip

    ours_with_names("Mette")  # load the name list before timing
    rows: list[tuple[str, Score, float]] = [
        ("Vejviser `redact(text, names=False)`", score(ours, cases, looks, phones=True), time_per_message(ours, texts, args.runs)),
        ("Vejviser `redact(text)` (default, names too)", score(ours_with_names, cases, looks, phones=True),
         time_per_message(ours_with_names, texts, args.runs)),
    ]  # fmt: skip
    try:
        configs = [("os2ds-rules 0.1.0, mod11 off", False, False), ("os2ds-rules 0.1.0, mod11 + context on", True, True)]
        for name, mod11, context in configs:
            outputs = dict(zip(texts, os2ds_outputs(texts, mod11, context), strict=True))
            survived = [t for t in texts if outputs[t] is not None]
            rows.append((name, score(outputs.__getitem__, cases, looks, phones=False),
                         os2ds_time(survived, mod11, context, args.runs)))  # fmt: skip
    except ImportError:
        print("(os2ds-rules is not installed: `pip install -e '.[test]'` for its rows)\n")

    print("| detector | CPR recall | erstatnings-CPR recall | look-alikes given [CPR] "
          "| non-PII look-alikes changed | phones → [TELEFON] | process aborts | µs / message |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, s, us in rows:
        print(f"| {name} | {_pct(s.recall)} | {_pct(s.recall_substitute)} | {_pct(s.cpr_fp)} "
              f"| {_pct(s.non_pii_fp)} | {_pct(s.phone_recall)} | {s.crashes} | {us:.1f} |")  # fmt: skip
    print()
    for name, s, _ in rows:
        if s.misses_by_form:
            misses = ", ".join(f"{form} {n}" for form, n in sorted(s.misses_by_form.items(), key=lambda kv: -kv[1]))
            print(f"- {name}: CPR misses by layout: {misses}")
        if s.fp_by_category:
            fps = ", ".join(f"{cat} {n}" for cat, n in sorted(s.fp_by_category.items(), key=lambda kv: -kv[1]))
            print(f"- {name}: false positives by category: {fps}")

    corpus = sorted((Path(__file__).resolve().parents[2] / "corpus" / "documents").glob("*.txt"))
    if corpus:
        found: Counter[str] = Counter()
        for path in corpus:
            found.update(redact(path.read_text(encoding="utf-8"), names=False).found)
        print(f"- Vejviser (names=False) on the {len(corpus)} corpus documents: "
              f"{', '.join(f'{n} {k}' for k, n in sorted(found.items())) or 'nothing'} redacted")


if __name__ == "__main__":
    raise SystemExit(main())
