"""Scrapy extensions and add-ons of netcrawl.

- :mod:`~netcrawl.extensions.runs`: the ``RunsAddon`` that gives each crawl a run
  folder (feeds, ``stats.json``, ``crawl.log``, ``report.html``, the ``latest`` pointer);
- :mod:`~netcrawl.extensions.health`: the ``HealthMonitor`` that checks a finished crawl.
"""
