"""Export places to JSON Lines, CSV, GeoJSON and Parquet, atomically.

One module per format (:mod:`~netcrawl.exporters.jsonl`, :mod:`~netcrawl.exporters.csv`,
:mod:`~netcrawl.exporters.geojson`, :mod:`~netcrawl.exporters.parquet`),
all Scrapy item exporters registered in
``FEED_EXPORTERS`` so ``scrapy crawl places -O places.geojson`` picks them by
extension; :mod:`~netcrawl.exporters.storage` makes every local feed file
appear only when complete; :func:`write_places` does the same without a crawl.
"""

from netcrawl.exporters.csv import PlaceCsvItemExporter
from netcrawl.exporters.geojson import GeoJsonItemExporter
from netcrawl.exporters.jsonl import PlaceJsonLinesItemExporter
from netcrawl.exporters.parquet import ParquetItemExporter, place_schema
from netcrawl.exporters.storage import AtomicFile, AtomicFileFeedStorage
from netcrawl.exporters.writer import EXPORTERS, format_for_path, write_places

__all__ = [
    "EXPORTERS",
    "AtomicFile",
    "AtomicFileFeedStorage",
    "GeoJsonItemExporter",
    "ParquetItemExporter",
    "PlaceCsvItemExporter",
    "PlaceJsonLinesItemExporter",
    "format_for_path",
    "place_schema",
    "write_places",
]
