"""Give every crawl of a tracked spider its own run folder (see netcrawl.datasets.runs).

``RunsAddon`` (in ``ADDONS``) runs before the settings freeze, so it can still add feeds:
it creates ``<NETCRAWL_RUNS_DIR>/<spider>/<UTC timestamp>.partial/``, points ``FEEDS``
at ``places.parquet`` and ``places.geojson`` in it (keeping any feeds the user asked
for), attaches a log file handler writing ``crawl.log`` there, and enables
``RunRecorder``. When the engine has stopped (feeds stored, stats final),
``RunRecorder`` writes ``stats.json``, renames the folder to its final name, moves
``latest`` if the crawl finished cleanly and writes ``report.html``.

A crawl killed with SIGKILL never reaches that point: its folder keeps the
``.partial`` suffix and ``latest`` keeps pointing at the previous complete run.

Settings:

- ``NETCRAWL_RUNS_ENABLED``: True/False; unset (None) means "when ``scrapy crawl`` runs
  one of ``NETCRAWL_RUNS_SPIDERS``" (default ``["places"]``): netcrawl's ``crawl``
  command sets ``NETCRAWL_RUNS_AUTO`` so that ``scrapy parse``, ``shell`` or ``check``
  never record a run. The scheduler (or any ``CrawlerProcess`` user) sets it to True.
- ``NETCRAWL_RUNS_DIR``: the runs directory (default ``data/runs`` in the project).
- ``NETCRAWL_RUNS_FEEDS``: the run folder's feeds, ``{file name: format}`` (default
  ``places.parquet`` and ``places.geojson``).
- ``NETCRAWL_RUNS_REPORT``: write ``report.html`` at the end (default True).
- ``NETCRAWL_RUN_DIR`` is set by the add-on (read-only): the folder of this crawl.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from netcrawl.datasets.report import write_report
from netcrawl.datasets.runs import CLEAN_FINISH, LOG_FILE, STATS_FILE, RunStore, write_json_atomic
from netcrawl.extensions.health import HealthMonitor

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_RUN_FEEDS = {"places.parquet": "parquet", "places.geojson": "geojson"}
DEFAULT_RUN_SPIDERS = ["places"]
#: Above cmdline: the run folder is computed, not something to configure.
_COMPUTED_PRIORITY = 50


def runs_enabled(settings: Settings, spider_name: str) -> bool:
    """Whether this crawl gets a run folder (see the module docstring)."""
    value = settings.get("NETCRAWL_RUNS_ENABLED")
    if value is None or value == "":
        return settings.getbool("NETCRAWL_RUNS_AUTO") and spider_name in settings.getlist(
            "NETCRAWL_RUNS_SPIDERS", DEFAULT_RUN_SPIDERS)
    return settings.getbool("NETCRAWL_RUNS_ENABLED")


class RunsAddon:
    """Set up the run folder, its feeds and its log before the crawl starts."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run_dir: Path | None = None
        self.log_handler: logging.Handler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def update_settings(self, settings: Settings) -> None:
        spider_name = self.crawler.spidercls.name
        if not runs_enabled(settings, spider_name):
            return
        store = RunStore(settings.get("NETCRAWL_RUNS_DIR") or None)
        self.run_dir = store.create_partial(spider_name)
        settings.set("NETCRAWL_RUN_DIR", str(self.run_dir), priority=_COMPUTED_PRIORITY)

        feeds = settings.getdict("FEEDS")
        exporters = settings.getwithbase("FEED_EXPORTERS")
        for file_name, format_name in (
            settings.getdict("NETCRAWL_RUNS_FEEDS") or DEFAULT_RUN_FEEDS
        ).items():
            if format_name not in exporters:
                logger.error(
                    "Run folder feed %s skipped: no exporter for format %r in FEED_EXPORTERS",
                    file_name, format_name,
                )
                continue
            feeds[str(self.run_dir / file_name)] = {"format": format_name, "overwrite": True}
        settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS") or "addon")
        settings.set_in_component_priority_dict("EXTENSIONS", RunRecorder, 900)
        self._attach_log(settings)
        logger.info("Recording this crawl in %s", self.run_dir)

    def _attach_log(self, settings: Settings) -> None:
        assert self.run_dir is not None
        handler = logging.FileHandler(
            self.run_dir / LOG_FILE, mode="w", encoding=settings.get("LOG_ENCODING") or "utf-8"
        )
        handler.setFormatter(
            logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT"))
        )
        handler.setLevel(settings.get("LOG_LEVEL") or logging.DEBUG)
        logging.root.addHandler(handler)
        self.log_handler = handler

    def detach_log(self) -> None:
        if self.log_handler is not None:
            logging.root.removeHandler(self.log_handler)
            self.log_handler.close()
            self.log_handler = None


class RunRecorder:
    """Close the run folder when the engine has stopped (feeds and stats are final)."""

    def __init__(self, crawler: Crawler, addon: RunsAddon) -> None:
        self.crawler = crawler
        self.addon = addon
        settings = crawler.settings
        self.store = RunStore(settings.get("NETCRAWL_RUNS_DIR") or None)
        self.write_report = settings.getbool("NETCRAWL_RUNS_REPORT", True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        addon = crawler.get_addon(RunsAddon)
        if addon is None or addon.run_dir is None:
            raise NotConfigured("RunRecorder needs RunsAddon in ADDONS")
        recorder = cls(crawler, addon)
        crawler.signals.connect(recorder.engine_stopped, signal=signals.engine_stopped)
        return recorder

    def engine_stopped(self) -> None:
        try:
            self._close_run()
        finally:
            self.addon.detach_log()

    def _close_run(self) -> None:
        assert self.addon.run_dir is not None and self.crawler.stats is not None
        monitor = self.crawler.get_extension(HealthMonitor)
        if monitor is not None and monitor.report is None:
            monitor.engine_stopped()  # health results belong in stats.json
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        final_name = self.addon.run_dir.name.removesuffix(".partial")
        stats["netcrawl/run/name"] = final_name
        write_json_atomic(self.addon.run_dir / STATS_FILE, stats)
        previous = self.store.latest(self.crawler.spidercls.name)
        run = self.store.finalise(self.addon.run_dir)
        finish_reason = stats.get("finish_reason")
        if finish_reason == CLEAN_FINISH:
            self.store.set_latest(run)
            logger.info("Run %s finished; %s now points to it", run.path, "latest")
        else:
            logger.warning(
                "Run %s closed with finish reason %r: 'latest' keeps pointing to %s",
                run.path, finish_reason, previous.name if previous else "no run",
            )
        if self.write_report:
            try:
                path = write_report(run, self.store.previous_complete(run))
                logger.info("Wrote the run report %s", path)
            except Exception:
                logger.exception("Could not write the report of run %s", run.path)
