"""Places in pages without place markup: address blocks, phone links, maps.

Entry point: :func:`extract_text_places` (``source_format="text"``). The
spider calls it only when markup extraction found no place on the page.

Precision comes first, because every page of a site has text and most of it
is not about a place. A record needs a postcode-bearing address or
coordinates, and on top of that strong evidence that the page is about that
one place:

- article pages (``og:type=article``, ``article:published_time``, JSON-LD
  article types, long ``<article>`` bodies) give nothing unless they call
  themselves a contact/store page;
- the header, navigation, footer and sidebars are skipped (the company's
  address repeated on every page), except on the contact page itself;
- addresses in prose (long paragraphs, sentences that go on after the
  postcode) are skipped;
- more than one distinct address (a listing) gives nothing;
- an address outside an ``<address>`` element needs the page to be a
  contact/store page, a ``tel:`` link or a map beside it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import phonenumbers
from lxml import etree

from netcrawl.extraction import ExtractionResult
from netcrawl.extraction.page import load_html
from netcrawl.extraction.text.address_patterns import AU_STATES, TextAddress, find_addresses
from netcrawl.extraction.text.maps import MapHint, map_hints
from netcrawl.extraction.text.page_kind import (
    contact_and_place_page,
    is_article,
    place_name,
)
from netcrawl.extraction.text.visible import Line, is_boilerplate, visible_lines

__all__ = ["extract_text_places"]

#: A paragraph this long is prose: an address inside it is mentioned, not published.
MAX_BLOCK_WORDS = 60
#: A line this long is a sentence, not an address line.
MAX_LINE_WORDS = 18
_TEL_LINKS = etree.XPath("//a[starts-with(translate(@href, 'TEL', 'tel'), 'tel:')]")
_MAIL_LINKS = etree.XPath("//a[starts-with(translate(@href, 'MAILTO', 'mailto'), 'mailto:')]")
#: Whitespace that ``visible_lines`` folds into the one space a postcode may contain.
_FOLDED_SPACE = r"[ \t\r\f\v\u00a0\u200b]*"
_SHAPE_FOLD = str.maketrans(string.digits + string.ascii_uppercase, "0" * 10 + "A" * 26)
_NL_LETTERS = re.compile(rf"{_FOLDED_SPACE}[A-Z]{{2}}")
#: An Australian state as a word of its own: as a bare substring "SA" or "NT" is in
#: almost every page ("CONTACT"). Digits may follow directly (``NSW</div><div>2000``).
_AU_STATE_WORD = re.compile(r"(?<![A-Z])(?:" + "|".join(AU_STATES) + r")(?![a-z])")
_CCTLD = {"de": "DE", "fr": "FR", "nl": "NL", "uk": "GB", "us": "US", "ca": "CA", "au": "AU",
          "at": "AT", "ch": "CH", "be": "BE"}


def _in_boilerplate(element: etree._Element | None) -> bool:
    while element is not None:
        if isinstance(element.tag, str) and is_boilerplate(element):
            return True
        element = element.getparent()
    return False


def _language(root: etree._Element) -> str | None:
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    return lang.split("-")[0].lower() if lang else None


def _host_country(url: str | None) -> str | None:
    host = (urlsplit(url).hostname or "") if url else ""
    return _CCTLD.get(host.rsplit(".", 1)[-1].lower()) if "." in host else None


def _segments(lines: Sequence[Line]) -> list[tuple[list[str], bool]]:
    """Runs of lines: each ``<address>`` element is one run; other lines form runs split
    where prose (long paragraphs, long sentences) sits, so prose never joins an address."""
    segments: list[tuple[list[str], bool]] = []
    current: list[str] = []
    current_block: int | None = None
    for line in lines:
        if line.address_block is not None:
            if current and current_block != line.address_block:
                segments.append((current, current_block is not None))
                current = []
            current_block = line.address_block
            current.append(line.text)
            continue
        if current_block is not None:
            segments.append((current, True))
            current, current_block = [], None
        if line.block_words > MAX_BLOCK_WORDS or len(line.text.split()) > MAX_LINE_WORDS:
            if current:
                segments.append((current, False))
            current = []
            continue
        current.append(line.text)
    if current:
        segments.append((current, current_block is not None))
    return segments


def _addresses(lines: Sequence[Line], language: str | None, host_country: str | None
               ) -> list[tuple[TextAddress, bool]]:
    found = []
    for segment, in_address_element in _segments(lines):
        for address in find_addresses(segment, require_street=not in_address_element,
                                      language=language, host_tld=host_country):
            found.append((address, in_address_element))
    return found


def _first_link(root: etree._Element, xpath: etree.XPath, prefix: str,
                allow_boilerplate: bool) -> str | None:
    for link in xpath(root):
        if not allow_boilerplate and _in_boilerplate(link):
            continue
        value = unquote(link.get("href", "")[len(prefix):]).split("?")[0].strip()
        if value:
            return value
    return None


def _phone_near(lines: Sequence[str], country: str | None) -> str | None:
    """A phone number written beside the address (``Tel: 020 7946 0000``)."""
    for line in lines:
        for match in phonenumbers.PhoneNumberMatcher(
            line, country or "ZZ", leniency=phonenumbers.Leniency.VALID
        ):
            return match.raw_string
    return None


def _coordinates(hints: list[MapHint], allow_boilerplate: bool) -> MapHint | None:
    """The one place the page's maps point at; None when they point at several."""
    usable = [hint for hint in hints if allow_boilerplate or not _in_boilerplate(hint.element)]
    for kind in ("marker", "center"):
        distinct = {(round(h.lat, 3), round(h.lon, 3)): h for h in usable if h.kind == kind}
        if len(distinct) == 1:
            return next(iter(distinct.values()))
        if len(distinct) > 1:
            return None
    return None


def extract_text_places(page: Any, url: str | None = None) -> ExtractionResult:
    """The place a page describes in plain text, if it clearly describes exactly one.

    ``page`` is a Scrapy response, a parsel ``Selector`` or HTML text/bytes.
    Returns at most one place (``source_format="text"``).
    """
    root, page_url = load_html(page, url)
    contact_page, place_page = contact_and_place_page(root, page_url)
    if is_article(root) and not place_page:
        return ExtractionResult()
    if not place_page and not _may_hold_postcode(root):
        return ExtractionResult()  # elsewhere only an address can make a place
    lines = visible_lines(root)
    language, host_country = _language(root), _host_country(page_url)
    main_lines = [line for line in lines if not line.boilerplate]
    candidates = _addresses(main_lines, language, host_country)
    from_boilerplate = False
    if not candidates and contact_page:
        candidates = _addresses([line for line in lines if line.boilerplate], language,
                                host_country)
        from_boilerplate = bool(candidates)
    distinct: dict[tuple[str, str], tuple[TextAddress, bool]] = {}
    for address, in_element in candidates:
        known = distinct.get(address.key)
        if known is None or (address.street_address and not known[0].street_address):
            distinct[address.key] = (address, in_element or (known or (None, False))[1])
    if len(distinct) > 1:
        return ExtractionResult()  # a listing, or addresses the page does not tie to itself
    address, in_element = next(iter(distinct.values())) if distinct else (None, False)
    if address is None and not place_page:
        return ExtractionResult()  # a map alone is only trusted on the place's own page

    allow_boilerplate = contact_page
    hint = _coordinates(map_hints(root), allow_boilerplate)
    phone = _first_link(root, _TEL_LINKS, "tel:", allow_boilerplate or from_boilerplate)
    written_phone = None
    if address is not None and phone is None:
        written_phone = _phone_near(_neighbourhood([line.text for line in lines], address),
                                    address.country or host_country)
    if address is None:
        if hint is None:
            return ExtractionResult()
    elif not (in_element or place_page or phone or written_phone or hint):
        return ExtractionResult()
    name = place_name(root)
    if address is None and name is None:
        return ExtractionResult()

    place: dict[str, Any] = {}
    if name:
        place["name"] = name
    if address is not None:
        place["addr_full"] = address.addr_full
        for key in ("street_address", "housenumber", "street", "city", "state", "postcode",
                    "country"):
            value = getattr(address, key)
            if value:
                place[key] = value
        phone = phone or written_phone
    if hint is not None:
        place["lat"], place["lon"] = hint.lat, hint.lon
        place["geo_source"] = "page"
    if phone:
        place["phone"] = phone
    email = _first_link(root, _MAIL_LINKS, "mailto:", allow_boilerplate or from_boilerplate)
    if email and "@" in email:
        place["email"] = email
    if page_url:
        place["source_url"] = page_url
    place["source_format"] = "text"
    return ExtractionResult([place], [])


def _may_hold_postcode(root: etree._Element) -> bool:
    """Whether the page's text has a postcode's shape anywhere (a superset of its lines).

    Runs on every page without markup, so it avoids regex scans of the whole text
    (about 0.5 ms each on a 20 kB page): the text is folded once (digits to "0",
    capitals to "A", C speed) and searched with ``in``/``find``; only the few places
    where four digits stand (years, page numbers, postcodes) are looked at closely.
    """
    text = etree.tostring(root, method="text", encoding=str)
    folded = text.translate(_SHAPE_FOLD)
    # US/DE/FR five digits, a British "0AA" or Canadian "0A0" inward code.
    if "00000" in folded or "0AA" in folded or "0A0" in folded:
        return True
    at = folded.find("0000")
    while at != -1:
        # Dutch "1012 AB"; Australian "NSW 2000", "Victoria 3000" or "NSW</div>2000".
        if _NL_LETTERS.match(text, at + 4) or _AU_STATE_WORD.search(text, max(0, at - 40), at):
            return True
        at = folded.find("0000", at + 4)
    return False


def _neighbourhood(lines: list[str], address: TextAddress, radius: int = 4) -> list[str]:
    """The lines around the address block's lines, where its phone number is written."""
    joined = address.lines
    for index, line in enumerate(lines):
        if line.strip(" ,") == joined[-1]:
            return lines[max(0, index - radius - len(joined)): index + radius + 1]
    return []
