"""DistributedAddon: the switch to a shared Redis frontier, taken only when REDIS_URL is set.

Listed in ``ADDONS`` (netcrawl/settings.py, "Distributed crawls"). Without ``REDIS_URL``
(a setting, or the environment variable for ``scrapy crawl``; see
:func:`netcrawl.distributed.distributed_enabled`) it changes nothing, so the same
project runs single-machine crawls unchanged. With it, before the settings freeze, it sets:

- ``SCHEDULER`` = :class:`~netcrawl.distributed.scheduler.DistributedScheduler`,
- ``DUPEFILTER_CLASS`` = :class:`~netcrawl.distributed.dupefilter.SharedDupeFilter`,
- ``SCHEDULER_QUEUE_CLASS`` = :class:`~netcrawl.distributed.queue.InFlightPriorityQueue`,
- ``SCHEDULER_PERSIST`` = True (for any scrapy-redis component that reads it; the
  scheduler itself never deletes shared keys on close),
- ``ITEM_PIPELINES``: :class:`~netcrawl.distributed.pipeline.SharedDuplicatesPipeline`
  at 710 (unless ``NETCRAWL_FRONTIER_SHARED_ITEMS`` is False).

It runs before the resume add-on (lower ``ADDONS`` number), which then sees a scheduler
that is not Scrapy's and keeps to journalling items (docs/resuming.md). A ``SCHEDULER``
set by the user at a higher priority (``-s SCHEDULER=...``) wins, with a warning.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.misc import load_object

from netcrawl.distributed import distributed_enabled, redis_url, worker_id
from netcrawl.distributed.connection import FrontierUnavailable, frontier_client, masked_url
from netcrawl.distributed.dupefilter import SharedDupeFilter
from netcrawl.distributed.pipeline import SharedDuplicatesPipeline
from netcrawl.distributed.queue import InFlightPriorityQueue
from netcrawl.distributed.scheduler import DistributedScheduler

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

PIPELINE_ORDER = 710


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class DistributedAddon:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def update_settings(self, settings: Settings) -> None:
        if not distributed_enabled(settings):
            return
        url = redis_url(settings)
        try:
            frontier_client(settings).close()
        except FrontierUnavailable as error:
            # A setup error, not a bug: one clear line and a failed exit status instead of
            # a traceback from whichever component connects first.
            logger.error("Distributed crawl not started: %s", error)
            raise SystemExit(1) from None
        if not settings.get("REDIS_URL"):  # from the environment
            settings.set("REDIS_URL", url, priority=settings.getpriority("REDIS_URL") or "addon")
        settings.set("SCHEDULER", _path(DistributedScheduler), priority="addon")
        settings.set("DUPEFILTER_CLASS", _path(SharedDupeFilter), priority="addon")
        settings.set("SCHEDULER_QUEUE_CLASS", _path(InFlightPriorityQueue), priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        if settings.getbool("NETCRAWL_FRONTIER_SHARED_ITEMS", True):
            settings.set_in_component_priority_dict(
                "ITEM_PIPELINES", SharedDuplicatesPipeline, PIPELINE_ORDER
            )
        scheduler = load_object(settings["SCHEDULER"])
        if not (isinstance(scheduler, type) and issubclass(scheduler, DistributedScheduler)):
            logger.warning(
                "REDIS_URL is set but SCHEDULER is %s (set with a higher priority): this "
                "crawl does NOT share the Redis frontier", settings["SCHEDULER"],
            )
            return
        logger.info(
            "Distributed crawl: shared frontier in Redis at %s, worker id %r",
            masked_url(url), worker_id(settings),
        )
