"""The internal spider that carries a :class:`~netcrawl.network.download.DownloadJob`.

It exists so that ``scrapy download`` goes through Scrapy's downloader and
downloader middlewares: the project's USER_AGENT, proxy, retry and TLS
settings apply exactly as in a crawl. Body chunks are taken from the
``bytes_received`` signal and written to ``FILE.part.segment`` as they
arrive. (Scrapy's HTTP/1.1 handler still buffers each response body in
memory as well, so peak memory is about one response body; see
docs/network-commands.md.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Request, Spider, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectionLost, ConnectionRefusedError, DNSLookupError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from netcrawl.network.download import DownloadJob

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Headers, Response
    from twisted.python.failure import Failure

#: Marks the requests of this spider in signal handlers.
META_KEY = "netcrawl_download"


def describe_failure(exception: BaseException) -> str:
    """A short reason a user understands: refused, timeout, DNS failure, ..."""
    if isinstance(exception, DownloadConnectionRefusedError | ConnectionRefusedError):
        return "connection refused"
    if isinstance(exception, DownloadTimeoutError | TwistedTimeoutError | TimeoutError):
        return f"timeout ({exception})" if str(exception) else "timeout"
    if isinstance(exception, CannotResolveHostError | DNSLookupError):
        return f"DNS failure ({exception})"
    if isinstance(exception, ResponseDataLossError):
        return "truncated body"
    if isinstance(exception, ResponseNeverReceived | ResponseFailed | ConnectionLost):
        return "connection lost before the response was complete"
    return f"{type(exception).__name__}: {exception}"


def _header_dict(headers: Headers) -> dict[str, str]:
    """Scrapy headers as ``{lower-case name: last value}`` text."""
    result = {}
    for name, values in headers.items():
        if values:
            result[name.decode("latin-1").lower()] = values[-1].decode("latin-1")
    return result


class FileDownloadSpider(Spider):
    name = "netcrawl-download"
    #: Explicit downloads: no size limits (the file may be large), no
    #: robots.txt (the user named the URL), no cache and no data-loss
    #: exception (truncation is detected from the response flags and resumed).
    custom_settings: ClassVar[dict[str, Any]] = {
        "DOWNLOAD_MAXSIZE": 0,
        "DOWNLOAD_WARNSIZE": 0,
        "ROBOTSTXT_OBEY": False,
        "HTTPCACHE_ENABLED": False,
        "DOWNLOAD_FAIL_ON_DATALOSS": False,
        "CONCURRENT_REQUESTS": 1,
        # Each chunk or resume is requested from the previous response's
        # callback: without this, DEPTH_LIMIT would silently end big downloads.
        "DEPTH_LIMIT": 0,
        # A file download yields no places: the crawl health checks do not apply.
        "NETCRAWL_HEALTH_ENABLED": False,
    }

    def __init__(self, job: DownloadJob, timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.timeout = timeout
        self.close_reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FileDownloadSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_headers_received, signal=signals.headers_received)
        crawler.signals.connect(spider.on_bytes_received, signal=signals.bytes_received)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        request = self._next_request()
        if request is not None:
            yield request

    def _next_request(self) -> Request | None:
        plan = self.job.next_request()
        if plan is None:
            return None
        meta: dict[str, Any] = {
            META_KEY: True,
            "handle_httpstatus_list": list(range(400, 600)),
            "download_fail_on_dataloss": False,
            "download_maxsize": 0,
            "download_warnsize": 0,
        }
        if self.timeout:
            meta["download_timeout"] = self.timeout
        return Request(plan.url, headers=plan.headers, meta=meta, dont_filter=True,
                       callback=self.on_response, errback=self.on_failure)

    def closed(self, reason: str) -> None:
        """Remember why the crawl ended (e.g. "shutdown" after Ctrl-C) for the report."""
        self.close_reason = reason

    def on_headers_received(self, headers: Headers, body_length: int, request: Request,
                            spider: Spider) -> None:
        if request.meta.get(META_KEY):
            self.job.headers_received(_header_dict(headers))

    def on_bytes_received(self, data: bytes, request: Request, spider: Spider) -> None:
        if request.meta.get(META_KEY):
            self.job.bytes_received(data)

    def on_response(self, response: Response) -> Iterator[Request]:
        self.job.response_received(response.status, _header_dict(response.headers),
                                   list(response.flags))
        request = self._next_request()
        if request is not None:
            yield request

    def on_failure(self, failure: Failure) -> Iterator[Request]:
        self.job.request_failed(describe_failure(failure.value))
        request = self._next_request()
        if request is not None:
            yield request
