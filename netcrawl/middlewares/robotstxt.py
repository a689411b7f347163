"""robots.txt handling that treats an unreachable robots.txt as a fact of the web.

Scrapy's ``RobotsTxtMiddleware`` logs an ERROR with a traceback whenever the
robots.txt request fails (DNS failure, connection refused, timeout, lost
connection). When crawling real sites that is routine, not a bug of ours, and
ERROR lines must stay meaningful (``NETCRAWL_HEALTH_MAX_ERRORS`` counts them).
This subclass logs such network failures once per host at WARNING, without a
traceback, and counts them under ``netcrawl/robotstxt/unreachable``. The host
is then crawled as if it had no robots.txt, exactly as Scrapy does after its
error. Any other exception (a bug in a middleware or parser) is still an
ERROR with its traceback.

Enabled in ``DOWNLOADER_MIDDLEWARES`` in place of Scrapy's (same order, 100).
"""

from __future__ import annotations

import logging

from scrapy.core.downloader.handlers.http11 import TunnelError
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

logger = logging.getLogger(__name__)

#: Failures to reach a host: the site's problem (or the network's), not the crawler's.
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    ConnectError,  # includes DNSLookupError, ConnectionRefusedError, TCPTimedOutError
    ConnectionDone,
    ConnectionLost,
    TwistedTimeoutError,
    ResponseFailed,
    ResponseNeverReceived,
    TunnelError,
    OSError,
)
STATS_KEY = "netcrawl/robotstxt/unreachable"


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's middleware, with unreachable robots.txt files logged at WARNING and counted.

    Only :meth:`robot_parser` (where Scrapy logs the error) is replaced; the
    rules, the parser, the signals and the stats of Scrapy's class are kept.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            await self._fetch_robots(request, netloc)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def _fetch_robots(self, request: Request, netloc: str) -> None:
        url = urlparse_cached(request)
        robots_request = Request(
            f"{url.scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        try:
            response = await self.crawler.engine.download_async(robots_request)
            await self._parse_robots(response, netloc, request)
        except UNREACHABLE_ERRORS as exc:
            logger.warning(
                "robots.txt unreachable at %s (%s: %s); crawling %s without robots rules",
                robots_request.url,
                type(exc).__name__,
                exc,
                netloc,
                extra={"spider": self.crawler.spider},
            )
            self._stats.inc_value(STATS_KEY)
            self._robots_error(exc, netloc)
        except Exception as exc:
            if not isinstance(exc, IgnoreRequest):
                logger.error(
                    "Error downloading %(request)s: %(f_exception)s",
                    {"request": robots_request, "f_exception": exc},
                    exc_info=True,
                    extra={"spider": self.crawler.spider},
                )
            self._robots_error(exc, netloc)
