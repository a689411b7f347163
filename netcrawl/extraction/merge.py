"""One record per real place on a page, with stable, distinct refs.

Sites describe the same shop twice (JSON-LD with the address and microdata
with the coordinates; microdata and RDFa of one template): those become one
record, fields filled from each other, the first syntax's values winning.
A directory page of ten same-named branches must stay ten records, so a
match by name also requires that nothing contradicts (street, postcode,
city, phone, ref, coordinates).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from netcrawl.geodesy import haversine_m

from .schematypes import any_is_a

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\D+")
_MAX_SAME_PLACE_KM = 0.5
_WORDS = re.compile(r"\w+", re.UNICODE)
#: Street words written in full in one syntax and abbreviated in another
#: ("200 George Street" in the JSON-LD, "200 George St" in the visible microdata).
_STREET_ABBREVIATIONS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "place": "pl",
    "court": "ct",
    "square": "sq",
    "highway": "hwy",
    "parkway": "pkwy",
    "terrace": "ter",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "suite": "ste",
    "strasse": "str",
    "rue": "r",
}


def _key(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub("", text.casefold())


def _street_key(text: str | None) -> str:
    """A street compared across spellings: case, accents, punctuation, abbreviations."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = []
    for word in _WORDS.findall(text.replace("_", " ")):
        if word.endswith("strasse") and word != "strasse":
            word = word[: -len("strasse")] + "str"  # Hauptstraße / Hauptstrasse / Hauptstr.
        words.append(_STREET_ABBREVIATIONS.get(word, word))
    return "".join(words)


def _distance_km(a: dict, b: dict) -> float:
    return haversine_m(a["lat"], a["lon"], b["lat"], b["lon"]) / 1000


def _conflict(a: dict, b: dict) -> bool:
    """Do two records contradict each other on an identifying field?"""
    for field in ("ref", "postcode", "city", "addr_full"):
        if a.get(field) and b.get(field) and _key(a[field]) != _key(b[field]):
            return True
    streets = a.get("street_address"), b.get("street_address")
    if all(streets) and _street_key(streets[0]) != _street_key(streets[1]):
        return True
    if a.get("phone") and b.get("phone"):
        digits_a, digits_b = _DIGITS.sub("", a["phone"]), _DIGITS.sub("", b["phone"])
        if digits_a[-8:] != digits_b[-8:]:
            return True
    has_coords = "lat" in a and "lat" in b
    return has_coords and _distance_km(a, b) > _MAX_SAME_PLACE_KM


def _organization_at_place(organization: dict, place: dict) -> bool:
    """A site's Organization published at the very address of its typed place.

    Single-location sites (and SEO plugins) describe the business twice, as an
    ``Organization`` with the switchboard number and as a ``Dentist``/``Store``
    with the branch's: one place, even though the phones differ.
    """
    if _specificity(organization) != 1 or _specificity(place) != 2:
        return False
    street, postcode = organization.get("street_address"), organization.get("postcode")
    return (
        bool(street and postcode)
        and _street_key(street) == _street_key(place.get("street_address"))
        and _key(postcode) == _key(place.get("postcode"))
    )


def _same_place(a: dict, b: dict, only_other: bool) -> bool:
    if a.get("ref") and a.get("ref") == b.get("ref"):
        return True
    if _organization_at_place(a, b) or _organization_at_place(b, a):
        return True
    if _conflict(a, b):
        return False
    if a.get("name") and _key(a.get("name")) == _key(b.get("name")):
        return True
    same_street = bool(a.get("street_address")) and _street_key(a["street_address"]) == _street_key(
        b.get("street_address")
    )
    if same_street and a.get("postcode") and _key(a["postcode"]) == _key(b.get("postcode")):
        return True
    if "lat" in a and "lat" in b and _distance_km(a, b) < 0.01:
        return True
    # A nameless fragment (an address or coordinates alone, an OpenGraph
    # summary) belongs to the page's single described place, if there is one.
    fragment = (
        not a.get("name")
        or not b.get("name")
        or "opengraph"
        in (
            a.get("source_format"),
            b.get("source_format"),
        )
    )
    return fragment and only_other


def _fill(target: dict, other: dict) -> None:
    for field, value in other.items():
        if field == "extras":
            extras = target.setdefault("extras", {})
            for key, extra in value.items():
                extras.setdefault(key, extra)
        elif field not in target:
            target[field] = value
    if "lat" in other and "lat" in target and target.get("lon") is None:
        target["lon"] = other["lon"]


def _specificity(place: dict) -> int:
    """How precisely a record's type describes a place: 2 a Place or LocalBusiness
    subtype, 1 a mere Organization, 0 no schema.org type (fragments, microformats)."""
    types = (place.get("extras") or {}).get("@type")
    if not types:
        return 0
    types = types if isinstance(types, list) else [types]
    if any_is_a(types, "Place") or any_is_a(types, "LocalBusiness"):
        return 2
    return 1 if any_is_a(types, "Organization") else 0


def merge_places(places: list[dict]) -> list[dict]:
    """Merge records describing the same place; keeps first-seen order.

    The first record's values win, unless the later one has the more specific
    type: a site's ``Organization`` and its ``Dentist`` at the same address are
    one place named as the dentist.
    """
    merged: list[dict] = []
    for place in places:
        only_other = len(merged) == 1
        for index, existing in enumerate(merged):
            if _same_place(existing, place, only_other) or _same_place(place, existing, only_other):
                if _specificity(place) > _specificity(existing):
                    winner = dict(place)
                    _fill(winner, existing)
                    merged[index] = winner
                else:
                    _fill(existing, place)
                break
        else:
            merged.append(dict(place))
    return merged


def page_slug(url: str | None) -> str | None:
    """The page URL's last path segment without extension (else its host)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: no usable path
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments:
        slug = unquote(segments[-1])
        if "." in slug:
            slug = slug.rsplit(".", 1)[0] or slug
        if slug:
            return slug
    return parts.hostname or None


def _name_slug(name: str | None) -> str:
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub("-", text.casefold()).strip("-")


def assign_refs(places: list[dict], url: str | None) -> None:
    """Give every record a ref: branchCode/@id when published, else from the page URL.

    Several records on one page get ``slug#name-slug`` (or ``slug#N`` when
    names repeat or are missing), so refs stay distinct and stable.
    """
    slug = page_slug(url) or "place"
    missing = [place for place in places if not place.get("ref")]
    if len(missing) == 1 and not any(place.get("ref") == slug for place in places):
        missing[0]["ref"] = slug
    elif missing:
        name_slugs = [_name_slug(place.get("name")) for place in missing]
        unique = all(name_slugs) and len(set(name_slugs)) == len(name_slugs)
        for index, place in enumerate(missing, start=1):
            place["ref"] = f"{slug}#{name_slugs[index - 1] if unique else index}"
    seen: dict[str, int] = {}
    for place in places:
        ref = place["ref"]
        if ref in seen:
            seen[ref] += 1
            place["ref"] = f"{ref}#{seen[ref]}"
        else:
            seen[ref] = 1
