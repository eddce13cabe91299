"""Equal treatment by construction: the retrieval query does not see a citizen's nationality or language.

The policy documents speak of "borgere med etnisk minoritetsbaggrund", never of a particular nationality,
so which passage answers a question must not depend on whether the citizen is Danish, Somali or Polish.
Nationality and language words are dropped from the text that is embedded and searched (names are already
replaced by `[NAVN]` in redaction); the question shown and stored keeps them.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Country/nationality stems of the largest groups of citizens in Denmark and of common languages; the Danish
# adjective (-isk/-sk, -e), noun (-er, -ere, -erne) and English forms are derived from them below.
_DANISH_ADJECTIVES = (
    "dansk", "somalisk", "syrisk", "tyrkisk", "polsk", "pakistansk", "irakisk", "iransk", "afghansk", "eritreisk",
    "libanesisk", "palæstinensisk", "marokkansk", "bosnisk", "serbisk", "kroatisk", "kosovoalbansk", "albansk",
    "vietnamesisk", "kinesisk", "thailandsk", "filippinsk", "indisk", "srilankansk", "tamilsk", "rumænsk",
    "bulgarsk", "litauisk", "lettisk", "estisk", "ukrainsk", "russisk", "tysk", "svensk", "norsk", "islandsk",
    "grønlandsk", "færøsk", "engelsk", "britisk", "amerikansk", "fransk", "spansk", "italiensk", "portugisisk",
    "græsk", "ungarsk", "tjekkisk", "slovakisk", "etiopisk", "sudanesisk", "nigeriansk", "ghanesisk", "kenyansk",
    "ugandisk", "congolesisk", "egyptisk", "algerisk", "tunesisk", "libysk", "jordansk", "kuwaitisk", "saudisk",
    "yemenitisk", "kurdisk", "arabisk", "persisk", "tigrinsk", "amharisk", "urdu", "farsi", "dari", "pashto",
    "tigrinya", "somali", "punjabi", "bengali", "hindi", "tamil", "gambisk", "senegalesisk", "chilensk",
    "brasiliansk", "mexicansk", "colombiansk", "nepalesisk", "burmesisk", "japansk", "koreansk",
)
_DANISH_NOUNS = (
    "dansker", "somalier", "syrer", "tyrker", "polak", "pakistaner", "iraker", "iraner", "afghaner", "eritreer",
    "libaneser", "palæstinenser", "marokkaner", "bosnier", "serber", "kroat", "albaner", "vietnameser", "kineser",
    "filippiner", "inder", "tamiler", "rumæner", "bulgarer", "litauer", "ukrainer", "russer", "tysker", "svensker",
    "nordmand", "grønlænder", "englænder", "amerikaner", "franskmand", "spanier", "italiener", "portugiser",
    "græker", "ungarer", "etiopier", "sudaneser", "nigerianer", "egypter", "kurder", "araber", "perser",
)
_ENGLISH = (
    "danish", "somali", "syrian", "turkish", "turk", "polish", "pole", "pakistani", "iraqi", "iranian", "afghan",
    "eritrean", "lebanese", "palestinian", "moroccan", "bosnian", "serbian", "croatian", "albanian", "vietnamese",
    "chinese", "thai", "filipino", "indian", "sri lankan", "tamil", "romanian", "bulgarian", "lithuanian",
    "latvian", "estonian", "ukrainian", "russian", "german", "swedish", "norwegian", "icelandic", "greenlandic",
    "faroese", "english", "british", "american", "french", "spanish", "italian", "portuguese", "greek",
    "hungarian", "czech", "slovak", "ethiopian", "sudanese", "nigerian", "ghanaian", "kenyan", "ugandan",
    "congolese", "egyptian", "algerian", "tunisian", "libyan", "jordanian", "kuwaiti", "saudi", "yemeni",
    "kurdish", "kurd", "arabic", "arab", "persian", "farsi", "dari", "pashto", "tigrinya", "amharic", "urdu",
    "punjabi", "bengali", "hindi", "gambian", "senegalese", "chilean", "brazilian", "mexican", "colombian",
    "nepali", "burmese", "japanese", "korean",
)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    forms: set[str] = set()
    for adjective in _DANISH_ADJECTIVES:
        forms.update({adjective, adjective + "e"})
    for noun in _DANISH_NOUNS:
        forms.update({noun, noun + "e", noun + "en", noun + "ne", noun + "ere", noun + "erne", noun + "s"})
    for word in _ENGLISH:
        forms.update({word, word + "s"})
    alternatives = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def neutral_query(text: str) -> str:
    """`text` without nationality and language words, whitespace tidied."""
    stripped = _pattern().sub(" ", text)
    return re.sub(r"\s+([,.?!)])", r"\1", re.sub(r"\s{2,}", " ", stripped)).strip()
