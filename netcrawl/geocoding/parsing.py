"""Split an address as people write it into house number, street, unit, postcode, city, hints.

Handles the three layouts the project meets most:

- US/UK/FR: number first ("123 N Main St Apt 4", "12 bis r. de Rivoli");
- NL/DE/BE: number after the street ("Damrak 12-2", "Hauptstr. 5a");
- postcode before or after the city ("75001 Paris", "Springfield, IL 62701",
  "1012 JS Amsterdam").

The parser does not need to be certain where the street ends when there are
no commas: it returns the street words and the matcher tries the longest
prefix that names a known street, leaving the rest as the city.
Accepts geopy's structured-query dicts (street, city, county, state,
postalcode, country) as well as free text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry

from netcrawl.geocoding.normalise import DIRECTIONALS, STREET_TYPES, fold, parse_housenumber
from netcrawl.normalisation.country import to_alpha2

_POSTCODE_PATTERNS = (
    re.compile(r"\b(\d{4}\s?[A-Za-z]{2})\b(?!\w)"),  # NL "1012 JS"
    re.compile(r"\b([A-Z]\d[A-Z]\s?\d[A-Z]\d)\b"),  # CA "K1A 0B1"
    re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b"),  # UK "SW1A 1AA"
    re.compile(r"\b(\d{5}(?:-\d{4})?)\b"),  # US, FR, DE, ES, IT...
    re.compile(r"\b(\d{4})\b"),  # AU, BE, CH, AT, DK, NO...
)
_UNIT_WORDS = frozenset(
    {
        "apt", "apartment", "appt", "app", "suite", "ste", "unit", "fl", "floor", "bldg",
        "building", "rm", "room", "bat", "batiment", "etage", "esc", "escalier", "dept",
        "po", "bus", "lot", "spc", "trlr", "ph",
    }
)  # fmt: skip
_REPETITION = frozenset({"bis", "ter", "quater", "a", "b", "c", "d"})
_NUMBERISH = re.compile(r"^\d+[A-Za-z]{0,2}(?:[-/]\w{1,4})?$")
_STREET_TYPE_WORDS = frozenset(STREET_TYPES)
#: "1e Jan Steenstraat", "2nd Ave": an ordinal starts the street name, it is no house number.
_ORDINAL = re.compile(r"^\d+(?:e|er|ere|eme|de|ste|st|nd|rd|th)\.?$", re.IGNORECASE)


@dataclass(slots=True)
class AddressQuery:
    """The parts of one query; every part optional."""

    housenumber: str | None = None
    street: str | None = None
    unit: str | None = None
    postcode: str | None = None
    city: str | None = None
    #: Further components (region, county, country names or codes) that rank candidates.
    hints: list[str] = field(default_factory=list)
    country: str | None = None
    #: Words after the street when the query had no commas: the city may hide in them.
    trailing: list[str] = field(default_factory=list)

    @property
    def number(self) -> tuple[int, str] | None:
        return parse_housenumber(self.housenumber) if self.housenumber else None


def _split_postcode(component: str) -> tuple[str | None, str]:
    for pattern in _POSTCODE_PATTERNS:
        match = pattern.search(component)
        if match:
            rest = (component[: match.start()] + " " + component[match.end() :]).strip()
            return match.group(1), " ".join(rest.split())
    return None, component


def _strip_unit(tokens: list[str]) -> tuple[list[str], str | None]:
    """Remove "Apt 4", "Suite 200", "#5", "Unit B" after the street."""
    kept: list[str] = []
    unit = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        low = fold(token)
        if token.startswith("#") and kept:
            unit = token.lstrip("#") or (tokens[i + 1] if i + 1 < len(tokens) else None)
            i += 1 if token.lstrip("#") else 2
            continue
        if low in _UNIT_WORDS and kept and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if low != "ste" or any(ch.isdigit() for ch in nxt) or len(nxt) <= 2:
                unit = nxt.lstrip("#")
                i += 2
                continue
        kept.append(token)
        i += 1
    return kept, unit


def parse_street_component(
    text: str, alone: bool = False
) -> tuple[str | None, str | None, str | None, list[str]]:
    """(housenumber, street, unit, trailing words) of "12 bis r. de Rivoli" / "Damrak 12-2"."""
    tokens, unit = _strip_unit(text.replace(",", " ").split())
    if not tokens:
        return None, None, unit, []
    # Number after the street (NL/DE): the last token, maybe followed by a letter.
    first_is_number = bool(_NUMBERISH.match(tokens[0])) and not _ORDINAL.match(tokens[0])
    if len(tokens) >= 2 and _NUMBERISH.match(tokens[-1]) and not first_is_number:
        return tokens[-1], " ".join(tokens[:-1]), unit, []
    if (
        len(tokens) >= 3
        and _NUMBERISH.match(tokens[-2])
        and fold(tokens[-1]) in _REPETITION
        and not first_is_number
    ):
        return f"{tokens[-2]} {tokens[-1]}", " ".join(tokens[:-2]), unit, []
    if alone and not first_is_number:
        # "Damrak 22 Amsterdam": number after the street, the city after the number.
        for i in range(1, len(tokens) - 1):
            if _NUMBERISH.match(tokens[i]):
                return tokens[i], " ".join(tokens[:i]), unit, tokens[i + 1 :]
    if _NUMBERISH.match(tokens[0]) and len(tokens) >= 2:
        number = tokens[0]
        rest = tokens[1:]
        if rest and fold(rest[0]) in {"bis", "ter", "quater"}:
            number = f"{number} {rest[0]}"
            rest = rest[1:]
        # Without commas the city may follow the street: end the street after its
        # last street type (plus a trailing directional), keep the rest as trailing.
        type_positions = [i for i, tok in enumerate(rest) if fold(tok) in _STREET_TYPE_WORDS]
        last_type = type_positions[-1] if type_positions else -1
        if alone and 0 < last_type < len(rest) - 1:
            end = type_positions[-1] + 1
            if end < len(rest) and fold(rest[end]) in DIRECTIONALS:
                end += 1
            return number, " ".join(rest[:end]), unit, rest[end:]
        return number, " ".join(rest), unit, []
    return None, " ".join(tokens), unit, []


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def parse_query(query: str | dict) -> AddressQuery:
    """Parse free text or a geopy structured query into an :class:`AddressQuery`."""
    if isinstance(query, dict):
        return _parse_structured(query)
    components = _tidy_components(
        [c.strip() for c in re.split(r"[,;\n]+", str(query)) if c.strip()]
    )
    parsed = AddressQuery()
    if not components:
        return parsed
    # Country: a last component that is a country name or code (kept as a hint too,
    # since "IN" may be India or Indiana and only the candidates can tell).
    last = components[-1]
    if len(components) > 1 and to_alpha2(last):
        if len(fold(last)) > 2 or not _is_state_code(last):
            parsed.country = to_alpha2(last)
        parsed.hints.append(last)
        components = components[:-1]
    # Postcode: in any component but the street one.
    street_index = _street_component_index(components)
    for i, component in enumerate(components):
        if i == street_index and len(components) > 1:
            continue
        postcode, rest = _split_postcode(component)
        if postcode and (rest or i != street_index):
            parsed.postcode = postcode
            components[i] = rest
            break
    components = [c for c in components if c]
    street_index = _street_component_index(components)
    if street_index is not None:
        number, street, unit, trailing = parse_street_component(
            components[street_index], alone=len(components) == 1
        )
        if len(components) == 1 and parsed.postcode is None and trailing:
            postcode, rest = _split_postcode(" ".join(trailing))
            parsed.postcode = postcode
            trailing = rest.split()
        parsed.housenumber, parsed.street, parsed.unit = number, street, unit
        parsed.trailing = trailing
        others = components[street_index + 1 :] + components[:street_index]
    else:
        others = components
    if others:
        parsed.city = others[0]
        for extra in others[1:]:
            _, rest = _split_postcode(extra) if parsed.postcode else (None, extra)
            for part in [rest] if rest else []:
                parsed.hints.append(part)
    elif parsed.trailing:
        _take_trailing_city(parsed)
    return parsed


@lru_cache(maxsize=1024)
def _is_state_code(text: str) -> bool:
    """ "IL", "CA", "DE": also a US/CA/AU state code, so not surely a country."""
    code = text.strip().upper()
    return any(
        pycountry.subdivisions.get(code=f"{cc}-{code}") is not None for cc in ("US", "CA", "AU")
    )


_LONE_NUMBER = re.compile(r"^\d+\s*(?:bis|ter|quater|[a-z])?$", re.IGNORECASE)


def _tidy_components(components: list[str]) -> list[str]:
    """Merge "12, rue de Rivoli" into one part; drop "Suite 100" / "Apt 4" parts."""
    tidy: list[str] = []
    for component in components:
        words = component.split()
        is_unit = words[0].startswith("#") or fold(words[0]) in _UNIT_WORDS
        if tidy and is_unit and len(words) <= 3:
            continue  # a unit on its own: "123 Main St, Suite 100, Springfield"
        if tidy and _LONE_NUMBER.match(tidy[-1]) and _has_letters(component):
            tidy[-1] = f"{tidy[-1]} {component}"
            continue
        tidy.append(component)
    return tidy


def _take_trailing_city(parsed: AddressQuery) -> None:
    """ "123 Main St Springfield IL" : a short code at the end is a region hint."""
    words = list(parsed.trailing)
    while words and len(words[-1]) <= 3 and words[-1].isupper():
        parsed.hints.insert(0, words.pop())
    if words:
        parsed.city = " ".join(words)


def _street_component_index(components: list[str]) -> int | None:
    """The component that holds the house number and street, if any."""
    for i, component in enumerate(components):
        tokens = component.split()
        if len(tokens) >= 2 and _has_letters(component):
            repeated = fold(tokens[-1]) in _REPETITION and _NUMBERISH.match(tokens[-2])
            numbered = _NUMBERISH.match(tokens[0]) or _NUMBERISH.match(tokens[-1]) or repeated
            if numbered and (i == 0 or not _looks_like_postcode_city(component)):
                return i
    if len(components) == 1 and any(_NUMBERISH.match(tok) for tok in components[0].split()[1:-1]):
        return 0  # "Damrak 22 Amsterdam"
    for i, component in enumerate(components):
        if any(fold(tok) in _STREET_TYPE_WORDS for tok in component.split()) and i == 0:
            return i if len(components) > 1 else None
    return None


def _looks_like_postcode_city(component: str) -> bool:
    postcode, rest = _split_postcode(component)
    return bool(postcode) and bool(rest) and not any(ch.isdigit() for ch in rest)


def _parse_structured(query: dict) -> AddressQuery:
    parsed = AddressQuery()
    street = query.get("street") or query.get("address") or ""
    number = query.get("housenumber") or query.get("house_number") or query.get("number")
    if street:
        n, s, unit, _ = parse_street_component(f"{number} {street}" if number else str(street))
        parsed.housenumber, parsed.street, parsed.unit = n, s, unit
    parsed.city = query.get("city") or query.get("town") or query.get("village") or None
    parsed.postcode = query.get("postalcode") or query.get("postcode") or None
    for key in ("district", "county", "state", "region"):
        if query.get(key):
            parsed.hints.append(str(query[key]))
    if query.get("country"):
        parsed.country = to_alpha2(str(query["country"]))
        parsed.hints.append(str(query["country"]))
    return parsed
