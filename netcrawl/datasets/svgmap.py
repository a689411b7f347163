"""An inline SVG map of places that needs no network, no tiles and no map library.

Reports are opened from disk, from a CI artefact or from ``scrapy serve`` on a machine
without internet access, so the map is drawn here: an equirectangular projection of
the places' bounding box (with padding), whose standard parallel is the box's middle
latitude so that shapes are not stretched east-west, a labelled graticule for
orientation (no coastlines: they would need bundled geodata), and one
``<circle class="place-marker">`` per place with a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

DEFAULT_WIDTH = 960
MIN_HEIGHT = 240
MAX_HEIGHT = 720
#: Bounding boxes narrower than this (degrees) are widened, e.g. for a single place.
MIN_SPAN_DEGREES = 0.02
_NICE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 45, 90)


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection of a lat/lon box onto ``width`` x ``height`` pixels."""

    west: float
    east: float
    south: float
    north: float
    width: float
    height: float

    @classmethod
    def fit(cls, lats: Sequence[float], lons: Sequence[float], width: int = DEFAULT_WIDTH,
            padding: float = 0.08) -> Projection:
        south, north = min(lats), max(lats)
        west, east = min(lons), max(lons)
        lat_pad = max((north - south) * padding, (MIN_SPAN_DEGREES - (north - south)) / 2, 0)
        lon_pad = max((east - west) * padding, (MIN_SPAN_DEGREES - (east - west)) / 2, 0)
        south, north = max(south - lat_pad, -90.0), min(north + lat_pad, 90.0)
        west, east = max(west - lon_pad, -180.0), min(east + lon_pad, 180.0)
        aspect_x = (east - west) * math.cos(math.radians((north + south) / 2))
        aspect_x = max(aspect_x, 1e-9)
        height = min(max(width * (north - south) / aspect_x, MIN_HEIGHT), MAX_HEIGHT)
        # Keep equal scales on both axes: widen the box along the axis with room to spare.
        scale = min(width / aspect_x, height / (north - south))
        cos_mid = math.cos(math.radians((north + south) / 2))
        extra_lon = (width / scale / max(cos_mid, 1e-9) - (east - west)) / 2
        extra_lat = (height / scale - (north - south)) / 2
        return cls(west - extra_lon, east + extra_lon, south - extra_lat, north + extra_lat,
                   float(width), float(height))

    def x(self, lon: float) -> float:
        return (lon - self.west) / (self.east - self.west) * self.width

    def y(self, lat: float) -> float:
        return (self.north - lat) / (self.north - self.south) * self.height


def _graticule_step(span: float) -> float:
    for step in _NICE_STEPS:
        if span / step <= 8:
            return step
    return 90.0


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step) * step
    count = math.floor((high - first) / step) + 1
    return [round(first + i * step, 6) for i in range(max(count, 0))]


def _label(value: float, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    text = f"{abs(value):.3f}".rstrip("0").rstrip(".")
    return f"{text}°{hemisphere}"


@dataclass(frozen=True)
class Marker:
    lat: float
    lon: float
    title: str
    #: Change since the previous run (``added``, ``moved``, ``changed``) for styling.
    change: str = ""


def render_svg_map(markers: Sequence[Marker], *, width: int = DEFAULT_WIDTH,
                   caption: str = "") -> str:
    """The SVG element (a string to inline in HTML); an empty-state SVG without markers."""
    if not markers:
        return (f'<svg class="place-map" xmlns="http://www.w3.org/2000/svg" width="{width}" '
                f'height="{MIN_HEIGHT}" viewBox="0 0 {width} {MIN_HEIGHT}" role="img">'
                '<text x="50%" y="50%" text-anchor="middle">No places with coordinates'
                "</text></svg>")
    projection = Projection.fit([m.lat for m in markers], [m.lon for m in markers], width)
    w, h = projection.width, projection.height
    parts = [
        f'<svg class="place-map" xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" '
        f'height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-label="{escape(caption or "Map of places")}">',
        f'<rect class="map-background" x="0" y="0" width="{w:.0f}" height="{h:.0f}"/>',
    ]
    lon_step = _graticule_step(projection.east - projection.west)
    lat_step = _graticule_step(projection.north - projection.south)
    for lon in _ticks(projection.west, projection.east, lon_step):
        x = projection.x(lon)
        parts.append(f'<line class="graticule" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{h:.0f}"/>')
        parts.append(f'<text class="graticule-label" x="{x + 3:.1f}" y="{h - 4:.0f}">'
                     f"{_label(lon, 'E', 'W')}</text>")
    for lat in _ticks(projection.south, projection.north, lat_step):
        y = projection.y(lat)
        parts.append(f'<line class="graticule" x1="0" y1="{y:.1f}" x2="{w:.0f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="graticule-label" x="3" y="{y - 3:.1f}">'
                     f"{_label(lat, 'N', 'S')}</text>")
    radius = 5 if len(markers) <= 2_000 else 2 if len(markers) <= 20_000 else 1
    for marker in markers:
        css = f"place-marker change-{marker.change}" if marker.change else "place-marker"
        parts.append(
            f'<circle class="{css}" cx="{projection.x(marker.lon):.1f}" '
            f'cy="{projection.y(marker.lat):.1f}" r="{radius}">'
            f"<title>{escape(marker.title)}</title></circle>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
