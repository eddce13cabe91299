"""Validate the gold question set and the equal-treatment templates.

Run from the repository root:  python -m eval.quality.gold_check

Checks eval/gold/dev.jsonl and eval/gold/test.jsonl (schema, unique ids, split
balance, share of English and of unanswerable questions, coverage of every
document and every section of it, and that every evidence phrase is really in
the corpus), and eval/gold/equal_treatment.jsonl (schema, placeholders,
variants).  Evidence found in the OCR document 003 must also survive OCR repair:
its normalised form has to be a substring of both the raw OCR text and the text
after the repair table below, so no phrase leans on an OCR-damaged word.
Prints a summary and exits 1 when any check fails.
"""

from __future__ import annotations

import json
import re
import string
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from eval.quality.metrics import normalise

ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = ROOT / "corpus" / "documents"
GOLD_DIR = ROOT / "eval" / "gold"
SPLITS = ("dev", "test")

MIN_TOTAL = 170
MIN_EN_SHARE = 0.30
MIN_UNANSWERABLE_SHARE = 0.30
SPLIT_SHARE_RANGE = (0.40, 0.60)
MIN_ANSWERABLE_PER_DOC_PER_SPLIT = 3
PHRASE_WORDS = (3, 12)
EVIDENCE_COUNT = (1, 3)
KEYS = {"id", "question", "lang", "answerable", "evidence"}
LANGS = {"da", "en"}

MIN_TEMPLATES = 22
MIN_VARIANTS = 4
EQ_KEYS = {"id", "template", "lang", "variants"}
PLACEHOLDERS = {"name", "nationality", "language"}

OCR_DOC = "003"
# Damaged token(s) in the normalised OCR text of document 003 -> the normalised
# correct Danish.  Applying it gives a repaired text; every evidence phrase that
# matches 003 must match the repaired text too.  Multi-word keys fix letters the
# OCR turned into a space (é, &, @) and keep legitimate tokens such as "SOF's" -> "sof s".
OCR_REPAIRS: dict[str, str] = {
    "k benhavns": "kobenhavns", "kebenhavns": "kobenhavns", "kebenhavn": "kobenhavn",
    "kabenhavn": "kobenhavn", "kebenhavnerteamet": "kobenhavnerteamet",
    "1": "i", "12008": "i 2008",
    "p": "pa", "p4": "pa", "pd": "pa", "s tilgaengelige": "sa tilgaengelige", "s at sige": "sa at sige",
    "s som": "sasom", "s rlig": "saerlig", "sd": "sa", "f": "fa", "nir": "nar", "bdde": "bade",
    "dben": "aben", "8ben": "aben", "dbne": "abne", "foreg r": "foregar", "tvaerg ende": "tvaergaende",
    "ma lrettede": "malrettede", "ma lsatningerne": "malsaetningerne", "m lrettet": "malrettet",
    "ma lgruppe": "malgruppe", "rddighed": "radighed", "rddgivningstilbud": "radgivningstilbud",
    "rddgivning": "radgivning", "ungerddgivningen": "ungeradgivningen", "rdd": "rad",
    "levevilkdr": "levevilkar", "forseger": "forsoger", "veare": "vaere",
    "parerendepolitikker": "parorendepolitikker", "malsatninger": "malsaetninger",
    "opmerksom": "opmaerksom", "opmarksom": "opmaerksom", "opmarksomhed": "opmaerksomhed",
    "imedekomme": "imodekomme", "stette": "stotte", "evrige": "ovrige", "gvrige": "ovrige",
    "iverksatter": "ivaerksaetter", "ivarksat": "ivaerksat", "ivaerksattes": "ivaerksaettes",
    "kleedt": "klaedt", "forudsatninger": "forudsaetninger", "medfere": "medfore",
    "fyldestgarende": "fyldestgorende", "fyldestgerende": "fyldestgorende",
    "ressourcesterke": "ressourcestaerke", "ressourcestarke": "ressourcestaerke",
    "opsegende": "opsogende", "opsggende": "opsogende", "beskaftigelse": "beskaeftigelse",
    "beskeeftigelse": "beskaeftigelse", "beskeftigelses": "beskaeftigelses",
    "beskeftigelsesfremmende": "beskaeftigelsesfremmende",
    "beskaftigelsesindsatsen": "beskaeftigelsesindsatsen",
    "beskaftigelsesmassige": "beskaeftigelsesmaessige", "meder": "moder", "medet": "modet",
    "bern": "born", "bernefamilier": "bornefamilier", "bernefamilieenheder": "bornefamilieenheder",
    "hjelpe": "hjaelpe", "hjelp": "hjaelp", "sege": "soge", "berering": "beroring",
    "sarlige": "saerlige", "serlige": "saerlige", "seerlige": "saerlige", "serlig": "saerlig",
    "overreprasenteret": "overrepraesenteret", "geld": "gaeld", "svart": "svaert",
    "heenge": "haenge", "isar": "isaer", "gkonomiske": "okonomiske", "ekonomisk": "okonomisk",
    "konomiforvaltningen": "okonomiforvaltningen", "galds": "gaelds", "sattes": "saettes",
    "satte": "saette", "fornedne": "fornodne", "geeldende": "gaeldende",
    "bydelsmadre": "bydelsmodre", "bydelsmeadre": "bydelsmodre", "bydelsmedre": "bydelsmodre",
    "egtefeelde": "aegtefaelle", "sundhedsmeessige": "sundhedsmaessige",
    "kontanthjelpsmodtagere": "kontanthjaelpsmodtagere", "preget": "praeget", "vagge": "vaegge",
    "tilverelse": "tilvaerelse", "synliggeres": "synliggores", "forseg": "forsog",
    "mjelnerparken": "mjolnerparken", "sjelor": "sjaelor", "gjeblikket": "ojeblikket",
    "udmentes": "udmontes", "siledes": "saledes", "understette": "understotte",
    "falles": "faelles", "felles": "faelles", "fzlles": "faelles", "fzxlles": "faelles",
    "fellesskab": "faellesskab", "feellesskab": "faellesskab",
    "kvindeambassaderer": "kvindeambassadorer", "navnt": "naevnt", "indfere": "indfore",
    "indebzrer": "indebaerer", "unedigt": "unodigt",
}

# Section starts per document (document prefix -> [(section, opening words)]).
# Text before the first anchor is the "(header)" (letterhead, dates, numbers).
# Letterhead blocks (address, phone, e-mail) and routing stamps inside the text are
# noise that the answer engine drops, so they are no section and no gold question
# should rely on them.  Anchors for 003 use only words the OCR kept intact.
SECTIONS: dict[str, list[tuple[str, str]]] = {
    "000": [
        ("hearing treated 10 Jan 2007", "Socialudvalget har på sit møde den 10. januar 2007"),
        ("support to frontline staff", "Socialudvalgets vurderer, at det kan være relevant"),
        ("children and families", "På børnefamilieområdet er task forcen relevant"),
        ("adults", "På voksenområdet er task forcen relevant"),
        ("residential care and drop-in", "Ligeledes vil task forcen være relevant på botilbuds"),
        ("disability", "På handicapområdet foregår kontakten"),
        ("homeless, crisis, drug users", "Task forcen er samtidig relevant i forhold til gruppen"),
        ("housing", "Socialudvalget har bemærkninger til Boligområdet"),
        ("cooperation and contact persons", "Tilrettelæggelsen af samarbejde mellem task forcen og forvaltningen"),
    ],
    "001": [
        ("funding 10 mio. kr.", "Borgerrepræsentationen har bevilget 10 mio. kr."),
        ("model: advisers and coordinator", "På Beskæftigelses- og Integrationsudvalgets møde den 2. november 2006"),
        ("main purposes", "Task forcens hovedformål skal således fremover være"),
        ("hiring and start", "Integrationskontoret forventer at afholde samtaler"),
        ("tasks and requisition", "Task forcen skal sikre, at integrationspolitikken når helt ud"),
        ("dialogue, whole municipality", "Endvidere skal task forcen skabe dialog"),
        ("hearing questions and deadline", "anmoder på baggrund af ovenstående"),
    ],
    "002": [
        ("recommendation", "INDSTILLING OG Beslutning"),
        ("problem", "Borgerrepræsentationen (BR) besluttede den 27. august 2009"),
        ("solution: themes, reporting, goal", "Socialforvaltningen har forberedt en temadrøftelse"),
        ("action plan content and strategy", "Handleplanen består dels af"),
        ("economy and budget tables", "Størstedelen af handleplanens aktiviteter finansieres"),
        ("timeline", "Såfremt handleplanen vedtages"),
        ("annexes", "BILAG 1. Socialudvalgets svar"),
        ("decision 5 May 2010", "Socialudvalgets beslutning den 05.05.2010"),
    ],
    "003": [
        ("Kommunikation og rådgivningsforpligtigelse", "Kommunikation og rådgivningsforpligtigelse"),
        ("hjemløseenhed", "Et eksempel er den bydækkende hjemløseenhed"),
        ("gadeplansindsats", "Andre eksempler er de"),
        ("Servicebutikkerne og Ungerådgivningen", "Derudover kan også nævnes Servicebutikkerne"),
        ("udvidet rådgivningsforpligtelse", "Socialforvaltningen har generelt stor fokus"),
        ("koordinerende kontaktperson", "sagsbehandler samt de problematikker"),
        ("fattige borgere, gælds- og budgetrådgivning", "Fattige borgere Socialforvaltningens fattigdomsundersøgelse"),
        ("handicap", "Borgere med etnisk minoritetsbaggrund og med handicap"),
        ("bydelsmødre", "Kvinder med etnisk minoritetsbaggrund Socialforvaltningen har"),
        ("fælles borgere BIF/SOF", "Borgere med sager i både BIF og SOF"),
        ("hotline", "BIF forpligter sig til at oprette en hotline"),
        ("entydig indgang", "SOF forpligter sig til at sikre en entydig indgang"),
        ("grøn linie", "Begge forvaltninger aftaler at"),
    ],
    "004": [
        ("draft received and treated", "Jeg skal på vegne af Socialudvalget kvittere"),
        ("three integration goals", "Det er grundlæggende for Socialforvaltningens tilbud"),
        ("no new initiatives", "Socialforvaltningen opretter ikke nye indsatser"),
        ("documentation, no ethnicity registration", "Socialforvaltningen arbejder mod en generel forenkling"),
        ("closing", "Socialudvalget ser frem til"),
    ],
}
HEADER = "(header)"


def repair_ocr(normalised_text: str) -> str:
    """Apply OCR_REPAIRS on token boundaries to a normalised text."""
    keys = sorted(OCR_REPAIRS, key=len, reverse=True)
    pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![a-z0-9])")
    return pattern.sub(lambda m: OCR_REPAIRS[m.group(0)], normalised_text)


@dataclass
class Corpus:
    """Normalised documents keyed by their three-digit prefix, with section offsets."""

    texts: dict[str, str]
    repaired_ocr: str
    sections: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def docs_matching(self, phrase: str) -> list[str]:
        """Documents whose normalised text contains the normalised phrase."""
        needle = normalise(phrase)
        return [doc for doc, text in self.texts.items() if needle and needle in text]

    def section_of(self, doc: str, phrase: str) -> str:
        """Section of doc where the phrase first occurs."""
        pos = self.texts[doc].find(normalise(phrase))
        current = HEADER
        for start, name in self.sections.get(doc, []):
            if start <= pos:
                current = name
        return current


def load_corpus(errors: list[str]) -> Corpus:
    """Read and normalise corpus/documents/*.txt and locate the section anchors."""
    texts = {p.name[:3]: normalise(p.read_text(encoding="utf-8")) for p in sorted(DOCS_DIR.glob("*.txt"))}
    if not texts:
        errors.append(f"no documents in {DOCS_DIR}")
    corpus = Corpus(texts=texts, repaired_ocr=repair_ocr(texts.get(OCR_DOC, "")))
    for doc, anchors in SECTIONS.items():
        if doc not in texts:
            errors.append(f"document {doc} missing from {DOCS_DIR}")
            continue
        located = []
        for name, anchor in anchors:
            pos = texts[doc].find(normalise(anchor))
            if pos < 0:
                errors.append(f"section anchor of {doc} '{name}' not found: {anchor!r}")
            else:
                located.append((pos, name))
        corpus.sections[doc] = sorted(located)
    return corpus


def read_jsonl(path: Path, errors: list[str]) -> list[dict]:
    """Parse one JSON object per non-empty line, reporting bad lines."""
    rows: list[dict] = []
    if not path.exists():
        errors.append(f"{path.relative_to(ROOT)}: missing")
        return rows
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: not JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{path.name}:{n}: not a JSON object")
            continue
        rows.append(obj)
    return rows


def check_question(split: str, row: dict, corpus: Corpus, errors: list[str]) -> set[str]:
    """Validate one gold question; return the documents its evidence points to."""
    rid = row.get("id", "?")
    where = f"{split}/{rid}"
    if set(row) != KEYS:
        errors.append(f"{where}: keys {sorted(row)} != {sorted(KEYS)}")
        return set()
    if not isinstance(rid, str) or not re.fullmatch(rf"{split}-\d{{3}}", rid):
        errors.append(f"{where}: id must look like {split}-001")
    if not isinstance(row["question"], str) or len(row["question"].strip()) < 5:
        errors.append(f"{where}: question missing or too short")
    if row["lang"] not in LANGS:
        errors.append(f"{where}: lang {row['lang']!r} not in {sorted(LANGS)}")
    if not isinstance(row["answerable"], bool):
        errors.append(f"{where}: answerable must be true/false")
        return set()
    evidence = row["evidence"]
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        errors.append(f"{where}: evidence must be a list of strings")
        return set()
    if not row["answerable"]:
        if evidence:
            errors.append(f"{where}: unanswerable question must have evidence []")
        return set()
    lo, hi = EVIDENCE_COUNT
    if not lo <= len(evidence) <= hi:
        errors.append(f"{where}: {len(evidence)} evidence phrases, want {lo}-{hi}")
    docs: set[str] = set()
    for phrase in evidence:
        words = normalise(phrase).replace(",", " ").split()
        if not PHRASE_WORDS[0] <= len(words) <= PHRASE_WORDS[1]:
            errors.append(f"{where}: evidence {phrase!r} has {len(words)} words, want {PHRASE_WORDS[0]}-{PHRASE_WORDS[1]}")
        found = corpus.docs_matching(phrase)
        if not found:
            errors.append(f"{where}: evidence {phrase!r} is in no document")
        if OCR_DOC in found and normalise(phrase) not in corpus.repaired_ocr:
            errors.append(f"{where}: evidence {phrase!r} relies on OCR-damaged words of {OCR_DOC}")
        docs.update(found)
    return docs


def check_gold(corpus: Corpus, errors: list[str]) -> list[str]:
    """Validate dev/test and return the lines of the summary."""
    out: list[str] = []
    rows_by_split = {s: read_jsonl(GOLD_DIR / f"{s}.jsonl", errors) for s in SPLITS}
    all_ids: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    stats: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    sections: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)

    for split, rows in rows_by_split.items():
        for row in rows:
            all_ids[str(row.get("id"))] += 1
            questions[normalise(str(row.get("question", "")))] += 1
            docs = check_question(split, row, corpus, errors)
            st = stats[split]
            st["total"] += 1
            st[f"lang:{row.get('lang')}"] += 1
            st["answerable" if row.get("answerable") is True else "unanswerable"] += 1
            for doc in docs:
                st[f"doc:{doc}"] += 1
            if row.get("answerable") is True and isinstance(row.get("evidence"), list):
                seen: set[tuple[str, str]] = set()
                for phrase in row["evidence"]:
                    for doc in corpus.docs_matching(str(phrase)):
                        seen.add((doc, corpus.section_of(doc, str(phrase))))
                for key in seen:
                    sections[key][split] += 1

    for rid, n in all_ids.items():
        if n > 1:
            errors.append(f"id {rid} used {n} times")
    for q, n in questions.items():
        if n > 1:
            errors.append(f"question asked {n} times: {q!r}")

    total = sum(st["total"] for st in stats.values())
    both = sum(stats.values(), Counter())
    if total < MIN_TOTAL:
        errors.append(f"{total} questions, want at least {MIN_TOTAL}")
    for split, st in stats.items():
        n = st["total"]
        if not n:
            errors.append(f"{split}: empty")
            continue
        share = n / total
        if not SPLIT_SHARE_RANGE[0] <= share <= SPLIT_SHARE_RANGE[1]:
            errors.append(f"{split}: {share:.0%} of all questions, want {SPLIT_SHARE_RANGE[0]:.0%}-{SPLIT_SHARE_RANGE[1]:.0%}")
        if st["lang:en"] / n < MIN_EN_SHARE:
            errors.append(f"{split}: English share {st['lang:en'] / n:.0%} < {MIN_EN_SHARE:.0%}")
        if st["unanswerable"] / n < MIN_UNANSWERABLE_SHARE:
            errors.append(f"{split}: unanswerable share {st['unanswerable'] / n:.0%} < {MIN_UNANSWERABLE_SHARE:.0%}")
        for doc in corpus.texts:
            if st[f"doc:{doc}"] < MIN_ANSWERABLE_PER_DOC_PER_SPLIT:
                errors.append(f"{split}: only {st[f'doc:{doc}']} questions on document {doc}, want {MIN_ANSWERABLE_PER_DOC_PER_SPLIT}")
    for doc, located in corpus.sections.items():
        for _, name in located:
            if not sum(sections[(doc, name)].values()):
                errors.append(f"no question on section '{name}' of document {doc}")

    def row_line(label: str, st: Counter[str]) -> str:
        n = st["total"] or 1
        cells = [
            f"{st['total']:>5}",
            f"{st['lang:da']:>4}",
            f"{st['lang:en']:>4} ({st['lang:en'] / n:>4.0%})",
            f"{st['answerable']:>5}",
            f"{st['unanswerable']:>5} ({st['unanswerable'] / n:>4.0%})",
        ] + [f"{st[f'doc:{d}']:>4}" for d in corpus.texts]
        return f"{label:<6}" + "  ".join(cells)

    doc_heads = "  ".join(f"{d:>4}" for d in corpus.texts)
    out.append("Gold questions (doc columns: answerable questions whose evidence is in that document)")
    out.append(f"{'split':<6}{'total':>5}  {'da':>4}  {'en':>11}  {'ans':>5}  {'unans':>12}  {doc_heads}")
    for split in SPLITS:
        out.append(row_line(split, stats[split]))
    out.append(row_line("all", both))
    out.append("")
    out.append("Section coverage (answerable questions per section: dev / test)")
    for doc in corpus.texts:
        names = [HEADER] + [name for _, name in corpus.sections.get(doc, [])]
        for name in names:
            c = sections.get((doc, name), Counter())
            if name == HEADER and not c:
                continue
            flag = "" if sum(c.values()) else "   <-- none"
            out.append(f"  {doc}  {name:<48} {c['dev']:>3} / {c['test']:<3}{flag}")
    return out


def check_equal_treatment(errors: list[str]) -> list[str]:
    """Validate equal_treatment.jsonl and return its summary lines."""
    path = GOLD_DIR / "equal_treatment.jsonl"
    rows = read_jsonl(path, errors)
    ids: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    n_variants = 0
    formatter = string.Formatter()
    for row in rows:
        rid = str(row.get("id", "?"))
        ids[rid] += 1
        where = f"equal_treatment/{rid}"
        if set(row) != EQ_KEYS:
            errors.append(f"{where}: keys {sorted(row)} != {sorted(EQ_KEYS)}")
            continue
        if not re.fullmatch(r"eq-\d{2,3}", rid):
            errors.append(f"{where}: id must look like eq-01")
        if row["lang"] not in LANGS:
            errors.append(f"{where}: lang {row['lang']!r} not in {sorted(LANGS)}")
        langs[str(row["lang"])] += 1
        template = row["template"]
        if not isinstance(template, str):
            errors.append(f"{where}: template must be a string")
            continue
        try:
            fields = {f for _, f, _, _ in formatter.parse(template) if f is not None}
        except ValueError as exc:
            errors.append(f"{where}: bad template ({exc})")
            continue
        if not fields or not fields <= PLACEHOLDERS:
            errors.append(f"{where}: placeholders {sorted(fields)} must be a non-empty subset of {sorted(PLACEHOLDERS)}")
            continue
        variants = row["variants"]
        if not isinstance(variants, list) or len(variants) < MIN_VARIANTS:
            errors.append(f"{where}: want at least {MIN_VARIANTS} variants")
            continue
        rendered = set()
        for v in variants:
            if not isinstance(v, dict) or set(v) != fields or not all(isinstance(x, str) and x.strip() for x in v.values()):
                errors.append(f"{where}: variant {v!r} must give exactly {sorted(fields)} as non-empty strings")
                continue
            rendered.add(template.format(**v))
        if len(rendered) != len(variants):
            errors.append(f"{where}: variants are not all different")
        n_variants += len(variants)
    for rid, n in ids.items():
        if n > 1:
            errors.append(f"equal_treatment id {rid} used {n} times")
    if len(rows) < MIN_TEMPLATES:
        errors.append(f"equal_treatment: {len(rows)} templates, want at least {MIN_TEMPLATES}")
    if set(langs) != LANGS:
        errors.append("equal_treatment: want both Danish and English templates")
    return [
        f"Equal-treatment templates: {len(rows)} ({langs['da']} da, {langs['en']} en), {n_variants} variants",
    ]


def main() -> int:
    """Run all checks, print the summary, return the exit status."""
    errors: list[str] = []
    corpus = load_corpus(errors)
    lines = check_gold(corpus, errors)
    lines.append("")
    lines += check_equal_treatment(errors)
    print("\n".join(lines))
    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)")
        for e in errors:
            print(f"  - {e}")
        return 1
    print("\nOK: all gold checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
