"""Site discovery as a library: start targets, site scope, robots.txt, sitemaps, links, content.

The ``places`` spider (``spiders/base.py``) is a thin Scrapy wrapper around
these modules, so each rule (what is on site, which link looks like a store
locator, what a sitemap lists, whether a body is really HTML) can be tested
and reused without running a crawl.

- :mod:`netcrawl.discovery.sites`: start URLs / URL files / local directories,
  and the :class:`~netcrawl.discovery.sites.SiteScope` that keeps a crawl on site.
- :mod:`netcrawl.discovery.robots`: ``Sitemap:`` lines of a robots.txt body.
- :mod:`netcrawl.discovery.sitemaps`: XML / gzip / plain-text / feed sitemaps.
- :mod:`netcrawl.discovery.links`: asset skipping and location-likeness scores.
- :mod:`netcrawl.discovery.content`: what a response really is (HTML, API, binary)
  and repair of wrongly declared charsets.
"""
