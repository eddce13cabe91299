"""Score `redact` on the generated caseworker messages and ordinary sentences, as Markdown for docs/REDACTION.md.

A name or address counts as removed only when none of its words survives (for a name: every part, so "[NAVN]
Jensen" is a miss; for an address: the street's words and the house number), ignoring words the message's template
itself contains; a CPR number, phone number or e-mail address when the string seeded is gone. Run through `python -m eval.checks.redaction`, which writes the page.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.privacy.redaction import ADDRESS, CPR, EMAIL, KINDS, NAME, PHONE, redact
from eval.checks.personal_data_cases import SOURCE_WEIGHTS, PiiCase, ordinary_sentences, personal_data_cases

# eval.checks.redaction.os2ds_outputs, passed in by the benchmark (this module must not import it back).
Os2dsRunner = Callable[..., list[str | None]]

_WORD = re.compile(r"[^\W_]+")
TARGETS = {CPR: 0.995, PHONE: 0.995, EMAIL: 0.995, NAME: 0.98, ADDRESS: 0.97}
MAX_CHANGED = 0.01


def surviving_words(case: PiiCase, value: str, output: str) -> list[str]:
    """The words of a seeded value still in the output (not counting words the template holds anyway)."""
    template = case.text
    for _, seeded in case.values:
        template = template.replace(seeded, " ")
    ignore = {w.lower() for w in _WORD.findall(template)}
    left = {w.lower() for w in _WORD.findall(output)}
    return [w for w in _WORD.findall(value) if (len(w) > 1 or w.isdigit()) and w.lower() in left
            and w.lower() not in ignore]  # fmt: skip


@dataclass(frozen=True, slots=True)
class PersonalDataScore:
    """Recall per kind and per (kind, form, source), misses to show, and what ordinary text lost."""

    recall: dict[str, tuple[int, int]]  # kind -> (removed, seeded)
    by_form: dict[tuple[str, str, str], tuple[int, int]]  # (kind, form, source) -> (removed, seeded)
    misses: list[tuple[str, str, str]]  # (kind, seeded value, output)
    ordinary: int
    changed: list[tuple[str, str, str]]  # (source, sentence, output)
    by_source: dict[str, tuple[int, int]]  # ordinary sentence source -> (changed, total)


def score_personal_data(detect: Callable[[str], str | None], cases: Sequence[PiiCase],
                        ordinary: Sequence[tuple[str, str]]) -> PersonalDataScore:
    """Run one redactor (text in, text out; None when it crashed) over both sets."""
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_form: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    misses: list[tuple[str, str, str]] = []
    for case in cases:
        output = detect(case.text)
        scored_form = case.form.startswith("address")
        for kind, value in case.values:
            if kind in (NAME, ADDRESS):
                removed = output is not None and not surviving_words(case, value, output)
            else:  # a number or e-mail address is gone when it is, whatever happened to the name in it
                removed = output is not None and value not in output
            recall[kind][0] += removed
            recall[kind][1] += 1
            if kind in (NAME, ADDRESS) and (kind == ADDRESS) == scored_form:
                key = (kind, case.form.removeprefix("address: "), case.source)
                by_form[key][0] += removed
                by_form[key][1] += 1
            if not removed:
                misses.append((kind, value, output or "(crashed)"))
    changed: list[tuple[str, str, str]] = []
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sentence, source in ordinary:
        output = detect(sentence)
        by_source[source][1] += 1
        if output != sentence:
            by_source[source][0] += 1
            changed.append((source, sentence, output or "(crashed)"))
    return PersonalDataScore({k: (v[0], v[1]) for k, v in recall.items()},
                             {k: (v[0], v[1]) for k, v in by_form.items()}, misses, len(ordinary), changed,
                             {k: (v[0], v[1]) for k, v in by_source.items()})  # fmt: skip


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def _os2ds_detector(texts: Sequence[str], os2ds_outputs: Os2dsRunner) -> Callable[[str], str | None] | None:
    """os2ds-rules' name and address rules as a redactor (run in child processes), or None if not installed."""
    try:
        outputs = dict(zip(texts, os2ds_outputs(texts, False, False, mode="names"), strict=True))
    except ImportError:
        return None
    return outputs.get


def personal_data_section(seed: int, os2ds_outputs: Os2dsRunner) -> str:
    """The page's figures for names and addresses (and the numbers seeded with them), as Markdown."""
    cases = personal_data_cases(seed=seed)
    ordinary = ordinary_sentences(seed=seed)
    redact("Mette")  # load the name lists before timing
    started = time.perf_counter()
    ours = score_personal_data(lambda text: redact(text).text, cases, ordinary)
    per_message = (time.perf_counter() - started) / (len(cases) + len(ordinary)) * 1e6
    os2ds = _os2ds_detector([c.text for c in cases] + [s for s, _ in ordinary], os2ds_outputs)
    theirs = score_personal_data(os2ds, cases, ordinary) if os2ds else None
    languages = Counter(c.language for c in cases)
    lines = [
        "## Names and addresses",
        "",
        f"seed {seed}: {len(cases)} generated caseworker messages ({languages['da']} Danish, {languages['en']} English) "
        f"and {len(ordinary)} ordinary sentences without personal data "
        f"({', '.join(f'{n} {src}' for src, (_, n) in sorted(ours.by_source.items()))}); names drawn "
        f"{', '.join(f'{100 * w:.0f} % {src}' for src, w in SOURCE_WEIGHTS.items())}; "
        f"`redact` took {per_message:.0f} µs per message.",
        "",
        "| | " + " | ".join(KINDS) + " | ordinary sentences changed |",
        "| --- | " + " | ".join("---:" for _ in KINDS) + " | ---: |",
        "| target | " + " | ".join(f"≥ {100 * TARGETS[k]:.1f} %" for k in KINDS) + f" | ≤ {100 * MAX_CHANGED:.0f} % |",
    ]
    for name, score in (("Vejviser `redact`", ours), ("os2ds-rules 0.1.0 name + address rules", theirs)):
        if score is None:
            continue
        cells = []
        for kind in KINDS:
            hit, total = score.recall.get(kind, (0, 0))
            cells.append(f"{_pct(hit, total)} ({hit}/{total})" if name.startswith("Vejviser") or kind in (NAME, ADDRESS)
                         else "—")  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {_pct(len(score.changed), score.ordinary)} |")
    if theirs is None:
        lines += ["", "(os2ds-rules is not installed: `pip install -e '.[test]'` for its row)"]
    lines += ["", "Recall by how the name or address was written, and where the name came from:", "",
              "| kind | written as | source | removed | recall |", "| --- | --- | --- | ---: | ---: |"]
    for (kind, form, source), (hit, total) in sorted(ours.by_form.items()):
        lines.append(f"| {kind} | {form} | {source} | {hit}/{total} | {_pct(hit, total)} |")
    lines += ["", "Ordinary sentences changed, by source: "
              + ", ".join(f"{src} {c}/{n}" for src, (c, n) in sorted(ours.by_source.items())) + "."]
    if ours.changed:
        lines += ["", "Ordinary sentences changed (all):", ""]
        lines += [f"- {src}: «{sentence}» → «{output}»" for src, sentence, output in ours.changed]
    lines += ["", f"Misses (first 25 of {len(ours.misses)}):", ""]
    lines += [f"- {kind}: «{value}» in «{output}»" for kind, value, output in ours.misses[:25]]
    return "\n".join(lines) + "\n"
