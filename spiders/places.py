"""The generic ``places`` spider: any site, given on the command line.

``scrapy crawl places -a start_urls=https://www.example.com/`` (or
``-a urls_file=urls.txt``, or a local directory such as
``-a start_urls=data/sample-site``). Crawling comes from
:class:`spiders.base.PlacesSpider`; reading store-locator APIs, data embedded
in scripts and plain page text from :class:`spiders.locator.LocatorSpider`.
See ``docs/crawling.md`` and ``docs/store-locators.md``.
"""

from __future__ import annotations

from spiders.locator import LocatorSpider


class GenericPlacesSpider(LocatorSpider):
    """Crawl the sites named by ``start_urls`` / ``urls_file`` for places."""

    name = "places"
    follow_links = True
    read_sitemaps = True
    #: Plain pages, rendered only when one looks script-built and yields no place
    #: (needs a renderer: Chromium or SPLASH_URL); ``-a render=none`` turns it off.
    render = "auto"
