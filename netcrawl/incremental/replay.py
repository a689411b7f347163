"""Spider middleware: record each page's output, replay it when the page is unchanged.

Order 30 in ``SPIDER_MIDDLEWARES`` (close to the engine), so it sees a page's
output after every other spider middleware has shaped it (depth, referer,
rendering...) and what it records or replays is exactly what the engine got:

- a 2xx response with an ETag or Last-Modified header: its items and requests
  pass through untouched and are written to the new page store when the
  callback has finished (a callback that fails halfway records nothing, so the
  page is downloaded in full next time);
- a 304 answer to one of our conditional requests: the callback's output (the
  spider ignores 304 responses and yields nothing) is not consumed, and the
  items and requests stored for the page are yielded instead, so its places
  go through the item pipelines again and the pages reachable only through it
  are still crawled. The page is copied to the new store.

If the stored output cannot be rebuilt (a callback renamed since, an item
class removed), or the store has no page for a 304, the page is requested
again without validators: a full download instead of lost places.

Stats under ``netcrawl/incremental/``: ``not_modified``, ``reused_items``,
``reused_requests``, ``body_bytes_saved`` (decoded body sizes not downloaded
again), ``pages_recorded``, ``unstorable_pages``, ``replay_failed``,
``unexpected_not_modified``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request

from netcrawl.incremental import codec
from netcrawl.incremental.conditional import (
    CONDITIONAL_META_KEY,
    NOT_MODIFIED,
    REFETCH_META_KEY,
    replayable,
)
from netcrawl.incremental.extension import IncrementalCrawl
from netcrawl.incremental.store import PageRecord

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class _PageRecorder:
    """Collects one page's output as tagged JSON while it flows to the engine.

    Each object is encoded the moment it passes: item pipelines may change an
    item after it has left the spider, and the store must hold what the
    callback produced.
    """

    def __init__(self, spider: Spider) -> None:
        self.spider = spider
        self.items: list[str] = []
        self.requests: list[str] = []
        self.problem: str | None = None

    def add(self, output: Any) -> None:
        if self.problem is not None:
            return
        try:
            if isinstance(output, Request):
                self.requests.append(codec.dumps(codec.encode_request(output, self.spider)))
            else:
                self.items.append(codec.dumps(codec.encode_item(output)))
        except (codec.Unstorable, TypeError, ValueError) as exc:
            self.problem = f"{type(output).__name__}: {exc}"


class ReplayNotModifiedMiddleware:
    """Record pages' output; replay it for pages that answered 304 Not Modified."""

    def __init__(self, crawler: Crawler, incremental: IncrementalCrawl) -> None:
        self.crawler = crawler
        self.incremental = incremental
        self.depth_limit = crawler.settings.getint("DEPTH_LIMIT")
        self._warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, IncrementalCrawl.enabled_in(crawler))

    # --- the two flavours of Scrapy's output chain ------------------------------------
    def process_spider_output(
        self, response: Response | None, result: Iterable[Any]
    ) -> Iterator[Any]:
        replacement = self._replacement(response)
        if replacement is not None:
            yield from replacement
            return
        recorder = self._recorder(response)
        if recorder is None:
            yield from result
            return
        for output in result:
            recorder.add(output)
            yield output
        self._store(response, recorder)

    async def process_spider_output_async(
        self, response: Response | None, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        replacement = self._replacement(response)
        if replacement is not None:
            for output in replacement:
                yield output
            return
        recorder = self._recorder(response)
        if recorder is None:
            async for output in result:
                yield output
            return
        async for output in result:
            recorder.add(output)
            yield output
        self._store(response, recorder)

    # --- 304: replay ----------------------------------------------------------------
    def _replacement(self, response: Response | None) -> list[Any] | None:
        """The stored output standing for a 304 response, or None to keep the callback's."""
        if response is None or response.status != NOT_MODIFIED:
            return None
        request = response.request
        if request is None:
            return None
        if request.meta.get(REFETCH_META_KEY):
            # A 304 without validators: the server is broken; nothing more to try.
            self.incremental.inc("unexpected_not_modified")
            self._warn_once("unexpected_not_modified", request.url,
                            "304 to a request sent without validators; page skipped")
            return None
        if not request.meta.get(CONDITIONAL_META_KEY):
            return None  # validators the spider sent itself: its callback decides
        record = self.incremental.previous_page(request)
        if record is None:
            self.incremental.inc("unexpected_not_modified")
            self._warn_once("unexpected_not_modified", request.url,
                            "304 for a page the page store does not hold; downloading it again")
            return [self._refetch(request)]
        try:
            outputs = self._rebuild(record)
        except Exception as exc:  # any reason the old output no longer fits this spider
            self.incremental.inc("replay_failed")
            self._warn_once("replay_failed", request.url,
                            f"stored output unusable ({type(exc).__name__}: {exc}); "
                            "downloading it again")
            return [self._refetch(request)]
        self.incremental.inc("not_modified")
        self.incremental.inc("reused_items", sum(not isinstance(o, Request) for o in outputs))
        self.incremental.inc("reused_requests", sum(isinstance(o, Request) for o in outputs))
        self.incremental.inc("body_bytes_saved", record.body_size)
        self.incremental.record(request, PageRecord(
            url=record.url,
            # A 304 carries the current validators (RFC 9110 15.4.5); keep the old otherwise.
            etag=_header(response, b"ETag") or record.etag,
            last_modified=_header(response, b"Last-Modified") or record.last_modified,
            body_size=record.body_size,
            items=record.items,
            requests=record.requests,
            seen=time.time(),
        ))
        return outputs

    def _rebuild(self, record: PageRecord) -> list[Any]:
        """Items then requests, all rebuilt before any is yielded (all or nothing)."""
        spider = self.crawler.spider
        outputs: list[Any] = [codec.decode_item(data) for data in codec.loads(record.items)]
        for data in codec.loads(record.requests):
            request = codec.decode_request(data, spider)
            # DepthMiddleware filtered these last time; honour a DEPTH_LIMIT lowered since.
            if self.depth_limit and request.meta.get("depth", 0) > self.depth_limit:
                continue
            outputs.append(request)
        return outputs

    @staticmethod
    def _refetch(request: Request) -> Request:
        headers = request.headers.copy()
        for name in (b"If-None-Match", b"If-Modified-Since"):
            headers.pop(name, None)
        meta = {key: value for key, value in request.meta.items() if key != CONDITIONAL_META_KEY}
        meta[REFETCH_META_KEY] = True
        return request.replace(headers=headers, meta=meta, dont_filter=True)

    # --- 2xx: record ----------------------------------------------------------------
    def _recorder(self, response: Response | None) -> _PageRecorder | None:
        if response is None or not 200 <= response.status < 300:
            return None
        request = response.request
        if request is None or not replayable(request):  # replayable: not rendered either
            return None
        if b"ETag" not in response.headers and b"Last-Modified" not in response.headers:
            return None  # nothing to make the next request conditional with
        return _PageRecorder(self.crawler.spider)

    def _store(self, response: Response, recorder: _PageRecorder) -> None:
        request = response.request
        assert request is not None
        if recorder.problem is not None:
            self.incremental.inc("unstorable_pages")
            self._warn_once("unstorable_pages", response.url,
                            f"output cannot be stored ({recorder.problem}); "
                            "it will be downloaded in full next time")
            return
        self.incremental.record(request, PageRecord(
            url=response.url,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            body_size=len(response.body),
            items="[" + ",".join(recorder.items) + "]",
            requests="[" + ",".join(recorder.requests) + "]",
            seen=time.time(),
        ))
        self.incremental.inc("pages_recorded")

    def _warn_once(self, reason: str, url: str, detail: str) -> None:
        """WARNING the first time a reason occurs, DEBUG afterwards (the stat counts all)."""
        level = logging.DEBUG if reason in self._warned else logging.WARNING
        self._warned.add(reason)
        logger.log(level, "netcrawl/incremental/%s at %s: %s", reason, url, detail)
