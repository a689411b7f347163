"""Write places to a file without a crawl, with the crawl's exporters and atomicity.

Other parts of netcrawl (the ``dataset`` command building run folders, the
``geocode`` command re-exporting a file) and data teams' notebooks call
:func:`write_places`; it picks the format from the file extension exactly as
``scrapy crawl -O`` does, runs the same exporter classes, and writes through
the same temporary-file-then-rename path, so a file is complete or absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from scrapy.exporters import BaseItemExporter

from netcrawl.exporters.csv import PlaceCsvItemExporter
from netcrawl.exporters.geojson import GeoJsonItemExporter
from netcrawl.exporters.jsonl import PlaceJsonLinesItemExporter
from netcrawl.exporters.parquet import ParquetItemExporter
from netcrawl.exporters.storage import AtomicFile, check_append_supported
from netcrawl.items import Place

#: Exporter class per format name (the names ``FEED_EXPORTERS`` uses).
EXPORTERS: dict[str, type[BaseItemExporter]] = {
    "jsonl": PlaceJsonLinesItemExporter,
    "csv": PlaceCsvItemExporter,
    "geojson": GeoJsonItemExporter,
    "parquet": ParquetItemExporter,
}

#: Format name per file extension; ``.jl`` and ``.jsonlines`` are Scrapy's aliases.
FORMAT_BY_EXTENSION: dict[str, str] = {
    "jsonl": "jsonl",
    "jl": "jsonl",
    "jsonlines": "jsonl",
    "csv": "csv",
    "geojson": "geojson",
    "parquet": "parquet",
}


def format_for_path(path: str | Path) -> str:
    """The export format of ``path`` from its extension; ``ValueError`` if unknown."""
    extension = Path(path).suffix.lstrip(".").lower()
    try:
        return FORMAT_BY_EXTENSION[extension]
    except KeyError:
        known = ", ".join(f".{name}" for name in FORMAT_BY_EXTENSION)
        raise ValueError(
            f"cannot tell the export format of {path}: extension {extension!r} "
            f"is not one of {known}"
        ) from None


def as_place(record: Mapping[str, Any] | Place) -> Place:
    """A :class:`Place` from a dict, treating ``None`` as absent; clear error on unknown keys."""
    if isinstance(record, Place):
        return record
    unknown = sorted(set(record) - set(Place.fields))
    if unknown:
        raise ValueError(f"place has keys outside PLACE_FIELDS: {unknown}")
    return Place({key: value for key, value in record.items() if value is not None})


def write_places(
    places: Iterable[Mapping[str, Any] | Place],
    path: str | Path,
    *,
    format: str | None = None,
    overwrite: bool = True,
    fields: list[str] | Mapping[str, str] | None = None,
    **exporter_options: Any,
) -> int:
    """Stream ``places`` into ``path`` atomically; returns the number written.

    ``format`` defaults to the one of the extension. ``overwrite=False``
    appends (line formats only, like ``-o``). ``fields`` selects and orders the
    columns like ``FEED_EXPORT_FIELDS`` (a mapping renames them). Extra keyword
    arguments go to the exporter (e.g. ``row_group_size`` for Parquet). If
    iterating ``places`` or exporting fails, the temporary file is removed and
    ``path`` is untouched.
    """
    format_name = format or format_for_path(path)
    try:
        exporter_class = EXPORTERS[format_name]
    except KeyError:
        raise ValueError(
            f"unknown export format {format_name!r}; choose one of {sorted(EXPORTERS)}"
        ) from None
    if not overwrite:
        check_append_supported(path, format_name)
    atomic = AtomicFile(path, append=not overwrite)
    file = atomic.open()
    count = 0
    exporter: BaseItemExporter | None = None
    try:
        exporter = exporter_class(
            file, fields_to_export=fields, encoding="utf-8", **exporter_options
        )
        exporter.start_exporting()
        for record in places:
            exporter.export_item(as_place(record))
            count += 1
        exporter.finish_exporting()
        atomic.commit(file)
    except BaseException:
        abandon = getattr(exporter, "abandon", None)
        if abandon is not None:
            abandon()
        atomic.discard()
        raise
    return count
