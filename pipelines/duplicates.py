"""DuplicatesPipeline: one record per place, with the most complete value of each field.

A place is a repeat of one already exported when it has the same ``ref``, the
same normalised name and address, or the same normalised name within 25 m
(:class:`netcrawl.quality.duplicates.DuplicateDetector`, bounded memory: only
hashes and packed coordinates are kept). A repeat is dropped at once
(reason ``duplicate``) and its fields are stored on disk; when each local feed
file is closed, :func:`netcrawl.quality.duplicates.finalise_dataset` merges
them into the exported record (JSON lines and CSV rewritten atomically; other
formats get ``<export>.duplicates.jsonl`` next to them).

Settings: ``NETCRAWL_DUPLICATES_MERGE_FILE`` (keep the SQLite side file at this
path instead of a temporary file that is deleted at the end).

Stats: ``netcrawl/duplicates/merged`` (repeats merged into a kept record),
``netcrawl/duplicates/by_<ref|name_address|name_distance>``,
``netcrawl/duplicates/records_updated`` (records rewritten at finalisation),
``netcrawl/dropped/duplicate``.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from netcrawl.quality.drops import DUPLICATE, DropRecorder
from netcrawl.quality.duplicates import (
    CSV_FORMATS,
    JSON_LINES_FORMATS,
    DuplicateDetector,
    MergeStore,
    finalise_dataset,
    format_of,
)
from netcrawl.quality.feeds import local_feed_path

logger = logging.getLogger(__name__)


class DuplicatesPipeline:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.drops = DropRecorder(crawler.stats, logging.INFO)
        self._detector: DuplicateDetector | None = None
        self._store: MergeStore | None = None
        self._merge_file = crawler.settings.get("NETCRAWL_DUPLICATES_MERGE_FILE")
        crawler.signals.connect(self.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler) -> DuplicatesPipeline:
        return cls(crawler)

    def _spider_name(self) -> str:
        spider = getattr(self.crawler, "spider", None)
        return getattr(spider, "name", "") or ""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if self._detector is None:
            self._detector = DuplicateDetector(self._spider_name())
        place = adapter.asdict()
        match = self._detector.check(place)
        if match is None:
            return item
        if self._store is None:
            self._store = MergeStore(self._merge_file)
        self._store.add(match.kept_identity, match.reason, place)
        self.stats.inc_value("netcrawl/duplicates/merged")
        self.stats.inc_value(f"netcrawl/duplicates/by_{match.reason}")
        raise self.drops.drop(DUPLICATE, adapter, match.reason)

    def feed_slot_closed(self, slot) -> None:
        """Merge the dropped repeats' fields into a feed file once it is stored."""
        if self._store is None or len(self._store) == 0:
            return
        path = local_feed_path(slot.uri)
        if path is None or not path.exists():
            logger.warning(
                "Feed %s is not a local file: %d duplicate merges not applied to it",
                slot.uri, len(self._store),
            )
            return
        kind = format_of(path, getattr(slot, "format", None))
        compressed = "postprocessing" in (getattr(slot, "feed_options", None) or {})
        if kind in JSON_LINES_FORMATS | CSV_FORMATS and not compressed:
            changed = finalise_dataset(path, self._store, kind)
            self.stats.inc_value("netcrawl/duplicates/records_updated", changed)
            logger.info("Merged duplicates into %d records of %s", changed, path)
        else:
            side = path.with_name(path.name + ".duplicates.jsonl")
            self._store.write_jsonl(side)
            logger.warning(
                "Feed %s (%s) cannot be rewritten in place: duplicate merges written to %s "
                "(apply with netcrawl.quality.duplicates.finalise_dataset)", path, kind, side,
            )

    def engine_stopped(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
