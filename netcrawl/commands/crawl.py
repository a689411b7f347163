"""``scrapy crawl`` with ``--fail-on-health``: a non-zero exit status for unhealthy runs.

Scrapy's own ``crawl`` exits 0 whenever the crawl ran, even if it produced half the
usual places; cron jobs and CI need the dataset health checks
(:mod:`netcrawl.extensions.health`) to decide. This subclass of Scrapy's command adds
the option (same as the setting ``NETCRAWL_HEALTH_FAIL_EXIT = True``) and exits with
:data:`HEALTH_FAILURE_EXIT_CODE` when a check failed; everything else is Scrapy's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from netcrawl.datasets.health import FAILED, STATS_PREFIX

if TYPE_CHECKING:
    import argparse

#: Distinct from 1 (bootstrap failure) and 2 (usage error) so scripts can tell them apart.
HEALTH_FAILURE_EXIT_CODE = 3


class Command(ScrapyCrawlCommand):
    #: Crawls started by this command record run folders for NETCRAWL_RUNS_SPIDERS
    #: (unless NETCRAWL_RUNS_ENABLED says otherwise); parse, shell and check do not.
    default_settings: ClassVar[dict[str, Any]] = {"NETCRAWL_RUNS_AUTO": True}

    def long_desc(self) -> str:
        return (
            "Run a spider of the current project. With --fail-on-health (or the setting "
            "NETCRAWL_HEALTH_FAIL_EXIT=True) the command exits with status "
            f"{HEALTH_FAILURE_EXIT_CODE} when a dataset health check fails (see "
            "docs/datasets.md)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--fail-on-health",
            action="store_true",
            help=f"exit with status {HEALTH_FAILURE_EXIT_CODE} when a health check fails",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if opts.fail_on_health:
            assert self.settings is not None
            self.settings.set("NETCRAWL_HEALTH_FAIL_EXIT", True, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        if not crawler.settings.getbool("NETCRAWL_HEALTH_FAIL_EXIT"):
            return
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        if stats.get(f"{STATS_PREFIX}/status") == FAILED:
            self.exitcode = HEALTH_FAILURE_EXIT_CODE
