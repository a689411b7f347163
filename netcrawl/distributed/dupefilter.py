"""scrapy-redis's duplicate filter, fingerprinting requests the way the crawl is configured.

scrapy-redis hashes method, canonical URL and body itself, ignoring
``REQUEST_FINGERPRINTER_CLASS`` (and ``REQUEST_FINGERPRINTER_IMPLEMENTATION``), so a
project that changes what makes two requests equal would see it ignored in distributed
mode. :class:`SharedDupeFilter` asks ``crawler.request_fingerprinter``, the same object
Scrapy's own scheduler, cache and JOBDIR use. It never deletes the shared set on close:
other workers are still using it (clearing is ``scrapy frontier clear`` or the last
worker of a finished crawl, see :mod:`netcrawl.distributed.scheduler`).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter

logger = logging.getLogger(__name__)


class SharedDupeFilter(RFPDupeFilter):
    """Request fingerprints in a Redis set shared by all workers (``DUPEFILTER_CLASS``)."""

    logger = logger

    def __init__(self, server: Any, key: str, fingerprinter: Any, debug: bool = False) -> None:
        super().__init__(server, key, debug=debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def for_crawl(cls, crawler: Any, server: Any, key: str) -> SharedDupeFilter:
        """The filter of one spider's frontier (built by the distributed scheduler)."""
        return cls(server, key, crawler.request_fingerprinter,
                   debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedDupeFilter:
        raise TypeError(
            "SharedDupeFilter belongs to a distributed frontier: it is built by "
            "netcrawl.distributed.scheduler.DistributedScheduler (set REDIS_URL)"
        )

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Keep the shared fingerprints: other workers still filter with them."""

    def log(self, request: Request, spider: Spider | None = None) -> None:
        if self.debug:
            self.logger.debug("Filtered duplicate request: %(request)s", {"request": request})
        elif self.logdupes:
            self.logger.debug(
                "Filtered duplicate request %(request)s - no more duplicates will be shown "
                "(see DUPEFILTER_DEBUG to show all duplicates)", {"request": request},
            )
            self.logdupes = False
