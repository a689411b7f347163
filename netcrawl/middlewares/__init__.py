"""Downloader middlewares of netcrawl.

- :mod:`~netcrawl.middlewares.robotstxt`: Scrapy's ``RobotsTxtMiddleware`` with an
  unreachable robots.txt reported as a counted WARNING instead of an ERROR traceback.
"""
