"""FillRatePipeline: the share of exported records having each field, per spider.

Runs last (order 900), so it sees exactly the records that reach the feeds.
At the end of the crawl it sets ``netcrawl/fill_rate/<field>`` (floats 0..1,
every Place field) and ``netcrawl/items_exported`` in the crawl stats, and writes
``<export name>.fillrates.json`` (atomically) next to each feed stored as a
local file. When duplicate finalisation rewrote a feed (merged fields), that
file is counted again so the report and the stats describe the
final dataset.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from netcrawl.quality.duplicates import REWRITABLE_FORMATS, format_of
from netcrawl.quality.feeds import local_feed_path
from netcrawl.quality.fill_rates import FillRateCounter, count_export, write_fill_rates

logger = logging.getLogger(__name__)


class FillRatePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.counter = FillRateCounter()
        self._stored_feeds: list[tuple[Path, str]] = []
        crawler.signals.connect(self.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(self.feed_exporter_closed, signal=signals.feed_exporter_closed)

    @classmethod
    def from_crawler(cls, crawler) -> FillRatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        self.counter.add(ItemAdapter(item))
        return item

    def close_spider(self) -> None:
        self._set_stats(self.counter)

    def _set_stats(self, counter: FillRateCounter) -> None:
        for field, rate in counter.rates().items():
            self.stats.set_value(f"netcrawl/fill_rate/{field}", rate)
        self.stats.set_value("netcrawl/items_exported", counter.records)

    def feed_slot_closed(self, slot) -> None:
        path = local_feed_path(slot.uri)
        if path is not None:
            self._stored_feeds.append((path, format_of(path, getattr(slot, "format", None))))

    def feed_exporter_closed(self) -> None:
        """Write the reports once every feed is stored and duplicate merges are applied.

        A file that duplicate finalisation rewrote is counted again (streaming),
        so its report and the stats include the merged fields.
        """
        spider = getattr(getattr(self.crawler, "spider", None), "name", None)
        rewritten = bool(self.stats.get_value("netcrawl/duplicates/records_updated"))
        recounted = False
        for path, fmt in self._stored_feeds:
            counter = self.counter
            if rewritten and fmt in REWRITABLE_FORMATS and path.exists():
                try:
                    counter = count_export(path, fmt)
                except Exception as error:  # a report must never fail the crawl
                    logger.warning("Could not recount fill rates of %s: %s", path, error)
                    counter = self.counter
                else:
                    if not recounted:
                        self._set_stats(counter)
                        recounted = True
            write_fill_rates(path, counter.report(spider))
        self._stored_feeds.clear()
