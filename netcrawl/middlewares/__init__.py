"""Downloader middlewares of netcrawl.

- :mod:`~netcrawl.middlewares.robotstxt`: Scrapy's ``RobotsTxtMiddleware`` with an
  unreachable robots.txt reported as a counted WARNING instead of an ERROR traceback.
  It also keeps each site's robots.txt outcome (status, ``Sitemap:`` URLs) for the
  spider, so robots.txt is fetched once per site.
"""
