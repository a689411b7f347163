"""The scheduler and duplicate filter used while the resume journal is active.

:class:`JournalScheduler` is Scrapy's own :class:`~scrapy.core.scheduler.Scheduler`
(same priority queues, same request order, same stats) without its disk queues:
the frontier lives in memory, and what must survive a kill is in the journal
instead. Scrapy's ``requests.queue/`` and ``requests.seen`` are therefore not
written at all (they are the parts of stock ``JOBDIR`` that a SIGKILL leaves
stale), and nothing is kept twice.

Requests reach it in two ways:

- *admitted* by the spider middleware (:meth:`JournalScheduler.admit`), for
  every request the spider (or its start) yields: the duplicate filter decides
  there, and an admitted request is journaled with a new id **before** the
  middleware passes it on, so it is on disk before its parent fetch is marked
  done. The scheduler then only queues it;
- anything else: a retry or a redirect made by a downloader middleware carries
  its fetch's id in meta and stays that fetch (a redirect target's fingerprint
  is journaled as seen; a redirect the duplicate filter drops finishes the
  fetch); a request with no id (an extension calling ``engine.crawl``, an
  errback of a failed download) is journaled here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.core.scheduler import Scheduler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import CloseSpider
from scrapy.utils.misc import build_from_crawler, load_object

from netcrawl.resume.session import JOURNAL_ID_KEY

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

    from netcrawl.resume.session import ResumeSession

logger = logging.getLogger(__name__)

#: Set on a request the middleware admitted, popped when the scheduler queues it.
_ADMITTED_KEY = "_netcrawl_journal_admitted"


class JournalDupeFilter(RFPDupeFilter):
    """:class:`~scrapy.dupefilters.RFPDupeFilter` without ``requests.seen``, seeded
    from the journal instead (the file is buffered, so a SIGKILL loses its tail)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            None,
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )

    def seed(self, fingerprints: Iterable[bytes]) -> None:
        self._fingerprints.update(fingerprints)


class JournalScheduler(Scheduler):
    """Scrapy's scheduler, memory queues only, journaling through the resume session."""

    #: Set by :meth:`from_crawler` when the resume add-on is active.
    session: ResumeSession | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from netcrawl.resume.addon import ResumeAddon

        dupefilter_cls = load_object(crawler.settings["DUPEFILTER_CLASS"])
        if dupefilter_cls is RFPDupeFilter:
            dupefilter_cls = JournalDupeFilter
        scheduler = cls(
            dupefilter=build_from_crawler(dupefilter_cls, crawler),
            jobdir=None,  # no disk queues: the journal is the persistent frontier
            dqclass=load_object(crawler.settings["SCHEDULER_DISK_QUEUE"]),
            mqclass=load_object(crawler.settings["SCHEDULER_MEMORY_QUEUE"]),
            logunser=crawler.settings.getbool("SCHEDULER_DEBUG"),
            stats=crawler.stats,
            pqclass=load_object(crawler.settings["SCHEDULER_PRIORITY_QUEUE"]),
            crawler=crawler,
        )
        addon = crawler.get_addon(ResumeAddon)
        scheduler.session = addon.session if addon is not None else None
        if scheduler.session is None:
            logger.warning(
                "JournalScheduler without an active resume journal (ResumeAddon in ADDONS "
                "and JOBDIR set): it runs as Scrapy's scheduler without disk queues"
            )
        return scheduler

    def open(self, spider: Spider) -> Deferred[None] | None:
        result = super().open(spider)
        if self.session is None:
            return result
        self.session.scheduler = self
        try:
            state = self.session.open(spider)
        except CloseSpider:
            # Logged; the spider middleware raises it again from start(), where the
            # engine closes the spider cleanly (here it would skip opening the scraper).
            return result
        if state.seen:
            seed = getattr(self.df, "seed", None)
            if seed is not None:
                seed(state.seen)
            else:
                logger.warning(
                    "DUPEFILTER_CLASS %s has no seed() method: pages fetched before the "
                    "kill may be fetched again (resume journal)", type(self.df).__name__,
                )
        for request in self.session.pending_requests():
            self._mqpush(request)
            self.stats.inc_value("scheduler/enqueued/memory")
            self.stats.inc_value("scheduler/enqueued")
        return result

    def close(self, reason: str) -> Deferred[None] | None:
        if self.session is not None:
            self.session.close()
        return super().close(reason)

    def _fingerprint(self, request: Request) -> bytes:
        assert self.crawler is not None
        return self.crawler.request_fingerprinter.fingerprint(request)

    def admit(self, request: Request) -> bool:
        """Decide on a request the spider yielded; journal it when it will be fetched.

        Returns False for a duplicate (it is passed on anyway, and dropped by
        :meth:`enqueue_request` with Scrapy's usual stats and log line).
        """
        request.meta.pop(JOURNAL_ID_KEY, None)  # copied from the parent's meta: not ours
        if not request.dont_filter and self.df.request_seen(request):
            return False
        assert self.session is not None
        request_id = self.session.new_request(request, self._fingerprint(request))
        if request_id is not None:
            request.meta[JOURNAL_ID_KEY] = request_id
        request.meta[_ADMITTED_KEY] = True
        return True

    def enqueue_request(self, request: Request) -> bool:
        if self.session is None:
            return super().enqueue_request(request)
        admitted = request.meta.pop(_ADMITTED_KEY, False)
        if not admitted and not self._accept(request):
            return False
        self._mqpush(request)
        self.stats.inc_value("scheduler/enqueued/memory")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def _accept(self, request: Request) -> bool:
        """The duplicate filter and journaling for a request the middleware did not see."""
        assert self.session is not None
        request_id = request.meta.get(JOURNAL_ID_KEY)
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            if isinstance(request_id, int):
                # A redirect to a page already fetched: the fetch ends here.
                self.session.request_done(request_id)
            return False
        if isinstance(request_id, int):
            # A retry (same fingerprint, dont_filter) or a redirect of a journaled fetch.
            if not request.dont_filter:
                self.session.seen(self._fingerprint(request))
        else:
            new_id = self.session.new_request(request, self._fingerprint(request))
            if new_id is not None:
                request.meta[JOURNAL_ID_KEY] = new_id
        return True
