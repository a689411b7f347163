"""The spider and downloader middlewares that feed the resume journal.

:class:`ResumeJournalMiddleware` (spider middleware, order 20: closest to the
engine, so it sees the spider's output after every other middleware changed
it) journals, synchronously and before passing them on:

- every item the spider yields, tagged with the fetch of the response;
- every request, through :meth:`JournalScheduler.admit` (duplicate filter
  plus a journal record), so a request is on disk before its parent is done;
- ``D`` (done) once the response's output is exhausted, also when the
  callback raised (the page would fail again: it is not fetched forever) and
  for errback output of HTTP errors, which runs through this chain too.

On a resumed crawl its ``process_start`` first yields the committed items of
the earlier runs (they go through the item pipelines again, so duplicates,
fill rates and the fresh ``-O`` export see every place), then the spider's own
start output minus the requests that an earlier run journaled already. The
spider's ``start()`` is still run: it sets up what the spider needs (local
directory servers, the site scope) and yields any start URL added since.

:class:`ResumeFailureMiddleware` (downloader middleware, order 10: the last to
see an exception) marks a fetch done when its download failed for good (no
retry left, robots.txt, offsite, network error), so a failing page is not
refetched on every resume either. Its errback runs outside the spider
middlewares; requests it yields are journaled by the scheduler.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import is_asyncio_available

from netcrawl.resume.session import JOURNAL_ID_KEY

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from netcrawl.resume.session import ResumeSession

#: Seconds after an item signal before the engine re-checks for idleness.
_WAKE_DELAY = 0.05


def _session_of(crawler: Crawler) -> ResumeSession:
    from netcrawl.resume.addon import ResumeAddon

    addon = crawler.get_addon(ResumeAddon)
    if addon is None or addon.session is None:
        raise NotConfigured("the resume journal is active only with JOBDIR set")
    return addon.session


class ResumeJournalMiddleware:
    """Journal the spider's output; replay committed items on resume."""

    def __init__(self, crawler: Crawler, session: ResumeSession) -> None:
        self.crawler = crawler
        self.session = session
        self._wake_call: Any = None  # twisted IDelayedCall

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler, _session_of(crawler))
        # The journal scheduler closes the journal too; with another scheduler only this does.
        crawler.signals.connect(middleware.session.close, signal=signals.spider_closed)
        return middleware

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        session = self.session
        assert self.crawler.spider is not None
        session.open(self.crawler.spider)
        if session.resumed:
            yield_to_loop = is_asyncio_available()
            for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
                self.crawler.signals.connect(self._wake_engine_soon, signal=signal)
            for item in session.committed_items():
                yield item
                if yield_to_loop:
                    # Let the pipelines take each item before the next one is read.
                    await asyncio.sleep(0)
        fingerprinter = self.crawler.request_fingerprinter
        async for entry in start:
            if isinstance(entry, Request):
                if session.resumed and session.seen_before(fingerprinter.fingerprint(entry)):
                    session.count("skipped_start_requests")
                    continue
                self._admit(entry)
            # Items from start() are not journaled: start() runs again on resume.
            yield entry
        session.forget_start()
        self._wake_engine()

    def _wake_engine_soon(self, **_signal_kwargs: Any) -> None:
        # The item signals fire just before the scraper stops counting the item.
        if self._wake_call is None or not self._wake_call.active():
            from twisted.internet import reactor

            self._wake_call = reactor.callLater(_WAKE_DELAY, self._wake_engine)

    def _wake_engine(self) -> None:
        """Have the engine look for idleness now rather than on its 5 s heartbeat.

        Scrapy re-checks whether the crawl is over when a download ends, not
        when an item from ``start()`` leaves the pipelines: a resumed crawl whose
        last work is replayed items would idle for up to 5 s. Connected to the
        item signals (through :meth:`_wake_engine_soon`) while items are replayed,
        and called when ``start()`` ends.
        """
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no crawl running (a tool driving the middleware)
            return
        slot = getattr(engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        session = self.session
        key = session.key_of(response)
        try:
            async for entry in result:
                if isinstance(entry, Request):
                    self._admit(entry)
                elif entry is not None:
                    session.item(key, entry)
                yield entry
        except Exception:
            session.done(key)  # a bug in the callback: the page would fail again
            raise
        session.done(key)

    def _admit(self, request: Request) -> None:
        scheduler = self.session.scheduler
        if scheduler is not None:
            scheduler.admit(request)
        else:
            # Another scheduler (Redis) owns the frontier; an id copied from the
            # parent's meta must not make this request look like its parent.
            request.meta.pop(JOURNAL_ID_KEY, None)


class ResumeFailureMiddleware:
    """Mark a fetch done when its download failed for good."""

    def __init__(self, session: ResumeSession) -> None:
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(_session_of(crawler))

    def process_exception(self, request: Request, exception: Exception) -> None:
        request_id = request.meta.get(JOURNAL_ID_KEY)
        if self.session.full and isinstance(request_id, int):
            self.session.request_done(request_id)
