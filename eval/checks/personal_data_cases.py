"""Generated caseworker messages carrying names and addresses (with CPR and phone numbers), and ordinary sentences.

`personal_data_cases()` writes messages the way caseworkers write them, in Danish and English: full names,
three-part names, a title and a surname ("Fru Jensen", "Mr Kowalski"), "familien X" / "the X family", a common
Danish surname alone, names in lower case, possessives, and street addresses with floor, side and postcode. Each
case records every value seeded into it, so the benchmark can check that each one is gone.

Names come from three sources, kept apart so the figures show what the lists buy and what context alone does:
*listed* names (the lists bot/privacy/name_lists.py loads: Faker's Danish, Polish, Turkish, Pakistani, Algerian and
Ukrainian names, caseworker_names.txt), an *unlisted surname* after a known first name (Faker locales the detector
never loads, and HELD_OUT_SURNAMES), and *unlisted names*, neither part in any list (checked in `_held_out`).

`ordinary_sentences()` is the other side: the corpus's own sentences and the gold questions, with no personal
data, topped up with generated questions about the places, departments and programmes the documents name.
"""

from __future__ import annotations

import importlib
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.privacy.name_lists import first_names, surnames, transliterate_ukrainian
from bot.privacy.redaction import ADDRESS, CPR, EMAIL, NAME, PHONE

ROOT = Path(__file__).resolve().parents[2]
LISTED_LOCALES = ("da_DK", "pl_PL", "tr_TR", "en_PK", "fr_DZ", "uk_UA")
HELD_OUT_LOCALES = ("de_DE", "en_GB", "fr_FR", "nl_NL", "it_IT", "es_ES", "hu_HU", "ro_RO", "hr_HR", "lt_LT",
                    "fi_FI", "cs_CZ", "sk_SK", "pt_PT")  # fmt: skip
# Written for the benchmark and deliberately left out of bot/privacy/data/caseworker_names.txt (checked in `_held_out`).
HELD_OUT_FIRST = ("Xaliimo", "Sahro", "Abdiwali", "Mursal", "Tsigereda", "Habtom", "Ghidey", "Awet", "Nebiat",
                  "Shilan", "Hêja", "Rêber", "Zeynab", "Marwa", "Shukria", "Bibi", "Mirwais", "Nooria", "Yalda",
                  "Abdifatah", "Sadiq", "Dilnoza", "Zarina", "Halyna", "Mariya", "Serhij")  # fmt: skip
HELD_OUT_SURNAMES = ("Qaasim", "Warfaa", "Ogbamichael", "Tesfazion", "Barzinji", "Mangal", "Noorzai", "Durrani",
                     "Hotak", "Kakar", "Jalali", "Tokhi", "Raheem", "Shinwari", "Samadi", "Yusufzai")  # fmt: skip
TITLES_DA = ("Fru", "fru", "Hr.", "hr.", "Hr", "frk.", "Frk.")
TITLES_EN = ("Mrs", "Mr", "Mrs.", "Mr.", "Ms", "Miss")

STREET_SUFFIXES = ("gade", "vej", "vej", "stræde", " Allé", " Plads", "s Vænge", "parken", " Boulevard", "s Have")
COPENHAGEN_STREETS = ("Nørrebrogade", "Jagtvej", "Tagensvej", "Amagerbrogade", "Vesterbrogade", "Istedgade",
                      "Blågårdsgade", "Frederikssundsvej", "Hans Tavsens Gade", "Gammel Kongevej", "H.C. Ørsteds Vej",
                      "Enghave Plads", "Sønder Boulevard", "Valby Langgade", "Peter Bangs Vej", "Mjølnerparken",
                      "Husumgade", "Bispebjergvej", "Lundtoftegade", "Ålholmvej", "Folehaven", "Sjælør Boulevard",
                      "Store Kongensgade", "Amager Strandvej", "Bellahøjvej", "Rentemestervej", "Slotsherrensvej",
                      "Gadelandet", "Urbanplanen", "Dortheavej", "Frederiksberg Allé", "Nordre Fasanvej")  # fmt: skip
POSTCODES = ("1050 København K", "1620 København V", "2100 København Ø", "2200 København N", "2300 København S",
             "2400 København NV", "2450 København SV", "2500 Valby", "2700 Brønshøj", "2720 Vanløse",
             "2000 Frederiksberg", "2770 Kastrup", "2200 Kbh N", "1799 København V")  # fmt: skip
FLOORS = ("st. th.", "st. tv.", "1. th.", "2. tv.", "3. tv.", "4. mf.", "2. sal", "3 th", "1. 3", "kl.")

DA_TEMPLATES = (
    "Min borger {p} vil gerne have tolk. Må jeg bruge tolk?",
    "{p} har fået afslag på kontanthjælp, hvad gør jeg?",
    "Kan du hjælpe mig med {p}? Hun taler kun somali.",
    "Jeg har en sag med {p}, som bor på {a}.",
    "Borgeren {p} (cpr {c}) er flyttet til {a}",
    "Ring til {p} på {t} angående bydelsmødre.",
    "kontakt {p} ang. danskuddannelse",
    "Hvad gør vi når {p} ikke møder op til samtalen?",
    "Må jeg sende sagen om {p} til task forcen?",
    "hej, jeg sidder med {p} – hvem betaler tolken?",
    "Vedr. {p}, {a}: ansøgning om familiesammenføring",
    "Vi har en borger, {p}, der er hjemløs i Valby.",
    "{p} og hendes mand er nyankomne flygtninge fra Syrien, hvor henviser jeg dem?",
    "Sagsbehandler spørger: {p} bor på {a} og har ingen varme.",
    "{p} er blevet opsagt fra sin bolig på {a}. Kan Københavnerteamet hjælpe?",
    "Hvordan hjælper jeg {p} med gæld? Tlf. {t}",
    "Jeg skal holde møde med {p} på torsdag, skal der være tolk?",
    "Er der en bydelsmor i Tingbjerg der kan besøge {p}?",
    "borger: {p}, adresse: {a}, tlf {t}",
    "Skal {p} tilbydes Gadepulsen, eller er det Socialforvaltningen?",
    "{p} skriver fra {e} og spørger om danskuddannelse, hvem svarer?",
    "Mail fra borgeren ({e}): hun hedder {p} og har brug for tolk.",
)
# A possessive needs a sentence made for it.
DA_POSSESSIVE = ("{p} søn går i modtagelsesklasse, kan vi få tolk til forældremødet?",
                 "{p} mor er syg, hvem kan hjælpe familien?", "Hvem betaler tolk til {p} samtale med lægen?")
EN_POSSESSIVE = ("{p} son needs an interpreter at school.", "{p} mother is ill, who can help the family?",
                 "Who pays the interpreter for {p} meeting with the doctor?")
EN_TEMPLATES = (
    "My client {p} needs an interpreter. Can I book one?",
    "{p} lives at {a} and has no heating.",
    "Can the task force help {p} with housing?",
    "I am working with {p} (CPR {c}); who pays for the interpreter?",
    "Please call {p} on {t} about the parents' meeting.",
    "What do I do when {p} does not show up?",
    "{p} was evicted from {a}. Can the Copenhagen team help?",
    "Is there a neighbourhood mother in Nørrebro who could visit {p}?",
    "citizen {p}, address {a}, phone {t}",
    "hi, I have a case with {p} who speaks only Tigrinya, what now?",
    "Does {p} qualify for debt counselling? She lives at {a}.",
    "Should I send {p}'s case to the task force?",
    "Meeting with {p} on Thursday: do we need an interpreter?",
    "{p} and her husband arrived from Eritrea last month, where do I refer them?",
    "{p} wrote from {e} asking about Danish lessons, who answers?",
    "Email from the citizen ({e}): her name is {p} and she needs an interpreter.",
)


@dataclass(frozen=True, slots=True)
class PiiCase:
    """One generated message and what was seeded into it, to score each value separately."""

    text: str
    language: str
    form: str  # how the name (or address) was written: "full name", "title + surname", "lower case" …
    source: str  # "listed" or "held-out" (names), "generated" or "Copenhagen" (streets)
    values: tuple[tuple[str, str], ...]  # (kind, the value as seeded)


def _locale_names(locales: Sequence[str], attributes: Sequence[str]) -> list[str]:
    """Capitalised names from Faker's person providers, Ukrainian transliterated, one word each."""
    found: list[str] = []
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in attributes:
            for name in getattr(provider, attribute, ()):
                word = str(name)
                if locale == "uk_UA":
                    word = transliterate_ukrainian(word).capitalize()
                if re.fullmatch(r"[^\W\d_][^\W\d_'-]+", word) and not word.isupper():
                    found.append(word)
    return sorted(set(found))


def _held_out(words: Sequence[str]) -> list[str]:
    """Only the names the detector's lists do not hold, so the held-out figures test context alone."""
    known = first_names() | surnames()
    return sorted({w for w in words if w.lower() not in known})


class _Names:
    """Name pools by source, and the Danish surnames that stand alone.

    "listed": first name and surname from the lists the detector loads. "unlisted surname": a first name the
    detector knows (Faker's other European locales, only those in its lists) with a surname it does not, so only
    context finds the surname. "unlisted name": neither part is in any list the detector loads.
    """

    def __init__(self) -> None:
        first = ("first_names_male", "first_names_female", "first_names")
        last = ("last_names", "male_last_names", "unisex_last_names", "last_names_male")
        extra = [line.split() for line in (ROOT / "bot" / "privacy" / "data" / "caseworker_names.txt").read_text().splitlines()
                 if line and not line.startswith(("#", "["))]  # fmt: skip
        other_first = _locale_names(HELD_OUT_LOCALES, first)
        unknown_first = _held_out(other_first) + list(HELD_OUT_FIRST)
        known_other_first = sorted(set(other_first) - set(unknown_first))
        unlisted_last = _held_out(_locale_names(HELD_OUT_LOCALES, last)) + list(HELD_OUT_SURNAMES)
        listed_first = _locale_names(LISTED_LOCALES, first) + [w for words in extra[:10] for w in words]
        self.first = {"listed": listed_first, "unlisted surname": known_other_first, "unlisted name": unknown_first}
        self.last = {"listed": _locale_names(LISTED_LOCALES, last), "unlisted surname": unlisted_last,
                     "unlisted name": unlisted_last}
        self.danish_surnames = _locale_names(("da_DK",), ("last_names",))


# How often each source is drawn: most citizens Copenhagen caseworkers name have names the lists hold (Danish and
# the largest immigrant groups); a quarter have a surname no list holds; one in twenty a name nobody listed.
SOURCE_WEIGHTS = {"listed": 0.70, "unlisted surname": 0.25, "unlisted name": 0.05}


def _street(rng: random.Random) -> tuple[str, str]:
    """A street name and its source: Faker's Danish street stems with a suffix, or a real Copenhagen street."""
    if rng.random() < 0.5:
        return rng.choice(COPENHAGEN_STREETS), "Copenhagen"
    provider = importlib.import_module("faker.providers.address.da_DK").Provider
    stem = rng.choice(provider.street_names)
    return f"{stem}{rng.choice(STREET_SUFFIXES)}", "generated"


def _address(rng: random.Random) -> tuple[str, str, str]:
    """(address, form, source): street and number, with floor and side and postcode in varying combinations."""
    street, source = _street(rng)
    number = f"{rng.randrange(1, 250)}{rng.choice(('', '', '', 'A', 'B', ' B'))}"
    form = rng.choice(("street + number", "+ floor", "+ floor + postcode", "+ postcode", "lower case"))
    text = f"{street} {number}"
    if "floor" in form:
        text += f", {rng.choice(FLOORS)}" if rng.random() < 0.7 else f" {rng.choice(FLOORS)}"
    if "postcode" in form:
        text += f", {rng.choice(POSTCODES)}"
    if form == "lower case":
        text = f"{street.lower()} {number}"
    return text, form, source


def _person(rng: random.Random, names: _Names, language: str, source: str) -> tuple[str, str, str]:
    """(as written, form, the name as seeded) for one citizen."""
    first = rng.choice(names.first[source])
    last = rng.choice(names.last[source])
    form = rng.choice(("full name", "full name", "three-part name", "title + surname", "family", "Danish surname alone",
                       "lower case", "first name", "possessive"))  # fmt: skip
    if form == "full name":
        return f"{first} {last}", form, f"{first} {last}"
    if form == "three-part name":
        middle = rng.choice(names.first[source])
        return f"{first} {middle} {last}", form, f"{first} {middle} {last}"
    if form == "title + surname":
        title = rng.choice(TITLES_EN if language == "en" else TITLES_DA)
        return f"{title} {last}", form, last
    if form == "family":
        written = f"the {last} family" if language == "en" else f"{rng.choice(('familien', 'Familien'))} {last}"
        return written, form, last
    if form == "Danish surname alone":  # from the Danish list whatever the source drawn: see personal_data_cases
        surname = rng.choice(names.danish_surnames)
        return surname, form, surname
    if form == "lower case":
        written = f"{_lower(first)} {_lower(last)}"
        return written, form, written
    if form == "first name":
        return first, form, first
    return (f"{first}'s" if language == "en" else f"{first}s"), form, first


def _lower(name: str) -> str:
    """Lower case as a caseworker types it: a Turkish İ becomes i, not i with a combining dot."""
    return name.replace("İ", "i").lower()


def _email(rng: random.Random, name: str) -> str:
    """An address made from the citizen's name, as people's own addresses are."""
    local = ".".join(re.findall(r"[^\W\d_]+", name.lower())) or "borger"
    return f"{local}{rng.choice(('', '', str(rng.randrange(100))))}@{rng.choice(('gmail.com', 'hotmail.dk', 'live.dk', 'yahoo.com'))}"


def _cpr(rng: random.Random) -> str:
    return f"{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}{rng.randrange(100):02d}-{rng.randrange(10**4):04d}"


def _phone(rng: random.Random) -> str:
    digits = f"{rng.randrange(2, 10)}{rng.randrange(10**7):07d}"
    return rng.choice((digits, f"{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}", f"+45 {digits}"))


def personal_data_cases(n: int = 3200, seed: int = 20240601) -> list[PiiCase]:
    """n messages, half Danish and half English, each with a citizen's name or address and often a number too."""
    rng = random.Random(seed)
    names = _Names()
    cases: list[PiiCase] = []
    for i in range(n):
        language = "en" if i % 2 else "da"
        template = rng.choice(EN_TEMPLATES if language == "en" else DA_TEMPLATES)
        source = rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[0]
        person, form, seeded = _person(rng, names, language, source)
        if form == "possessive":
            template = rng.choice(EN_POSSESSIVE if language == "en" else DA_POSSESSIVE)
        elif "{p}'s" in template:
            person = seeded
        if template.startswith("{p}") and form == "lower case":
            person, seeded = person.capitalize(), seeded.capitalize()  # nobody starts a message in lower case…
        values: list[tuple[str, str]] = [(NAME, seeded)]
        fill = {"p": person, "a": "", "c": "", "t": "", "e": ""}
        if "{a}" in template:
            address, address_form, street_source = _address(rng)
            fill["a"] = address
            values.append((ADDRESS, address))
            if rng.random() < 0.4:  # some cases are scored on the address form instead of the name form
                form, source = f"address: {address_form}", f"street: {street_source}"
        if "{c}" in template:
            fill["c"] = _cpr(rng)
            values.append((CPR, fill["c"]))
        if "{e}" in template:
            fill["e"] = _email(rng, seeded)
            values.append((EMAIL, fill["e"]))
        if "{t}" in template:
            fill["t"] = _phone(rng)
            values.append((PHONE, fill["t"]))
        if form == "Danish surname alone":
            source = "listed"
        cases.append(PiiCase(template.format(**fill), language, form, source, tuple(values)))
    return cases


# --- ordinary sentences ------------------------------------------------------------------------------------------

# People the documents name (signatories, mayors, officials): their sentences are personal data, not ordinary text.
OFFICIALS = ("Hougaard", "Warming", "Laigaard", "Elmelund", "Bylov", "Torpdahl", "Allerslev", "Christensen")
PLACES = ("Valby", "Bispebjerg", "Nørrebro", "Tingbjerg", "København", "Vesterbro", "Amager", "Østerbro",
          "Brønshøj", "Vanløse", "Sydhavnen", "Nordvest", "Husum", "Kongens Enghave", "Indre By", "Christianshavn",
          "Mjølnerparken", "Sundholm", "Bellahøj", "Ryparken", "Sluseholmen", "Nørreport", "Rigshospitalet",
          "Fælledparken", "Bispebjerg Hospital", "Hvidovre Hospital", "Københavns Hovedbanegård")  # fmt: skip
UNITS = ("Socialforvaltningen", "Beskæftigelses- og Integrationsforvaltningen", "Beskæftigelses- og "
         "Integrationsudvalget", "Socialudvalget", "Borgerrepræsentationen", "Integrationsrådet", "Borgerservice",
         "Jobcentret", "Børne- og Ungdomsforvaltningen", "Sundheds- og Omsorgsforvaltningen", "Teknik- og "
         "Miljøforvaltningen", "Københavns Kommune", "task forcen", "Hjemløseenheden", "Ydelseskontoret")  # fmt: skip
PROGRAMMES = ("Gadepulsen", "Københavnerteamet", "bydelsmødre", "Bydelsmødrene", "Fælles Sprog", "Den Grønne Linje",
              "hotline", "SSP", "Gadeplan", "Projekt Udenfor", "Café Klare", "Mødrenes Hus", "Lommepengeprojektet",
              "Hjemløseenhedens gadeteam", "Kvindekrisecentret", "Boligsocialt Netværk")  # fmt: skip
TOPICS = ("tolk", "danskuddannelse", "familiesammenføring", "kontanthjælp", "integrationsydelse", "gældsrådgivning",
          "anonym rådgivning", "boligsocial indsats", "opsøgende arbejde", "misbrugsbehandling", "psykiatri",
          "handicap", "hjemløshed", "forældresamarbejde", "ligebehandling", "tandpleje")  # fmt: skip
GROUPS = ("somaliske", "arabisktalende", "tyrkiske", "polske", "ukrainske", "eritreiske", "kurdiske", "pakistanske",
          "afghanske", "etniske minoritets-")  # fmt: skip
ORDINARY_DA = (
    "Hvad tilbyder {prog} i {place}?", "Kan {unit} hjælpe med {topic}?", "hvem betaler {topic} i {place}",
    "Findes der {prog} for {group} kvinder i {place}?", "Hvornår starter {prog} igen efter sommerferien?",
    "Hvad siger handleplanen om {topic} for borgere i {place}?", "Må jeg henvise til {prog} uden at spørge {unit}?",
    "Har {unit} en kontaktperson for {topic}?", "Hvor mange {group} familier bor i {place}?",
    "Er {prog} også åben for mænd?", "Kan vi bruge {topic} i samarbejdet med {unit}?",
    "hvad er reglerne for {topic} hvis borgeren bor i {place}", "Hvem i {unit} har ansvaret for {prog}?",
    "Hvordan rekvirerer jeg task forcen til en sag om {topic} i {place}?", "Gælder integrationspolitikken 2015-2018 for {topic}?",
    "Hvor meget koster {prog} om året?", "Kan {prog} tage imod {group} unge fra {place}?",
)
ORDINARY_EN = (
    "What does {prog} offer in {place}?", "Can {unit} help with {topic}?", "who pays for {topic} in {place}",
    "Is there {prog} for {group} women in {place}?", "When does {prog} start again after the summer?",
    "What does the action plan say about {topic} for citizens in {place}?", "Who in {unit} is responsible for {prog}?",
    "How do I requisition the task force for a case about {topic} in {place}?", "Is {prog} open to men as well?",
    "how much does {prog} cost per year", "Does the integration policy 2015-2018 cover {topic}?",
)
_ENGLISH_GROUPS = ("Somali", "Arabic-speaking", "Turkish", "Polish", "Ukrainian", "Eritrean", "Kurdish", "Pakistani",
                   "Afghan", "ethnic minority")  # fmt: skip


def corpus_sentences() -> Iterator[str]:
    """The sentences of the shipped documents' chunks, as the index holds them."""
    from corpus.sentences import sentence_spans
    from corpus.store import CorpusStore

    store = CorpusStore(ROOT / "corpus" / "documents", ROOT / "data" / "no-added-documents", None)
    for ingested in store.load():
        for chunk in ingested.chunks:
            for start, end in sentence_spans(chunk.text):
                yield chunk.text[start:end]


def gold_questions() -> Iterator[str]:
    """The gold questions of both splits, and the equal-treatment templates with a role where the name was."""
    for split in ("dev", "test"):
        for line in (ROOT / "eval" / "gold" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            yield json.loads(line)["question"]
    for line in (ROOT / "eval" / "gold" / "equal_treatment.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        role = "the citizen" if item["lang"] == "en" else "borgeren"
        for variant in item["variants"]:
            yield item["template"].format(**(variant | {"name": role}))


def ordinary_sentences(n: int = 2000, seed: int = 20240601) -> list[tuple[str, str]]:
    """(sentence, source) with no personal data: corpus and gold first, then generated questions up to n."""
    from bot.privacy.redaction import redact

    out: list[tuple[str, str]] = []
    for sentence in corpus_sentences():
        # Letterheads carry the offices' phone numbers and e-mail, and signatures the officials' names: those are
        # personal data by kind, not ordinary sentences.
        if any(name in sentence for name in OFFICIALS) or set(redact(sentence, names=False).found) & {PHONE, "email"}:
            continue
        out.append((sentence, "corpus"))
    out.extend((question, "gold") for question in gold_questions())
    rng = random.Random(seed + 7)
    while len(out) < n:
        english = rng.random() < 0.45
        template = rng.choice(ORDINARY_EN if english else ORDINARY_DA)
        text = template.format(prog=rng.choice(PROGRAMMES), place=rng.choice(PLACES), unit=rng.choice(UNITS),
                               topic=rng.choice(TOPICS),
                               group=rng.choice(_ENGLISH_GROUPS if english else GROUPS))  # fmt: skip
        if rng.random() < 0.25:
            text = text.lower()  # caseworkers often write without capitals
        out.append((text, "generated"))
    return out[:n]
