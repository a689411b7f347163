"""The incremental crawl's owner: opens the page stores, closes or discards them.

Enabled by ``NETCRAWL_INCREMENTAL = True`` (see the "Incremental re-crawls"
section of netcrawl/settings.py and docs/incremental.md). The two
middlewares that do the work (:mod:`~netcrawl.incremental.conditional` in the
downloader, :mod:`~netcrawl.incremental.replay` on the spider side) find this
extension with ``crawler.get_extension`` and are disabled when it is.

- When the spider opens: the previous store (read-only, may be absent) and a
  new one in a temporary file.
- When the spider closes with reason ``finished``: the previous store's pages
  of other sites are carried over and the new store replaces the old one
  atomically. Any other reason (Ctrl-C, ``CLOSESPIDER_*``, an error) throws
  the new store away and keeps the previous one, so the next crawl still
  compares against the last complete crawl.

Settings: ``NETCRAWL_INCREMENTAL`` (bool), ``NETCRAWL_INCREMENTAL_DIR`` (base
folder; empty: ``NETCRAWL_RUNS_DIR``, itself defaulting to data/runs; the
store is ``<base>/<spider>/incremental.sqlite``), ``NETCRAWL_INCREMENTAL_KEEP_DAYS``
(how long pages of sites that are not crawled again are kept),
``NETCRAWL_INCREMENTAL_REFRESH`` (send no validators this time, record every
page: rebuilds the store after extraction code changed).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from netcrawl.datasets.runs import CLEAN_FINISH, DEFAULT_RUNS_DIR
from netcrawl.incremental.store import (
    PageRecord,
    PageStoreWriter,
    PreviousPages,
    Validators,
    store_path,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STATS_PREFIX = "netcrawl/incremental/"


class IncrementalCrawl:
    """Holds this crawl's view of the previous store and the store being written."""

    def __init__(self, crawler: Crawler, path: Path, keep_days: float,
                 refresh: bool = False) -> None:
        self.crawler = crawler
        self.path = path
        self.keep_days = keep_days
        #: Download every page in full and rebuild the store (after a code change).
        self.refresh = refresh
        self.previous: PreviousPages | None = None
        self.writer: PageStoreWriter | None = None
        self._fingerprinter = crawler.request_fingerprinter

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("NETCRAWL_INCREMENTAL"):
            raise NotConfigured  # off: Scrapy logs a WARNING for a NotConfigured with a reason
        base = (settings.get("NETCRAWL_INCREMENTAL_DIR") or settings.get("NETCRAWL_RUNS_DIR")
                or DEFAULT_RUNS_DIR)
        assert crawler.spidercls is not None
        extension = cls(
            crawler,
            store_path(base, crawler.spidercls.name),
            settings.getfloat("NETCRAWL_INCREMENTAL_KEEP_DAYS", 30.0),
            settings.getbool("NETCRAWL_INCREMENTAL_REFRESH"),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    @classmethod
    def enabled_in(cls, crawler: Crawler) -> IncrementalCrawl:
        """This crawl's extension, for the middlewares' ``from_crawler``.

        Raises NotConfigured when the extension is off, so the two middlewares are
        enabled and disabled with it, by the one switch ``NETCRAWL_INCREMENTAL``.
        """
        incremental = crawler.get_extension(cls)
        if incremental is None:
            raise NotConfigured  # off: Scrapy logs a WARNING for a NotConfigured with a reason
        return incremental

    # --- lifecycle ---------------------------------------------------------------------
    def spider_opened(self) -> None:
        name = self.crawler.spidercls.name
        try:
            self.previous = PreviousPages.open(self.path, name)
            self.writer = PageStoreWriter(self.path, name)
        except (OSError, sqlite3.Error) as exc:
            # A folder that cannot be written, a full disk: crawl as if it were off.
            if self.previous is not None:
                self.previous.close()
            self.previous = self.writer = None
            self.inc("store_unavailable")
            logger.error("Incremental crawl disabled for this crawl: cannot use %s (%s)",
                         self.path, exc)
            return
        if self.previous is None:
            logger.info("Incremental crawl: no usable page store at %s yet; "
                        "every page is downloaded in full", self.path)
        elif self.refresh:
            logger.info("Incremental crawl: refreshing %s (NETCRAWL_INCREMENTAL_REFRESH); "
                        "every page is downloaded in full", self.path)
        else:
            pages = len(self.previous)
            self.inc("previous_pages", pages)
            logger.info("Incremental crawl: %d pages known from %s", pages, self.path)

    def spider_closed(self, reason: str) -> None:
        previous, writer = self.previous, self.writer
        self.previous = self.writer = None
        if previous is not None:
            previous.close()
        if writer is None:
            return
        if reason != CLEAN_FINISH:
            writer.discard()
            logger.warning("Crawl closed with reason %r: the page store %s is kept as it was",
                           reason, self.path)
            return
        try:
            if previous is not None:
                self.inc("carried_over", writer.carry_over(previous.path, self.keep_days))
            stored = writer.page_count()
            writer.commit()
        except (OSError, sqlite3.Error) as exc:
            writer.discard()
            logger.error("Could not write the page store %s (%s); the previous one is kept",
                         self.path, exc)
            return
        self.inc("pages_stored", stored)
        logger.info("Incremental crawl: %d pages in %s", stored, self.path)

    # --- used by the middlewares -----------------------------------------------------
    def fingerprint(self, request: Request) -> bytes:
        return self._fingerprinter.fingerprint(request)

    def validators(self, request: Request) -> Validators | None:
        """The validators the previous crawl saw for this request's page, if any."""
        if self.previous is None or self.refresh:
            return None
        return self.previous.validators(self.fingerprint(request))

    def previous_page(self, request: Request) -> PageRecord | None:
        if self.previous is None or self.refresh:
            return None
        return self.previous.page(self.fingerprint(request))

    def record(self, request: Request, record: PageRecord) -> None:
        if self.writer is None:
            return
        try:
            self.writer.put(self.fingerprint(request), record)
        except (OSError, sqlite3.Error) as exc:
            # The crawl goes on; only this crawl's store is lost (the previous one stays).
            self.writer.discard()
            self.writer = None
            self.inc("store_unavailable")
            logger.error("Stopped recording pages in %s (%s); the previous store is kept",
                         self.path, exc)

    def inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(STATS_PREFIX + key, count)
