"""Coordinates a page gives without markup: map links and embeds, ``geo:`` links,
``data-lat``/``data-lng`` attributes and ``geo.position``/``ICBM`` meta tags.

A "find us" page links to Google Maps / OpenStreetMap / Apple / Bing with the
shop's coordinates in the URL, or embeds such a map. Each URL shape puts them
elsewhere: ``@lat,lon,zoom``, ``!3dLAT!4dLON`` (place pages), ``!2dLON!3dLAT``
(embed ``pb`` strings), ``q=``/``query=``/``ll=``/``destination=``/``daddr=``,
OSM's ``mlat``/``mlon``, ``marker=`` and ``#map=zoom/lat/lon``, Bing's
``cp=lat~lon``. A marker names the place; a map's centre only roughly, and a
bounding box not at all (never used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from netcrawl.extraction.api.records import to_float, valid_coordinates

_NUMBER = r"(-?\d{1,3}(?:\.\d+)?)"
_PAIR = re.compile(rf"^\s*{_NUMBER}\s*[,~;\s]\s*{_NUMBER}\s*$")
_AT = re.compile(rf"@{_NUMBER},{_NUMBER}(?:,[\d.]+[zm])?")
_PLACE_DATA = re.compile(rf"!3d{_NUMBER}!4d{_NUMBER}")
_EMBED_PB = re.compile(rf"!2d{_NUMBER}!3d{_NUMBER}")
_OSM_HASH = re.compile(rf"map=\d+(?:\.\d+)?/{_NUMBER}/{_NUMBER}")
_GEO_URI = re.compile(rf"^geo:{_NUMBER},{_NUMBER}", re.I)
_MAP_HOST = re.compile(
    r"(?:^|\.)(?:google\.[a-z.]+|googleapis\.com|goo\.gl|openstreetmap\.org|osm\.org|bing\.com|maps\.apple\.com|"
    r"waze\.com|here\.com|wego\.here\.com|mapquest\.com|yandex\.[a-z]+|umap\.openstreetmap\.fr|"
    r"mapbox\.com|maps\.arcgis\.com)$"
)
#: Query parameters naming the place itself, strongest first.
_MARKER_PARAMS = ("mlat", "marker", "markers", "q", "query", "destination", "daddr", "ll",
                  "sll", "cp", "sp", "center")

_URL_ATTRIBUTES = etree.XPath("//a/@href | //iframe/@src | //img/@src | //area/@href")
_DATA_COORDINATES = etree.XPath(
    "//*[@data-lat or @data-latitude or @data-lng or @data-lon or @data-longitude]"
)
_GEO_META = etree.XPath(
    "//meta[translate(@name, 'GEOPSITINCB', 'geopsitincb')='geo.position' or "
    "translate(@name, 'ICBM', 'icbm')='icbm']/@content"
)


@dataclass(frozen=True)
class MapHint:
    """Coordinates found on a page, how strongly they name the place, and where they sit."""

    lat: float
    lon: float
    #: ``marker`` (the place's own position) or ``center`` (a map centred near it).
    kind: str
    element: etree._Element | None = None

    @property
    def key(self) -> tuple[float, float]:
        return round(self.lat, 4), round(self.lon, 4)


def _pair(text: str | None, *, lon_first: bool = False) -> tuple[float, float] | None:
    if not text:
        return None
    match = _PAIR.match(unquote(text).replace("+", " ").split("(")[0].strip())
    if not match:
        return None
    first, second = to_float(match.group(1)), to_float(match.group(2))
    lat, lon = (second, first) if lon_first else (first, second)
    return (lat, lon) if valid_coordinates(lat, lon) else None


def coordinates_from_url(url: str) -> tuple[float, float, str] | None:
    """``(lat, lon, kind)`` named by a map URL or ``geo:`` URI, else None."""
    url = url.strip()
    if url[:4].lower() == "geo:":
        match = _GEO_URI.match(url)
        if match and (pair := _pair(f"{match.group(1)},{match.group(2)}")):
            return (*pair, "marker")
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not _MAP_HOST.search(host):
        return None
    decoded = unquote(url)
    for pattern, lon_first in ((_PLACE_DATA, False), (_EMBED_PB, True)):
        if match := pattern.search(decoded):
            pair = _pair(f"{match.group(1)},{match.group(2)}", lon_first=lon_first)
            if pair:
                return (*pair, "marker")
    query = parse_qs(parts.query)
    for lat_name, lon_names in (("mlat", ("mlon",)), ("lat", ("lon", "lng", "long"))):
        lon_name = next((name for name in lon_names if name in query), None)
        if lat_name in query and lon_name:
            pair = _pair(f"{query[lat_name][0]},{query[lon_name][0]}")
            if pair:
                return (*pair, "marker")
    for name in _MARKER_PARAMS[1:]:
        for value in query.get(name, ()):
            value = value.split("|")[-1]  # static maps: ``markers=color:red|lat,lon``
            if name == "sp":
                value = value.removeprefix("point.").split("_", 2)
                value = ",".join(value[:2])
            pair = _pair(value)
            if pair:
                return (*pair, "center" if name == "center" else "marker")
    if match := _AT.search(decoded):
        pair = _pair(f"{match.group(1)},{match.group(2)}")
        if pair:
            return (*pair, "marker" if "/place/" in parts.path else "center")
    if match := _OSM_HASH.search(parts.fragment or ""):
        pair = _pair(f"{match.group(1)},{match.group(2)}")
        if pair:
            return (*pair, "center")
    return None


def map_hints(root: etree._Element) -> list[MapHint]:
    """Every coordinate hint on the page, in document order."""
    hints: list[MapHint] = []
    for content in _GEO_META(root):
        pair = _pair(content.replace(";", ","))
        if pair:
            hints.append(MapHint(*pair, "marker", None))
    for value in _URL_ATTRIBUTES(root):
        found = coordinates_from_url(str(value))
        if found:
            hints.append(MapHint(found[0], found[1], found[2], value.getparent()))
    for element in _DATA_COORDINATES(root):
        lat = to_float(element.get("data-lat") or element.get("data-latitude"))
        lon = to_float(element.get("data-lng") or element.get("data-lon")
                       or element.get("data-longitude"))
        if valid_coordinates(lat, lon):
            hints.append(MapHint(lat, lon, "marker", element))  # type: ignore[arg-type]
    return hints
