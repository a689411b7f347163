"""JSON and newline-delimited JSON (NDJSON, JSON Lines, GeoJSON text sequences) bodies.

Parsing is strict ``json`` (locator APIs are machine-written); a body that
does not parse is reported with a problem code rather than guessed at. In a
line-delimited dump one bad line must not lose the others, so lines parse
one by one and a bad line is reported once.
"""

from __future__ import annotations

import json
from typing import Any

from netcrawl.extraction.api.sniff import strip_json_wrappers

#: Problem codes (the spider counts them under ``netcrawl/extraction/<code>``).
INVALID_JSON = "invalid_api_json"
INVALID_NDJSON_LINE = "invalid_api_ndjson_line"


def parse_json(text: str) -> tuple[Any, list[str]]:
    """The parsed document and the problems met (``invalid_api_json``)."""
    try:
        return json.loads(strip_json_wrappers(text)), []
    except (ValueError, RecursionError):
        return None, [INVALID_JSON]


def parse_ndjson(text: str) -> tuple[list[Any], list[str]]:
    """One parsed document per line (or per RFC 8142 record separator)."""
    documents: list[Any] = []
    bad_lines = 0
    chunks = text.split("\x1e") if "\x1e" in text else text.splitlines()
    for chunk in chunks:
        line = chunk.strip()
        if not line:
            continue
        try:
            documents.append(json.loads(line))
        except (ValueError, RecursionError):
            bad_lines += 1
    if bad_lines and not documents:
        return [], [INVALID_JSON]
    return documents, [INVALID_NDJSON_LINE] if bad_lines else []
