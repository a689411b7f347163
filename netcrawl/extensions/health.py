"""Run the dataset health checks when a crawl ends and record them in the stats.

The checks themselves live in :mod:`netcrawl.datasets.health` (a library usable on any
stats dict); this extension feeds them the crawl's stats, the previous complete run's
stats from the run history (``NETCRAWL_RUNS_DIR``) and, for required fields that the
fill-rate pipeline did not measure, its own count of filled fields. Results go into the
stats under ``netcrawl/health/`` (hence into the run's ``stats.json``) and into the log;
``scrapy crawl --fail-on-health`` (or ``NETCRAWL_HEALTH_FAIL_EXIT``) turns a failure
into a non-zero exit status.

Settings: ``NETCRAWL_HEALTH_ENABLED`` (default True), ``NETCRAWL_HEALTH_MIN_ITEM_RATIO``
(0.5), ``NETCRAWL_HEALTH_MIN_ITEMS`` (1), ``NETCRAWL_HEALTH_REQUIRED_FIELDS``
(``{field: minimum fill rate}``, default none), ``NETCRAWL_HEALTH_MAX_ERRORS`` (0).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from netcrawl.datasets.health import (
    DEFAULT_MAX_ERRORS,
    DEFAULT_MIN_ITEM_RATIO,
    DEFAULT_MIN_ITEMS,
    HealthReport,
    HealthThresholds,
    evaluate_health,
)
from netcrawl.datasets.runs import RunStore

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def thresholds_from_settings(settings: Any) -> HealthThresholds:
    required = settings.getdict("NETCRAWL_HEALTH_REQUIRED_FIELDS")
    try:
        required_rates = {str(name): float(rate) for name, rate in required.items()}
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"NETCRAWL_HEALTH_REQUIRED_FIELDS must map field names to rates 0..1: {error}"
        ) from error
    return HealthThresholds(
        min_item_ratio=settings.getfloat("NETCRAWL_HEALTH_MIN_ITEM_RATIO", DEFAULT_MIN_ITEM_RATIO),
        min_items=settings.getint("NETCRAWL_HEALTH_MIN_ITEMS", DEFAULT_MIN_ITEMS),
        required_fields=required_rates,
        max_errors=settings.getint("NETCRAWL_HEALTH_MAX_ERRORS", DEFAULT_MAX_ERRORS),
    )


class HealthMonitor:
    """Evaluate :mod:`netcrawl.datasets.health` checks when the engine stops."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("NETCRAWL_HEALTH_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.thresholds = thresholds_from_settings(settings)
        self.store = RunStore(settings.get("NETCRAWL_RUNS_DIR") or None)
        self.filled: Counter[str] = Counter()
        self.items = 0
        self.report: HealthReport | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        monitor = cls(crawler)
        crawler.signals.connect(monitor.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(monitor.engine_stopped, signal=signals.engine_stopped)
        return monitor

    def item_scraped(self, item: Any) -> None:
        """Count required fields' presence: the fallback when no fill-rate stat exists."""
        self.items += 1
        adapter = ItemAdapter(item)
        for name in self.thresholds.required_fields:
            if adapter.get(name) not in (None, "", [], {}):
                self.filled[name] += 1

    def engine_stopped(self) -> None:
        if self.report is not None:
            return  # already evaluated (RunRecorder asks first, to put results in stats.json)
        stats = self.crawler.stats
        assert stats is not None and self.crawler.spider is not None
        previous = self._previous_stats(self.crawler.spider.name)
        fallback = {name: self.filled[name] / self.items for name in
                    self.thresholds.required_fields} if self.items else None
        self.report = evaluate_health(stats.get_stats(), self.thresholds, previous, fallback)
        for key, value in self.report.to_stats().items():
            stats.set_value(key, value)
        for check in self.report.checks:
            logger.info("Health check %s %s: %s", check.name, check.status, check.detail)
        if self.report.passed:
            logger.info("Health checks passed (%d checks)", len(self.report.checks))
        else:
            # WARNING, not ERROR: an ERROR here would count in the errors check's own stat.
            logger.warning(
                "Health checks FAILED: %s",
                "; ".join(f"{c.name}: {c.detail}" for c in self.report.failures),
            )

    def _previous_stats(self, spider: str) -> dict[str, Any] | None:
        try:
            run = self.store.latest(spider)
            return run.stats if run is not None else None
        except (OSError, ValueError) as error:
            logger.warning("Cannot read the previous run of %s for health checks: %s",
                           spider, error)
            return None
