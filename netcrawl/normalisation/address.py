"""Address fields: clean text, street line split, postcode format, one-line address.

Markup leaves entities ("&amp;"), tags, doubled spaces and stray commas in
addresses; datasets need comparable values. Where the country's address form
is known, the street line is split into ``housenumber`` and ``street`` (number
first in the US, GB, FR...; number last in DE, NL, ES...), postcodes get the
country's canonical spacing and case ("sw1a 1aa" -> "SW1A 1AA"), and a missing
``addr_full`` is composed from the parts in the country's usual order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import usaddress
from w3lib.html import remove_tags

#: Countries that write the house number before the street ("10 Downing Street").
NUMBER_FIRST = frozenset(
    {"US", "CA", "AU", "NZ", "GB", "IE", "FR", "LU", "MC", "ZA", "IN", "SG", "MY", "PH", "TH",
     "IL", "SA", "AE", "JP", "HK", "PR"}
)
#: Countries that write it after ("Hauptstraße 12a").
NUMBER_LAST = frozenset(
    {"DE", "NL", "AT", "CH", "ES", "IT", "BE", "DK", "SE", "NO", "FI", "IS", "PL", "CZ", "SK",
     "HU", "SI", "HR", "RS", "BA", "ME", "MK", "AL", "BG", "RO", "GR", "PT", "EE", "LV", "LT",
     "LI", "SM", "VA", "AD", "MT", "CY", "TR", "UA", "BY", "RU", "MX", "AR", "BR", "CL", "CO",
     "PE", "UY", "VE", "EC", "BO", "PY", "CR", "PA", "GT", "DO"}
)
#: Countries whose one-line address reads "street, city, state postcode".
_CITY_STATE_POSTCODE = frozenset({"US", "CA", "AU", "PR"})
#: Countries whose one-line address reads "street, city, postcode".
_CITY_POSTCODE = frozenset({"GB", "IE", "NZ", "ZA", "SG", "IN", "JP", "HK"})

_TEXT_FIELDS = (
    "name", "brand", "addr_full", "street_address", "housenumber", "street", "city", "state",
    "postcode",
)

# A house number: "12", "12a", "12 A", "12-14", "12/3", "12 bis", "12ter".
_ONE_NUMBER = r"\d{1,5}(?:\s?[a-zA-Z](?![a-zA-Z]))?"
_NUMBER = rf"{_ONE_NUMBER}(?:\s?[-/\u2013]\s?{_ONE_NUMBER})?"
_SUFFIX = r"(?:\s?(?:bis|ter|quater)\b)?"
_NUMBER_FIRST_RE = re.compile(rf"^(?P<num>{_NUMBER}{_SUFFIX})\s*,?\s+(?P<street>\D.*)$", re.I)
_NUMBER_LAST_RE = re.compile(
    rf"^(?P<street>.*?[^\d\s,])\s*,?\s+(?:(?:nr|no|n°|nº|núm|num)\.?\s*)?(?P<num>{_NUMBER})$",
    re.I,
)

_US_STREET_LABELS = frozenset(
    {"StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType", "StreetName",
     "StreetNamePostType", "StreetNamePostDirectional", "StreetNamePostModifier"}
)


def clean_text(value: object) -> str | None:
    """Entities decoded, tags removed, whitespace collapsed, stray punctuation trimmed."""
    if value is None:
        return None
    text = str(value)
    for _ in range(2):  # "&amp;amp;" happens when a CMS escapes twice
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    if "<" in text and ">" in text:
        text = remove_tags(re.sub(r"<br\s*/?>", ", ", text, flags=re.I))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    text = " ".join(text.split())
    text = re.sub(r"\s+([,;.])", r"\1", text)  # "Main St , City" -> "Main St, City"
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)  # ", ," -> ","
    text = re.sub(r"([,;])(?=\S)", r"\1 ", text)
    text = text.strip(" ,;:|/-\u2013\u2014·•")
    return text or None


def split_street_address(street_address: str, country: str | None) -> tuple[str, str] | None:
    """(housenumber, street) when the country's address form allows, else None."""
    text = clean_text(street_address)
    if not text:
        return None
    if country == "US":
        split = _split_us(text)
        if split:
            return split
    first = _NUMBER_FIRST_RE.match(text)
    last = _NUMBER_LAST_RE.match(text)
    if country in NUMBER_FIRST and first:
        return _tidy_number(first.group("num")), first.group("street").strip(" ,")
    if country in NUMBER_LAST and last:
        return _tidy_number(last.group("num")), last.group("street").strip(" ,")
    if country is None and bool(first) != bool(last):
        match = first or last
        assert match is not None
        return _tidy_number(match.group("num")), match.group("street").strip(" ,")
    return None


def _tidy_number(number: str) -> str:
    tidy = re.sub(r"\s*([-/\u2013])\s*", r"\1", " ".join(number.split()))
    return tidy.replace("\u2013", "-")


def _split_us(text: str) -> tuple[str, str] | None:
    try:
        tokens = usaddress.parse(text)
    except Exception:  # usaddress raises its own errors on odd input; fall back to rules
        return None
    numbers = [token for token, label in tokens if label == "AddressNumber"]
    street = [token for token, label in tokens if label in _US_STREET_LABELS]
    if len(numbers) != 1 or not street:
        return None
    return numbers[0].strip(","), " ".join(street).strip(" ,")


def _format_gb(compact: str) -> str | None:
    if re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}", compact):
        return f"{compact[:-3]} {compact[-3:]}"
    return None


def _format_pattern(
    pattern: str, template: Callable[[re.Match], str]
) -> Callable[[str], str | None]:
    regex = re.compile(pattern)

    def format_postcode(compact: str) -> str | None:
        match = regex.fullmatch(compact)
        return template(match) if match else None

    return format_postcode


#: Canonical postcode formatting per country, applied to the upper-cased postcode
#: without spaces; a postcode that does not fit is left as published.
_POSTCODE_FORMATS: dict[str, Callable[[str], str | None]] = {
    "GB": _format_gb,
    "NL": _format_pattern(r"(\d{4})([A-Z]{2})", lambda m: f"{m[1]} {m[2]}"),
    "CA": _format_pattern(r"([A-Z]\d[A-Z])(\d[A-Z]\d)", lambda m: f"{m[1]} {m[2]}"),
    "IE": _format_pattern(r"([A-Z]\d[\dW])([A-Z\d]{4})", lambda m: f"{m[1]} {m[2]}"),
    "SE": _format_pattern(r"(\d{3})(\d{2})", lambda m: f"{m[1]} {m[2]}"),
    "CZ": _format_pattern(r"(\d{3})(\d{2})", lambda m: f"{m[1]} {m[2]}"),
    "SK": _format_pattern(r"(\d{3})(\d{2})", lambda m: f"{m[1]} {m[2]}"),
    "PL": _format_pattern(r"(\d{2})-?(\d{3})", lambda m: f"{m[1]}-{m[2]}"),
    "PT": _format_pattern(r"(\d{4})-?(\d{3})", lambda m: f"{m[1]}-{m[2]}"),
    "JP": _format_pattern(r"(\d{3})-?(\d{4})", lambda m: f"{m[1]}-{m[2]}"),
    "BR": _format_pattern(r"(\d{5})-?(\d{3})", lambda m: f"{m[1]}-{m[2]}"),
    "US": _format_pattern(r"(\d{5})(?:-?(\d{4}))?", lambda m: m[1] + (f"-{m[2]}" if m[2] else "")),
}


def format_postcode(postcode: object, country: str | None) -> str | None:
    """Upper case, and the country's spacing where its format is known ("1012js" -> "1012 JS")."""
    text = clean_text(postcode)
    if not text:
        return None
    upper = text.upper()
    formatter = _POSTCODE_FORMATS.get(country or "")
    if formatter is None:
        return upper
    compact = re.sub(r"[\s]", "", upper)
    if country not in ("PL", "PT", "JP", "BR", "US"):
        compact = compact.replace("-", "")
    return formatter(compact) or upper


def compose_addr_full(place: dict) -> str | None:
    """One-line address from the parts, in the country's order, comma separated."""
    country = place.get("country")
    street_line = place.get("street_address")
    if not street_line and place.get("street"):
        number = place.get("housenumber")
        if not number:
            street_line = place["street"]
        elif country in NUMBER_LAST:
            street_line = f"{place['street']} {number}"
        else:
            street_line = f"{number} {place['street']}"
    city, state, postcode = place.get("city"), place.get("state"), place.get("postcode")
    if country in _CITY_STATE_POSTCODE:
        parts = [street_line, city, " ".join(p for p in (state, postcode) if p)]
    elif country in _CITY_POSTCODE:
        parts = [street_line, city, state, postcode]
    else:
        parts = [street_line, " ".join(p for p in (postcode, city) if p), state]
    parts = [str(part) for part in parts if part]
    if not parts or (not street_line and len(parts) < 2):
        return None
    return ", ".join(parts)


def normalise_address(place: dict) -> dict:
    """Cleaned copy of the address fields of ``place`` (a dict of Place fields).

    Returns only the fields that change or are added; ``country`` must already be
    alpha-2 (the country pipeline runs first).
    """
    changes: dict[str, object] = {}
    current = dict(place)
    for field_name in _TEXT_FIELDS:
        if field_name not in current:
            continue
        cleaned = clean_text(current[field_name])
        if field_name == "postcode" and cleaned:
            cleaned = format_postcode(cleaned, current.get("country"))
        if cleaned != current[field_name]:
            changes[field_name] = cleaned
            current[field_name] = cleaned
    country = current.get("country")
    if current.get("street_address") and not current.get("housenumber") and not current.get(
        "street"
    ):
        split = split_street_address(current["street_address"], country)
        if split:
            changes["housenumber"], changes["street"] = split
            current["housenumber"], current["street"] = split
    if not current.get("addr_full"):
        composed = compose_addr_full(current)
        if composed:
            changes["addr_full"] = composed
    return changes
