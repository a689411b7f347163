"""KML (Google Earth / Google My Maps exports): one place per ``Placemark``.

A placemark has a ``name``, an optional ``address`` / ``phoneNumber``, a
``description`` (often HTML), ``ExtendedData`` fields (``Data`` and
``SchemaData`` values, named by whoever made the map) and a geometry whose
``coordinates`` are ``lon,lat[,alt]``. ExtendedData names go through the same
field vocabulary as JSON keys.
"""

from __future__ import annotations

from lxml import etree

from netcrawl.extraction.api.records import (
    RecordFields,
    build_place,
    clean_text,
    gather_fields,
    has_address,
    is_place,
    valid_coordinates,
)
from netcrawl.extraction.api.xml_api import local_name

INVALID_KML = "invalid_api_kml"

_PLACEMARKS = etree.XPath("//*[local-name()='Placemark']")
_CHILD = "./*[local-name()=$name]"
_POINT_COORDINATES = etree.XPath(
    ".//*[local-name()='Point']/*[local-name()='coordinates']/text()"
)
_RING_COORDINATES = etree.XPath(
    ".//*[local-name()='outerBoundaryIs']//*[local-name()='coordinates']/text()"
)
_DATA = etree.XPath(".//*[local-name()='ExtendedData']/*[local-name()='Data']")
_SIMPLE_DATA = etree.XPath(".//*[local-name()='ExtendedData']//*[local-name()='SimpleData']")
_child_xpath = etree.XPath(_CHILD)


def parse_kml_coordinates(text: str) -> list[tuple[float, float]]:
    """``"lon,lat[,alt] lon,lat[,alt] ..."`` -> ``[(lat, lon), ...]`` (valid ones only)."""
    points = []
    for tuple_text in text.split():
        parts = tuple_text.split(",")
        if len(parts) < 2:
            continue
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            continue
        if valid_coordinates(lat, lon):
            points.append((lat, lon))
    return points


def _placemark_coordinates(placemark: etree._Element) -> tuple[float, float] | None:
    for text in _POINT_COORDINATES(placemark):
        points = parse_kml_coordinates(text)
        if points:
            return points[0]
    for text in _RING_COORDINATES(placemark):
        points = parse_kml_coordinates(text)
        if len(points) > 1 and points[0] == points[-1]:
            points = points[:-1]
        if points:
            count = len(points)
            return (round(sum(p[0] for p in points) / count, 7),
                    round(sum(p[1] for p in points) / count, 7))
    return None


def _child_text(placemark: etree._Element, name: str, line_separator: str = ", ") -> str | None:
    found = _child_xpath(placemark, name=name)
    return clean_text(found[0].text, line_separator) if found and found[0].text else None


def placemark_to_place(placemark: etree._Element, url: str | None) -> dict | None:
    """The place one placemark describes, or None when it names no place."""
    record: dict[str, object] = {}
    for data in _DATA(placemark):
        values = [child.text for child in data if local_name(child.tag) == "value"]
        if data.get("name") and values and values[0]:
            record[data.get("name")] = values[0]
    for data in _SIMPLE_DATA(placemark):
        if data.get("name") and data.text:
            record[data.get("name")] = data.text
    for element, key in (("name", "name"), ("address", "address"), ("phoneNumber", "phone")):
        text = _child_text(placemark, element)
        if text:
            record[key] = text  # the placemark's own elements win over ExtendedData
    fields = RecordFields()
    fields.coordinates = _placemark_coordinates(placemark)
    is_point = bool(_POINT_COORDINATES(placemark))
    if placemark.get("id"):
        fields.offer("ref", placemark.get("id"))
    gather_fields(record, fields, 0, None)
    place = build_place(fields, url, "api")
    description = _child_text(placemark, "description", " ")
    if description:
        place.setdefault("extras", {})["description"] = description
    if not is_point and not has_address(place):
        return None  # a named area (delivery zone, district) is not a place
    return place if is_place(place) else None


def kml_places(root: etree._Element, url: str | None) -> list[dict]:
    return [place for pm in _PLACEMARKS(root) if (place := placemark_to_place(pm, url))]
