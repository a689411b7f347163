"""Tell which data format an API response is in, from its content type and its body.

Servers label locator responses loosely (JSON as ``text/html``, KML as
``application/octet-stream``, NDJSON as ``text/plain``), so the content type
is a hint and the body decides: its first meaningful character, XSSI guards
(``)]}'``, ``while(1);``), JSONP callbacks and the XML root element.
"""

from __future__ import annotations

import re
from enum import StrEnum

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding


class Format(StrEnum):
    JSON = "json"
    NDJSON = "ndjson"
    XML = "xml"
    KML = "kml"
    HTML = "html"
    UNKNOWN = "unknown"


_JSON_TYPES = re.compile(r"(?:^|[/+])(?:json|javascript|x-javascript|ecmascript)\b")
_NDJSON_TYPES = re.compile(r"ndjson|jsonl|json-seq|jsonlines|x-ldjson|geo\+json-seq")
_KML_TYPES = re.compile(r"kml")
_XML_TYPES = re.compile(r"(?:^|[/+])xml\b")
#: Anti-JSON-hijacking prefixes servers put before JSON.
_XSSI_PREFIXES = (")]}',", ")]}'", "while(1);", "while (1);", "for(;;);", "&&&START&&&")
_JSONP = re.compile(r"^\s*(?:/\*\*/\s*)?[\w$.]+\s*\(\s*(?P<body>[\[{].*[\]}])\s*\)\s*;?\s*$", re.S)
_XML_ROOT = re.compile(r"<(?!\?|!)(?:[\w.-]+:)?(?P<name>[\w.-]+)")


def decode(body: bytes | str, content_type: str | None = None) -> str:
    """The body as text: the declared charset, else UTF-8 (with BOM), else Latin-1."""
    if isinstance(body, str):
        return body.lstrip("\ufeff")
    encoding = http_content_type_encoding(content_type) if content_type else None
    if encoding is None and body[:5] == b"<?xml":
        match = re.match(rb"<\?xml[^>]*encoding=[\"']([\w.-]+)", body)
        encoding = match.group(1).decode("ascii") if match else None
    if encoding is None and body[:1] == b"<":
        encoding = html_body_declared_encoding(body[:4096])
    for candidate in (encoding, "utf-8-sig", "latin-1"):
        if not candidate:
            continue
        try:
            return body.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")


def strip_json_wrappers(text: str) -> str:
    """JSON text without XSSI guards or a JSONP ``callback(...)`` around it."""
    stripped = text.strip()
    for prefix in _XSSI_PREFIXES:
        if stripped.startswith(prefix):
            stripped = stripped[len(prefix):].lstrip()
            break
    if stripped[:1] not in ("{", "[", "\x1e") and (match := _JSONP.match(stripped)):
        stripped = match.group("body")
    return stripped


def _looks_ndjson(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line[:1] in "{[\x1e" for line in lines[:20])


def sniff(text: str, content_type: str | None = None) -> Format:
    """The format of a decoded response body (content type first, body decides)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    body = strip_json_wrappers(text)
    head = body[:1]
    if head == "<":
        root = _XML_ROOT.search(body[:4096])
        name = root.group("name").lower() if root else ""
        if name == "kml" or _KML_TYPES.search(media):
            return Format.KML
        if name == "html" or (media == "text/html" and "<body" in body[:65536].lower()):
            return Format.HTML
        return Format.XML
    if head == "\x1e" or _NDJSON_TYPES.search(media):
        return Format.NDJSON
    if head in ("{", "["):
        if _looks_ndjson(body) and not _balanced_single_document(body):
            return Format.NDJSON
        return Format.JSON
    if _JSON_TYPES.search(media) or _NDJSON_TYPES.search(media):
        return Format.JSON  # a labelled JSON body that does not parse: reported as such
    if _XML_TYPES.search(media):
        return Format.KML if _KML_TYPES.search(media) else Format.XML
    return Format.HTML if media.startswith("text/html") else Format.UNKNOWN


def _balanced_single_document(body: str) -> bool:
    """Pretty-printed JSON also has many lines starting with ``{``: is it one document?"""
    first_line = body.splitlines()[0].strip()
    return first_line in ("{", "[") or not first_line.endswith(("}", "]"))
