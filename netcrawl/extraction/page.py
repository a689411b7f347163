"""Parse a page once and find which structured-data syntaxes it carries.

Extraction runs on every crawled page, so it must not re-parse HTML that
Scrapy already parsed, and must not run a syntax's reader where that syntax
is absent. :func:`parse_page` reuses the response's lxml tree; the cheap
XPath probes in :class:`ParsedPage` say which readers are worth running.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_to_unicode

_XP_JSONLD = etree.XPath(
    "//script[translate(normalize-space(@type), 'LDJSON', 'ldjson')='application/ld+json']"
)
_XP_ITEMSCOPE = etree.XPath("//*[@itemscope]")
_XP_RDFA_TYPED = etree.XPath("//*[@typeof or @vocab]")
_XP_MF_ROOT = etree.XPath(
    "//*[@class and (contains(@class, 'h-card') or contains(@class, 'h-adr')"
    " or contains(@class, 'h-geo') or contains(@class, 'vcard')"
    " or contains(@class, 'adr') or contains(@class, 'geo'))]"
)
_XP_OG_META = etree.XPath(
    "//meta[starts-with(@property, 'og:') or starts-with(@property, 'place:')"
    " or starts-with(@property, 'business:') or starts-with(@name, 'og:')"
    " or starts-with(@name, 'place:') or starts-with(@name, 'business:')]"
)
_XP_BASE = etree.XPath("//base/@href")

#: (syntax, the :class:`ParsedPage` probe that finds its markup), in the order
#: their values win when merging.
SYNTAX_PROBES = (
    ("jsonld", "jsonld_scripts"),
    ("microdata", "itemscopes"),
    ("rdfa", "rdfa_typed"),
    ("microformats", "microformat_candidates"),
    ("opengraph", "og_metas"),
)


@dataclass
class ParsedPage:
    """A page's lxml tree and address, with lazily computed syntax probes."""

    root: etree._Element
    url: str | None
    base_url: str | None

    @cached_property
    def jsonld_scripts(self) -> list:
        return _XP_JSONLD(self.root)

    @cached_property
    def itemscopes(self) -> list:
        return _XP_ITEMSCOPE(self.root)

    @cached_property
    def rdfa_typed(self) -> list:
        return _XP_RDFA_TYPED(self.root)

    @cached_property
    def microformat_candidates(self) -> list:
        return _XP_MF_ROOT(self.root)

    @cached_property
    def og_metas(self) -> list:
        return _XP_OG_META(self.root)

    def syntaxes(self) -> list[str]:
        """Names of the syntaxes whose markup is present on the page."""
        return [syntax for syntax, probe in SYNTAX_PROBES if getattr(self, probe)]


def _root_of_text(text: str) -> etree._Element:
    return Selector(text=text or "<html></html>", type="html").root


def parse_page(page, url: str | None = None) -> ParsedPage:
    """Return the page's tree (see :func:`load_html`) with its syntax probes."""
    root, url = load_html(page, url)
    return ParsedPage(root=root, url=url, base_url=_base_url(root, url))


def load_html(page: Any, url: str | None = None) -> tuple[etree._Element, str | None]:
    """The page's lxml root and URL, without re-parsing what Scrapy already parsed.

    Accepts a Scrapy ``TextResponse`` (its ``selector.root`` is reused, and its
    ``url`` when ``url`` is not given), a parsel ``Selector``, an lxml element,
    or the HTML as ``str``/``bytes`` (bytes are decoded by the document's own
    declaration, as browsers and Scrapy do). Every extractor of a page shares
    this one tree, so they only read it, never change it.
    """
    if isinstance(page, bytes | bytearray):
        _, text = html_to_unicode(None, bytes(page))
        root = _root_of_text(text)
    elif isinstance(page, str):
        root = _root_of_text(page)
    elif isinstance(page, Selector):
        root = page.root
    elif hasattr(page, "selector") and hasattr(page, "url"):
        root = page.selector.root
        url = url or page.url
    elif isinstance(page, etree._Element):
        root = page
    else:
        raise TypeError(
            f"a page is a TextResponse, Selector, str or bytes, not {type(page)!r}"
        )
    if isinstance(root, str) or root is None:
        root = _root_of_text("")
    return root, url


def _base_url(root: etree._Element, url: str | None) -> str | None:
    """The URL relative links resolve against: ``<base href>`` over the page URL."""
    try:
        bases = _XP_BASE(root)
    except (etree.XPathError, TypeError):
        bases = []
    if bases:
        base = str(bases[0]).strip()
        if base:
            try:
                return urljoin(url or "", base) or None
            except ValueError:  # a malformed page URL or <base href>: keep the page URL
                return url
    return url
