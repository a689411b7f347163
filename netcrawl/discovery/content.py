"""What a downloaded response really is, and how to read its text.

Sites mislabel content: images served as ``text/html``, HTML served as
``application/octet-stream``, pages that declare UTF-8 but are written in
Windows-1252 (or the reverse). A places crawl must neither feed binary bytes to
the HTML extractors nor lose the accents of a street name, and it must not stop
either: :func:`classify` tells the spider which handler a response goes to, and
:func:`repair_encoding` re-reads text whose declared charset is wrong. Both
return a short problem code that the spider logs once and counts under
``netcrawl/response/<code>``.
"""

from __future__ import annotations

import codecs
import enum
import re
from dataclasses import dataclass

from scrapy.http import HtmlResponse, Response, TextResponse

# Leading bytes of binary formats a crawl meets behind links (checked before any
# decoding, so a PNG served as text/html never reaches the HTML parser).
_MAGIC_NUMBERS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"wOFF", "woff"),
    (b"wOF2", "woff2"),
    (b"\x00\x01\x00\x00\x00", "ttf"),
    (b"OTTO", "otf"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"fLaC", "flac"),
    (b"\x1a\x45\xdf\xa3", "webm"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ms-office"),
    (b"\x7fELF", "elf"),
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml"})
_API_TYPES = frozenset(
    {
        "application/json",
        "text/json",
        "application/ld+json",
        "application/geo+json",
        "application/vnd.geo+json",
        "application/xml",
        "text/xml",
        "application/vnd.google-earth.kml+xml",
        "application/javascript",
        "text/javascript",
        "application/x-javascript",
    }
)
# Types whose bodies may be anything, so the body decides.
_UNDECLARED_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/unknown", "text/plain"}
)
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<title|<!--)", re.I)
_JSON_START = re.compile(rb"^\s*[\[{]")
_XML_START = re.compile(rb"^\s*<\?xml", re.I)
_SINGLE_BYTE = re.compile(
    r"^(?:latin[-_]?1|iso[-_]?8859[-_]?\d+|cp125\d|windows[-_]125\d|ascii)$", re.I
)


class ResponseKind(enum.Enum):
    """Which handler a response goes to."""

    HTML = "html"  #: a web page: markup extraction and link following
    API = "api"  #: JSON / XML / KML / JavaScript data: store-locator API extraction
    BINARY = "binary"  #: images, documents, archives...: nothing to read
    OTHER = "other"  #: text of another kind (CSS, plain text...): nothing to read


@dataclass(frozen=True)
class ContentCheck:
    """The verdict on one response: its kind, what it declared, what it is.

    ``problem`` is a stats/log code when the declaration and the body disagree
    or the type is not one a places crawl reads (``binary_content``,
    ``unexpected_type``, ``mislabelled_html``), else ``None``.
    """

    kind: ResponseKind
    declared_type: str
    sniffed: str | None = None
    problem: str | None = None


def declared_type(response: Response) -> str:
    """The response's Content-Type without parameters, lower-cased ('' when absent)."""
    raw = response.headers.get(b"Content-Type") or b""
    return raw.split(b";", 1)[0].strip().decode("latin-1").lower()


def sniff_binary(body: bytes) -> str | None:
    """Name of the binary format ``body`` starts with, or ``None`` for text-like bodies.

    Besides magic numbers, a NUL byte in the first kilobyte marks binary data
    (unless the body starts with a UTF-16 byte order mark).
    """
    head = body[:16]
    for magic, name in _MAGIC_NUMBERS:
        if head.startswith(magic):
            return name
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return head[8:12].decode().strip().lower()
    if head[4:8] == b"ftyp":
        return "mp4"
    if b"\x00" in body[:1024] and not body.startswith(_UTF16_BOMS):
        return "binary"
    return None


def classify(response: Response) -> ContentCheck:
    """Decide what ``response`` is from its declared type and its first bytes."""
    ctype = declared_type(response)
    body = response.body
    sniffed = sniff_binary(body)
    if sniffed is not None:
        return ContentCheck(ResponseKind.BINARY, ctype, sniffed, "binary_content")
    if ctype in _HTML_TYPES:
        return ContentCheck(ResponseKind.HTML, ctype)
    if ctype in _API_TYPES or ctype.endswith(("+json", "+xml")):
        if _HTML_START.match(body[:512]):
            return ContentCheck(ResponseKind.HTML, ctype, "html", "mislabelled_html")
        return ContentCheck(ResponseKind.API, ctype)
    if ctype in _UNDECLARED_TYPES or ctype.startswith("text/"):
        head = body[:512]
        if _HTML_START.match(head):
            problem = None if ctype == "" else "mislabelled_html"
            return ContentCheck(ResponseKind.HTML, ctype, "html", problem)
        if _JSON_START.match(head) or _XML_START.match(head):
            return ContentCheck(ResponseKind.API, ctype, "data")
    return ContentCheck(ResponseKind.OTHER, ctype, None, "unexpected_type")


def as_html_response(response: Response) -> HtmlResponse:
    """``response`` as an :class:`HtmlResponse` (for HTML served under another type)."""
    if isinstance(response, HtmlResponse):
        return response
    return response.replace(cls=HtmlResponse)


def repair_encoding(response: TextResponse) -> tuple[TextResponse, str | None]:
    """Re-read a page whose declared charset does not match its bytes.

    Returns the response to use and a problem code:

    - ``"wrong_charset"``: the declared (or guessed) charset could not decode the
      bytes, or a single-byte charset was declared for valid multi-byte UTF-8;
      the returned response decodes with the charset that fits (UTF-8, else
      Windows-1252);
    - ``"undecodable"``: no charset fits; the text keeps U+FFFD replacement
      characters where bytes were undecodable;
    - ``None``: the text was fine (the same response is returned).
    """
    encoding = response.encoding
    body = response.body
    if "\ufffd" in response.text:
        try:
            body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            return response, None  # the page really contains U+FFFD
        for candidate in ("utf-8", "cp1252"):
            if codecs.lookup(candidate).name == _codec_name(encoding):
                continue
            try:
                body.decode(candidate)
            except UnicodeDecodeError:
                continue
            return response.replace(encoding=candidate), "wrong_charset"
        return response, "undecodable"
    if _SINGLE_BYTE.match(encoding) and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return response, None
        return response.replace(encoding="utf-8"), "wrong_charset"
    return response, None


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding
