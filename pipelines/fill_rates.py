"""FillRatePipeline: the share of exported records having each field, per spider.

Runs last (order 900), so it sees exactly the records that reach the feeds.
At the end of the crawl it sets ``netcrawl/fill_rate/<field>`` (floats 0..1,
every Place field) and ``netcrawl/items_exported`` in the crawl stats, and writes
``<export name>.fillrates.json`` (atomically) next to each feed stored as a
local file.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from netcrawl.quality.feeds import local_feed_path
from netcrawl.quality.fill_rates import FillRateCounter, write_fill_rates


class FillRatePipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.counter = FillRateCounter()
        crawler.signals.connect(self.feed_slot_closed, signal=signals.feed_slot_closed)

    @classmethod
    def from_crawler(cls, crawler) -> FillRatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        self.counter.add(ItemAdapter(item))
        return item

    def close_spider(self) -> None:
        for field, rate in self.counter.rates().items():
            self.stats.set_value(f"netcrawl/fill_rate/{field}", rate)
        self.stats.set_value("netcrawl/items_exported", self.counter.records)

    def feed_slot_closed(self, slot) -> None:
        path = local_feed_path(slot.uri)
        if path is None:
            return
        spider = getattr(getattr(self.crawler, "spider", None), "name", None)
        write_fill_rates(path, self.counter.report(spider))
