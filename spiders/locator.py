"""Short site-specific spiders for store locators: start URLs, and where needed a path.

Most store finders need no code at all: the page names its data endpoint
(found by :func:`netcrawl.extraction.api.find_endpoints`), the endpoint's JSON,
GeoJSON, XML or KML is read by :func:`netcrawl.extraction.api.extract_api_places`
whatever its nesting, and its next pages are followed. A site spider then is::

    class CopperleafSpider(LocatorSpider):
        name = "copperleaf"
        start_urls = ["https://www.copperleaf.example/stores/finder"]

and, for an API the automatic reading gets wrong, a JMESPath selecting the
records and a field mapping (JMESPath expressions relative to one record)::

        api_records_path = "payload.storeList[*]"
        field_map = {"name": "displayName", "ref": "storeNumber"}
        item_attributes = {"brand": "Copperleaf"}

The module-level functions are the extractors the generic ``places`` spider
uses as well (see docs/store-locators.md for its wiring).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

import jmespath
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from netcrawl.extraction import ExtractionResult, extract_places
from netcrawl.extraction.api import (
    ApiBody,
    extract_api_places,
    extract_embedded_places,
    find_endpoints,
    find_next_pages,
)
from netcrawl.extraction.api.records import place_from_record, unique_places
from netcrawl.extraction.api.sniff import Format
from netcrawl.extraction.text import extract_text_places
from netcrawl.items import Place
from spiders.base import EndpointFinder, Extractor, PlacesSpider

logger = logging.getLogger(__name__)


#: Each live API response's body, read once and shared by the readers of its places and
#: of its next pages (an entry goes with its response).
_API_BODIES: WeakKeyDictionary[Response, ApiBody] = WeakKeyDictionary()


def _content_type(response: Response) -> str | None:
    raw = response.headers.get(b"Content-Type")
    return raw.decode("latin-1") if raw else None


def _api_body(response: Response) -> ApiBody:
    """The response's :class:`ApiBody`: decoded, sniffed and JSON-parsed once per response."""
    body = _API_BODIES.get(response)
    if body is None:
        body = _API_BODIES[response] = ApiBody(response.body, _content_type(response))
    return body


def _first_with_places(response: TextResponse, *extractors: Extractor) -> ExtractionResult:
    """The places of the first extractor that finds any (later ones do not run, so one
    store is not read twice), with the problems of every extractor that ran."""
    problems: list[str] = []
    for extractor in extractors:
        result = extractor(response)
        problems += result.problems
        if result.places:
            return ExtractionResult(result.places, problems)
    return ExtractionResult([], problems)


def extract_markup_places(response: TextResponse) -> ExtractionResult:
    """Markup (JSON-LD, microdata, ...), else data embedded in scripts."""
    return _first_with_places(response, extract_places, extract_embedded_places)


def extract_page_places(response: TextResponse) -> ExtractionResult:
    """:func:`extract_markup_places`, then page text when neither found a place."""
    return _first_with_places(response, extract_markup_places, extract_text_places)


def extract_response_api_places(response: TextResponse) -> ExtractionResult:
    """Places in a store-locator API response (any supported format)."""
    return extract_api_places(_api_body(response), response.url)


def find_response_endpoints(response: TextResponse) -> list[str]:
    """Data endpoints named by a page's scripts and data attributes."""
    return find_endpoints(response)


def find_response_next_pages(response: Response) -> list[str]:
    """Next-page URLs of a paginated API response (body links and ``Link`` header)."""
    link = response.headers.get(b"Link")
    return find_next_pages(
        _api_body(response), response.url, link_header=link.decode("latin-1") if link else None
    )


class LocatorSpider(PlacesSpider):
    """A places spider for one site's store locator.

    Class attributes a site spider may set (besides :class:`PlacesSpider`'s):

    - ``api_records_path``: JMESPath selecting the records in a JSON response
      (``"data.stores[*]"``); without it records are found automatically;
    - ``field_map``: place field -> JMESPath relative to one record
      (``{"name": "storeName", "lat": "geo.coordinates[1]"}``);
    - ``item_attributes``: fields every place gets unless it has its own
      (``{"brand": "Copperleaf"}``).

    Settings: ``NETCRAWL_API_DISCOVERY`` (follow endpoints), ``NETCRAWL_API_MAX_PAGES``,
    ``NETCRAWL_TEXT_EXTRACTION`` (plain-text fallback).
    """

    follow_links: ClassVar[bool] = False
    read_sitemaps: ClassVar[bool] = False
    html_extractors: ClassVar[tuple[Extractor, ...]] = (extract_page_places,)
    #: Empty: :meth:`extract_api` (the records path and field map) is used.
    api_extractors: ClassVar[tuple[Extractor, ...]] = ()
    endpoint_finders: ClassVar[tuple[EndpointFinder, ...]] = (find_response_endpoints,)
    api_records_path: ClassVar[str | None] = None
    field_map: ClassVar[dict[str, str]] = {}
    item_attributes: ClassVar[dict[str, Any]] = {}
    #: Pages of one paginated API read at most (setting ``NETCRAWL_API_MAX_PAGES``).
    max_api_pages: int = 200

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._records_path = jmespath.compile(self.api_records_path or "@")
        self._field_paths = {field: jmespath.compile(path) for field, path in
                             self.field_map.items()}
        if not self.api_extractors:
            self.api_extractors = (self.extract_api,)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> LocatorSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if not settings.getbool("NETCRAWL_API_DISCOVERY", True):
            spider.endpoint_finders = ()
        if not settings.getbool("NETCRAWL_TEXT_EXTRACTION", True):
            spider.html_extractors = tuple(
                extract_markup_places if extractor is extract_page_places else extractor
                for extractor in spider.html_extractors
            )
        spider.max_api_pages = settings.getint("NETCRAWL_API_MAX_PAGES", cls.max_api_pages)
        return spider

    def extract_api(self, response: TextResponse) -> ExtractionResult:
        """The automatic reading, or the spider's records path and field map on JSON."""
        if self.api_records_path is None and not self.field_map:
            return extract_response_api_places(response)
        body = _api_body(response)
        if body.kind != Format.JSON:
            return extract_response_api_places(response)
        document, problems = body.json
        if problems:
            return ExtractionResult([], problems)
        records = self._records_path.search(document)
        if isinstance(records, dict):
            records = [records]
        places = []
        for record in records or ():
            if not isinstance(record, dict):
                continue
            overrides = {field: path.search(record) for field, path in self._field_paths.items()}
            place = place_from_record(
                record, response.url,
                {field: value for field, value in overrides.items() if value is not None},
            )
            if place:
                places.append(place)
        return ExtractionResult(unique_places(places), [])

    def parse_api(self, response: TextResponse) -> Iterator[Place | Request]:
        """The response's places, then its next page (up to ``NETCRAWL_API_MAX_PAGES``)."""
        yield from super().parse_api(response)
        page = response.meta.get("netcrawl_api_page", 1)
        for url in find_response_next_pages(response):
            if page >= self.max_api_pages:
                self._report(response.url, "api/max_pages", f"{page} pages read")
                break
            if not self.scope.contains(url):
                self._inc("api/offsite_next_page")
                continue
            self._inc("api/next_pages")
            yield Request(url, callback=self.parse, errback=self.on_error,
                          meta={"netcrawl_api_page": page + 1}, priority=2)

    def make_place(self, place: dict[str, Any], response: Response) -> Place | None:
        item = super().make_place(place, response)
        if item is not None:
            for field, value in self.item_attributes.items():
                item.setdefault(field, value)
        return item
