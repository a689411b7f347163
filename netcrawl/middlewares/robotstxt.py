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

It also shares what it fetched: :meth:`RobotsTxtMiddleware.outcome` gives
the spider a site's robots.txt outcome (HTTP status and the ``Sitemap:`` URLs
of a 2xx body), so the spider reads its sitemaps from the same single download
instead of requesting robots.txt a second time. Components find the
middleware of their crawl with :meth:`RobotsTxtMiddleware.for_crawler` (``None``
when ``ROBOTSTXT_OBEY`` is off or the middleware is not enabled, in which case
the spider requests robots.txt itself).

Enabled in ``DOWNLOADER_MIDDLEWARES`` in place of Scrapy's (same order, 100).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

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

from netcrawl.discovery.robots import sitemap_urls_from_robots

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

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


@dataclass(frozen=True)
class RobotsTxt:
    """What fetching one site's robots.txt gave.

    ``status`` is ``None`` when no response came (unreachable host, request
    ignored); ``sitemaps`` are absolute URLs, read only from a 2xx body (an
    error page's text is not the site's robots.txt).
    """

    url: str
    status: int | None
    sitemaps: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


#: The enabled middleware of each running crawler (see RobotsTxtMiddleware.for_crawler).
_INSTANCES: WeakKeyDictionary[Crawler, RobotsTxtMiddleware] = WeakKeyDictionary()


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's middleware, with unreachable robots.txt files logged at WARNING and counted.

    Only :meth:`robot_parser` (where Scrapy logs the error) is replaced; the
    rules, the parser, the signals and the stats of Scrapy's class are kept.
    That replacement, like Scrapy's own method, works on the private
    ``_parsers`` cache and the ``_parse_robots`` / ``_robots_error`` steps of
    Scrapy's class: Scrapy offers no public hook between "robots.txt
    downloaded" and "parsed", which is where the failure is classified and
    where the ``Sitemap:`` lines are read for :meth:`outcome`.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # NotConfigured when ROBOTSTXT_OBEY is off
        #: Per netloc, once its robots.txt is fetched (or failed): what it gave. A few
        #: strings per site, next to the parser Scrapy keeps per site anyway.
        self._outcomes: dict[str, RobotsTxt] = {}
        _INSTANCES[crawler] = self

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> RobotsTxtMiddleware | None:
        """The crawler's enabled instance of this middleware, or ``None``.

        ``None`` means robots.txt is not fetched for the rules (``ROBOTSTXT_OBEY``
        off, or another robots middleware configured): a component that needs
        the file must then request it itself.
        """
        instance = _INSTANCES.get(crawler)
        return instance if isinstance(instance, cls) else None

    def outcome(self, url: str) -> RobotsTxt | None:
        """The robots.txt outcome of ``url``'s site, or ``None`` if not fetched (yet).

        Any request of the site that passed :meth:`process_request` (and was
        not marked ``dont_obey_robotstxt``) had the file fetched first, so a
        spider callback or errback of such a request can rely on an answer.
        """
        return self._outcomes.get(urlparse_cached(Request(url)).netloc)

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
            # Recorded before parsing: parsing fires the waiters of robot_parser.
            self._outcomes[netloc] = robots_outcome(response.url, response.status, response.body)
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
            self._outcomes.setdefault(netloc, RobotsTxt(robots_request.url, None))
            self._robots_error(exc, netloc)
        except Exception as exc:
            if not isinstance(exc, IgnoreRequest):
                logger.error(
                    "Error downloading %(request)s: %(f_exception)s",
                    {"request": robots_request, "f_exception": exc},
                    exc_info=True,
                    extra={"spider": self.crawler.spider},
                )
            self._outcomes.setdefault(netloc, RobotsTxt(robots_request.url, None))
            self._robots_error(exc, netloc)


def robots_outcome(url: str, status: int, body: bytes) -> RobotsTxt:
    """The outcome of a robots.txt response: its sitemaps when it is a 2xx file."""
    if not 200 <= status < 300:
        return RobotsTxt(url, status)
    return RobotsTxt(url, status, tuple(sitemap_urls_from_robots(body, url)))
