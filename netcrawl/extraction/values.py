"""Clean scalar values read from markup: text, coordinates, URLs.

Every syntax reader hands over raw strings (HTML entities, runs of
whitespace, comma decimals, ``mailto:``). Cleaning them in one place keeps
the field values identical whichever markup a site used.
"""

from __future__ import annotations

import html
import math
import re
from urllib.parse import urljoin

from lxml import etree

_WHITESPACE = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff]+")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_PAIR_SPLIT = re.compile(r"\s*[;,]\s*|\s+")
#: Markup inside a JSON-LD string (``"1 Main St<br/>Suite 5"``, ``"<b>Shop</b>"``): CMS
#: templates paste their HTML fields into the JSON as is.
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
#: An entity left after one decoding: the CMS escaped the text twice (``&amp;amp;``).
_LEFTOVER_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}\d?|#\d{2,5}|#x[0-9a-fA-F]{2,4});")


def clean_text(value) -> str | None:
    """Collapse whitespace and decode HTML entities; None for empty values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
        if "&" in text and _LEFTOVER_ENTITY.search(text):
            text = html.unescape(text)
    text = _WHITESPACE.sub(" ", text).strip()
    return text or None


_HEMISPHERE = re.compile(r"^([NSEWnsew])?\s*(.*?)\s*°?\s*([NSEWnsew])?$")
#: A label written inside the telephone property: "Tel.: 030 1234", "Phone: +1 555".
_PHONE_LABEL = re.compile(r"^[^\W\d_][^\W\d_ .]*\.?(?: [^\W\d_]+\.?)?\s*:\s*(?=[+(\d])")


def parse_coordinate(value) -> float | None:
    """A latitude or longitude as float, accepting ``"51,52"`` comma decimals.

    Hemisphere letters as some sites write them (``"40.7128° N"``, ``"W 74.006"``)
    give the sign: S and W are negative.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = clean_text(value)
        if text is None:
            return None
        text = text.replace(" ", "").rstrip("°")
        negative = False
        if text[:1].isalpha() or text[-1:].isalpha():
            match = _HEMISPHERE.match(text)
            letters = {(match.group(1) or "").upper(), (match.group(3) or "").upper()} - {""}
            if len(letters) != 1:
                return None
            negative = letters <= {"S", "W"}
            text = match.group(2).rstrip("°")
            if text.startswith(("-", "+")):
                return None  # a sign and a hemisphere: ambiguous
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        if not _NUMBER.match(text):
            return None
        number = -float(text) if negative else float(text)
    if math.isnan(number) or math.isinf(number):
        return None
    return number


def valid_coordinates(lat: float | None, lon: float | None) -> bool:
    """True for a usable WGS84 pair (in range, and not the 0,0 placeholder)."""
    if lat is None or lon is None:
        return False
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return False
    return not (lat == 0.0 and lon == 0.0)


def split_coordinate_pair(text: str) -> tuple[str, str] | None:
    """Split ``"51.5,-0.1"``, ``"51.5; -0.1"`` or ``"51.5 -0.1"`` into two parts."""
    text = clean_text(text)
    if not text:
        return None
    if ";" in text:
        parts = [part.strip() for part in text.split(";")]
    elif text.count(",") == 1:
        parts = [part.strip() for part in text.split(",")]
    elif text.count(",") == 3:  # "51,5, -0,1" written with comma decimals
        pieces = [part.strip() for part in text.split(",")]
        parts = [f"{pieces[0]}.{pieces[1]}", f"{pieces[2]}.{pieces[3]}"]
    else:
        parts = [part for part in _PAIR_SPLIT.split(text) if part]
    if len(parts) != 2:
        return None
    return parts[0], parts[1]


def absolute_url(value, base_url: str | None) -> str | None:
    """Resolve a link against the page; None for empty or script links."""
    text = clean_text(value)
    if not text or text.lower().startswith(("javascript:", "data:")):
        return None
    if base_url:
        try:
            return urljoin(base_url, text)
        except ValueError:
            return text
    return text


def clean_email(value) -> str | None:
    """An e-mail address without the ``mailto:`` scheme or query part."""
    text = clean_text(value)
    if not text:
        return None
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.split("?", 1)[0].strip()
    return text if "@" in text else None


def has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def clean_phone(value) -> str | None:
    """A telephone number as published, without a ``tel:`` scheme."""
    text = clean_text(value)
    if not text:
        return None
    if text.lower().startswith(("tel:", "callto:")):
        text = text.split(":", 1)[1].strip()
    text = _PHONE_LABEL.sub("", text)
    return text if has_digit(text) else None


_BREAKING_TAGS = frozenset(
    {
        "br",
        "p",
        "div",
        "li",
        "tr",
        "td",
        "th",
        "dd",
        "dt",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "address",
        "section",
        "article",
        "header",
        "footer",
        "ul",
        "ol",
        "table",
    }
)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})


def element_text(element) -> str:
    """An element's visible text, with ``<br>`` and block boundaries read as spaces.

    ``text_content()`` glues ``10 Main St<br>Suite 5`` into ``10 Main StSuite 5``
    and includes script bodies; markup values need the words apart.
    """
    parts: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else None
        local = tag.rsplit("}", 1)[-1].lower() if tag else None
        if event == "start":
            if local in _BREAKING_TAGS:
                parts.append(" ")
            if local and local not in _SKIPPED_TAGS and node.text:
                parts.append(node.text)
        else:
            if local in _BREAKING_TAGS:
                parts.append(" ")
            if node is not element and node.tail:
                parts.append(node.tail)
    return "".join(parts)
