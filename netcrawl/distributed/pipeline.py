"""SharedDuplicatesPipeline: a place exported by one worker is dropped by the others.

Enabled by :class:`~netcrawl.distributed.addon.DistributedAddon` at order 710, right after
the local :class:`pipelines.duplicates.DuplicatesPipeline` (700): repeats within one
worker are merged there as usual; a place another worker already exported is dropped
here (reason ``duplicate``, counted by
``netcrawl/distributed/duplicates/by_<ref|name_address|name_distance>``). Its fields are
not merged into the other worker's record (that file belongs to another process); the
kept record is the first exported. ``NETCRAWL_FRONTIER_SHARED_ITEMS = False`` disables it.

When Redis cannot be reached the place is kept (counted under
``netcrawl/distributed/duplicates/unchecked``): a possible repeat beats a lost place.

With a resume journal (``JOBDIR``, docs/resuming.md) a restarted worker replays the places
it exported before; those still recorded for an earlier run of the same
``NETCRAWL_WORKER_ID`` are its own and kept (``netcrawl/distributed/duplicates/reclaimed``),
so its rebuilt ``-O`` file holds them again. Without a journal nothing is replayed and
such a place is a repeat like any other (the earlier run's file already has it).
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

from netcrawl.distributed import distributed_enabled
from netcrawl.distributed.frontier import frontier_for
from netcrawl.quality.drops import DUPLICATE, DropRecorder

logger = logging.getLogger(__name__)

STATS_PREFIX = "netcrawl/distributed/duplicates"


class SharedDuplicatesPipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.drops = DropRecorder(crawler.stats, logging.INFO)
        self.registry = frontier_for(crawler).places
        settings = crawler.settings
        #: The export is rebuilt from a journal: this worker's earlier places belong in it.
        self.reclaim_own = bool(job_dir(settings)) and settings.getbool(
            "NETCRAWL_RESUME_JOURNAL", True
        )
        self._warned = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedDuplicatesPipeline:
        if not distributed_enabled(crawler.settings):
            raise NotConfigured("REDIS_URL is not set")
        if not crawler.settings.getbool("NETCRAWL_FRONTIER_SHARED_ITEMS", True):
            raise NotConfigured("NETCRAWL_FRONTIER_SHARED_ITEMS is False")
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        spider = getattr(self.crawler.spider, "name", "") or ""
        try:
            match = self.registry.claim(spider, adapter.asdict(), reclaim_own=self.reclaim_own)
        except redis.RedisError as error:
            self.stats.inc_value(f"{STATS_PREFIX}/unchecked")
            if not self._warned:
                self._warned = True
                logger.warning("Cannot check places against other workers (%s): kept "
                               "unchecked (stats %s/unchecked)", error, STATS_PREFIX)
            return item
        if match is None:
            return item
        if match.own_earlier_run:
            self.stats.inc_value(f"{STATS_PREFIX}/reclaimed")
            return item
        self.stats.inc_value(f"{STATS_PREFIX}/by_{match.reason}")
        detail = f"{match.reason}, already exported by a worker of this crawl"
        raise self.drops.drop(DUPLICATE, adapter, detail)
