"""Find place records anywhere in a parsed JSON-like tree and map them to place dicts.

Store-locator responses wrap their stores in whatever the developer liked
(``results``, ``data.stores``, ``payload.locations[].store``...) and name the
fields in any language. Rather than one parser per provider, the walker looks
at every object: an object is a place when it carries coordinates or a street
address *together with* a name or address — so a map ``center``, a viewport
or a bare bounding box never becomes a place. Objects nested under address or
location keys (``address: {...}``, ``location: {lat, lng}``, ``geometry``)
belong to the object holding them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from w3lib.html import remove_tags, replace_entities

from netcrawl.extraction.api import vocabulary as vocab
from netcrawl.extraction.values import valid_coordinates
from netcrawl.items import PLACE_FIELDS
from netcrawl.normalisation.country import to_alpha2

#: Deeper trees are not place data (and this bounds the work on hostile input).
MAX_DEPTH = 16
#: How deep nested address/location objects are merged into their record.
MAX_CONTAINER_DEPTH = 3

_PAIR = re.compile(r"^\s*\(?\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*\)?\s*$")
_WHITESPACE = re.compile(r"\s+")
#: Containers whose ``name`` is not the place's (``address.name`` is a street name).
_NO_NAME_CONTAINERS = vocab.CONTAINER_KEYS & {
    vocab.normalise_key(key)
    for key in ("address", "addr", "postal_address", "adresse", "anschrift", "store_address",
                "geometry", "coordinates", "position", "geo", "geolocation", "point", "coords",
                "latlng", "gps", "physical_address", "postal")
}
#: Google ``address_components`` types, in priority order per field.
_GOOGLE_COMPONENTS = {
    "housenumber": (("street_number",), "long_name"),
    "street": (("route",), "long_name"),
    "city": (("locality", "postal_town", "sublocality", "administrative_area_level_3"),
             "long_name"),
    "state": (("administrative_area_level_1",), "short_name"),
    "postcode": (("postal_code",), "long_name"),
    "country": (("country",), "short_name"),
}


def to_float(value: Any) -> float | None:
    """A number from a JSON number or a numeric string (``"48,85"`` too), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def parse_pair(value: Any, *, lon_first: bool) -> tuple[float, float] | None:
    """``[lon, lat]`` lists (GeoJSON order when ``lon_first``) or ``"lat,lng"`` strings."""
    if isinstance(value, list | tuple) and len(value) in (2, 3):
        first, second = to_float(value[0]), to_float(value[1])
        if first is None or second is None:
            return None
        lat, lon = (second, first) if lon_first else (first, second)
    elif isinstance(value, str):
        match = _PAIR.match(value)
        if not match:
            return None
        # A string pair is written the way people write it: latitude first.
        lat, lon = float(match.group(1)), float(match.group(2))
    else:
        return None
    return (lat, lon) if valid_coordinates(lat, lon) else None


_LINE_BREAKS = re.compile(r"<br\s*/?>|</(?:tr|p|li|div|dd|h\d)>", re.I)
_BARE_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?:[/?#]|$)")


def clean_text(value: Any, line_separator: str = ", ") -> str | None:
    """Text without markup, entities or runs of whitespace; None when empty.

    Line breaks and table rows in HTML values become ``line_separator``; other
    tags become spaces (``<td>Mon</td><td>9-5</td>`` -> ``Mon 9-5``).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, dict) and isinstance(value.get("rendered"), str):  # WordPress REST
        value = value["rendered"]
    if not isinstance(value, str):
        return None
    if "<" not in value and "&" not in value:  # the common case: plain text
        return " ".join(value.split()).strip(" ,;") or None
    if "<" in value:
        value = _LINE_BREAKS.sub("\x00", value).replace("<", " <")
        value = remove_tags(value)
    text = _WHITESPACE.sub(" ", replace_entities(value)).strip()
    if "\x00" in text:
        parts = [part.strip(" ,;") for part in text.split("\x00")]
        text = line_separator.join(part for part in parts if part)
    text = text.strip(" ,;")
    return text or None


class RecordFields:
    """Raw values found for one record; the first (shallowest) value of a field wins."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.street_extra: list[str] = []
        self.coordinates: tuple[float, float] | None = None

    def offer(self, field: str, value: Any) -> None:
        if value is not None and value != "" and field not in self.values:
            self.values[field] = value


def _scalar_field(key: str) -> str | None:
    return vocab.SCALAR_FIELDS.get(key)


def _own_coordinates(node: dict) -> tuple[float, float] | None:
    """Coordinates written directly on ``node`` (``lat``/``lng``, ``x``/``y``, pairs)."""
    lat = lon = None
    for key, value in node.items():
        normal = vocab.normalise_key(key)
        if isinstance(value, dict | list):
            if normal in vocab.LATLON_PAIR_KEYS or normal in vocab.LONLAT_PAIR_KEYS:
                pair = parse_pair(value, lon_first=normal in vocab.LONLAT_PAIR_KEYS)
                if pair:
                    return pair
            continue
        if (match := vocab.LAT_KEY.match(normal)) and lat is None:
            lat = to_float(value)
            if lat is not None and match.group("e6"):
                lat /= 1e6
        elif (match := vocab.LON_KEY.match(normal)) and lon is None:
            lon = to_float(value)
            if lon is not None and match.group("e6"):
                lon /= 1e6
        elif normal in vocab.LATLON_PAIR_KEYS or normal in vocab.LONLAT_PAIR_KEYS or (
            normal in ("location", "coordinates", "geo", "latlng")
        ):
            pair = parse_pair(value, lon_first=False)
            if pair:
                return pair
    if lat is None and lon is None and "x" in node and "y" in node:
        lat, lon = to_float(node["y"]), to_float(node["x"])
    if valid_coordinates(lat, lon):
        return lat, lon  # type: ignore[return-value]
    return None


def gather_fields(node: dict, fields: RecordFields, depth: int, container: str | None) -> None:
    """Collect ``node``'s values into ``fields``; nested address/location objects after."""
    if fields.coordinates is None:
        fields.coordinates = _own_coordinates(node)
    nested: list[tuple[str, Any]] = []
    for key, value in node.items():
        normal = vocab.normalise_key(key)
        if normal == "addresscomponents" and isinstance(value, list):
            _offer_google_components(value, fields)
            continue
        if normal == "displayaddress" and isinstance(value, list):  # Yelp
            fields.offer("addr_full", ", ".join(filter(None, map(clean_text, value))))
            continue
        field = _scalar_field(normal)
        if isinstance(value, dict | list):
            # Structured hours and phone lists are kept whole; a WordPress REST ``title``
            # is ``{"rendered": "..."}``.
            wordpress_title = (field == "name" and isinstance(value, dict)
                               and "rendered" in value and container not in _NO_NAME_CONTAINERS)
            if field in ("hours", "phone") or wordpress_title:
                fields.offer(field, value)
            if normal in vocab.CONTAINER_KEYS and normal not in vocab.NOT_PLACE_COORDINATE_KEYS:
                nested.append((normal, value))
            continue
        if normal in vocab.STREET_EXTRA_KEYS:
            text = clean_text(value)
            if text:
                fields.street_extra.append(text)
            continue
        if field is None:
            continue
        if field == "name" and container in _NO_NAME_CONTAINERS:
            continue
        if field == "street_address" and container is None and _looks_like_full_address(
            node, value
        ):
            field = "addr_full"
        fields.offer(field, value)
    if depth >= MAX_CONTAINER_DEPTH:
        return
    for normal, value in nested:
        if isinstance(value, dict):
            gather_fields(value, fields, depth + 1, normal)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value[:1]):
            # ``addresses: [{...}]`` or ``location: [{...}]``: the first is the main one.
            gather_fields(value[0], fields, depth + 1, normal)


def _looks_like_full_address(node: dict, value: Any) -> bool:
    """An ``address`` string is the whole address when it has several parts
    (commas, lines) and no separate town or postcode sits beside it."""
    if not isinstance(value, str) or not re.search(r",|\n|<br", value):
        return False
    keys = {vocab.normalise_key(key) for key in node}
    return not keys & (vocab.CITY_KEYS | vocab.POSTCODE_KEYS)


def _offer_google_components(components: list, fields: RecordFields) -> None:
    by_type: dict[str, dict] = {}
    for component in components:
        if isinstance(component, dict):
            for kind in component.get("types") or ():
                by_type.setdefault(kind, component)
    for field, (kinds, which) in _GOOGLE_COMPONENTS.items():
        for kind in kinds:
            if kind in by_type:
                fields.offer(field, by_type[kind].get(which) or by_type[kind].get("long_name"))
                break


def _hours_into(extras: dict, value: Any) -> None:
    """Keep opening hours raw for the opening-hours pipeline, in the contract's keys."""
    if isinstance(value, str):
        text = clean_text(value, "; ")
        if text:
            extras["opening_hours_text"] = text
    elif isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            text = "; ".join(filter(None, map(clean_text, value)))
            if text:
                extras["opening_hours_text"] = text
        elif all(isinstance(item, dict) for item in value) and any(
            {"dayOfWeek", "opens"} <= set(item) for item in value
        ):
            extras["openingHoursSpecification"] = value
        elif value:
            extras["hours"] = value
    elif isinstance(value, dict) and value and set(value) != {"open_now"}:
        # (Google's ``opening_hours: {"open_now": true}`` says nothing about the hours.)
        if all(isinstance(item, str) for item in value.values()):
            extras["opening_hours_text"] = "; ".join(
                f"{day} {hours}" for day, hours in value.items() if hours
            )
        else:
            extras["hours"] = value


def _phones_into(place: dict, value: Any) -> None:
    if isinstance(value, list):
        phones = [
            text for text in (
                clean_text(item.get("number") or item.get("phone") or item.get("value"))
                if isinstance(item, dict) else clean_text(item)
                for item in value
            ) if text
        ]
    else:
        phones = [text] if (text := clean_text(value)) else []
    if phones:
        place["phone"] = phones[0]
        if len(phones) > 1:
            place.setdefault("extras", {})["phones"] = phones


def build_place(fields: RecordFields, url: str | None, source_format: str = "api") -> dict:
    """A place dict (keys from ``PLACE_FIELDS``, absent values omitted) from raw fields."""
    values = fields.values
    place: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for key in ("ref", "name", "brand", "addr_full", "housenumber", "street", "city",
                "state", "postcode"):
        text = clean_text(values.get(key))
        if text:
            place[key] = text
    street = clean_text(values.get("street_address"))
    street_parts = [part for part in [street, *fields.street_extra] if part]
    if street_parts:
        place["street_address"] = ", ".join(dict.fromkeys(street_parts))
    country = clean_text(values.get("country"))
    if country:
        code = to_alpha2(country)
        if code:
            place["country"] = code
        else:
            extras["country_raw"] = country
    if "phone" in values:
        _phones_into(place, values["phone"])
    email = clean_text(values.get("email"))
    if email and "@" in email:
        place["email"] = email.removeprefix("mailto:")
    website = clean_text(values.get("website"))
    if website and not website.startswith(("#", "javascript:", "mailto:", "tel:")):
        if website.startswith("www.") or _BARE_DOMAIN.match(website):
            website = "https://" + website  # ``shop.example`` is a host, not a relative path
        joined = urljoin(url, website) if url else website
        if joined.startswith(("http://", "https://")):
            place["website"] = joined
    if "hours" in values:
        _hours_into(extras, values["hours"])
    if fields.coordinates:
        place["lat"], place["lon"] = fields.coordinates
        place["geo_source"] = "page"
    if url:
        place["source_url"] = url
    place["source_format"] = source_format
    if extras or "extras" in place:
        place["extras"] = {**extras, **place.get("extras", {})}
    return {key: place[key] for key in PLACE_FIELDS if key in place}


def has_address(place: dict) -> bool:
    """Whether the place has any part of a postal address."""
    return any(key in place for key in ("street_address", "addr_full", "street", "city",
                                        "postcode"))


def is_place(place: dict, *, require_coordinates: bool = False) -> bool:
    """Enough evidence for a real place: coordinates *and* a name or address part, or a
    street address with its town or postcode. A lone coordinate pair is not a place."""
    has_address = any(key in place for key in ("street_address", "addr_full", "street"))
    has_locality = any(key in place for key in ("city", "postcode"))
    if "lat" in place:
        return "name" in place or has_address or has_locality
    if require_coordinates:
        return False
    return (has_address and has_locality) or ("addr_full" in place and "name" in place)


def record_to_place(node: dict, url: str | None, *, require_coordinates: bool = False,
                    source_format: str = "api") -> dict | None:
    """The place ``node`` describes, or None when it is not a place record."""
    if not vocab.may_be_record(node):
        return None
    fields = RecordFields()
    gather_fields(node, fields, 0, None)
    if not fields.values and fields.coordinates is None:
        return None
    place = build_place(fields, url, source_format)
    return place if is_place(place, require_coordinates=require_coordinates) else None


def _holds_records(node: dict, url: str | None, require_coordinates: bool) -> bool:
    """Whether ``node`` is a wrapper: a list of its values holds place records."""
    for value in node.values():
        if isinstance(value, list):
            for item in value[:5]:
                if isinstance(item, dict) and record_to_place(
                    item, url, require_coordinates=require_coordinates
                ):
                    return True
    return False


def iter_places(tree: Any, url: str | None, *, require_coordinates: bool = False,
                source_format: str = "api") -> Iterator[dict]:
    """Every place record in ``tree`` (parsed JSON), at any depth, in document order."""
    stack: list[tuple[Any, int, str | None]] = [(tree, 0, None)]
    while stack:
        node, depth, key = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, list):
            stack.extend((item, depth + 1, key) for item in reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        if key is not None and vocab.normalise_key(key) in vocab.NOT_PLACE_COORDINATE_KEYS:
            continue
        if node.get("type") == "Feature" and isinstance(node.get("properties"), dict | None):
            from netcrawl.extraction.api.geojson import feature_to_place

            place = feature_to_place(node, url, require_coordinates=require_coordinates,
                                     source_format=source_format)
            if place:
                yield place
            continue
        place = record_to_place(node, url, require_coordinates=require_coordinates,
                                source_format=source_format)
        if place and not _holds_records(node, url, require_coordinates):
            yield place
            continue
        children = [(value, depth + 1, child_key) for child_key, value in node.items()
                    if isinstance(value, dict | list)]
        stack.extend(reversed(children))


def unique_places(places: Iterator[dict] | list[dict]) -> list[dict]:
    """Drop records identical to an earlier one (APIs repeat stores across groupings)."""
    seen: set[str] = set()
    unique = []
    for place in places:
        key = json.dumps(place, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            unique.append(place)
    return unique


def place_from_record(record: dict, url: str | None, overrides: dict[str, Any] | None = None,
                      *, source_format: str = "api") -> dict | None:
    """The place a record a site spider selected describes, with some fields given.

    ``overrides`` maps place fields (``name``, ``lat``, ``street_address``,
    ``opening_hours``...) to values the spider read from the record itself
    (through its field mapping); the record's other fields are read as usual.
    """
    fields = RecordFields()
    overrides = dict(overrides or {})
    lat, lon = to_float(overrides.pop("lat", None)), to_float(overrides.pop("lon", None))
    if valid_coordinates(lat, lon):
        fields.coordinates = (lat, lon)  # type: ignore[assignment]
    for field, value in overrides.items():
        fields.offer("hours" if field == "opening_hours" else field, value)
    gather_fields(record, fields, 0, None)
    place = build_place(fields, url, source_format)
    return place if is_place(place) else None
