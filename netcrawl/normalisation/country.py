"""Country names and codes to ISO 3166-1 alpha-2, through pycountry and its translations.

Pages write "USA", "United Kingdom", "DE", "Deutschland", "Etats-Unis": every
record must carry the same two-letter code so datasets can be joined and
filtered. pycountry ships the ISO 3166-1 names in ~160 languages as gettext
catalogues; a reverse index of all of them (built once, on first use) turns a
localized name into its code without hand-made tables. Only colloquial forms
that no standard lists ("UK", "Holland") come from a small alias table.

When a page gives no country, :func:`infer_country` derives one from other
evidence, in order of trust: a country name ending the address, the
coordinates (offline reverse geocoding), a postcode form unique to one
country, the country calling code of an international phone number, then the
site's country-code top-level domain.
"""

from __future__ import annotations

import gettext
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
import pycountry

from netcrawl.extraction.values import valid_coordinates
from netcrawl.normalisation.phone import clean_phone

# Colloquial forms that are neither ISO codes nor names in the ISO catalogues.
# Keys are in the folded form produced by :func:`_fold`.
_ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "grossbritannien": "GB",
    "angleterre": "GB",
    "engeland": "GB",
    "us": "US",
    "u s": "US",
    "usa": "US",
    "u s a": "US",
    "america": "US",
    "united states of america": "US",
    "etats unis d amerique": "US",
    "vereinigte staaten von amerika": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "south korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "czech republic": "CZ",
    "vatican": "VA",
    "ivory coast": "CI",
    "el": "GR",  # the EU's code for Greece
    "uae": "AE",
    "u a e": "AE",
}

# Languages whose names win when two catalogues give the same string to different
# countries: the languages place data is most often published in come first.
_PRIORITY_LANGUAGES = ("en", "de", "fr", "nl", "es", "it", "pt", "pl", "sv", "da", "nb", "fi")

# ccTLDs that are sold worldwide as generic names, so they say nothing about where
# a place is (example.io, shop.co, radio.fm...).
_VANITY_CCTLDS = frozenset(
    {"ai", "ac", "am", "cc", "co", "fm", "gg", "io", "la", "ly", "me", "ms", "nu", "sh", "so",
     "tk", "to", "tv", "vc", "ws", "app", "eu", "asia"}
)
_TLD_EXCEPTIONS = {"uk": "GB"}


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used as index key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).split())


def _name_variants(name: str) -> Iterable[str]:
    """The name and, for "Korea, Republic of" style names, "Republic of Korea"."""
    yield name
    if ", " in name:
        head, _, tail = name.partition(", ")
        yield f"{tail} {head}"


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    """Folded localized name -> alpha-2, over every language pycountry ships."""
    countries = list(pycountry.countries)
    english_names: list[tuple[str, str]] = []
    for country in countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                english_names.append((value, country.alpha_2))
    index: dict[str, str] = {}
    for name, code in english_names:
        for variant in _name_variants(name):
            index.setdefault(_fold(variant), code)
    try:
        available = sorted(os.listdir(pycountry.LOCALES_DIR))
    except OSError:
        available = []
    ordered = [lang for lang in _PRIORITY_LANGUAGES if lang in available]
    ordered += [lang for lang in available if lang not in ordered]
    for language in ordered:
        try:
            catalogue = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[language]
            )
        except OSError:
            continue
        for name, code in english_names:
            translated = catalogue.gettext(name)
            if translated == name:
                continue
            for variant in _name_variants(translated):
                index.setdefault(_fold(variant), code)
    return index


@lru_cache(maxsize=4096)
def to_alpha2(value: str | None) -> str | None:
    """Return the ISO 3166-1 alpha-2 code for a country name or code, or None.

    Accepts alpha-2 and alpha-3 codes, numeric codes, English official and common
    names, names in any language pycountry has a catalogue for (accents and case
    optional: "Etats-Unis" and "États-Unis" both give US) and a few colloquial
    forms ("UK", "USA", "Holland").
    """
    if value is None:
        return None
    text = " ".join(str(value).split()).strip(" .,;:")
    if not text:
        return None
    folded = _fold(text)
    if not folded:
        return None
    if folded in _ALIASES:
        return _ALIASES[folded]
    compact = folded.replace(" ", "")
    if len(compact) == 2 and compact.isascii() and compact.isalpha():
        found = pycountry.countries.get(alpha_2=compact.upper())
        return found.alpha_2 if found else None
    if len(compact) == 3 and compact.isascii() and compact.isalpha():
        found = pycountry.countries.get(alpha_3=compact.upper())
        if found:
            return found.alpha_2
    if compact.isascii() and compact.isdigit() and len(compact) <= 3:
        found = pycountry.countries.get(numeric=compact.zfill(3))
        return found.alpha_2 if found else None
    code = _name_index().get(folded)
    if code is None and folded.startswith("the "):
        code = _name_index().get(folded[4:])
    return code


def name_to_alpha2(value: str | None) -> str | None:
    """Like :func:`to_alpha2` but for full names only (no two/three-letter codes).

    Used on the last part of a free-text address, where "IL" or "CA" are far more
    likely to be a US state or Canadian province than Israel or Canada.
    """
    if not value or len(_fold(value).replace(" ", "")) <= 3:
        return None
    return to_alpha2(value)


def country_from_phone(raw: str | None) -> str | None:
    """The region of an international number ("+49 30 ...", "0049 30 ..."), else None."""
    if not raw:
        return None
    text = clean_phone(str(raw))
    if not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "ZZ" else None


def country_from_url(url: str | None) -> str | None:
    """The country of a URL's ccTLD (".de" -> DE, ".co.uk" -> GB); None for generic TLDs."""
    if not url:
        return None
    text = str(url).strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if not tld.isalpha() or len(tld) != 2 or tld in _VANITY_CCTLDS:
        return None
    if tld in _TLD_EXCEPTIONS:
        return _TLD_EXCEPTIONS[tld]
    found = pycountry.countries.get(alpha_2=tld.upper())
    return found.alpha_2 if found else None


def country_from_coordinates(lat: object, lon: object) -> str | None:
    """Offline reverse geocoding through :func:`netcrawl.geocoding.reverse_country`."""
    try:
        latitude, longitude = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not valid_coordinates(latitude, longitude):
        return None
    try:
        from netcrawl.geocoding import reverse_country
    except ImportError:
        return None
    return reverse_country(latitude, longitude)


# Postcode forms that only one country uses, with the state check where the
# form alone is too short to be sure (a 5-digit ZIP is also a German postcode).
_UNIQUE_POSTCODES = (
    ("CA", re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$")),
    ("GB", re.compile(r"^(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}$")),
    ("NL", re.compile(r"^[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}$")),
)
_US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


@lru_cache(maxsize=1)
def _us_states() -> frozenset[str]:
    """US state and territory codes and names, folded ("ca", "california")."""
    names = set()
    for subdivision in pycountry.subdivisions.get(country_code="US") or []:
        names.add(_fold(subdivision.code.split("-", 1)[1]))
        names.add(_fold(subdivision.name))
    return frozenset(names)


def country_from_postcode(postcode: object, state: object = None) -> str | None:
    """The country whose postcode format this is, when only one country uses it.

    Canadian ("K1A 0B1"), British ("SW1A 1AA") and Dutch ("1012 JS") postcodes
    are unique in form; a US ZIP ("94086", "94086-1234") counts only with a US
    state beside it, since five digits are also a German or French postcode.
    """
    if not postcode:
        return None
    text = " ".join(str(postcode).upper().split())
    for code, pattern in _UNIQUE_POSTCODES:
        if pattern.match(text):
            return code
    if _US_ZIP.match(text) and state and _fold(str(state)) in _us_states():
        return "US"
    return None


@dataclass(frozen=True)
class CountryEvidence:
    """The country found for a place and which evidence gave it."""

    code: str
    source: str  # "address", "coordinates", "postcode", "phone", "website", "source_url"


def infer_country(place: dict) -> CountryEvidence | None:
    """Find the country of a place dict that does not state a recognisable one.

    Order of trust: the last part of ``addr_full`` when it is a country name,
    the coordinates, a postcode form unique to one country (with the state for
    US ZIP codes), an international phone number's calling code, then the
    ccTLD of the place's own website and of the page it was read from.
    """
    addr_full = place.get("addr_full")
    if isinstance(addr_full, str) and "," in addr_full:
        code = name_to_alpha2(addr_full.rsplit(",", 1)[-1])
        if code:
            return CountryEvidence(code, "address")
    if place.get("lat") is not None and place.get("lon") is not None:
        code = country_from_coordinates(place["lat"], place["lon"])
        if code:
            return CountryEvidence(code, "coordinates")
    code = country_from_postcode(place.get("postcode"), place.get("state"))
    if code:
        return CountryEvidence(code, "postcode")
    phones: list[str] = []
    if place.get("phone"):
        phones.append(str(place["phone"]))
    extras = place.get("extras") or {}
    raw_phones = extras.get("phones") if isinstance(extras, dict) else None
    if isinstance(raw_phones, list):
        phones.extend(str(phone) for phone in raw_phones)
    for phone in phones:
        code = country_from_phone(phone)
        if code:
            return CountryEvidence(code, "phone")
    for field in ("website", "source_url"):
        code = country_from_url(place.get(field))
        if code:
            return CountryEvidence(code, field)
    return None
