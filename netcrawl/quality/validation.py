"""Field validation: coordinates, e-mail addresses, URLs, and whether a place is locatable.

A dataset user must be able to trust every value present: coordinates on
Null Island or with latitude and longitude exchanged put a shop in the ocean,
and a malformed e-mail breaks a mail merge. Each check returns what to change
and why; rejected values move to ``extras`` with the reason rather than
vanishing, so the record stays auditable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ADDRESS_FIELDS = ("addr_full", "street_address", "street", "city", "postcode")

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.I)


@dataclass
class ValidationOutcome:
    """Field updates, fields to remove, extras to add and counters to bump."""

    updates: dict[str, object] = field(default_factory=dict)
    removals: list[str] = field(default_factory=list)
    extras: dict[str, object] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)  # stats suffixes, e.g. "email_invalid"


def _to_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", ".") if value is not None else ""
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _json_safe(value: object) -> object:
    """The raw value, or its text when JSON cannot carry it (NaN, infinity, objects)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)


def check_coordinates(
    place: dict,
    reverse_country: Callable[[float, float], str | None] | None = None,
) -> ValidationOutcome:
    """Validate ``lat``/``lon``: numeric, in range, not (0, 0), not exchanged.

    A latitude beyond +-90 whose exchange is in range is certainly exchanged.
    Otherwise exchange is decided against the country: when the published point
    is not in the place's country but the exchanged point is, they were swapped.
    """
    outcome = ValidationOutcome()
    if "lat" not in place and "lon" not in place:
        return outcome
    raw_lat, raw_lon = place.get("lat"), place.get("lon")
    lat, lon = _to_float(raw_lat), _to_float(raw_lon)

    def reject(reason: str) -> ValidationOutcome:
        outcome.removals.extend(["lat", "lon", "geo_source", "geo_precision"])
        outcome.extras["coordinates_invalid"] = {
            "lat": _json_safe(raw_lat),
            "lon": _json_safe(raw_lon),
            "reason": reason,
        }
        outcome.events.append(f"coordinates_{reason}")
        return outcome

    if lat is None or lon is None:
        return reject("not_numeric")
    if lat == 0 and lon == 0:
        return reject("null_island")
    if abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
        lat, lon = lon, lat
        outcome.events.append("coordinates_swapped")
    elif abs(lat) > 90 or abs(lon) > 180:
        return reject("out_of_range")
    elif reverse_country is not None and place.get("country") and abs(lon) <= 90:
        country = place["country"]
        if reverse_country(lat, lon) != country and reverse_country(lon, lat) == country:
            lat, lon = lon, lat
            outcome.events.append("coordinates_swapped")
    if lat != raw_lat or lon != raw_lon:
        outcome.updates["lat"], outcome.updates["lon"] = lat, lon
    if "coordinates_swapped" in outcome.events:
        outcome.extras["coordinates_swapped"] = {"lat": raw_lat, "lon": raw_lon}
    return outcome


def normalise_email(value: object) -> str | None:
    """The address in canonical form ("mailto:" removed, domain lower case), or None."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    text = text.strip(" <>.,;")
    if not _EMAIL_RE.match(text) or ".." in text:
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise_url(value: object) -> str | None:
    """An absolute http(s) URL with a valid host, or None.

    A bare host ("www.example.com") gets "https://": it is what a browser does.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or any(char.isspace() for char in text):
        return None
    if text.startswith("//"):
        text = "https:" + text
    elif "://" not in text and re.match(r"^[\w.-]+\.[a-z]{2,63}(?:[/:?#]|$)", text, re.I):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    labels = host.rstrip(".").split(".")
    is_ip = re.fullmatch(r"[\d.]+", host) or ":" in host
    if not is_ip and (len(labels) < 2 or not all(_HOST_LABEL_RE.match(lb) for lb in labels)):
        try:
            ascii_labels = host.encode("idna").decode("ascii").split(".")
        except UnicodeError:
            return None
        if len(ascii_labels) < 2 or not all(_HOST_LABEL_RE.match(lb) for lb in ascii_labels):
            return None
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
    )


def check_contacts(place: dict) -> ValidationOutcome:
    """Validate ``email`` and ``website``; invalid ones move to extras with a reason."""
    outcome = ValidationOutcome()
    for name, normalise in (("email", normalise_email), ("website", normalise_url)):
        if name not in place:
            continue
        value = normalise(place[name])
        if value is None:
            outcome.removals.append(name)
            outcome.extras[f"{name}_invalid"] = {"value": place[name], "reason": "malformed"}
            outcome.events.append(f"{name}_invalid")
        elif value != place[name]:
            outcome.updates[name] = value
    return outcome


def has_location(place: Mapping[str, Any]) -> bool:
    """True when the place can be put on a map: an address field or coordinates."""
    if any(str(place.get(name) or "").strip() for name in ADDRESS_FIELDS):
        return True
    return place.get("lat") is not None and place.get("lon") is not None
