"""``ResumeAddon``: turn ``-s JOBDIR=...`` into a SIGKILL-safe, resumable crawl.

Listed in ``ADDONS`` (netcrawl/settings.py). It does nothing unless ``JOBDIR``
is set and ``NETCRAWL_RESUME_JOURNAL`` is true (the default). Then, before the
settings freeze, it

- replaces Scrapy's stock scheduler by
  :class:`~netcrawl.resume.scheduler.JournalScheduler` (only the stock one: a
  scheduler chosen on purpose, such as scrapy-redis's, is left in place and the
  journal keeps items only; see :mod:`netcrawl.resume.session`);
- adds :class:`~netcrawl.resume.middleware.ResumeJournalMiddleware` to
  ``SPIDER_MIDDLEWARES`` (order 20) and
  :class:`~netcrawl.resume.middleware.ResumeFailureMiddleware` to
  ``DOWNLOADER_MIDDLEWARES`` (order 10);
- creates the crawl's :class:`~netcrawl.resume.session.ResumeSession`, which
  those components share.

``NETCRAWL_RESUME_JOURNAL = False`` gives Scrapy's stock ``JOBDIR`` behaviour
back (resumable after a clean stop such as one Ctrl-C, not after a kill).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.core.scheduler import Scheduler
from scrapy.utils.job import job_dir
from scrapy.utils.misc import load_object

from netcrawl.resume.middleware import ResumeFailureMiddleware, ResumeJournalMiddleware
from netcrawl.resume.scheduler import JournalScheduler
from netcrawl.resume.session import ResumeSession

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

SPIDER_MIDDLEWARE_ORDER = 20
DOWNLOADER_MIDDLEWARE_ORDER = 10
_SCHEDULER_PATH = f"{JournalScheduler.__module__}.{JournalScheduler.__qualname__}"


class ResumeAddon:
    """Wire the resume journal when ``JOBDIR`` is set (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.session: ResumeSession | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def update_settings(self, settings: Settings) -> None:
        if not settings.getbool("NETCRAWL_RESUME_JOURNAL", True) or not job_dir(settings):
            return
        if load_object(settings["SCHEDULER"]) is Scheduler:
            # Ignored when SCHEDULER was given with a higher priority (-s SCHEDULER=...).
            settings.set("SCHEDULER", _SCHEDULER_PATH, priority="addon")
        scheduler = load_object(settings["SCHEDULER"])
        if not (isinstance(scheduler, type) and issubclass(scheduler, JournalScheduler)):
            logger.info(
                "SCHEDULER is %s: it keeps the frontier; the resume journal in %s keeps "
                "the exported items only", settings["SCHEDULER"], settings["JOBDIR"],
            )
        settings.set_in_component_priority_dict(
            "SPIDER_MIDDLEWARES", ResumeJournalMiddleware, SPIDER_MIDDLEWARE_ORDER
        )
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", ResumeFailureMiddleware, DOWNLOADER_MIDDLEWARE_ORDER
        )
        self.session = ResumeSession(self.crawler, settings)
