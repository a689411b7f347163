"""Socket-level network tools behind the ``probe``, ``listen`` and ``download`` commands.

Each module works without Scrapy's command line: :mod:`~netcrawl.network.probe`
checks DNS, TCP, TLS, HTTP and robots.txt for targets,
:mod:`~netcrawl.network.listener` accepts and reports TCP connections, and
:mod:`~netcrawl.network.download` keeps the resumable, verified state of a
file download that the ``download`` command drives through Scrapy's downloader.
"""
