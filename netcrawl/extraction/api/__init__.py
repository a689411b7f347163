"""Places in store-locator API responses and in data embedded in pages' scripts.

Entry points:

- :func:`extract_api_places` — a JSON / GeoJSON / NDJSON / XML / KML(Z)
  response body to places (``source_format="api"``);
- :func:`find_next_pages` — its pagination links;
- :func:`find_endpoints` — same-site locator endpoints a page's scripts call;
- :func:`extract_embedded_places` — places in JavaScript objects embedded in
  a page (``var stores = [...]``, ``__NEXT_DATA__``), parsed with chompjs.

All work without a running crawl; bad input gives problem codes, never an
exception.
"""

from __future__ import annotations

import io
import zipfile

from netcrawl.extraction import ExtractionResult
from netcrawl.extraction.api.body import ApiBody
from netcrawl.extraction.api.endpoints import extract_embedded_places, find_endpoints
from netcrawl.extraction.api.json_api import parse_ndjson
from netcrawl.extraction.api.kml import INVALID_KML, kml_places
from netcrawl.extraction.api.pagination import find_next_pages
from netcrawl.extraction.api.records import iter_places, unique_places
from netcrawl.extraction.api.sniff import Format, decode
from netcrawl.extraction.api.xml_api import element_to_tree, local_name, parse_xml

__all__ = [
    "ApiBody",
    "extract_api_places",
    "extract_embedded_places",
    "find_endpoints",
    "find_next_pages",
]

#: Problem codes besides the parsers' own.
UNSUPPORTED_CONTENT = "unsupported_api_content"
INVALID_KMZ = "invalid_api_kmz"
_MAX_KMZ_MEMBER = 64 * 1024 * 1024


def _kmz_document(body: bytes) -> str | None:
    """The main KML of a KMZ (zip) archive: ``doc.kml`` or its first ``.kml`` member."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = [info for info in archive.infolist() if info.filename.endswith(".kml")]
            names.sort(key=lambda info: (info.filename != "doc.kml", info.filename))
            if not names or names[0].file_size > _MAX_KMZ_MEMBER:
                return None
            return decode(archive.read(names[0]))
    except (zipfile.BadZipFile, OSError, EOFError):
        return None


def extract_api_places(body: bytes | str | ApiBody, url: str,
                       content_type: str | None = None) -> ExtractionResult:
    """Places in a store-locator response, whatever its format and nesting.

    ``content_type`` (the response's header) is a hint; the body is sniffed.
    ``body`` may be an :class:`ApiBody` shared with :func:`find_next_pages`
    (then ``content_type`` is its own). Identical records within the response
    are kept once.
    """
    data = body if isinstance(body, ApiBody) else ApiBody(body, content_type)
    if isinstance(data.raw, bytes) and data.raw[:4] == b"PK\x03\x04":
        text = _kmz_document(data.raw)
        if text is None:
            return ExtractionResult([], [INVALID_KMZ])
        data = ApiBody(text, "application/vnd.google-earth.kml+xml")
    kind = data.kind
    text = data.text
    if kind == Format.JSON:
        document, problems = data.json
        if problems:
            return ExtractionResult([], problems)
        return ExtractionResult(unique_places(iter_places(document, url)), [])
    if kind == Format.NDJSON:
        documents, problems = parse_ndjson(text)
        return ExtractionResult(unique_places(iter_places(documents, url)), problems)
    if kind in (Format.XML, Format.KML):
        root, problems = parse_xml(text)
        if root is None:
            return ExtractionResult([], [INVALID_KML] if kind == Format.KML else problems)
        if kind == Format.KML or local_name(root.tag) == "kml":
            return ExtractionResult(unique_places(kml_places(root, url)), [])
        tree = {local_name(root.tag): element_to_tree(root)}
        return ExtractionResult(unique_places(iter_places(tree, url)), [])
    return ExtractionResult([], [UNSUPPORTED_CONTENT])
