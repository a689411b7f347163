"""The generic ``places`` spider: any site, given on the command line.

``scrapy crawl places -a start_urls=https://www.example.com/`` (or
``-a urls_file=urls.txt``, or a local directory such as
``-a start_urls=data/sample-site``). All behaviour comes from
:class:`spiders.base.PlacesSpider`; see ``docs/crawling.md``.
"""

from __future__ import annotations

from spiders.base import PlacesSpider


class GenericPlacesSpider(PlacesSpider):
    """Crawl the sites named by ``start_urls`` / ``urls_file`` for places."""

    name = "places"
