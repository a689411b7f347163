"""The reusable machinery of every places spider.

:class:`PlacesSpider` starts from URLs, URL files or local directories, reads
robots.txt ``Sitemap:`` lines and ``/sitemap.xml``, follows same-site links
(location-like ones first), sends every response through one dispatch by
content kind, extracts places from HTML pages, and turns bad input (broken
markup, wrong charsets, binaries served as HTML, oversized bodies, HTTP
errors) into one log line and a ``netcrawl/`` stats counter instead of an
error. The rules themselves live in :mod:`netcrawl.discovery`; this class
only wires them into Scrapy.

A site-specific spider names itself and its start URLs, and overrides a hook
only where the site needs it::

    class ExampleBankSpider(PlacesSpider):
        name = "example_bank"
        start_urls = ["https://www.example-bank.com/branches/"]
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from netcrawl.discovery.content import ResponseKind, as_html_response, classify, repair_encoding
from netcrawl.discovery.links import build_link_extractor, is_asset_url, location_score
from netcrawl.discovery.robots import sitemap_urls_from_robots
from netcrawl.discovery.sitemaps import (
    SitemapTooLarge,
    default_sitemap_url,
    looks_like_sitemap,
    read_sitemap,
)
from netcrawl.discovery.sites import (
    SiteScope,
    StartTarget,
    StartUrlError,
    parse_start_targets,
    read_urls_file,
    site_root,
    split_start_urls,
)
from netcrawl.distributed.seeds import SharedSeeds
from netcrawl.extraction import ExtractionResult, extract_places
from netcrawl.incremental.conditional import NOT_MODIFIED
from netcrawl.items import PLACE_FIELDS, Place
from netcrawl.middlewares.robotstxt import RobotsTxtMiddleware
from netcrawl.rendering import RENDER_META_KEY, RenderModeError, parse_render_mode
from netcrawl.resume.ports import serve_directory
from netcrawl.serving import StaticFileServer

logger = logging.getLogger(__name__)

#: Signature of a page or API extractor: a response in, places and problem codes out.
Extractor = Callable[[TextResponse], ExtractionResult]
#: Signature of an endpoint finder: an HTML page in, same-site data URLs out.
EndpointFinder = Callable[[TextResponse], Iterable[str]]

# Scrapy request priorities (higher is sooner). Link priorities are location scores
# (about -1..4), so start URLs and discovery files always go first.
START_PRIORITY = 100
DISCOVERY_PRIORITY = 50
#: Meta key of a site's ``/sitemap.xml`` probe when robots.txt is fetched by
#: RobotsTxtMiddleware: the site root whose ``Sitemap:`` lines the probe's
#: callback or errback requests (see PlacesSpider.start_requests_for).
ROBOTS_SITE_META_KEY = "netcrawl_robots_site"
_PLACE_FIELDS = frozenset(PLACE_FIELDS)


def _is_oversized(failure: Failure) -> bool:
    """Whether a download failed because its body exceeded DOWNLOAD_MAXSIZE.

    Scrapy says so only in the message: the download handler cancels with
    "... larger than download max size ..." and HttpCompressionMiddleware ignores
    decompressed bodies "... exceeded DOWNLOAD_MAXSIZE ...".
    """
    if failure.check(DownloadCancelledError):
        return "max size" in str(failure.value)
    if failure.check(IgnoreRequest):
        return "DOWNLOAD_MAXSIZE" in str(failure.value)
    return False


class PlacesSpider(Spider):
    """Crawl sites for places: discovery, dispatch by content kind, extraction, stats.

    Arguments (``scrapy crawl <name> -a key=value``):

    - ``start_urls``: comma-separated URLs, local directories or ``file://`` URLs
      (a site spider's class attribute is used when absent);
    - ``urls_file``: a file with one start entry per line (``#`` comments allowed).
    - ``render``: ``browser``, ``splash``, ``auto`` or ``none`` (docs/rendering.md).

    Class attributes a site spider may set: ``start_urls``, ``follow_links``
    (``False`` to read only start pages and sitemaps), ``read_sitemaps``,
    ``link_extractor_options`` (``restrict_css``, ``deny``... for Scrapy's
    ``LinkExtractor``), and the hook tuples ``html_extractors``,
    ``api_extractors`` and ``endpoint_finders``.
    """

    start_urls: ClassVar[list[str]] = []
    follow_links: ClassVar[bool] = True
    read_sitemaps: ClassVar[bool] = True
    link_extractor_options: ClassVar[dict[str, Any]] = {}
    #: Rendering of the spider's pages: "browser", "splash", "auto" or None (plain);
    #: ``-a render=...`` overrides it (netcrawl.rendering.middleware, docs/rendering.md).
    render: str | None = None
    #: The shared frontier's start URLs in a distributed crawl (set in from_crawler).
    shared_seeds: SharedSeeds | None = None

    # --- Extraction hooks --------------------------------------------------------------
    # The one place where extractors plug in. Each runs on the responses of its kind;
    # their places and problems are handled identically (see ``_emit``).
    #: Run on every HTML page, in order.
    html_extractors: ClassVar[tuple[Extractor, ...]] = (extract_places,)
    #: Run on every JSON / XML / KML / JavaScript response (store-locator APIs).
    api_extractors: ClassVar[tuple[Extractor, ...]] = ()
    #: Run on every HTML page; the data URLs they return are requested and reach
    #: ``api_extractors`` through the dispatch in :meth:`parse`.
    endpoint_finders: ClassVar[tuple[EndpointFinder, ...]] = ()

    def __init__(
        self,
        *args: Any,
        start_urls: str | list[str] | None = None,
        urls_file: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        try:
            entries = split_start_urls(start_urls) if start_urls else []
            if urls_file:
                entries += read_urls_file(urls_file)
            if not entries:
                entries = list(type(self).start_urls)
            # None at all is an error unless the crawl is distributed (see from_crawler).
            self.targets: list[StartTarget] = parse_start_targets(entries) if entries else []
        except StartUrlError as exc:
            # A usage error, not a bug: one clear line and exit status 2 (like Scrapy's
            # own usage errors) instead of a traceback from inside the crawler's task.
            logger.error("Bad arguments for spider %r: %s", self.name, exc)
            raise SystemExit(2) from None
        try:
            parse_render_mode(self.render, where="render")
        except RenderModeError as exc:
            logger.error("Bad arguments for spider %r: %s", self.name, exc)
            raise SystemExit(2) from None
        self._servers: list[StaticFileServer] = []
        self.scope = SiteScope([])
        self.link_extractor = build_link_extractor(**self.link_extractor_options)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PlacesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._stop_servers, signal=signals.spider_closed)
        spider._max_sitemap_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        # REDIS_URL set: start URLs also come from the shared frontier (docs/distributed.md).
        spider.shared_seeds = SharedSeeds.from_crawler(crawler)
        if not spider.targets and spider.shared_seeds is None:
            logger.error(
                "Bad arguments for spider %r: spider %r needs start URLs: "
                "-a start_urls=URL[,URL...] or -a urls_file=PATH", spider.name, spider.name,
            )
            raise SystemExit(2)
        return spider

    # --- Start -------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        urls = self._open_targets()
        if self.shared_seeds is not None:  # distributed: every seed of the shared frontier
            urls = self.shared_seeds.start(urls)
            self.scope = self.shared_seeds.scope
            self.allowed_domains = self.scope.allowed_domains
        for request in self.start_requests_for(urls):
            yield request

    def start_requests_for(self, urls: list[str]) -> Iterator[Request]:
        """robots.txt and sitemap probes of the start URLs' sites, then the start URLs.

        With ``ROBOTSTXT_OBEY`` (netcrawl's RobotsTxtMiddleware enabled) robots.txt
        is not requested here: the middleware downloads it before the site's first
        request, and the ``/sitemap.xml`` probe's callback or errback reads its
        ``Sitemap:`` lines from that download (:meth:`shared_robots_sitemaps`).
        The probe carries this because, unlike a wait in ``start()``, it is an
        ordinary request: journaled and resumed, replayed by incremental
        re-crawls, skipped when a finished job runs again, and also made for the
        seeds a distributed crawl learns after its start.
        """
        if self.read_sitemaps:
            shared = RobotsTxtMiddleware.for_crawler(self.crawler) is not None
            for root in dict.fromkeys(site_root(url) for url in urls):
                if not shared:
                    yield self._robots_request(root)
                probe = self._sitemap_request(default_sitemap_url(root), probe=True)
                if shared:
                    probe.meta[ROBOTS_SITE_META_KEY] = root
                yield probe
        for url in urls:
            if looks_like_sitemap(url):
                yield self._sitemap_request(url)
            else:
                yield Request(
                    url, callback=self.parse, errback=self.on_error, priority=START_PRIORITY
                )

    def _open_targets(self) -> list[str]:
        """Serve local directories, then fix the start URLs and the site scope."""
        served: dict[str, str] = {}
        urls = []
        for target in self.targets:
            base = None
            if target.directory is not None:
                key = str(target.directory)
                if key not in served:
                    # Same port as the earlier runs of a JOBDIR (resumable URLs).
                    server = serve_directory(target.directory, self.settings)
                    self._servers.append(server)
                    served[key] = server.url
                    logger.info("Serving %s at %s", target.directory, server.url)
                base = served[key]
            urls.append(target.resolve(base))
        self.scope = SiteScope(urls)
        self.allowed_domains = self.scope.allowed_domains
        return urls

    def _stop_servers(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()

    # --- robots.txt and sitemaps -------------------------------------------------------
    def _robots_request(self, root: str) -> Request:
        """The spider's own robots.txt request (when no RobotsTxtMiddleware fetches it)."""
        return Request(
            root + "robots.txt",
            callback=self.parse_robots,
            errback=self.on_error,
            priority=DISCOVERY_PRIORITY,
            meta={"dont_obey_robotstxt": True, "netcrawl_probe": True},
        )

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """Request the on-site sitemaps a robots.txt announces (the spider's own request)."""
        if response.status == NOT_MODIFIED:
            return
        yield from self._robots_sitemap_requests(
            sitemap_urls_from_robots(response.body, response.url), response.url
        )

    def shared_robots_sitemaps(self, meta: Mapping[str, Any]) -> Iterator[Request]:
        """The sitemaps of the robots.txt RobotsTxtMiddleware fetched for a probe's site.

        Called with the meta of the ``/sitemap.xml`` probe once it has an answer
        (response or failure): by then the middleware has fetched the site's
        robots.txt, so its outcome is known. If it is not (the probe failed
        before reaching the middleware), robots.txt is requested by the spider
        itself rather than its sitemaps lost.
        """
        root = meta.get(ROBOTS_SITE_META_KEY)
        shared = RobotsTxtMiddleware.for_crawler(self.crawler)
        if root is None or shared is None:
            return
        robots = shared.outcome(root)
        if robots is None:
            logger.debug("robots.txt of %s not fetched by the middleware; requesting it", root)
            yield self._robots_request(root)
        elif robots.ok:
            yield from self._robots_sitemap_requests(robots.sitemaps, robots.url)
        elif robots.status is not None:
            # Reported as on_error reports the spider's own robots.txt request.
            self._inc(f"response/http_{robots.status}")
            logger.debug("HTTP %s for %s", robots.status, robots.url)
        # No status: unreachable, already a counted WARNING of the middleware.

    def _robots_sitemap_requests(self, urls: Iterable[str], robots_url: str) -> Iterator[Request]:
        for url in urls:
            self._inc("sitemaps/from_robots")
            if self.scope.contains(url):
                yield self._sitemap_request(url)
            else:
                self._inc("sitemaps/offsite")
                logger.info("Skipping off-site sitemap %s listed in %s", url, robots_url)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Follow a sitemap index's sitemaps, or request a sitemap's pages.

        Not a generator itself: on a 304 its work must happen in the call, since
        netcrawl.incremental replaces a 304's output with the stored one without
        iterating it. That stored output has the robots.txt sitemaps of the
        previous crawl (or none, if recorded when the spider still requested
        robots.txt itself), so the current ones go straight to the engine
        (``engine.crawl``, as the distributed scheduler does for late seeds);
        those also in the stored output are dropped as duplicates.
        """
        if response.status == NOT_MODIFIED:
            for request in self.shared_robots_sitemaps(response.meta):
                self.crawler.engine.crawl(request)
            return iter(())
        return self._read_sitemap(response)

    def _read_sitemap(self, response: Response) -> Iterator[Request]:
        yield from self.shared_robots_sitemaps(response.meta)
        probe = response.meta.get("netcrawl_probe", False)
        try:
            content = read_sitemap(response.body, response.url, self._max_sitemap_size)
        except SitemapTooLarge as exc:
            self._report(response.url, "sitemaps/too_large", f"{exc}")
            return
        if not content.is_valid:
            if probe:
                logger.debug("No sitemap at %s", response.url)
            else:
                self._report(response.url, "sitemaps/invalid", "not a sitemap")
            return
        self._inc("sitemaps/parsed")
        for url in content.urls:
            if not self.scope.contains(url):
                self._inc("sitemaps/offsite")
            elif content.is_index:
                yield self._sitemap_request(url)
            elif is_asset_url(url):
                self._inc("links/asset_skipped")
            else:
                self._inc("sitemaps/urls")
                yield Request(
                    url,
                    callback=self.parse,
                    errback=self.on_error,
                    priority=location_score(url),
                )

    def _sitemap_request(self, url: str, probe: bool = False) -> Request:
        # Sitemaps do not count towards DEPTH_LIMIT: the pages they list are one
        # step from the start, however deeply the sitemap index nests.
        meta: dict[str, Any] = {"depth_reset": True}
        if probe:
            meta["netcrawl_probe"] = True
        return Request(
            url,
            callback=self.parse_sitemap,
            errback=self.on_error,
            priority=DISCOVERY_PRIORITY,
            meta=meta,
        )

    # --- Responses -----------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Place | Request]:
        """Dispatch a page or data response by what its body really is."""
        # A 304 has an empty body that stands for the previous crawl's copy of the page;
        # netcrawl.incremental replays that copy's output, so callbacks skip it quietly.
        if response.status == NOT_MODIFIED:
            return
        check = classify(response)
        if check.problem is not None:
            sniffed = f", body is {check.sniffed}" if check.sniffed else ""
            self._report(
                response.url,
                f"response/{check.problem}",
                f"declared {check.declared_type or 'no type'}{sniffed}",
            )
        if check.kind is ResponseKind.HTML:
            yield from self.parse_html(as_html_response(response))
        elif check.kind is ResponseKind.API:
            if not isinstance(response, TextResponse):
                response = response.replace(cls=TextResponse)
            yield from self.parse_api(response)

    def parse_html(self, response: TextResponse) -> Iterator[Place | Request]:
        """Extract a page's places, then follow its links and data endpoints."""
        response, problem = repair_encoding(response)
        if problem is not None:
            self._report(response.url, f"response/{problem}", f"read as {response.encoding}")
        self._inc("pages/parsed")
        found = 0
        for extractor in self.html_extractors:
            for place in self._emit(extractor, response):
                found += 1
                yield place
        if found:
            self._inc("pages/with_places")
        for finder in self.endpoint_finders:
            for url in finder(response):
                if self.scope.contains(url):
                    self._inc("api/endpoints")
                    # Data, never rendered: a browser would wrap it in an HTML page.
                    yield Request(url, callback=self.parse, errback=self.on_error, priority=2,
                                  meta={RENDER_META_KEY: "none"})
        if self.follow_links:
            yield from self.follow_links_of(response)

    def parse_api(self, response: TextResponse) -> Iterator[Place]:
        """Extract places from a store-locator data response (JSON, XML, KML, JS)."""
        self._inc("pages/api")
        if not self.api_extractors:
            logger.debug(
                "No API extractor for %s (%s)", response.url, response.headers.get("Content-Type")
            )
            return
        for extractor in self.api_extractors:
            yield from self._emit(extractor, response)

    def follow_links_of(self, response: TextResponse) -> Iterator[Request]:
        """Requests for a page's same-site, non-asset links, location-like ones first."""
        links = self.link_extractor.extract_links(response)
        on_site = [link for link in links if self.scope.contains(link.url)]
        # Counted once a page, not once a link: this runs for every link of every page.
        if len(on_site) < len(links):
            self._inc("links/offsite", len(links) - len(on_site))
        if on_site:
            self._inc("links/followed", len(on_site))
        for link in on_site:
            yield Request(
                link.url,
                callback=self.parse,
                errback=self.on_error,
                priority=location_score(link.url, link.text),
            )

    def _emit(self, extractor: Extractor, response: TextResponse) -> Iterator[Place]:
        """Run one extractor; log and count its problems once; yield its places as items."""
        try:
            result = extractor(response)
        except Exception:
            # A bug in an extractor, not bad input: say so loudly, keep crawling.
            self._inc("extraction/crashed")
            logger.exception(
                "Extractor %s failed on %s", getattr(extractor, "__name__", extractor), response.url
            )
            return
        for code in dict.fromkeys(result.problems):
            self._report(response.url, f"extraction/{code}", "extraction problem")
        for place in result.places:
            item = self.make_place(place, response)
            if item is not None:
                self._inc("places/found")
                yield item

    def make_place(self, place: dict[str, Any], response: Response) -> Place | None:
        """Turn an extractor's place dict into a :class:`Place` (site spiders may adjust it)."""
        unknown = [key for key in place if key not in _PLACE_FIELDS]
        if unknown:
            self._inc("extraction/unknown_field", len(unknown))
        item = Place(
            {
                key: value
                for key, value in place.items()
                if key in _PLACE_FIELDS and value is not None
            }
        )
        item.setdefault("source_url", response.url)
        item["spider"] = self.name
        return item

    # --- Failures ------------------------------------------------------------------------
    def on_error(self, failure: Failure) -> Iterator[Request]:
        """Count a failed download; only unexpected network failures reach WARNING.

        A failed ``/sitemap.xml`` probe (usually a 404) still yields the sitemaps
        of its site's robots.txt (:meth:`shared_robots_sitemaps`).
        """
        request = failure.request
        yield from self.shared_robots_sitemaps(request.meta)
        url = request.url
        if failure.check(HttpError):
            status = failure.value.response.status
            self._inc(f"response/http_{status}")
            level = logging.DEBUG if request.meta.get("netcrawl_probe") else logging.INFO
            logger.log(level, "HTTP %s for %s", status, url)
        elif _is_oversized(failure):
            # Scrapy (download handler or HttpCompressionMiddleware) has already logged
            # one WARNING naming the URL and the sizes; a second line would only repeat it.
            self._inc("response/oversized")
        elif failure.check(IgnoreRequest):
            logger.debug("Ignored %s: %s", url, failure.value)
        else:
            self._report(
                url, "response/download_error", f"{type(failure.value).__name__}: {failure.value}"
            )

    def _report(self, url: str, key: str, detail: str) -> None:
        """Log one problem of one URL at WARNING and count it under ``netcrawl/<key>``."""
        self._inc(key)
        logger.warning("%s at %s (%s)", key, url, detail)

    def _inc(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"netcrawl/{key}", count)
