"""Read sitemaps as sites really publish them.

Scrapy's :class:`scrapy.utils.sitemap.Sitemap` (lxml ``iterparse`` with
recovery, namespace-agnostic tag names) and :func:`scrapy.utils.gz.gunzip` do
the heavy lifting, as in :class:`scrapy.spiders.SitemapSpider`. This module adds
what live sites need on top:

- plain-text sitemaps (one URL per line), which ``Sitemap`` cannot read;
- byte order marks before the XML declaration or the first URL;
- gzip detected by content (magic number), whatever the URL or Content-Type says;
- index entries that give the URL as the element's text instead of in ``<loc>``;
- Atom and RSS feeds, which sitemaps.org accepts as sitemaps;
- one result type telling an index (more sitemaps) from a URL set (pages).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

_GZIP_MAGIC = b"\x1f\x8b"
_SITEMAP_PATH = re.compile(r"sitemap.*\.(?:xml|txt|gz)$", re.I)
_URL_LINE = re.compile(rb"^https?://\S+$", re.I)
_ATOM_NS = "{http://www.w3.org/2005/Atom}"

#: ``kind`` values of :class:`SitemapContent`.
URLSET, INDEX, TEXT, FEED, INVALID = "urlset", "sitemapindex", "text", "feed", "invalid"


class SitemapTooLarge(ValueError):
    """The decompressed sitemap is larger than the crawl's download size limit."""


@dataclass
class SitemapContent:
    """What one sitemap document lists.

    ``kind`` is ``"sitemapindex"`` (``urls`` are further sitemaps), ``"urlset"``,
    ``"text"`` or ``"feed"`` (``urls`` are pages), or ``"invalid"`` (not a
    sitemap at all: an HTML soft-404, an empty body, a truncated archive).
    ``alternates`` holds ``xhtml:link`` hreflang variants of the pages.
    """

    kind: str
    urls: list[str] = field(default_factory=list)
    alternates: list[str] = field(default_factory=list)

    @property
    def is_index(self) -> bool:
        return self.kind == INDEX

    @property
    def is_valid(self) -> bool:
        return self.kind != INVALID


class _LenientSitemap(Sitemap):
    """Scrapy's parser, also accepting ``<sitemap>URL</sitemap>`` without ``<loc>``."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict | None:
        bare_text = (elem.text or "").strip() if len(elem) == 0 else ""
        entry = super()._process_sitemap_element(elem)
        if entry is None and bare_text:
            return {"loc": bare_text}
        return entry


def decompress(body: bytes, max_size: int = 0) -> bytes:
    """Gunzip ``body`` when it is gzip data (by magic number), else return it unchanged.

    A truncated archive yields what could be read; ``max_size`` (0: unlimited)
    bounds the decompressed size against zip bombs.
    """
    if not body.startswith(_GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_size)
    except _DecompressionMaxSizeExceeded:
        raise SitemapTooLarge(f"sitemap larger than {max_size} bytes once decompressed") from None
    except (OSError, EOFError):
        return b""


def strip_bom(body: bytes) -> bytes:
    """Drop a leading byte order mark; UTF-16 bodies are re-encoded as UTF-8."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :]
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            text = body[len(bom) :].decode(encoding, errors="replace")
            text = re.sub(r"^(<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']", r"\1", text)
            return text.encode("utf-8")
    return body


def read_sitemap(body: bytes, url: str = "", max_size: int = 0) -> SitemapContent:
    """Parse a sitemap body (XML, gzip, plain text or feed) fetched from ``url``.

    Relative locations are resolved against ``url``. Raises
    :class:`SitemapTooLarge` when decompression exceeds ``max_size``.
    """
    data = strip_bom(decompress(body, max_size)).lstrip()
    if not data:
        return SitemapContent(INVALID)
    if data.startswith(b"<"):
        return _read_xml(data, url)
    return _read_text(data, url)


def _read_xml(data: bytes, base_url: str) -> SitemapContent:
    try:
        sitemap = _LenientSitemap(data)
    except (lxml.etree.XMLSyntaxError, StopIteration):
        return SitemapContent(INVALID)
    if sitemap.type in (URLSET, INDEX):
        content = SitemapContent(sitemap.type)
        try:
            for entry in sitemap:
                content.urls.append(urljoin(base_url, entry["loc"]))
                content.alternates.extend(urljoin(base_url, u) for u in entry.get("alternate", ()))
        except lxml.etree.XMLSyntaxError:
            pass  # keep the entries read before the document broke off
        return content
    if sitemap.type in ("feed", "rss"):
        return _read_feed(data, base_url)
    return SitemapContent(INVALID)


def _read_feed(data: bytes, base_url: str) -> SitemapContent:
    """Atom entries' page links (``rel`` absent or ``alternate``), RSS items' ``<link>``."""
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = lxml.etree.fromstring(data, parser)
    content = SitemapContent(FEED)
    if root is None:
        return SitemapContent(INVALID)
    for entry in root.iter(f"{_ATOM_NS}entry", "entry"):
        for link in entry.iterchildren(f"{_ATOM_NS}link", "link"):
            if link.get("rel", "alternate") == "alternate" and link.get("href"):
                content.urls.append(urljoin(base_url, link.get("href").strip()))
    for item in root.iter("item"):
        link = item.findtext("link")
        if link and link.strip():
            content.urls.append(urljoin(base_url, link.strip()))
    return content


def _read_text(data: bytes, base_url: str) -> SitemapContent:
    urls = []
    for line in data.splitlines():
        candidate = line.strip()
        if _URL_LINE.match(candidate):
            urls.append(urljoin(base_url, candidate.decode("utf-8", errors="replace")))
    return SitemapContent(TEXT, urls) if urls else SitemapContent(INVALID)


def default_sitemap_url(site_root_url: str) -> str:
    """The conventional ``/sitemap.xml`` of a site, probed even when robots.txt names none."""
    return urljoin(site_root_url, "/sitemap.xml")


def looks_like_sitemap(url: str) -> bool:
    """Whether a start URL names a sitemap: "sitemap" in its path, ending .xml, .txt or .gz."""
    return bool(_SITEMAP_PATH.search(urlsplit(url).path))
