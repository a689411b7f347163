"""GeoJSON (RFC 7946) export: one FeatureCollection, streamed feature by feature.

Each place becomes a ``Feature`` whose geometry is a ``Point`` with
``[lon, lat]`` (RFC 7946 section 3.1.1: longitude first) and whose
``properties`` hold every other field, ``extras`` as a nested object. A place
without usable coordinates keeps ``"geometry": null`` (section 3.2) rather
than being dropped, so the file has the same places as the JSONL/CSV exports.

The document is written as header, features separated by commas, footer: the
exporter holds one feature at a time, whatever the size of the crawl. Output
is always UTF-8 (RFC 7946 section 11 requires it) and has no ``crs`` member
(removed from the format; coordinates are WGS84 by definition).
"""

from __future__ import annotations

import logging
import math
from typing import IO, Any

from scrapy.exporters import BaseItemExporter
from scrapy.utils.serialize import ScrapyJSONEncoder

from netcrawl.exporters.fields import FastFieldsMixin

logger = logging.getLogger(__name__)

_HEADER = b'{"type":"FeatureCollection","features":['
_FOOTER = b"\n]}\n"


def point_coordinates(lat: Any, lon: Any) -> list[float] | None:
    """``[lon, lat]`` when both are finite numbers in WGS84 range, else ``None``."""
    try:
        latitude, longitude = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    return [longitude, latitude]


def place_feature(properties: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON Feature of one place's exported fields (``lat``/``lon`` moved out).

    ``properties`` is modified and becomes the feature's ``properties``.

    Coordinates that cannot form a valid Point stay in ``properties`` (when
    they are finite numbers) so nothing published is lost silently.
    """
    coordinates = point_coordinates(properties.get("lat"), properties.get("lon"))
    if coordinates is not None:
        del properties["lat"], properties["lon"]
        geometry: dict[str, Any] | None = {"type": "Point", "coordinates": coordinates}
    else:
        geometry = None
        for key in ("lat", "lon"):
            value = properties.get(key)
            if isinstance(value, float) and not math.isfinite(value):
                del properties[key]  # JSON has no NaN/Infinity
    return {"type": "Feature", "geometry": geometry, "properties": properties}


class GeoJsonItemExporter(FastFieldsMixin, BaseItemExporter):
    """Stream places as an RFC 7946 FeatureCollection."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        if self.encoding and self.encoding.replace("-", "").lower() != "utf8":
            logger.warning(
                "GeoJSON is always written as UTF-8 (RFC 7946); ignoring encoding %r",
                self.encoding,
            )
        self.encoding = "utf-8"
        self._encoder = ScrapyJSONEncoder(
            ensure_ascii=False, allow_nan=False, separators=(",", ":"), **self._kwargs
        )
        self._first_feature = True

    def start_exporting(self) -> None:
        self.file.write(_HEADER)

    def export_item(self, item: Any) -> None:
        properties = self.serialized_dict(item)
        feature = place_feature(properties)
        data = self._encoder.encode(feature).encode("utf-8")
        self.file.write(b"\n" + data if self._first_feature else b",\n" + data)
        self._first_feature = False

    def finish_exporting(self) -> None:
        self.file.write(_FOOTER)
