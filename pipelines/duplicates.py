"""DuplicatesPipeline: one record per place, with the most complete value of each field.

A place is a repeat of one already exported when it has the same ``ref``, the
same normalised name and address, or the same normalised name within 25 m
(:class:`netcrawl.quality.duplicates.DuplicateDetector`, bounded memory: only
hashes and packed coordinates are kept). A repeat is dropped at once
(reason ``duplicate``) and its fields are stored on disk; when each local feed
file is closed, :func:`netcrawl.quality.duplicates.finalise_dataset` merges
them into the exported record (JSON lines, CSV, GeoJSON and Parquet rewritten
atomically; other formats and compressed feeds get ``<export>.duplicates.jsonl``
next to them).

Settings: ``NETCRAWL_DUPLICATES_MERGE_FILE`` (keep the SQLite side file at this
path instead of a temporary file that is deleted at the end).

Stats: ``netcrawl/duplicates/merged`` (repeats merged into a kept record),
``netcrawl/duplicates/by_<ref|name_address|name_distance>``,
``netcrawl/duplicates/records_updated`` (records rewritten at finalisation),
``netcrawl/duplicates/not_merged`` (repeats dropped whose fields could not be stored),
``netcrawl/duplicates/feeds_not_rewritten``,
``netcrawl/dropped/duplicate``.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from netcrawl.quality.drops import DUPLICATE, DropRecorder
from netcrawl.quality.duplicates import (
    REWRITABLE_FORMATS,
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
        self._merge_file = crawler.settings.get("NETCRAWL_DUPLICATES_MERGE_FILE") or None
        self._store_failed = False
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
        if self._record_merge(match.kept_identity, match.reason, place):
            self.stats.inc_value("netcrawl/duplicates/merged")
        else:
            self.stats.inc_value("netcrawl/duplicates/not_merged")
        self.stats.inc_value(f"netcrawl/duplicates/by_{match.reason}")
        raise self.drops.drop(DUPLICATE, adapter, match.reason)

    def _record_merge(self, identity: int, reason: str, place: dict) -> bool:
        """Store a repeat's fields for finalisation; False when the side file is unusable.

        A full disk or unwritable merge file must not stop the crawl: the repeat
        is still dropped (it is a duplicate), but its fields cannot be merged.
        """
        if self._store_failed:
            return False
        try:
            if self._store is None:
                self._store = MergeStore(self._merge_file)
            self._store.add(identity, reason, place)
        except (sqlite3.Error, OSError) as error:
            self._store_failed = True
            logger.error(
                "Duplicate merge file %s unusable (%s): further repeats are dropped without "
                "merging their fields (stats netcrawl/duplicates/not_merged)",
                self._merge_file or "(temporary)", error,
            )
            return False
        return True

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
        if kind in REWRITABLE_FORMATS and not compressed:
            try:
                changed = finalise_dataset(path, self._store, kind)
            except (ValueError, OSError) as error:  # unexpected layout, disk full...
                self._hand_over(path, kind, str(error))
                return
            self.stats.inc_value("netcrawl/duplicates/records_updated", changed)
            logger.info("Merged duplicates into %d records of %s", changed, path)
        else:
            self._hand_over(path, kind, "compressed" if compressed else "format not rewritable")

    def _hand_over(self, path, kind: str, why: str) -> None:
        """Write the merges next to an export that cannot be rewritten, and say so."""
        assert self._store is not None
        side = path.with_name(path.name + ".duplicates.jsonl")
        self._store.write_jsonl(side)
        self.stats.inc_value("netcrawl/duplicates/feeds_not_rewritten")
        logger.warning(
            "Feed %s (%s) not rewritten (%s): duplicate merges written to %s "
            "(apply with netcrawl.quality.duplicates.finalise_dataset)", path, kind, why, side,
        )

    def engine_stopped(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
