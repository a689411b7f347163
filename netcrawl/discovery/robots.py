"""Sitemap locations announced in a robots.txt body.

Protego (the parser Scrapy's ``RobotsTxtMiddleware`` obeys) reads the file, so
the sitemaps we follow come from the same reading of the file as the rules we
obey: comments after the URL are stripped, duplicates collapse, ``Sitemap:``
lines count wherever they appear. On top of that, this module decodes byte
order marks (UTF-8, UTF-16) that would otherwise hide the first line, and
resolves relative sitemap paths against the robots.txt URL.

:class:`BomAwareProtegoRobotParser` is the ``ROBOTSTXT_PARSER`` of the project:
Scrapy's Protego adapter reads UTF-16 files as UTF-8 and so obeys nothing in
them; this one decodes them first.
"""

from __future__ import annotations

import codecs
from urllib.parse import urljoin

from protego import Protego
from scrapy.robotstxt import ProtegoRobotParser

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_robots(body: bytes) -> str:
    """Decode a robots.txt body: honour a BOM, else UTF-8 with undecodable bytes dropped."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="ignore")
    return body.decode("utf-8", errors="ignore")


def parse_robots(body: bytes | str) -> Protego:
    """Parse a robots.txt body (bytes or text) with Protego."""
    text = decode_robots(body) if isinstance(body, bytes) else body.lstrip("\ufeff")
    return Protego.parse(text)


def sitemap_urls_from_robots(body: bytes | str, robots_url: str) -> list[str]:
    """Absolute sitemap URLs listed in a robots.txt, in order, without duplicates."""
    urls: list[str] = []
    for location in parse_robots(body).sitemaps:
        url = urljoin(robots_url, location.strip())
        if url not in urls:
            urls.append(url)
    return urls


class BomAwareProtegoRobotParser(ProtegoRobotParser):
    """Scrapy's Protego robots.txt parser, decoding UTF-16 files by their byte order mark."""

    def __init__(self, robotstxt_body: bytes, spider: object | None) -> None:
        self.spider = spider
        self.rp = parse_robots(robotstxt_body)
