"""Country names and codes to ISO 3166-1 alpha-2, through pycountry.

Pages write "USA", "United Kingdom", "DE", "Deutschland": every record must
carry the same two-letter code so datasets can be joined and filtered.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Common short forms that are neither ISO codes nor names pycountry knows.
_ALIASES = {
    "UK": "GB",
    "U.K.": "GB",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "U.S.": "US",
    "U.S.A.": "US",
    "USA": "US",
    "AMERICA": "US",
}


@lru_cache(maxsize=4096)
def to_alpha2(value: str | None) -> str | None:
    """Return the ISO 3166-1 alpha-2 code for a country name or code, or None."""
    if not value:
        return None
    text = " ".join(str(value).split()).strip(" .,;")
    if not text:
        return None
    upper = text.upper()
    if upper in _ALIASES:
        return _ALIASES[upper]
    try:
        if len(text) == 2:
            found = pycountry.countries.get(alpha_2=upper)
        elif len(text) == 3:
            found = pycountry.countries.get(alpha_3=upper)
        else:
            found = None
        if found is None:
            found = pycountry.countries.lookup(text)
    except LookupError:
        try:
            matches = pycountry.countries.search_fuzzy(text)
        except LookupError:
            return None
        found = matches[0] if len(matches) == 1 else None
    return found.alpha_2 if found is not None else None
