"""Content types for the files data teams serve, and which of them are worth gzipping.

The platform ``mimetypes`` tables differ between machines and know nothing
about GeoJSON, JSON Lines or Parquet, so the dataset formats are fixed here
and ``mimetypes`` is only the fallback for everything else.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

_BY_SUFFIX: dict[str, str] = {
    ".geojson": "application/geo+json",
    ".jsonl": "application/jsonl",
    ".ndjson": "application/x-ndjson",
    ".json": "application/json",
    ".parquet": "application/vnd.apache.parquet",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".kml": "application/vnd.google-earth.kml+xml",
    ".kmz": "application/vnd.google-earth.kmz",
    ".gpx": "application/gpx+xml",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".gz": "application/gzip",
    ".zip": "application/zip",
    ".bz2": "application/x-bzip2",
    ".xz": "application/x-xz",
    ".zst": "application/zstd",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}

#: Text-like types gzip shrinks a lot; everything else (Parquet, archives,
#: images) is already compressed and only costs CPU to compress again.
_COMPRESSIBLE_PREFIXES = ("text/",)
_COMPRESSIBLE_TYPES = frozenset(
    {
        "application/geo+json",
        "application/jsonl",
        "application/x-ndjson",
        "application/json",
        "application/vnd.google-earth.kml+xml",
        "application/gpx+xml",
        "application/xml",
        "image/svg+xml",
        "application/javascript",
    }
)

#: Types that are text and get an explicit charset so browsers do not guess.
_UTF8_TYPES = frozenset({"text/html", "text/plain", "text/markdown"})


def content_type_for(path: str | PurePath) -> str:
    """The Content-Type header value for a file name."""
    suffix = PurePath(path).suffix.lower()
    media_type = _BY_SUFFIX.get(suffix)
    if media_type is None:
        media_type = mimetypes.guess_type(PurePath(path).name, strict=False)[0]
    if media_type is None:
        return "application/octet-stream"
    if media_type in _UTF8_TYPES:
        return f"{media_type}; charset=utf-8"
    return media_type


def is_compressible(content_type: str) -> bool:
    """Whether responses of this type should be gzipped for clients that accept it."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type.startswith(_COMPRESSIBLE_PREFIXES) or media_type in _COMPRESSIBLE_TYPES
