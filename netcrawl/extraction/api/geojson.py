"""GeoJSON features (RFC 7946) as places.

A feature's ``properties`` carry the name and address under the same field
names as any locator JSON, so they go through the shared record mapping; the
geometry gives the coordinates in GeoJSON's ``[lon, lat]`` order. Shapes
(a store's footprint polygon) are reduced to the mean of their outer ring.
"""

from __future__ import annotations

from typing import Any

from netcrawl.extraction.api.records import (
    RecordFields,
    build_place,
    gather_fields,
    has_address,
    is_place,
    parse_pair,
    valid_coordinates,
)


def _ring_centre(ring: Any) -> tuple[float, float] | None:
    points = [parse_pair(point, lon_first=True) for point in ring if isinstance(point, list)]
    points = [point for point in points if point]
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]  # a closed ring repeats its first vertex
    if not points:
        return None
    lat = round(sum(point[0] for point in points) / len(points), 7)
    lon = round(sum(point[1] for point in points) / len(points), 7)
    return (lat, lon) if valid_coordinates(lat, lon) else None


def geometry_coordinates(geometry: Any) -> tuple[float, float] | None:
    """The (lat, lon) a geometry stands for: the point, or the centre of a shape."""
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    try:
        if kind == "Point":
            return parse_pair(coordinates, lon_first=True)
        if kind == "MultiPoint" and coordinates:
            return parse_pair(coordinates[0], lon_first=True)
        if kind == "Polygon" and coordinates:
            return _ring_centre(coordinates[0])
        if kind == "MultiPolygon" and coordinates and coordinates[0]:
            return _ring_centre(coordinates[0][0])
        if kind == "GeometryCollection":
            for member in geometry.get("geometries") or ():
                found = geometry_coordinates(member)
                if found:
                    return found
    except (TypeError, IndexError):
        return None
    return None


def feature_to_place(feature: dict, url: str | None, *, require_coordinates: bool = False,
                     source_format: str = "api") -> dict | None:
    """The place a GeoJSON ``Feature`` describes, or None (no name/address: not a place)."""
    fields = RecordFields()
    fields.coordinates = geometry_coordinates(feature.get("geometry"))
    properties = feature.get("properties")
    if isinstance(properties, dict):
        gather_fields(properties, fields, 0, None)
    if "ref" not in fields.values and isinstance(feature.get("id"), str | int):
        fields.offer("ref", feature["id"])
    place = build_place(fields, url, source_format)
    geometry = feature.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") not in ("Point", "MultiPoint") and (
        not has_address(place)
    ):
        return None  # a named area (delivery zone, district) is not a place
    return place if is_place(place, require_coordinates=require_coordinates) else None
