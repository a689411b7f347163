"""Place extraction from web pages, usable without a running crawl.

Entry point: :func:`extract_places`. The page is parsed once (a Scrapy
response's tree is reused), cheap XPath probes tell which syntaxes are
present, and only those readers run: JSON-LD (:mod:`.jsonld`), microdata
(:mod:`.microdata`) and RDFa (:mod:`.rdfa`) produce schema.org nodes mapped
by :mod:`.schemaorg`; microformats (:mod:`.microformats`) and OpenGraph
metas (:mod:`.opengraph`) map their own vocabularies. :mod:`.merge` turns
several descriptions of one place into one record and assigns refs.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExtractionResult:
    """Places found on one page, and the problems met while reading it.

    ``problems`` holds short machine-readable codes (``"invalid_jsonld"``, ...)
    that a crawl logs once and counts under ``netcrawl/extraction/<code>``.
    """

    places: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def extract_places(page, url: str | None = None) -> ExtractionResult:
    """Return the places a page publishes.

    ``page`` is a Scrapy ``TextResponse`` (its parsed tree is reused), a
    parsel ``Selector``, or the HTML as ``str``/``bytes`` (then ``url`` is the
    page's address). Each place is a dict with keys from
    :data:`netcrawl.items.PLACE_FIELDS`, absent values omitted.
    """
    from .extractor import extract_from_parsed
    from .page import parse_page

    return extract_from_parsed(parse_page(page, url))


__all__ = ["ExtractionResult", "extract_places"]
