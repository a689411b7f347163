"""Canonical keys for place names, street names, house numbers and postcodes.

People write the same address many ways ("12 r. de Rivoli" / "12 Rue de Rivoli",
"Hauptstr. 5" / "Hauptstraße 5", "123 N Main St" / "123 North Main Street").
Both the importer and the matcher reduce every name to the same *key*, so a
lookup is an exact index hit instead of a fuzzy scan. The reduction is
many-to-one on purpose: every spelling of a street type collapses to one short
canonical token (street/st/str. -> ``st``; straße/strasse/straat/str -> ``str``),
accents and punctuation disappear and French articles are dropped. Because the
same function runs on both sides, an ambiguous abbreviation ("St" = Saint or
Street) needs no resolution: both readings give the same key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from netcrawl.normalisation.address import format_postcode

# Letters that NFKD does not decompose into ASCII + combining marks.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "\u0131": "i",  # dotless i
        "\u2019": "'",  # right single quotation mark
    }
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: accents and punctuation removed."""
    if text.isascii():  # the common case: no decomposition needed
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def _table(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, variants in groups.items():
        table[canonical] = canonical
        for variant in variants:
            table[variant] = canonical
    return table


#: Street types in English, French, German and Dutch: every spelling -> canonical token.
STREET_TYPES: dict[str, str] = _table(
    {
        "st": ("street", "str", "strasse", "straat", "strase", "stree", "streets"),
        "av": ("ave", "avenue", "avenu", "aven", "avn", "avnue", "avda", "avenida"),
        "rd": ("road",),
        "blvd": ("boulevard", "boul", "boulv", "bd", "bld", "bvd", "blv"),
        "dr": ("drive", "drv", "driv"),
        "ln": ("lane", "laan"),
        "ct": ("court", "crt"),
        "pl": ("place", "platz", "plein", "pln", "plaza", "plz", "pza"),
        "sq": ("square", "sqr"),
        "ter": ("terrace", "terr"),
        "hwy": ("highway", "hiway", "hway"),
        "pkwy": ("parkway", "pky", "pkway", "parkwy"),
        "cir": ("circle", "circ", "crcl"),
        "way": ("wy",),
        "trl": ("trail",),
        "aly": ("alley", "ally"),
        "xing": ("crossing",),
        "expy": ("expressway", "expwy"),
        "fwy": ("freeway",),
        "tpke": ("turnpike", "tpk"),
        "cres": ("crescent", "cresc"),
        "grv": ("grove",),
        "rue": ("r",),
        "ch": ("chemin", "chem"),
        "rte": ("route",),
        "imp": ("impasse",),
        "all": ("allee", "alle"),
        "quai": ("qu", "qai"),
        "crs": ("cours",),
        "fbg": ("faubourg", "fg", "faub"),
        "pass": ("passage", "psg"),
        "prom": ("promenade",),
        "espl": ("esplanade",),
        "sent": ("sentier",),
        "res": ("residence",),
        "rpt": ("rond point", "rdpt"),
        "hameau": ("ham",),
        "weg": ("wg",),
        "gr": ("gracht",),
        "kd": ("kade",),
        "sngl": ("singel",),
        "dk": ("dijk",),
        "gasse": (),
    }
)
#: Compound street names written as one word: suffix -> canonical suffix.
_COMPOUND_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("strasse", "st"),
    ("strase", "st"),
    ("straat", "st"),
    ("street", "st"),
    ("str", "st"),
    ("laan", "ln"),
    ("plein", "pl"),
    ("platz", "pl"),
    ("gracht", "gr"),
    ("kade", "kd"),
    ("singel", "sngl"),
)
#: Words that are part of names, not street types: canonical short forms.
NAME_WORDS: dict[str, str] = _table(
    {
        "st": ("saint", "sankt", "san"),
        "ste": ("sainte",),
        "mt": ("mount", "mont"),
        "ft": ("fort",),
        "n": ("north", "nord", "noord"),
        "s": ("south", "sud", "zuid"),
        "e": ("east", "est", "oost"),
        "w": ("west", "ouest"),
        "ne": ("northeast",),
        "nw": ("northwest",),
        "se": ("southeast",),
        "sw": ("southwest",),
        "1": ("first", "1st", "premier", "1er", "1e", "eerste"),
        "2": ("second", "2nd", "2e", "tweede", "deuxieme"),
        "3": ("third", "3rd", "3e", "derde", "troisieme"),
        "4": ("fourth", "4th", "4e", "vierde"),
        "5": ("fifth", "5th", "5e"),
        "6": ("sixth", "6th"),
        "7": ("seventh", "7th"),
        "8": ("eighth", "8th"),
        "9": ("ninth", "9th"),
        "10": ("tenth", "10th"),
        "dr": ("doctor",),
        "gen": ("general",),
        "pres": ("president",),
        "mgr": ("monseigneur",),
        "mal": ("marechal",),
    }
)
DIRECTIONALS: frozenset[str] = frozenset({"n", "s", "e", "w", "ne", "nw", "se", "sw"})
#: Articles and prepositions people add or leave out ("rue de Rivoli" / "rue Rivoli").
STOPWORDS: frozenset[str] = frozenset(
    {"de", "du", "des", "la", "le", "les", "l", "d", "the", "of", "het", "der", "den"}
)
_TYPE_CANONICALS: frozenset[str] = frozenset(STREET_TYPES.values())


def _canonical_token(token: str) -> str:
    if token in STREET_TYPES:
        return STREET_TYPES[token]
    if token in NAME_WORDS:
        return NAME_WORDS[token]
    if token.isdigit():
        return str(int(token))
    ordinal = re.fullmatch(r"(\d+)(?:st|nd|rd|th|e|er|eme|de|ste)", token)
    if ordinal:
        return str(int(ordinal.group(1)))
    for suffix, canonical in _COMPOUND_SUFFIXES:
        if len(token) > len(suffix) + 2 and token.endswith(suffix):
            return token[: -len(suffix)] + canonical
    return token


@dataclass(frozen=True, slots=True)
class StreetKey:
    """Index keys of one street name.

    ``full`` keeps every canonical token (directionals, type); ``base`` drops a
    leading/trailing street type and directionals, so "Main" finds "N Main St"
    when the writer left them out.
    """

    full: str
    base: str


@lru_cache(maxsize=500_000)
def street_key(name: str) -> StreetKey:
    """Canonical keys of a street name (see :class:`StreetKey`)."""
    tokens = [_canonical_token(tok) for tok in fold(name).split()]
    tokens = [tok for tok in tokens if tok not in STOPWORDS] or tokens
    full = "".join(tokens)
    core = list(tokens)
    # Strip directionals and types at either end (US "N Main St NW", FR "Rue X").
    while len(core) > 1 and (core[0] in DIRECTIONALS or core[0] in _TYPE_CANONICALS):
        core.pop(0)
    while len(core) > 1 and (core[-1] in DIRECTIONALS or core[-1] in _TYPE_CANONICALS):
        core.pop()
    return StreetKey(full=full, base="".join(core))


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Key of a place, region or city name ("Saint-Étienne" == "St. Etienne")."""
    tokens = [NAME_WORDS.get(tok, tok) for tok in fold(name).split()]
    return "".join(tokens)


@lru_cache(maxsize=100_000)
def parse_housenumber(text: str) -> tuple[int, str] | None:
    """Number and canonical suffix of a house number: "12a" -> (12, "a"), "12-2" -> (12, "2").

    Dutch additions ("12-2", "12 A"), French repetition indices ("12 bis") and
    US letters ("123B") all become a lower-case alphanumeric suffix.
    """
    text = fold(text.replace("-", " - ").replace("/", " / ")) if text else ""
    text = text.replace("  ", " ")
    match = re.fullmatch(r"(\d+)(?:\s*([a-z]+))?(?:\s+(\w+))?", text)
    if not match:
        return None
    suffix = "".join(part for part in match.group(2, 3) if part)
    return int(match.group(1)), suffix


_US_ZIP = re.compile(r"^(\d{5})-?\d{4}$")


@lru_cache(maxsize=100_000)
def postcode_key(text: str) -> str:
    """Postcode without spaces or dashes, upper case; US ZIP+4 reduced to ZIP5."""
    compact = re.sub(r"[\s\-.]", "", text.strip().upper())
    zip_plus4 = _US_ZIP.match(text.strip())
    if zip_plus4:
        return zip_plus4.group(1)
    return compact


def display_postcode(key: str, country: str | None) -> str:
    """Postcode as written locally: "1012JS" -> "1012 JS" (NL), "SW1A1AA" -> "SW1A 1AA".

    The same formatting the address pipeline gives published postcodes, so a
    geocoded postcode and a published one compare equal.
    """
    return format_postcode(key, country) or key
